#!/usr/bin/env bash
# The corrupt-corpus test (issue #5, hostile input): every corpus .etl cut at
# each 4 KiB boundary of its first 256 KiB, with its 1,000 seeded random bit
# flips, and with the BufferSize, SavedOffset and CurrentOffset fields of
# WMI_BUFFER_HEADER (etl-format.md §1.2) of the header buffer, the first data
# buffer and the middle buffer set to 0, 0x48 and 0xFFFFFFFF. Each variant
# runs through the bodies of `etwcap stats` and `etwcap evidence` (all
# processes selected): exit 0 or 2, no sanitizer report, within 10 s of CPU
# time (wall limit at 30 s), on exit 2 the file and an offset named
# (evidence may exit 3 only with "no process matches").
# The driver is tests/tools/corrupt/corrupt.c (etwcap-corrupt): 2 worker
# processes that run the commands in-process, one after the other, and
# check for leaks after each trace (a leak is then pinned to its run by
# rerunning that trace's runs one process each).
#
# ETWCAP_CORRUPT_FLIP_GROUP=G puts G flips in each flip variant (1: each flip
# alone); ETWCAP_CORRUPT_STRIDE=K runs every K-th flip variant only (all cuts
# and field variants still run). Unset, the build's ETWCAP_CORRUPT_CI_*
# values apply (tests/CMakeLists.txt: G = 4, K = 1 in the sanitizer build),
# else 1 and 1. ETWCAP_CORRUPT_FLIPS (default 1000), ETWCAP_CORRUPT_JOBS
# (default 2).
set -euo pipefail
etwcap=$1
corpus=${ETWCAP_CORPUS:-../shared/corpus}
driver=${ETWCAP_BUILD:-$(dirname "$etwcap")}/tests/etwcap-corrupt
if [ ! -d "$corpus/etl" ]; then
  echo "SKIP: corpus not found at $corpus"
  exit 77
fi
if [ ! -x "$driver" ]; then
  echo "SKIP: $driver not built (POSIX hosts only)"
  exit 77
fi
# Regressions of what the driver found, through the etwcap binary itself:
# `evidence` on an empty file named no offset; on a trace cut inside its
# first data buffer, which lost the selected process, it exited 3 (unknown
# selector) although the cut was reported; both are input errors (exit 2).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/empty.etl"
head -c 4096 "$corpus/etl/microsoft_perfview/net.4.5.2.x86.etl" >"$work/cut.etl"
rc=0
"$etwcap" evidence "$work/empty.etl" --pid 1 >/dev/null 2>"$work/err" || rc=$?
if [ $rc -ne 2 ] || ! grep -q "empty.etl: buffer 0 at offset 0 (0x0): empty file" "$work/err"; then
  echo "FAIL: evidence on an empty file: exit $rc, $(cat "$work/err")"
  exit 1
fi
rc=0
"$etwcap" evidence "$work/cut.etl" --process Test.x86 >/dev/null 2>"$work/err" || rc=$?
if [ $rc -ne 2 ] || ! grep -q "cut.etl: buffer 1 at offset 512 (0x200): truncated buffer" "$work/err"; then
  echo "FAIL: evidence on a trace cut at 4096: exit $rc (want 2), $(head -3 "$work/err")"
  exit 1
fi
echo "evidence regressions: empty file and cut trace exit 2 with offsets"

mapfile -t files < <(find "$corpus/etl" -name '*.etl' | sort)
stride=${ETWCAP_CORRUPT_STRIDE:-${ETWCAP_CORRUPT_CI_STRIDE:-1}}
group=${ETWCAP_CORRUPT_FLIP_GROUP:-${ETWCAP_CORRUPT_CI_FLIP_GROUP:-1}}
echo "${#files[@]} corpus traces; flips ${ETWCAP_CORRUPT_FLIPS:-1000}, $group per variant, stride $stride"
"$driver" --flips "${ETWCAP_CORRUPT_FLIPS:-1000}" --flip-group "$group" --stride "$stride" \
  --jobs "${ETWCAP_CORRUPT_JOBS:-2}" --timeout 10 --root "$corpus/etl" "${files[@]}"
