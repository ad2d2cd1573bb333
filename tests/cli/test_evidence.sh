#!/usr/bin/env bash
# `etwcap evidence` on the corpus and on a two-container trace from the
# test-trace writer: JIT methods, modules, determinism, sha256, attestation,
# selector errors and container isolation.
set -euo pipefail
etwcap=$1
corpus=${ETWCAP_CORPUS:-../shared/corpus}
if [ ! -f "$corpus/etl/microsoft_perfview/net.4.5.2.x86.etl" ]; then
  echo "SKIP: corpus not found at $corpus"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec python3 "$(dirname "$0")/evidence_check.py" "$etwcap" "$ETWCAP_BUILD/etwcap-testgen" \
  "$corpus" "$ETWCAP_SRC" "$tmp"
