#!/usr/bin/env bash
# `etwcap stacks` coverage on the corpus (issue: stacks and symbols):
#   net.4.5.2.x86.etl, Test.x86: >= 99.5% of samples reach user mode,
#                                >= 99.5% of user frames resolve;
#   net.4.5.x86/PerfViewData.etl, pid 1980: >= 93% of samples have a stack,
#                                >= 99.5% of user frames resolve.
# Also checks the folded and speedscope outputs' shape.
set -euo pipefail
etwcap=$1
corpus=${ETWCAP_CORPUS:-../shared/corpus}
a="$corpus/etl/microsoft_perfview/net.4.5.2.x86.etl"
b="$corpus/etl/microsoft_perfview/net.4.5.x86/PerfViewData.etl"
if [ ! -f "$a" ] || [ ! -f "$b" ]; then
  echo "SKIP: corpus not found at $corpus"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$etwcap" stacks "$a" --process Test.x86 -o "$tmp/a.folded" 2> "$tmp/a.err"
"$etwcap" stacks "$b" --pid 1980 --format speedscope -o "$tmp/b.json" 2> "$tmp/b.err"
cat "$tmp/a.err" "$tmp/b.err"
python3 - "$tmp" <<'PY'
import json, re, sys
tmp = sys.argv[1]
def summary(path):
    s = open(path).read()
    m = re.search(r'(\d+) samples; (\d+) with a stack .*?, (\d+) reaching user mode .*?; (\d+) user frames, (\d+) resolved', s)
    return [int(x) for x in m.groups()]
res = []
def check(name, ok):
    res.append(ok); print(('ok   ' if ok else 'FAIL ') + name)
s, st, user, uf, ur = summary(f'{tmp}/a.err')
check(f'net.4.5.2 Test.x86: {user}/{s} samples reach user mode (>= 99.5%)', s > 4000 and user >= 0.995 * s)
check(f'net.4.5.2 Test.x86: {ur}/{uf} user frames resolve (>= 99.5%)', ur >= 0.995 * uf)
s, st, user, uf, ur = summary(f'{tmp}/b.err')
check(f'net.4.5 pid 1980: {st}/{s} samples have a stack (>= 93%)', s > 2000 and st >= 0.93 * s)
check(f'net.4.5 pid 1980: {ur}/{uf} user frames resolve (>= 99.5%)', ur >= 0.995 * uf)
lines = open(f'{tmp}/a.folded').read().splitlines()
total = sum(int(l.rsplit(' ', 1)[1]) for l in lines)
check(f'folded counts add up to the samples ({total})', total == summary(f'{tmp}/a.err')[0])
check('folded stacks start at the process and reach Test.Program.Main',
      all(l.startswith('Test.x86.exe (3644);') for l in lines) and
      any('Test.x86!Test.Program.Main' in l for l in lines))
sp = json.load(open(f'{tmp}/b.json'))
prof = sp['profiles'][0]
check('speedscope: one sampled profile whose weights add up to the samples',
      prof['type'] == 'sampled' and sum(prof['weights']) == summary(f'{tmp}/b.err')[0]
      and len(prof['samples']) == len(prof['weights']))
print(f'{sum(res)} passed, {len(res) - sum(res)} failed')
sys.exit(0 if all(res) else 1)
PY
