file(REMOVE_RECURSE
  "CMakeFiles/etwcap_lib.dir/src/compat/file.c.o"
  "CMakeFiles/etwcap_lib.dir/src/compat/file.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/common/guid.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/common/guid.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/common/utf16.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/common/utf16.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/output/events.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/output/events.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/output/info.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/output/info.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/output/json.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/output/json.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/output/stats.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/output/stats.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/kernel_guid.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/kernel_guid.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/logfile.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/logfile.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/lz77.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/lz77.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/reader.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/reader.c.o.d"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/record.c.o"
  "CMakeFiles/etwcap_lib.dir/src/lib/reader/record.c.o.d"
  "libetwcap.a"
  "libetwcap.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/etwcap_lib.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
