#!/usr/bin/env bash
# Install every Debian package etwcap needs to build, lint and test
# (native gcc/clang, sanitizers, libFuzzer, mingw-w64 cross build, Wine).
#
# Idempotent: packages already installed are skipped, and apt-get is not run
# at all when nothing is missing, so a re-run takes well under a second.
# Non-interactive; meant to run as root (CI) or through sudo.
#
# Usage: scripts/deps.sh [extra-package ...]
set -euo pipefail

PACKAGES=(
    # native build + unit tests
    cmake make ninja-build pkg-config gcc libc6-dev libcmocka-dev
    libjansson-dev  # JSON parser of `etwcap confirm`
    # clang, ASan/UBSan/libFuzzer runtimes, lld, llvm tools
    # (llvm-pdbutil-14, llvm-symbolizer-14)
    clang clang-14 libclang-rt-14-dev lld-14 llvm-14
    # lint / format
    clang-format clang-tidy
    # Windows cross build and test runner
    gcc-mingw-w64-x86-64 wine wine64
    # scripts/build-cmocka-mingw.sh: apt-get source + dpkg-source
    dpkg-dev
    # misc tooling used by tests and scripts
    python3 python3-jsonschema libssl-dev git ca-certificates xz-utils file
    chromium  # headless render of the SVG flame graph (tests/cli/test_svg_chromium.sh)
)
PACKAGES+=("$@")

export DEBIAN_FRONTEND=noninteractive

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -n env DEBIAN_FRONTEND=noninteractive)
    else
        echo "deps.sh: not root and no sudo; cannot install packages" >&2
        exit 1
    fi
fi

is_installed() {
    # "install ok installed" only; half-configured/removed packages count as missing.
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

# One dpkg-query call for the whole list keeps the no-op path fast.
declare -A have=()
while read -r name status; do
    [ "$status" = "installed" ] && have["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for p in "${PACKAGES[@]}"; do
    [ -n "${have[$p]:-}" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps.sh: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

echo "deps.sh: installing: ${missing[*]}"
# Wait for a dpkg/apt lock held by something else (e.g. a boot-time apt job)
# instead of failing at once.
LOCK_WAIT=(-o DPkg::Lock::Timeout=600)
APT_OPTS=(-y -q -o Dpkg::Use-Pty=0 "${LOCK_WAIT[@]}"
          -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${SUDO[@]}" apt-get update -q "${LOCK_WAIT[@]}" </dev/null
"${SUDO[@]}" apt-get install "${APT_OPTS[@]}" "${missing[@]}" </dev/null

still=()
for p in "${missing[@]}"; do
    is_installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
    echo "deps.sh: failed to install: ${still[*]}" >&2
    exit 1
fi
echo "deps.sh: done"
