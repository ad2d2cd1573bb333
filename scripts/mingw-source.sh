# mingw-source.sh - sourced by scripts/build-<lib>-mingw.sh: checks the
# cross tools, enables Debian's deb-src entries when needed, and unpacks
# Debian's source package of a library to cross-build.
#
# In:  PKG (source package name), TAG (message prefix).
# Out: HOST (mingw triplet), SRC (unpacked source tree), WORK (temporary
#      folder, removed on exit), SUDO (array: empty as root),
#      $WORK/toolchain.cmake, GEN (cmake generator arguments), run_logged.

HOST=x86_64-w64-mingw32
for tool in "$HOST-gcc" "$HOST-ar" cmake dpkg-source; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$TAG: $tool not found (run scripts/deps.sh first)" >&2
        exit 1
    fi
done

export DEBIAN_FRONTEND=noninteractive
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo -n)

have_source() {
    apt-cache showsrc "$PKG" 2>/dev/null | grep -q "^Package: $PKG\$"
}

# --- make sure apt knows about source packages -------------------------------
if ! have_source; then
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
    if ! have_source; then
        echo "$TAG: apt still has no source for $PKG" >&2
        exit 1
    fi
fi

# --- fetch and unpack Debian's source -----------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/$PKG-mingw.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK" # apt's _apt sandbox user must be able to write here
(
    cd "$WORK"
    # As root, apt downloads as _apt when it can; the retry is for apt
    # versions that refuse instead of falling back to unsandboxed.
    apt-get source -q "$PKG" </dev/null >source.log 2>&1 ||
        apt-get source -q -o APT::Sandbox::User=root "$PKG" </dev/null >source.log 2>&1 || {
        cat source.log >&2
        exit 1
    }
)
SRC=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name "$PKG-*" | head -n1)
if [ -z "$SRC" ] || [ ! -f "$SRC/CMakeLists.txt" ]; then
    echo "$TAG: apt-get source $PKG gave no source tree" >&2
    cat "$WORK/source.log" >&2
    exit 1
fi
echo "$TAG: building $(basename "$SRC") for $HOST"

# --- a cross toolchain file, and a quiet runner --------------------------------
cat >"$WORK/toolchain.cmake" <<TOOLCHAIN
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $HOST-gcc)
set(CMAKE_RC_COMPILER $HOST-windres)
set(CMAKE_FIND_ROOT_PATH /usr/$HOST)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
TOOLCHAIN
run_logged() { # LOG CMD...: run quietly, show the log on failure
    local log=$1
    shift
    "$@" >"$log" 2>&1 || {
        cat "$log" >&2
        echo "$TAG: failed: $*" >&2
        exit 1
    }
}
# Ninja runs the libraries' configure checks about 3x faster than Makefiles.
GEN=()
if command -v ninja >/dev/null 2>&1; then
    GEN=(-G Ninja)
fi
