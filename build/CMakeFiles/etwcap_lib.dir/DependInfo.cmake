
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/compat/file.c" "CMakeFiles/etwcap_lib.dir/src/compat/file.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/compat/file.c.o.d"
  "/work/main/src/lib/common/guid.c" "CMakeFiles/etwcap_lib.dir/src/lib/common/guid.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/common/guid.c.o.d"
  "/work/main/src/lib/common/sha256.c" "CMakeFiles/etwcap_lib.dir/src/lib/common/sha256.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/common/sha256.c.o.d"
  "/work/main/src/lib/common/u64map.c" "CMakeFiles/etwcap_lib.dir/src/lib/common/u64map.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/common/u64map.c.o.d"
  "/work/main/src/lib/common/utf16.c" "CMakeFiles/etwcap_lib.dir/src/lib/common/utf16.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/common/utf16.c.o.d"
  "/work/main/src/lib/confirm/claims_read.c" "CMakeFiles/etwcap_lib.dir/src/lib/confirm/claims_read.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/confirm/claims_read.c.o.d"
  "/work/main/src/lib/confirm/confirm_json.c" "CMakeFiles/etwcap_lib.dir/src/lib/confirm/confirm_json.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/confirm/confirm_json.c.o.d"
  "/work/main/src/lib/confirm/evidence_read.c" "CMakeFiles/etwcap_lib.dir/src/lib/confirm/evidence_read.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/confirm/evidence_read.c.o.d"
  "/work/main/src/lib/confirm/match.c" "CMakeFiles/etwcap_lib.dir/src/lib/confirm/match.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/confirm/match.c.o.d"
  "/work/main/src/lib/decode/clr_enum.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_enum.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_enum.c.o.d"
  "/work/main/src/lib/decode/clr_fields.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields.c.o.d"
  "/work/main/src/lib/decode/clr_fields_gc.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_gc.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_gc.c.o.d"
  "/work/main/src/lib/decode/clr_fields_gchist.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_gchist.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_gchist.c.o.d"
  "/work/main/src/lib/decode/clr_fields_loader.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_loader.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_loader.c.o.d"
  "/work/main/src/lib/decode/clr_fields_method.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_method.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_method.c.o.d"
  "/work/main/src/lib/decode/clr_fields_misc.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_misc.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_misc.c.o.d"
  "/work/main/src/lib/decode/clr_fields_prov.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_prov.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_fields_prov.c.o.d"
  "/work/main/src/lib/decode/clr_method.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_method.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_method.c.o.d"
  "/work/main/src/lib/decode/clr_module.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_module.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_module.c.o.d"
  "/work/main/src/lib/decode/clr_stack.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_stack.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/clr_stack.c.o.d"
  "/work/main/src/lib/decode/cursor.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/cursor.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/cursor.c.o.d"
  "/work/main/src/lib/decode/decode.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/decode.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/decode.c.o.d"
  "/work/main/src/lib/decode/fields.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/fields.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/fields.c.o.d"
  "/work/main/src/lib/decode/kernel_config.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_config.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_config.c.o.d"
  "/work/main/src/lib/decode/kernel_fields.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_fields.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_fields.c.o.d"
  "/work/main/src/lib/decode/kernel_header.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_header.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_header.c.o.d"
  "/work/main/src/lib/decode/kernel_image.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_image.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_image.c.o.d"
  "/work/main/src/lib/decode/kernel_imageid.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_imageid.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_imageid.c.o.d"
  "/work/main/src/lib/decode/kernel_io.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_io.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_io.c.o.d"
  "/work/main/src/lib/decode/kernel_net.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_net.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_net.c.o.d"
  "/work/main/src/lib/decode/kernel_perfinfo.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_perfinfo.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_perfinfo.c.o.d"
  "/work/main/src/lib/decode/kernel_process.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_process.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_process.c.o.d"
  "/work/main/src/lib/decode/kernel_stack.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_stack.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_stack.c.o.d"
  "/work/main/src/lib/decode/kernel_sysconfig.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_sysconfig.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_sysconfig.c.o.d"
  "/work/main/src/lib/decode/kernel_table.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_table.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_table.c.o.d"
  "/work/main/src/lib/decode/kernel_thread.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_thread.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_thread.c.o.d"
  "/work/main/src/lib/decode/kernel_util.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_util.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/kernel_util.c.o.d"
  "/work/main/src/lib/decode/names.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/names.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/names.c.o.d"
  "/work/main/src/lib/decode/names_clr.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/names_clr.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/names_clr.c.o.d"
  "/work/main/src/lib/decode/names_kernel.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/names_kernel.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/names_kernel.c.o.d"
  "/work/main/src/lib/decode/tracelogging.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/tracelogging.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/tracelogging.c.o.d"
  "/work/main/src/lib/decode/tracelogging_value.c" "CMakeFiles/etwcap_lib.dir/src/lib/decode/tracelogging_value.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/decode/tracelogging_value.c.o.d"
  "/work/main/src/lib/evidence/evidence.c" "CMakeFiles/etwcap_lib.dir/src/lib/evidence/evidence.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/evidence/evidence.c.o.d"
  "/work/main/src/lib/evidence/evidence_write.c" "CMakeFiles/etwcap_lib.dir/src/lib/evidence/evidence_write.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/evidence/evidence_write.c.o.d"
  "/work/main/src/lib/evidence/functions.c" "CMakeFiles/etwcap_lib.dir/src/lib/evidence/functions.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/evidence/functions.c.o.d"
  "/work/main/src/lib/evidence/select.c" "CMakeFiles/etwcap_lib.dir/src/lib/evidence/select.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/evidence/select.c.o.d"
  "/work/main/src/lib/output/events.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/events.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/events.c.o.d"
  "/work/main/src/lib/output/flame.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/flame.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/flame.c.o.d"
  "/work/main/src/lib/output/flame_speedscope.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/flame_speedscope.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/flame_speedscope.c.o.d"
  "/work/main/src/lib/output/flame_svg.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/flame_svg.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/flame_svg.c.o.d"
  "/work/main/src/lib/output/info.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/info.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/info.c.o.d"
  "/work/main/src/lib/output/json.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/json.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/json.c.o.d"
  "/work/main/src/lib/output/stats.c" "CMakeFiles/etwcap_lib.dir/src/lib/output/stats.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/output/stats.c.o.d"
  "/work/main/src/lib/reader/kernel_guid.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/kernel_guid.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/kernel_guid.c.o.d"
  "/work/main/src/lib/reader/logfile.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/logfile.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/logfile.c.o.d"
  "/work/main/src/lib/reader/lz77.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/lz77.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/lz77.c.o.d"
  "/work/main/src/lib/reader/reader.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/reader.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/reader.c.o.d"
  "/work/main/src/lib/reader/record.c" "CMakeFiles/etwcap_lib.dir/src/lib/reader/record.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/reader/record.c.o.d"
  "/work/main/src/lib/stack/stack.c" "CMakeFiles/etwcap_lib.dir/src/lib/stack/stack.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/stack/stack.c.o.d"
  "/work/main/src/lib/state/modules.c" "CMakeFiles/etwcap_lib.dir/src/lib/state/modules.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/state/modules.c.o.d"
  "/work/main/src/lib/state/state.c" "CMakeFiles/etwcap_lib.dir/src/lib/state/state.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/state/state.c.o.d"
  "/work/main/src/lib/state/threads.c" "CMakeFiles/etwcap_lib.dir/src/lib/state/threads.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/state/threads.c.o.d"
  "/work/main/src/lib/symbol/msf.c" "CMakeFiles/etwcap_lib.dir/src/lib/symbol/msf.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/symbol/msf.c.o.d"
  "/work/main/src/lib/symbol/pdb.c" "CMakeFiles/etwcap_lib.dir/src/lib/symbol/pdb.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/symbol/pdb.c.o.d"
  "/work/main/src/lib/symbol/pe.c" "CMakeFiles/etwcap_lib.dir/src/lib/symbol/pe.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/symbol/pe.c.o.d"
  "/work/main/src/lib/symbol/symbolizer.c" "CMakeFiles/etwcap_lib.dir/src/lib/symbol/symbolizer.c.o" "gcc" "CMakeFiles/etwcap_lib.dir/src/lib/symbol/symbolizer.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
