
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/cli/cli_common.c" "CMakeFiles/etwcap.dir/src/cli/cli_common.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/cli_common.c.o.d"
  "/work/main/src/cli/cli_write.c" "CMakeFiles/etwcap.dir/src/cli/cli_write.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/cli_write.c.o.d"
  "/work/main/src/cli/cmd_containers.c" "CMakeFiles/etwcap.dir/src/cli/cmd_containers.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/cmd_containers.c.o.d"
  "/work/main/src/cli/cmd_events.c" "CMakeFiles/etwcap.dir/src/cli/cmd_events.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/cmd_events.c.o.d"
  "/work/main/src/cli/cmd_evidence.c" "CMakeFiles/etwcap.dir/src/cli/cmd_evidence.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/cmd_evidence.c.o.d"
  "/work/main/src/cli/cmd_info.c" "CMakeFiles/etwcap.dir/src/cli/cmd_info.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/cmd_info.c.o.d"
  "/work/main/src/cli/cmd_stacks.c" "CMakeFiles/etwcap.dir/src/cli/cmd_stacks.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/cmd_stacks.c.o.d"
  "/work/main/src/cli/cmd_stats.c" "CMakeFiles/etwcap.dir/src/cli/cmd_stats.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/cmd_stats.c.o.d"
  "/work/main/src/cli/cmd_symbolize.c" "CMakeFiles/etwcap.dir/src/cli/cmd_symbolize.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/cmd_symbolize.c.o.d"
  "/work/main/src/cli/main.c" "CMakeFiles/etwcap.dir/src/cli/main.c.o" "gcc" "CMakeFiles/etwcap.dir/src/cli/main.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/etwcap_lib.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
