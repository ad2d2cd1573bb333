#!/usr/bin/env bash
# Truncations and bit flips of every corpus trace through `etwcap stats`:
# exit 0 or 2, no signal, no sanitizer report, within 10 s each.
set -euo pipefail
etwcap=$1
corpus=${ETWCAP_CORPUS:-../shared/corpus}
if [ ! -d "$corpus/etl" ]; then
  echo "SKIP: corpus not found at $corpus"
  exit 77
fi
exec python3 "$(dirname "$0")/corrupt_corpus.py" "$etwcap" "$corpus" \
  --truncations "${ETWCAP_CORRUPT_TRUNCATIONS:-50}" --flips "${ETWCAP_CORRUPT_FLIPS:-200}"
