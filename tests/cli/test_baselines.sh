#!/usr/bin/env bash
# Decoded fields and per-type counts against TraceEvent's baselines.
set -euo pipefail
corpus=${ETWCAP_CORPUS:-../shared/corpus}
if [ ! -d "$corpus/baselines" ]; then
  echo "SKIP: corpus not found at $corpus"
  exit 77
fi
exec python3 "$(dirname "$0")/baseline_compare.py" "$1" "$corpus"
