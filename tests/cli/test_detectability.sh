#!/usr/bin/env bash
# Detectability statements of `etwcap confirm` (issue #6, docs/verdicts.md
# "Detectability") on the corpus: tests/data/claims/detectability-claims.json
# against the evidence of Test.x86 and of PerfView (pid 3988, started before
# the capture) in net.4.5.2.x86.etl. Checks: exact for a JIT-compiled
# method; "inlined or before the capture" for a method of a module known
# from rundown with no JIT event; and a native CPU-time bound equal to the
# hand computation T * ln(20) / u from the evidence's completeness record.
set -euo pipefail
etwcap=$1
src=${ETWCAP_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
corpus=${ETWCAP_CORPUS:-$src/../shared/corpus}
trace=$corpus/etl/microsoft_perfview/net.4.5.2.x86.etl
if [ ! -f "$trace" ]; then
  echo "SKIP: corpus not found at $corpus (set ETWCAP_CORPUS)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
claims=$src/tests/data/claims/detectability-claims.json
"$etwcap" evidence "$trace" --process Test.x86 -o "$work/test.json"
"$etwcap" evidence "$trace" --pid 3988 -o "$work/perfview.json"
"$etwcap" confirm --evidence "$work/test.json" --claims "$claims" -o "$work/v-test.json" 2>/dev/null
"$etwcap" confirm --evidence "$work/perfview.json" --claims "$claims" -o "$work/v-pv.json" 2>/dev/null
"$etwcap" confirm --evidence "$work/test.json" --claims "$claims" -o "$work/v-test2.json" 2>/dev/null
cmp "$work/v-test.json" "$work/v-test2.json"

python3 - "$work" <<'PYEOF'
import json, math, sys
work = sys.argv[1]
results = []


def check(name, ok, detail=''):
    results.append(ok)
    print(('ok   ' if ok else 'FAIL ') + name + (f': {detail}' if detail else ''))


def verdicts(name):
    return {v['claim']: v for v in json.load(open(f'{work}/{name}'))['verdicts']}


ev_test = json.load(open(f'{work}/test.json'))
ev_pv = json.load(open(f'{work}/perfview.json'))
vt, vp = verdicts('v-test.json'), verdicts('v-pv.json')

for v in list(vt.values()) + list(vp.values()):
    d = v['detectability']
    check(f"{v['claim']}: has a detectability statement, also in the reason",
          d['statement'].startswith('Detectability: ') and d['statement'] in v['reason'])

# D1: JIT-compiled in Test.x86 -> exact.
d1 = vt['D1']
jit = [f for f in ev_test['functions'] if f['name'] == 'Test.Program.Main' and 'jit' in f['observed']]
check('D1: the evidence has a JIT event for Test.Program.Main', len(jit) == 1)
check('D1: ConfirmedReachable, first-call events, exact',
      d1['state'] == 'ConfirmedReachable' and d1['detectability']['basis'] == 'first-call-events'
      and d1['detectability']['exact'] is True and d1['detectability']['limits'] == []
      and 'exact' in d1['detectability']['statement'], d1['detectability']['statement'][:80])

# D2: PerfView, module from rundown, no JIT event -> inlined or before capture.
d2 = vp['D2']['detectability']
mods = [m for m in ev_pv['modules'] if m['path'].endswith('Microsoft.Diagnostics.FastSerialization.dll')]
c_pv = ev_pv['completeness'][0]
check('D2: module listed, loaded before the capture, rundown seen',
      len(mods) == 1 and mods[0]['before_capture'] and c_pv['clr']['module_rundown_events'] > 0
      and c_pv['window']['started_before_capture'])
check('D2: no function of the module was JIT-compiled',
      not any(f['module'] == 'Microsoft.Diagnostics.FastSerialization' and 'jit' in f['observed']
              for f in ev_pv['functions']))
check('D2: not exact, limits inlined + before-capture, statement names both',
      vp['D2']['observation'] is None and vp['D2']['module_loaded'] and
      d2['basis'] == 'first-call-events' and d2['exact'] is False and
      'inlined' in d2['limits'] and 'before-capture' in d2['limits'] and
      'inlined' in d2['statement'] and 'before the capture' in d2['statement'] and
      'pid 3988 (PerfView.exe) started before the capture' in d2['statement'], str(d2['limits']))
# The same claim on Test.x86 (started inside the capture): before-capture does not apply.
check('D2 on Test.x86: no before-capture limit (whole lifetime in the capture)',
      'before-capture' not in vt['D2']['detectability']['limits'] and
      ev_test['completeness'][0]['window']['whole_lifetime'])

# D3: native, not sampled -> C = T * ln(20) / u, by hand from the completeness record.
for name, ev, vs in (('Test.x86', ev_test, vt), ('PerfView', ev_pv, vp)):
    d3 = vs['D3']['detectability']
    c = ev['completeness'][0]
    want = c['sample_interval_ms'] * math.log(20) / c['samples_reaching_user_fraction']
    got = d3['min_cpu_ms']
    check(f'D3 ({name}): sampling bound = T*ln20/u = {c["sample_interval_ms"]}*{math.log(20):.6f}/'
          f'{c["samples_reaching_user_fraction"]:.6f} = {want:.6f} ms',
          d3['basis'] == 'sampling' and got is not None and abs(got - want) < 1e-9 and
          d3['processes'][0]['pid'] == c['pid'] and
          f'at least {want:.2f} ms of CPU' in d3['statement'] and
          f'{c["samples"]:.0f} samples' in d3['statement'], f'got {got}')
    check(f'D3 ({name}): user-mode share < 1 is named as a limit',
          (c['samples_reaching_user_fraction'] < 1) == ('stacks-not-reaching-user' in d3['limits']))

passed = sum(results)
print(f'{passed} passed, {len(results) - passed} failed')
sys.exit(0 if passed == len(results) else 1)
PYEOF
