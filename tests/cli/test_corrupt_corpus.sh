#!/usr/bin/env bash
# The corrupt-corpus test (issue #5, hostile input): every corpus .etl cut at
# each 4 KiB boundary of its first 256 KiB, with 1,000 seeded one-bit flips
# (1,000 variants of one flip each) and with the BufferSize, SavedOffset and
# CurrentOffset fields of WMI_BUFFER_HEADER (etl-format.md §1.2) of the
# header buffer, the first data buffer and the middle buffer set to 0, 0x48
# and 0xFFFFFFFF. Each variant runs through the bodies of `etwcap stats` and
# `etwcap evidence` (all processes selected): exit 0 or 2, no sanitizer
# report, within 10 s, and on exit 2 the file and an offset named.
# The driver is tests/tools/corrupt/corrupt.c (etwcap-corrupt, one fork per
# run, 2 workers).
#
# ETWCAP_CORRUPT_STRIDE=K runs every K-th flip variant only (all cuts and
# field variants still run); CMake sets it per build (tests/CMakeLists.txt).
# ETWCAP_CORRUPT_FLIPS (default 1000), ETWCAP_CORRUPT_JOBS (default 2).
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
mapfile -t files < <(find "$corpus/etl" -name '*.etl' | sort)
echo "${#files[@]} corpus traces; flips ${ETWCAP_CORRUPT_FLIPS:-1000}, stride ${ETWCAP_CORRUPT_STRIDE:-1}"
exec "$driver" --flips "${ETWCAP_CORRUPT_FLIPS:-1000}" --stride "${ETWCAP_CORRUPT_STRIDE:-1}" \
  --jobs "${ETWCAP_CORRUPT_JOBS:-2}" --timeout 10 --root "$corpus/etl" "${files[@]}"
