/* clr_fields_loader.c - fields of the CLRLoader task (runtime task 10,
 * rundown task 2) and of RuntimeInformation (etl-format.md §4.3, §4.4), as
 * TraceEvent's ModuleLoadUnloadTraceData, DomainModuleLoadUnloadTraceData,
 * AssemblyLoadUnloadTraceData, AppDomainLoadUnloadTraceData,
 * ThreadCreatedTraceData and RuntimeInformationTraceData name them. */
#include <string.h>

#include "decode/clr_internal.h"

/* Text of the string field just added, or "" when it could not be stored. */
static const char *last_text(const clr_ctx *x, const char *name)
{
    const etwcap_fields *fl = x->out;
    if (fl->n == 0 || fl->f[fl->n - 1].name != name || !fl->f[fl->n - 1].s)
        return "";
    return fl->f[fl->n - 1].s;
}

/* System.IO.Path.GetFileName on Windows: the part after the last '\', '/'
 * or ':'. */
static const char *file_name(const char *path)
{
    const char *name = path;
    for (const char *p = path; *p; p++) {
        if (*p == '\\' || *p == '/' || *p == ':')
            name = p + 1;
    }
    return name;
}

/* ModuleLoad/Unload, ModuleDCStart/DCEnd (§4.4). TraceEvent does not list
 * ClrInstanceID for these; it derives ModuleILFileName from the path. */
static etwcap_decode_result module_load(clr_ctx *x)
{
    static const char il_name[] = "ModuleILPath";
    clr_f_i64(x, "ModuleID");
    clr_f_i64(x, "AssemblyID");
    clr_f_enum32(x, "ModuleFlags", &clr_enum_module_flags);
    etwcap_cursor_skip(&x->c, 4); /* Reserved1 */
    clr_f_wstr(x, il_name);
    const char *il_path = last_text(x, il_name);
    clr_f_wstr(x, "ModuleNativePath");
    if (x->ver >= 1)
        clr_f_i16(x, NULL); /* ClrInstanceID */
    if (x->ver >= 2) {
        clr_f_guid(x, "ManagedPdbSignature");
        clr_f_i32(x, "ManagedPdbAge");
        clr_f_wstr(x, "ManagedPdbBuildPath");
        clr_f_guid(x, "NativePdbSignature");
        clr_f_i32(x, "NativePdbAge");
        clr_f_wstr(x, "NativePdbBuildPath");
    } else {
        static const etwcap_guid empty;
        etwcap_fields_add_guid(x->out, "ManagedPdbSignature", &empty);
        clr_add_i64(x, "ManagedPdbAge", 0);
        etwcap_fields_add_str(x->out, "ManagedPdbBuildPath", "");
        etwcap_fields_add_guid(x->out, "NativePdbSignature", &empty);
        clr_add_i64(x, "NativePdbAge", 0);
        etwcap_fields_add_str(x->out, "NativePdbBuildPath", "");
    }
    etwcap_fields_add_str(x->out, "ModuleILFileName", file_name(il_path));
    return clr_done(x);
}

/* DomainModuleLoad (runtime 151), DomainModuleDCStart/DCEnd (§4.4). */
static etwcap_decode_result domain_module_load(clr_ctx *x)
{
    clr_f_i64(x, "ModuleID");
    clr_f_i64(x, "AssemblyID");
    clr_f_i64(x, "AppDomainID");
    clr_f_enum32(x, "ModuleFlags", &clr_enum_module_flags);
    etwcap_cursor_skip(&x->c, 4); /* Reserved1 */
    clr_f_wstr(x, "ModuleILPath");
    clr_f_wstr(x, "ModuleNativePath");
    clr_f_instance(x, 1);
    return clr_done(x);
}

/* AssemblyLoad/Unload, AssemblyDCStart/DCEnd: v1 inserts BindingID before
 * the flags (§4.4); TraceEvent lists it after the name. */
static etwcap_decode_result assembly_load(clr_ctx *x)
{
    clr_f_i64(x, "AssemblyID");
    clr_f_i64(x, "AppDomainID");
    int64_t binding = x->ver >= 1 ? (int64_t)etwcap_cursor_u64(&x->c) : 0;
    clr_f_enum32(x, "AssemblyFlags", &clr_enum_assembly_flags);
    clr_f_wstr(x, "FullyQualifiedAssemblyName");
    clr_add_i64(x, "BindingID", binding);
    clr_f_instance(x, 1);
    return clr_done(x);
}

static etwcap_decode_result appdomain_load(clr_ctx *x)
{
    clr_f_i64(x, "AppDomainID");
    clr_f_enum32(x, "AppDomainFlags", &clr_enum_appdomain_flags);
    clr_f_wstr(x, "AppDomainName");
    if (x->ver >= 1)
        clr_f_i32(x, "AppDomainIndex");
    else
        clr_add_i64(x, "AppDomainIndex", 0);
    clr_f_instance(x, 1);
    return clr_done(x);
}

/* AppDomainResourceManagement ThreadCreated (runtime 85), rundown
 * ThreadDCStop (159). */
etwcap_decode_result clr_f_thread_created(clr_ctx *x)
{
    clr_f_i64(x, "ManagedThreadID");
    clr_f_i64(x, "AppDomainID");
    clr_f_i32(x, "Flags");
    clr_f_i32(x, "ManagedThreadIndex");
    clr_f_i32(x, "OSThreadID");
    clr_f_i16(x, "ClrInstanceID");
    return clr_done(x);
}

/* RuntimeInformation (187, both providers; §4.4). */
etwcap_decode_result clr_f_runtime_info(clr_ctx *x)
{
    static const char *const versions[] = {"BclMajorVersion", "BclMinorVersion", "BclBuildNumber",
                                           "BclQfeNumber",    "VMMajorVersion",  "VMMinorVersion",
                                           "VMBuildNumber",   "VMQfeNumber"};
    clr_f_i16(x, "ClrInstanceID");
    clr_f_enum16(x, "Sku", &clr_enum_runtime_sku);
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
        clr_f_u16(x, versions[i]);
    clr_f_enum32(x, "StartupFlags", &clr_enum_startup_flags);
    clr_f_enum8(x, "StartupMode", &clr_enum_startup_mode);
    clr_f_wstr(x, "CommandLine");
    clr_f_guid(x, "ComObjectGuid");
    clr_f_wstr(x, "RuntimeDllPath");
    return clr_done(x);
}

etwcap_decode_result clr_fields_loader(clr_ctx *x, unsigned id, int rundown)
{
    if (rundown) {
        switch (id) {
        case 151: /* DomainModuleDCStart */
        case 152: /* DomainModuleDCEnd */
            return domain_module_load(x);
        case 153: /* ModuleDCStart */
        case 154: /* ModuleDCEnd */
            return module_load(x);
        case 155: /* AssemblyDCStart */
        case 156: /* AssemblyDCEnd */
            return assembly_load(x);
        case 157: /* AppDomainDCStart */
        case 158: /* AppDomainDCEnd */
            return appdomain_load(x);
        case 159: /* ThreadDCEnd */
            return clr_f_thread_created(x);
        case 187:
            return clr_f_runtime_info(x);
        default:
            return ETWCAP_DECODE_UNKNOWN;
        }
    }
    switch (id) {
    case 149: /* legacy ModuleDCStartV2 / ModuleDCEndV2 */
    case 150:
    case 152: /* ModuleLoad */
    case 153: /* ModuleUnload */
        return module_load(x);
    case 151:
        return domain_module_load(x);
    case 154: /* AssemblyLoad */
    case 155: /* AssemblyUnload */
        return assembly_load(x);
    case 156: /* AppDomainLoad */
    case 157: /* AppDomainUnload */
        return appdomain_load(x);
    case 187:
        return clr_f_runtime_info(x);
    default:
        return ETWCAP_DECODE_UNKNOWN;
    }
}
