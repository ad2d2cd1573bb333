#!/usr/bin/env bash
# shellcheck disable=SC2317  # step_* functions are called as "step_$name"
# Build etwcap every way CI does and run the whole test suite each time.
#
# Usage: tests/run-all.sh [STEP ...]      (default: all steps, in this order)
#   gcc    Linux gcc build, -Werror, RelWithDebInfo, ctest
#   release  Release build as bench/run.sh makes it (LTO, the etwcap program
#          linked statically), -Werror, ctest
#   asan   clang build with ASan + UBSan (ETWCAP_SANITIZE=ON), ctest
#   tsan   clang build with ThreadSanitizer, the reader's threads test only
#   mingw  mingw-w64 cross build, -Werror, ctest running the .exe under Wine
#   lint   clang-format (no change wanted) on every C file, then clang-tidy
#          (scripts/tidy.py) on every file of the Linux build and of the
#          mingw build, whose _WIN32 code the Linux build leaves out
#   fuzz   optional: fuzz/run.sh 60: every libFuzzer target for 60 s
#          (ETWCAP_FUZZ_SECONDS) after replaying its regressions
#          (skipped while fuzz/run.sh is absent or clang lacks libFuzzer)
#
# Environment:
#   ETWCAP_CI_DIR     build root (default: <repo>/build-ci); one dir per step
#   ETWCAP_JOBS       parallel build/test jobs (default: nproc)
#   ETWCAP_CI_CLEAN=1 wipe each step's build dir first (the cmocka and Wine
#                     caches under $ETWCAP_CI_DIR/deps are kept)
#   ETWCAP_FAIL_FAST=1 stop after the first failing step
#
# Needs the packages from scripts/deps.sh. Each step stops at its first
# failing command; the script goes on with the next step, prints one summary
# line per step at the end and exits non-zero if any step failed.
# Full logs: $ETWCAP_CI_DIR/logs/<step>.log.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CI_DIR=${ETWCAP_CI_DIR:-$ROOT/build-ci}
mkdir -p "$CI_DIR/logs"
CI_DIR=$(cd "$CI_DIR" && pwd)
JOBS=${ETWCAP_JOBS:-$(nproc 2>/dev/null || echo 2)}
ALL_STEPS=(gcc release asan tsan mingw lint fuzz)

GENERATOR=()
if command -v ninja >/dev/null 2>&1; then
    GENERATOR=(-G Ninja)
fi

# ---------------------------------------------------------------- helpers --
STEP=""
# run LABEL CMD...: print the label, run the command, abort the step on failure.
run() {
    local label=$1
    shift
    echo "==> [$STEP] $label"
    local t=$SECONDS rc
    "$@"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "!!! [$STEP] FAILED: $label (exit $rc, $((SECONDS - t))s)" >&2
        exit "$rc"
    fi
    echo "<-- [$STEP] $label: ok ($((SECONDS - t))s)"
}

# fresh_dir DIR: the step's build dir, wiped first when ETWCAP_CI_CLEAN=1.
fresh_dir() {
    if [ "${ETWCAP_CI_CLEAN:-0}" = 1 ]; then
        rm -rf "$1"
    fi
    mkdir -p "$1"
}

# configure_build DIR CMAKE-ARGS...
configure_build() {
    local dir=$1
    shift
    fresh_dir "$dir"
    run "configure" cmake -S "$ROOT" -B "$dir" "${GENERATOR[@]}" "$@"
    run "build" cmake --build "$dir" -j "$JOBS"
}

run_ctest() {
    run "ctest" ctest --test-dir "$1" --output-on-failure --no-tests=error -j "$JOBS"
}

# ------------------------------------------------------------------ steps --
step_gcc() {
    configure_build "$CI_DIR/gcc" \
        -DCMAKE_C_COMPILER=gcc \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
        -DETWCAP_WERROR=ON
    run_ctest "$CI_DIR/gcc"
}

# The build that bench/run.sh measures: Release turns on link-time
# optimization and, on Linux, a static etwcap program (CMakeLists.txt). The
# CLI tests then run that very program.
step_release() {
    configure_build "$CI_DIR/release" \
        -DCMAKE_C_COMPILER=gcc \
        -DCMAKE_BUILD_TYPE=Release \
        -DETWCAP_WERROR=ON
    if [ "$(uname -s)" = Linux ]; then
        # readelf's own failure fails the check too (not only an INTERP header).
        run "etwcap is linked statically (no program interpreter)" \
            sh -c "h=\$(readelf -l '$CI_DIR/release/etwcap') && ! printf '%s\n' \"\$h\" | grep -q INTERP"
    fi
    run_ctest "$CI_DIR/release"
}

step_asan() {
    local cc=clang
    command -v clang-14 >/dev/null 2>&1 && cc=clang-14
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    local sym
    for sym in llvm-symbolizer-14 llvm-symbolizer; do
        if command -v "$sym" >/dev/null 2>&1; then
            ASAN_SYMBOLIZER_PATH=$(command -v "$sym")
            export ASAN_SYMBOLIZER_PATH
            break
        fi
    done
    # -O1 keeps sanitized tests quick while leaving stack traces readable.
    configure_build "$CI_DIR/asan" \
        -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
        -DETWCAP_SANITIZE=ON
    run_ctest "$CI_DIR/asan"
}

# ThreadSanitizer on the test that runs the reader's threads (the decoding
# pool of the iterator and etwcap_reader_visit) with 1, 2 and 4 threads over
# the corpus and damaged copies of it. The other tests run no threads.
step_tsan() {
    local cc=clang
    command -v clang-14 >/dev/null 2>&1 && cc=clang-14
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    fresh_dir "$CI_DIR/tsan"
    run "configure" cmake -S "$ROOT" -B "$CI_DIR/tsan" "${GENERATOR[@]}" \
        -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_FLAGS_DEBUG="-g -O1 -fsanitize=thread" \
        -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread
    run "build" cmake --build "$CI_DIR/tsan" -j "$JOBS" --target test_reader_threads
    run "ctest" ctest --test-dir "$CI_DIR/tsan" --output-on-failure -R '^test_reader_threads$'
}

# Wine: headless (no X, no Xvfb), one prefix kept under $CI_DIR/deps.
wine_setup() {
    export WINEPREFIX="$CI_DIR/deps/wineprefix"
    export WINEDEBUG=-all
    export WINEARCH=win64
    # No Mono/Gecko installer prompts; console programs need neither.
    export WINEDLLOVERRIDES="mscoree,mshtml="
    unset DISPLAY WAYLAND_DISPLAY
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        mkdir -p "$WINEPREFIX"
        run "wineboot -i (first run: creates the Wine prefix)" wineboot -i </dev/null
        run "wineserver -w" wineserver -w
    fi
    # A persistent wineserver plus Wine's own background processes
    # (services.exe, winedevice.exe, ...), all started here with stdio on
    # /dev/null. Otherwise the first test starts them, they inherit its
    # stdout pipe and ctest waits for that pipe to close: forever under a
    # persistent server, a few seconds per test without one.
    echo "==> [$STEP] start a persistent wineserver and Wine's services"
    wineserver -p </dev/null >/dev/null 2>&1 || {
        echo "!!! [$STEP] FAILED: wineserver -p" >&2
        exit 1
    }
    trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
    local wine
    wine=$(command -v wine64 || command -v wine) || {
        echo "!!! [$STEP] FAILED: no wine64 or wine on PATH (run scripts/deps.sh)" >&2
        exit 1
    }
    "$wine" wineboot </dev/null >/dev/null 2>&1 || {
        echo "!!! [$STEP] FAILED: $wine wineboot" >&2
        exit 1
    }
}

# mingw_deps: cmocka and jansson cross-built from Debian's source packages
# (cached under $CI_DIR/deps); sets MINGW_ARGS, the cmake arguments of a
# mingw build.
mingw_deps() {
    local cmocka="$CI_DIR/deps/cmocka-mingw"
    run "cmocka for mingw (Debian source package)" \
        bash "$ROOT/scripts/build-cmocka-mingw.sh" "$cmocka"
    local jansson="$CI_DIR/deps/jansson-mingw"
    run "jansson for mingw (Debian source package)" \
        bash "$ROOT/scripts/build-jansson-mingw.sh" "$jansson"
    MINGW_ARGS=(-DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/mingw-w64.cmake"
        -DCMOCKA_ROOT="$cmocka" -DCMOCKA_STATIC=ON -DJANSSON_ROOT="$jansson")
}

step_mingw() {
    mingw_deps
    configure_build "$CI_DIR/mingw" "${MINGW_ARGS[@]}" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DETWCAP_WERROR=ON
    wine_setup
    run_ctest "$CI_DIR/mingw"
}

# Formatting and clang-tidy. The builds are configured, not built: the
# checks need only their compile_commands.json.
step_lint() {
    local cf=clang-format
    command -v clang-format-14 >/dev/null 2>&1 && cf=clang-format-14
    run "clang-format: every C file formatted as .clang-format says" \
        sh -c "cd '$ROOT' && git ls-files -z '*.c' '*.h' | xargs -0 '$cf' --dry-run --Werror"
    fresh_dir "$CI_DIR/lint-linux"
    run "configure (Linux)" cmake -S "$ROOT" -B "$CI_DIR/lint-linux" "${GENERATOR[@]}" \
        -DCMAKE_C_COMPILER=gcc -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
    run "clang-tidy: the Linux build's files" python3 "$ROOT/scripts/tidy.py" "$CI_DIR/lint-linux"
    mingw_deps
    fresh_dir "$CI_DIR/lint-mingw"
    run "configure (mingw)" cmake -S "$ROOT" -B "$CI_DIR/lint-mingw" "${GENERATOR[@]}" \
        "${MINGW_ARGS[@]}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
    run "clang-tidy: the mingw build's files (the _WIN32 code)" \
        python3 "$ROOT/scripts/tidy.py" "$CI_DIR/lint-mingw" --extra-arg=--target=x86_64-w64-mingw32
}

# Optional hook. Contract for fuzz/run.sh: `fuzz/run.sh SECONDS` builds the
# fuzz targets with clang -fsanitize=fuzzer,address,undefined into
# $ETWCAP_FUZZ_BUILD_DIR, replays each one's committed regressions, fuzzes
# it for SECONDS from its seed corpus, and exits non-zero on any crash,
# leak, timeout, out-of-memory or UB report (`--replay` only replays).
step_fuzz() {
    if [ ! -f "$ROOT/fuzz/run.sh" ]; then
        echo "--- [fuzz] fuzz/run.sh absent: step skipped"
        exit 77
    fi
    local cc=clang probe
    command -v clang-14 >/dev/null 2>&1 && cc=clang-14
    probe=$(mktemp -d)
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >"$probe/probe.c"
    if ! "$cc" -fsanitize=fuzzer,address "$probe/probe.c" -o "$probe/probe" >/dev/null 2>&1; then
        rm -rf "$probe"
        echo "--- [fuzz] $cc does not support -fsanitize=fuzzer: step skipped"
        exit 77
    fi
    rm -rf "$probe"
    export CC="$cc"
    export ETWCAP_FUZZ_BUILD_DIR="$CI_DIR/fuzz"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    fresh_dir "$ETWCAP_FUZZ_BUILD_DIR"
    run "fuzz: regressions, then ${ETWCAP_FUZZ_SECONDS:-60}s per target" \
        bash "$ROOT/fuzz/run.sh" "${ETWCAP_FUZZ_SECONDS:-60}"
}

# ------------------------------------------------------------------- main --
# All of main is one function, parsed whole before it runs, so editing this
# file while a run is in progress cannot derail that run (bash reads a script
# as it goes, so top-level code would see the new bytes mid-run).
main() {
    if [ $# -gt 0 ]; then
        STEPS=("$@")
    else
        STEPS=("${ALL_STEPS[@]}")
    fi
    for s in "${STEPS[@]}"; do
        case " ${ALL_STEPS[*]} " in
        *" $s "*) ;;
        *)
            echo "run-all.sh: unknown step '$s' (steps: ${ALL_STEPS[*]})" >&2
            exit 2
            ;;
        esac
    done

    SUMMARY=()
    failed=0
    T0=$SECONDS
    for s in "${STEPS[@]}"; do
        log="$CI_DIR/logs/$s.log"
        echo
        echo "=================== [$s] ==================="
        t=$SECONDS
        # Subshell: a step's exports, traps and exits stay inside it.
        (STEP=$s && "step_$s") 2>&1 | tee "$log"
        rc=${PIPESTATUS[0]}
        dt=$((SECONDS - t))
        # ctest's closing line, e.g. "100% tests passed, 0 tests failed out of 12".
        counts=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$log" | tail -n1 |
            sed -E 's/([0-9]+) tests failed out of ([0-9]+)/\1 of \2 tests failed/')
        if [ "$rc" -eq 0 ]; then
            status=PASS
        elif [ "$rc" -eq 77 ]; then
            status=SKIP
        else
            status=FAIL
            failed=$((failed + 1))
        fi
        SUMMARY+=("$(printf '%-4s  %-7s %5ss  %s' "$status" "$s" "$dt" "${counts:+ctest: $counts}")")
        if [ "$status" = FAIL ] && [ "${ETWCAP_FAIL_FAST:-0}" = 1 ]; then
            echo "!!! [$s] failed; ETWCAP_FAIL_FAST=1, not running the remaining steps" >&2
            break
        fi
    done

    echo
    echo "=================== summary ($((SECONDS - T0))s, logs in $CI_DIR/logs) ==================="
    for line in "${SUMMARY[@]}"; do
        echo "  $line"
    done
    if [ $failed -ne 0 ]; then
        echo "run-all.sh: $failed step(s) FAILED"
        exit 1
    fi
    echo "run-all.sh: all steps OK"
}

main "$@"; exit $?
