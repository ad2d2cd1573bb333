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

PKG=cmocka
TAG=build-cmocka-mingw
# shellcheck source=scripts/mingw-source.sh
. "$(dirname "${BASH_SOURCE[0]}")/mingw-source.sh"

# --- 3. cross-compile a static library --------------------------------------
# cmocka 1.1.5 (bookworm) always builds the DLL and adds a "cmocka-static"
# target with WITH_STATIC_LIB=ON; newer releases honour BUILD_SHARED_LIBS=OFF
# and make "cmocka" itself static. Build only the static archive and install
# it by hand, so the prefix never holds a DLL or an import library that
# find_library could pick instead.
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
