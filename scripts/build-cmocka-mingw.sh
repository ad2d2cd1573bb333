#!/usr/bin/env bash
# Cross-build cmocka for mingw-w64 (x86_64) as a static library, from
# Debian's own source package, and install it under PREFIX.
#
# Usage: scripts/build-cmocka-mingw.sh PREFIX
#   e.g. scripts/build-cmocka-mingw.sh build-mingw/deps/cmocka
#
# Result: PREFIX/include/cmocka.h and PREFIX/lib/libcmocka.a.
# Consumers must define CMOCKA_STATIC (configure etwcap with
# -DCMOCKA_ROOT=PREFIX -DCMOCKA_STATIC=ON).
#
# Does nothing when PREFIX already holds the library. Needs root (or sudo)
# only the first time, to enable deb-src and fetch the source package.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi

mkdir -p "$1"
PREFIX=$(cd "$1" && pwd)
if [ -f "$PREFIX/lib/libcmocka.a" ] && [ -f "$PREFIX/include/cmocka.h" ]; then
    echo "build-cmocka-mingw: already installed in $PREFIX"
    exit 0
fi

HOST=x86_64-w64-mingw32
for tool in "$HOST-gcc" "$HOST-ar" cmake dpkg-source; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-cmocka-mingw: $tool not found (run scripts/deps.sh first)" >&2
        exit 1
    fi
done

export DEBIAN_FRONTEND=noninteractive
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo -n)

# --- 1. make sure apt knows about source packages ---------------------------
if ! apt-cache showsrc cmocka 2>/dev/null | grep -q '^Package: cmocka'; then
    changed=0
    DEB822=/etc/apt/sources.list.d/debian.sources
    if [ -f "$DEB822" ]; then
        # "Types: deb" -> "Types: deb deb-src" in every stanza lacking deb-src.
        if grep -Eq '^Types:' "$DEB822" && grep -E '^Types:' "$DEB822" | grep -vq 'deb-src'; then
            "${SUDO[@]}" sed -i -E '/^Types:/{/deb-src/!s/$/ deb-src/}' "$DEB822"
            changed=1
        fi
    fi
    if [ "$changed" -eq 0 ] && [ -f /etc/apt/sources.list ] &&
        ! grep -Eq '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list; then
        # One-line format: mirror every "deb" line as "deb-src" in a file of ours.
        grep -E '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list |
            sed -E 's/^([[:space:]]*)deb([[:space:]])/\1deb-src\2/' |
            "${SUDO[@]}" tee /etc/apt/sources.list.d/etwcap-deb-src.list >/dev/null
    fi
    "${SUDO[@]}" apt-get update -q -o DPkg::Lock::Timeout=600 </dev/null
    if ! apt-cache showsrc cmocka 2>/dev/null | grep -q '^Package: cmocka'; then
        echo "build-cmocka-mingw: apt still has no source for cmocka" >&2
        exit 1
    fi
fi

# --- 2. fetch and unpack Debian's cmocka source ------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cmocka-mingw.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
(
    cd "$WORK"
    # As root, apt downloads unsandboxed here (a W: line about user _apt, in
    # source.log only); the retry is for apt versions that refuse instead.
    apt-get source -q cmocka </dev/null >source.log 2>&1 ||
        apt-get source -q -o APT::Sandbox::User=root cmocka </dev/null >source.log 2>&1 || {
        cat source.log >&2
        exit 1
    }
)
SRC=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name 'cmocka-*' | head -n1)
if [ -z "$SRC" ] || [ ! -f "$SRC/CMakeLists.txt" ]; then
    echo "build-cmocka-mingw: apt-get source cmocka gave no source tree" >&2
    cat "$WORK/source.log" >&2
    exit 1
fi
echo "build-cmocka-mingw: building $(basename "$SRC") for $HOST"

# --- 3. cross-compile a static library --------------------------------------
# cmocka 1.1.5 (bookworm) always builds the DLL and adds a "cmocka-static"
# target with WITH_STATIC_LIB=ON; newer releases honour BUILD_SHARED_LIBS=OFF
# and make "cmocka" itself static. Build only the static archive and install
# it by hand, so the prefix never holds a DLL or an import library that
# find_library could pick instead.
cat >"$WORK/toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $HOST-gcc)
set(CMAKE_RC_COMPILER $HOST-windres)
set(CMAKE_FIND_ROOT_PATH /usr/$HOST)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
EOF
run_logged() { # LOG CMD...: run quietly, show the log on failure
    local log=$1
    shift
    "$@" >"$log" 2>&1 || {
        cat "$log" >&2
        echo "build-cmocka-mingw: failed: $*" >&2
        exit 1
    }
}
# Ninja runs cmocka's ~45 configure checks about 3x faster than Makefiles.
GEN=()
if command -v ninja >/dev/null 2>&1; then
    GEN=(-G Ninja)
fi
run_logged "$WORK/configure.log" cmake -S "$SRC" -B "$WORK/build" "${GEN[@]}" \
    -DCMAKE_TOOLCHAIN_FILE="$WORK/toolchain.cmake" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="-DCMOCKA_STATIC" \
    -DBUILD_SHARED_LIBS=OFF \
    -DWITH_STATIC_LIB=ON \
    -DWITH_EXAMPLES=OFF \
    -DUNIT_TESTING=OFF \
    -DPICKY_DEVELOPER=OFF
if cmake --build "$WORK/build" --target help 2>/dev/null | grep -q 'cmocka-static'; then
    target=cmocka-static
else
    target=cmocka
fi
run_logged "$WORK/build.log" cmake --build "$WORK/build" --target "$target" -j"$(nproc)"

archive=$(find "$WORK/build" -name 'libcmocka*.a' ! -name '*.dll.a' | head -n1)
if [ -z "$archive" ] || [ ! -f "$SRC/include/cmocka.h" ]; then
    echo "build-cmocka-mingw: build produced no static archive" >&2
    exit 1
fi
mkdir -p "$PREFIX/include" "$PREFIX/lib"
cp "$SRC/include/cmocka.h" "$PREFIX/include/"
if [ -f "$SRC/include/cmocka_pbc.h" ]; then
    cp "$SRC/include/cmocka_pbc.h" "$PREFIX/include/"
fi
# Written last: its presence marks a complete install (checked at the top).
cp "$archive" "$PREFIX/lib/libcmocka.a.tmp"
mv "$PREFIX/lib/libcmocka.a.tmp" "$PREFIX/lib/libcmocka.a"
echo "build-cmocka-mingw: installed $PREFIX/lib/libcmocka.a ($(basename "$SRC"), target $target)"
