#!/usr/bin/env bash
# `etwcap capture` off Windows: a clear Windows-only message that points to
# `etwcap evidence`, and a non-zero exit. (On Windows the lifecycle is tested
# through the fake API: tests/unit/test_capture_*.c.)
set -u
ETWCAP=$1
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) exit 77 ;; esac
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
err=$("$ETWCAP" capture --duration 5s --pid 1234 -o t.etl 2>&1 >/dev/null)
rc=$?
[ "$rc" -ne 0 ] || fail "capture exited 0 off Windows"
grep -q "needs Windows" <<<"$err" || fail "no Windows-only message: $err"
grep -q "etwcap evidence" <<<"$err" || fail "no pointer to etwcap evidence: $err"
[ ! -e t.etl ] || fail "a trace file was written"
# Bad arguments are still usage errors, and --help works everywhere.
"$ETWCAP" capture --sample-rate 0 >/dev/null 2>&1 && fail "--sample-rate 0 accepted"
"$ETWCAP" capture --help | grep -q "usage: etwcap capture" || fail "--help"
"$ETWCAP" --help | grep -q "capture" || fail "capture not in the command list"
echo "capture off Windows: exit $rc, message ok"
