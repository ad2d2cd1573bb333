#!/usr/bin/env bash
# Cross-build jansson (the JSON parser `etwcap confirm` reads with) for
# mingw-w64 (x86_64) as a static library, from Debian's own source package,
# and install it under PREFIX. Same structure as build-cmocka-mingw.sh.
#
# Usage: scripts/build-jansson-mingw.sh PREFIX
#   e.g. scripts/build-jansson-mingw.sh build-mingw/deps/jansson
#
# Result: PREFIX/include/jansson.h, PREFIX/include/jansson_config.h and
# PREFIX/lib/libjansson.a. Configure etwcap with -DJANSSON_ROOT=PREFIX.
# Consumers need no define: jansson's headers carry no dllimport/dllexport
# (its DLL exports through a .def file), so the static archive links as is.
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
if [ -f "$PREFIX/lib/libjansson.a" ] && [ -f "$PREFIX/include/jansson.h" ] &&
    [ -f "$PREFIX/include/jansson_config.h" ]; then
    echo "build-jansson-mingw: already installed in $PREFIX"
    exit 0
fi

PKG=jansson
TAG=build-jansson-mingw
# shellcheck source=scripts/mingw-source.sh
. "$(dirname "${BASH_SOURCE[0]}")/mingw-source.sh"

# --- 3. cross-compile a static library --------------------------------------
# jansson builds a static library unless JANSSON_BUILD_SHARED_LIBS=ON. The
# public header jansson_config.h is generated into the build tree. Build only
# the library target (no examples, tests or Sphinx docs) and install it by
# hand, so the prefix never holds a DLL or an import library.
run_logged "$WORK/configure.log" cmake -S "$SRC" -B "$WORK/build" "${GEN[@]}" \
    -DCMAKE_TOOLCHAIN_FILE="$WORK/toolchain.cmake" \
    -DCMAKE_BUILD_TYPE=Release \
    -DJANSSON_BUILD_SHARED_LIBS=OFF \
    -DJANSSON_EXAMPLES=OFF \
    -DJANSSON_WITHOUT_TESTS=ON \
    -DJANSSON_BUILD_DOCS=OFF \
    -DJANSSON_INSTALL=OFF
run_logged "$WORK/build.log" cmake --build "$WORK/build" --target jansson -j"$(nproc)"

archive=$(find "$WORK/build" -name 'libjansson*.a' ! -name '*.dll.a' | head -n1)
config=$(find "$WORK/build" -name 'jansson_config.h' | head -n1)
if [ -z "$archive" ] || [ -z "$config" ] || [ ! -f "$SRC/src/jansson.h" ]; then
    echo "build-jansson-mingw: build produced no static archive or jansson_config.h" >&2
    exit 1
fi
mkdir -p "$PREFIX/include" "$PREFIX/lib"
cp "$SRC/src/jansson.h" "$config" "$PREFIX/include/"
# Written last: its presence marks a complete install (checked at the top).
cp "$archive" "$PREFIX/lib/libjansson.a.tmp"
mv "$PREFIX/lib/libjansson.a.tmp" "$PREFIX/lib/libjansson.a"
echo "build-jansson-mingw: installed $PREFIX/lib/libjansson.a ($(basename "$SRC"))"
