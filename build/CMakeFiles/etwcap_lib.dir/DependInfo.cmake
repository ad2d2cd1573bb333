
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/compat/file.c" "CMakeFiles/etwcap_lib.dir/src/compat/file.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/compat/file.c.o.d"
  "/work/main/src/lib/common/guid.c" "CMakeFiles/etwcap_lib.dir/src/lib/common/guid.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/common/guid.c.o.d"
  "/work/main/src/lib/common/utf16.c" "CMakeFiles/etwcap_lib.dir/src/lib/common/utf16.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/common/utf16.c.o.d"
  "/work/main/src/lib/output/events.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/events.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/events.c.o.d"
  "/work/main/src/lib/output/info.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/info.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/info.c.o.d"
  "/work/main/src/lib/output/json.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/json.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/json.c.o.d"
  "/work/main/src/lib/output/stats.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/stats.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/stats.c.o.d"
  "/work/main/src/lib/reader/kernel_guid.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/kernel_guid.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/kernel_guid.c.o.d"
  "/work/main/src/lib/reader/logfile.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/logfile.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/logfile.c.o.d"
  "/work/main/src/lib/reader/lz77.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/lz77.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/lz77.c.o.d"
  "/work/main/src/lib/reader/reader.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/reader.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/reader.c.o.d"
  "/work/main/src/lib/reader/record.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/record.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/record.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
