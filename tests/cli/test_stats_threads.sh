#!/usr/bin/env bash
# `etwcap stats --threads N` (each thread decodes, parses and counts whole
# buffers: etwcap_reader_visit):
#   - the output (stdout and stderr) is the same with 1, 2 and 16 threads on
#     corpus traces, compressed and not;
#   - memory stays bounded with many threads and large buffers: a trace of
#     48 buffers that each declare 16 MiB (the first two buffers of
#     net.4.5.x86/PerfViewData.etl, padded) may not pin one buffer per job
#     (64 jobs with 16 threads would be 1 GiB; the visit limits what its jobs
#     hold to 64 MiB). Peak RSS with 16 threads must stay within 160 MiB of
#     the one-thread run's.
set -euo pipefail
etwcap=$1
dir=${ETWCAP_CORPUS:-../shared/corpus}/etl/microsoft_perfview
traces=("$dir/net.4.5.2.x86.etl" "$dir/net.4.5.x86/PerfViewData.etl")
for f in "${traces[@]}"; do
    [ -f "$f" ] || {
        echo "SKIP: $f not found"
        exit 77
    }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for f in "${traces[@]}"; do
    "$etwcap" stats --threads 1 "$f" >"$tmp/1.out" 2>&1 || true
    for t in 2 16; do
        "$etwcap" stats --threads "$t" "$f" >"$tmp/$t.out" 2>&1 || true
        if cmp -s "$tmp/1.out" "$tmp/$t.out"; then
            echo "ok   $(basename "$f"): --threads $t gives the output of --threads 1"
        else
            echo "FAIL $(basename "$f"): --threads $t differs from --threads 1"
            diff "$tmp/1.out" "$tmp/$t.out" | head -5
            fail=1
        fi
    done
done

python3 - "${traces[1]}" "$tmp/big.etl" <<'PY'
import struct, sys
src, out = sys.argv[1:]
d = open(src, 'rb').read()
bs = struct.unpack_from('<I', d, 0)[0]
big = 16 << 20
with open(out, 'wb') as f:
    for i in range(48):
        h = bytearray(d[:bs] if i == 0 else d[bs:2 * bs])
        struct.pack_into('<I', h, 0, big)  # BufferSize; Offset still ends the records
        f.write(h)
        f.write(bytes(big - len(h)))
PY
# Measured from a fresh, small Python: a child's peak RSS starts from its
# parent's at fork.
python3 - "$tmp/big.etl" "$etwcap" <<'PY' || fail=1
import resource, subprocess, sys
big, etwcap = sys.argv[1:]

def run(threads):
    p = subprocess.run([etwcap, 'stats', '--threads', str(threads), big], capture_output=True)
    # The largest of the children so far: the one-thread run comes first.
    return p.stdout, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

out1, rss1 = run(1)
out16, rss16 = run(16)
ok = out1 == out16 and b'TOTAL:19083' in out1
print(('ok   ' if ok else 'FAIL ') + '48 buffers of 16 MiB: the same counts with 1 and 16 threads')
ok2 = rss16 <= rss1 + 160
print(('ok   ' if ok2 else 'FAIL ') +
      f'48 buffers of 16 MiB: peak RSS {rss16:.0f} MiB with 16 threads, {rss1:.0f} MiB with 1')
sys.exit(0 if ok and ok2 else 1)
PY
exit $fail
