# Cross-compile etwcap for 64-bit Windows with Debian's mingw-w64 toolchain,
# and run the test .exe files under Wine from ctest.
#
#   cmake -S . -B build-mingw -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake \
#         -DCMOCKA_ROOT=$PWD/build-mingw/deps/cmocka -DCMOCKA_STATIC=ON
#
# Override the triplet with -DMINGW_TRIPLET=..., the Wine binary with
# -DETWCAP_WINE=/path/to/wine (set it to an empty string to run no emulator).

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

if(NOT MINGW_TRIPLET)
  set(MINGW_TRIPLET x86_64-w64-mingw32)
endif()
# try_compile() projects re-read this file; pass the triplet along.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MINGW_TRIPLET ETWCAP_WINE)

set(CMAKE_C_COMPILER ${MINGW_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${MINGW_TRIPLET}-g++)
set(CMAKE_RC_COMPILER ${MINGW_TRIPLET}-windres)

# Search headers and libraries only in the target roots, programs only on
# the host. Prefixes given on the command line (CMOCKA_ROOT, CMAKE_PREFIX_PATH)
# are added as roots too: CMake then searches paths inside them as they are
# instead of re-rooting them, and never falls back to the host's /usr.
set(CMAKE_FIND_ROOT_PATH /usr/${MINGW_TRIPLET})
foreach(_etwcap_root IN LISTS CMOCKA_ROOT CMAKE_PREFIX_PATH)
  if(_etwcap_root)
    get_filename_component(_etwcap_root "${_etwcap_root}" ABSOLUTE)
    list(APPEND CMAKE_FIND_ROOT_PATH "${_etwcap_root}")
  endif()
endforeach()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Fully static executables: libgcc, libwinpthread (and cmocka) are linked in,
# so Wine (or a bare Windows box) needs no MinGW DLLs beside the .exe.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Run the target executables (ctest, custom commands) under Wine.
if(NOT DEFINED ETWCAP_WINE)
  # wine64 where it is on PATH (WineHQ builds), else Debian's /usr/bin/wine
  # wrapper (which runs /usr/lib/wine/wine64), else the bare loader.
  find_program(ETWCAP_WINE_PROGRAM NAMES wine64 wine PATHS /opt/wine-stable/bin
               NO_CMAKE_FIND_ROOT_PATH)
  if(NOT ETWCAP_WINE_PROGRAM)
    find_program(ETWCAP_WINE_PROGRAM NAMES wine64 PATHS /usr/lib/wine NO_DEFAULT_PATH)
  endif()
  if(ETWCAP_WINE_PROGRAM)
    set(ETWCAP_WINE "${ETWCAP_WINE_PROGRAM}")
  else()
    set(ETWCAP_WINE "")
  endif()
endif()
if(ETWCAP_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${ETWCAP_WINE}" CACHE FILEPATH
      "Runs Windows executables on the build host" FORCE)
endif()
