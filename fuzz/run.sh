#!/usr/bin/env bash
# Build the libFuzzer targets and run each one.
#
# Usage: fuzz/run.sh SECONDS [TARGET...]   fuzz each target for SECONDS
#        fuzz/run.sh --replay [TARGET...]  only replay corpus + regressions
#
# TARGET is a name without the fuzz_ prefix (etl, lz77, ...); default: all.
# For each target, SECONDS mode:
#   1. replays every input in fuzz/regressions/fuzz_<t>/ (each once);
#   2. fuzzes a scratch copy of fuzz/corpus/fuzz_<t>/ for SECONDS with
#      -rss_limit_mb=512 -timeout=5 and the target's -max_len (below);
#   3. copies any crash, leak, timeout or out-of-memory input into
#      fuzz/regressions/fuzz_<t>/, where ctest replays it in every build
#      from then on (commit it with the fix).
# It prints one line per target (executions, final cov:, features, corpus
# size, findings) and exits 1 when any target had a finding, 2 when the
# build failed.
#
# Environment:
#   ETWCAP_FUZZ_DIR   build folder (default <repo>/build-fuzz; the CI step's
#                     ETWCAP_FUZZ_BUILD_DIR is used when this is unset)
#   CC                a clang to build with (default: clang-14, else clang)
#   ETWCAP_FUZZ_KEEP=0  do not copy findings into fuzz/regressions/
#   ETWCAP_FUZZ_ARGS  extra libFuzzer flags for every target
#   ETWCAP_JOBS       parallel build jobs (default: nproc)
#
#   ETWCAP_FUZZ_PARALLEL  targets fuzzed at once (default: ETWCAP_JOBS)
#
# Each target is one libFuzzer process (no -jobs/-workers); targets run side
# by side, so SECONDS per target take about SECONDS x targets / parallel.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ=$ROOT/fuzz
BUILD=${ETWCAP_FUZZ_DIR:-${ETWCAP_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}}
JOBS=${ETWCAP_JOBS:-$(nproc 2>/dev/null || echo 2)}

# Every reader's target. A target whose fuzz_<t>.c is absent is skipped.
TARGETS=(etl lz77 decode tracelogging stackkeys pe pdb
    # The claims and evidence JSON readers of `confirm` (fuzz_claims.c).
    claims
    # The evidence builder over an .etl file (fuzz_evidence.c).
    evidence)

# -max_len per target: room for the largest realistic input, no more.
max_len() {
    case $1 in
    etl) echo 131072 ;;         # a header buffer and a few 64 KiB data buffers
    lz77) echo 69632 ;;         # 3 header bytes + one compressed 64 KiB buffer
    decode) echo 16384 ;;       # 8 header bytes + one payload (records are < 64 KiB)
    tracelogging) echo 16384 ;; # metadata + payload of one event
    stackkeys) echo 8192 ;;     # a few hundred events
    pe) echo 65536 ;;
    pdb) echo 65536 ;;          # seeds are 512-byte-block PDBs below 50 KB
    claims) echo 32768 ;;       # mode byte + evidence (seeds below 14 KB) + claims
    evidence) echo 131072 ;;    # as etl
    *) echo 65536 ;;
    esac
}

# The seed corpus of a target: fuzz_evidence reads the same input as
# fuzz_etl (an .etl file) and shares its seeds.
seeds_dir() {
    case $1 in
    evidence) echo "$FUZZ/corpus/fuzz_etl" ;;
    *) echo "$FUZZ/corpus/fuzz_$1" ;;
    esac
}

usage() {
    sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
}

[ $# -ge 1 ] || usage
MODE=$1
shift
case $MODE in
--replay) SECONDS_PER=0 ;;
-h | --help) usage ;;
*)
    [[ $MODE =~ ^[0-9]+$ ]] || usage
    SECONDS_PER=$MODE
    ;;
esac
if [ $# -gt 0 ]; then
    TARGETS=("$@")
fi

# ------------------------------------------------------------------ build --
cc=${CC:-}
if [ -z "$cc" ] || ! "$cc" --version 2>/dev/null | grep -q clang; then
    cc=clang
    command -v clang-14 >/dev/null 2>&1 && cc=clang-14
fi
present=()
for t in "${TARGETS[@]}"; do
    if [ -f "$FUZZ/fuzz_$t.c" ]; then
        present+=("$t")
    else
        echo "--- fuzz_$t: fuzz/fuzz_$t.c absent, skipped"
    fi
done
[ ${#present[@]} -gt 0 ] || {
    echo "run.sh: no fuzz target to run" >&2
    exit 2
}
generator=()
if command -v ninja >/dev/null 2>&1 && [ ! -f "$BUILD/Makefile" ]; then
    generator=(-G Ninja)
fi
cc=$(command -v "$cc") || {
    echo "run.sh: no clang found (set CC)" >&2
    exit 2
}
echo "==> configure $BUILD ($cc)"
mkdir -p "$BUILD"
# Another compiler in an existing cache: CMake would drop the cache and our
# -D options with it, so start that folder afresh.
if [ -f "$BUILD/CMakeCache.txt" ] &&
    ! grep -qx "CMAKE_C_COMPILER:[A-Z]*=$cc" "$BUILD/CMakeCache.txt"; then
    rm -rf "$BUILD/CMakeCache.txt" "$BUILD/CMakeFiles"
fi
cmake -S "$ROOT" -B "$BUILD" "${generator[@]}" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DETWCAP_FUZZ=ON -DETWCAP_SANITIZE=ON \
    >"$BUILD/configure.log" 2>&1 || {
    cat "$BUILD/configure.log" >&2
    echo "run.sh: configure failed" >&2
    exit 2
}
targets=()
for t in "${present[@]}"; do targets+=("fuzz_$t"); done
echo "==> build ${targets[*]}"
cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}" || {
    echo "run.sh: build failed" >&2
    exit 2
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for sym in llvm-symbolizer-14 llvm-symbolizer; do
    if command -v "$sym" >/dev/null 2>&1; then
        export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v "$sym")}
        break
    fi
done

# Inputs of a folder (README files and dotfiles are notes, not inputs).
inputs_of() {
    [ -d "$1" ] || return 0
    find "$1" -maxdepth 1 -type f ! -name 'README*' ! -name '.*' | sort
}

# ------------------------------------------------------------------- runs --
# One target: replay, fuzz, keep findings. Writes its summary line to
# $BUILD/run/fuzz_<t>/summary; returns 1 when the target failed.
fuzz_target() {
    local t=$1
    local bin=$BUILD/fuzz/fuzz_$t work=$BUILD/run/fuzz_$t log ml rstatus fstatus rc last
    local execs=- cov=- ft=- corp=-
    local -a common replay seeds found
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts" "$work/replay-artifacts"
    log=$work/fuzz.log
    ml=$(max_len "$t")
    common=(-rss_limit_mb=512 -timeout=5 -max_len="$ml")

    # 1. Replay: the committed regressions (and, with --replay, the seeds).
    mapfile -t replay < <(inputs_of "$FUZZ/regressions/fuzz_$t")
    if [ "$SECONDS_PER" = 0 ]; then
        mapfile -t seeds < <(inputs_of "$(seeds_dir "$t")")
        replay+=("${seeds[@]}")
    fi
    rstatus=ok
    if [ ${#replay[@]} -gt 0 ]; then
        echo "==> fuzz_$t: replay ${#replay[@]} inputs"
        if ! "$bin" "${common[@]}" -artifact_prefix="$work/replay-artifacts/" "${replay[@]}" \
            >"$work/replay.log" 2>&1; then
            rstatus=FAIL
            tail -n 40 "$work/replay.log" >&2
        fi
    fi

    # 2. Fuzz a scratch copy of the seed corpus.
    fstatus=ok
    if [ "$SECONDS_PER" != 0 ]; then
        mapfile -t seeds < <(inputs_of "$(seeds_dir "$t")")
        [ ${#seeds[@]} -gt 0 ] && cp "${seeds[@]}" "$work/corpus/"
        echo "==> fuzz_$t: ${SECONDS_PER}s, ${#seeds[@]} seeds, -max_len=$ml"
        # shellcheck disable=SC2086
        "$bin" "${common[@]}" -artifact_prefix="$work/artifacts/" \
            -max_total_time="$SECONDS_PER" -print_final_stats=1 \
            ${ETWCAP_FUZZ_ARGS:-} "$work/corpus" >"$log" 2>&1
        rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
        last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
        cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
        ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
        corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
        if [ $rc -ne 0 ]; then
            fstatus=FAIL
            grep -E 'ERROR|SUMMARY|runtime error|invariant' "$log" | head -n 20 >&2
        fi
    fi

    # 3. Findings become regression inputs.
    mapfile -t found < <(find "$work/artifacts" -maxdepth 1 -type f \
        \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
    if [ ${#found[@]} -gt 0 ]; then
        fstatus=FAIL
        if [ "${ETWCAP_FUZZ_KEEP:-1}" = 1 ]; then
            mkdir -p "$FUZZ/regressions/fuzz_$t"
            cp "${found[@]}" "$FUZZ/regressions/fuzz_$t/"
            echo "!!! fuzz_$t: ${#found[@]} finding(s) copied to fuzz/regressions/fuzz_$t/:" >&2
        else
            echo "!!! fuzz_$t: ${#found[@]} finding(s) in $work/artifacts/:" >&2
        fi
        printf '      %s\n' "${found[@]##*/}" >&2
    fi
    local status=PASS
    if [ $rstatus != ok ] || [ $fstatus != ok ]; then
        status=FAIL
    fi
    printf '%-4s fuzz_%-13s execs=%-10s cov=%-6s ft=%-6s corpus=%-12s replay=%s findings=%d\n' \
        "$status" "$t" "${execs:--}" "${cov:--}" "${ft:--}" "${corp:--}" "$rstatus" \
        "${#found[@]}" | tee "$work/summary"
    [ $status = PASS ]
}

# Targets run side by side, ETWCAP_FUZZ_PARALLEL at a time (default: one
# per processor); each is one single-threaded libFuzzer process.
parallel=${ETWCAP_FUZZ_PARALLEL:-$JOBS}
running=0
for t in "${present[@]}"; do
    if [ "$running" -ge "$parallel" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    fuzz_target "$t" &
    running=$((running + 1))
done
wait
failed=0
SUMMARY=()
for t in "${present[@]}"; do
    line=$(cat "$BUILD/run/fuzz_$t/summary" 2>/dev/null) || line="FAIL fuzz_$t (no summary: the run died)"
    SUMMARY+=("$line")
    [[ $line == PASS* ]] || failed=$((failed + 1))
done

echo
echo "=================== fuzz summary (logs in $BUILD/run/) ==================="
printf '  %s\n' "${SUMMARY[@]}"
if [ $failed -ne 0 ]; then
    echo "run.sh: $failed target(s) FAILED"
    exit 1
fi
echo "run.sh: all targets OK"
