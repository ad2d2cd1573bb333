file(REMOVE_RECURSE
  "CMakeFiles/etwcap.dir/src/cli/cli_common.c.o"
  "CMakeFiles/etwcap.dir/src/cli/cli_common.c.o.d"
  "CMakeFiles/etwcap.dir/src/cli/cli_write.c.o"
  "CMakeFiles/etwcap.dir/src/cli/cli_write.c.o.d"
  "CMakeFiles/etwcap.dir/src/cli/cmd_containers.c.o"
  "CMakeFiles/etwcap.dir/src/cli/cmd_containers.c.o.d"
  "CMakeFiles/etwcap.dir/src/cli/cmd_events.c.o"
  "CMakeFiles/etwcap.dir/src/cli/cmd_events.c.o.d"
  "CMakeFiles/etwcap.dir/src/cli/cmd_evidence.c.o"
  "CMakeFiles/etwcap.dir/src/cli/cmd_evidence.c.o.d"
  "CMakeFiles/etwcap.dir/src/cli/cmd_info.c.o"
  "CMakeFiles/etwcap.dir/src/cli/cmd_info.c.o.d"
  "CMakeFiles/etwcap.dir/src/cli/cmd_stacks.c.o"
  "CMakeFiles/etwcap.dir/src/cli/cmd_stacks.c.o.d"
  "CMakeFiles/etwcap.dir/src/cli/cmd_stats.c.o"
  "CMakeFiles/etwcap.dir/src/cli/cmd_stats.c.o.d"
  "CMakeFiles/etwcap.dir/src/cli/cmd_symbolize.c.o"
  "CMakeFiles/etwcap.dir/src/cli/cmd_symbolize.c.o.d"
  "CMakeFiles/etwcap.dir/src/cli/main.c.o"
  "CMakeFiles/etwcap.dir/src/cli/main.c.o.d"
  "etwcap"
  "etwcap.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/etwcap.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
