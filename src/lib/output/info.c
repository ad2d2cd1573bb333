/* info.c - `etwcap info`: the log-file header (etl-format.md §1.8) and what
 * the buffer walk found. */
#include "etwcap/output.h"

#include <inttypes.h>

#include "output/json.h"

static const char *clock_name(uint32_t c)
{
    switch (c) {
    case 1:
        return "QPC";
    case 2:
        return "SystemTime";
    case 3:
        return "CPUCycle";
    default:
        return "raw";
    }
}

etwcap_status etwcap_info_write(FILE *f, int json, const char *path, const etwcap_logfile_info *in,
                                const etwcap_reader_stats *st)
{
    char start[32], end[32], boot[32];
    etwcap_filetime_format(in->start_time, start);
    etwcap_filetime_format(in->end_time, end);
    etwcap_filetime_format(in->boot_time, boot);
    double duration = ((double)in->end_time - (double)in->start_time) / 1e7;
    const char *compression = st->file_buffers_compressed ? "lz77" : "none";
    char os[48];
    snprintf(os, sizeof os, "%u.%u", in->os_major, in->os_minor);

    if (!json) {
        fprintf(f, "File:               %s\n", path);
        fprintf(f, "Session:            %s\n", in->session_name);
        fprintf(f, "LogFileName:        %s\n", in->logfile_name);
        fprintf(f, "OS:                 %s build %u\n", os, in->os_build);
        fprintf(f, "NumberOfProcessors: %u\n", in->num_cpus);
        fprintf(f, "PointerSize:        %u\n", in->pointer_size);
        fprintf(f, "Clock:              %s (ReservedFlags=%u)\n", clock_name(in->clock_type),
                in->clock_type);
        fprintf(f, "PerfFreq:           %" PRId64 "\n", in->perf_freq);
        fprintf(f, "CPUSpeedMHz:        %u\n", in->cpu_mhz);
        fprintf(f, "StartTime:          %s\n", start);
        fprintf(f, "EndTime:            %s\n", end);
        fprintf(f, "Duration:           %.3f s\n", duration);
        fprintf(f, "BootTime:           %s\n", boot);
        fprintf(f, "BufferSize:         %u\n", in->buffer_size);
        fprintf(f, "BuffersWritten:     %u\n", in->buffers_written);
        fprintf(f, "Buffers:            %" PRIu64 " (%" PRIu64 " compressed)\n", st->file_buffers,
                st->file_buffers_compressed);
        fprintf(f, "Compression:        %s\n", compression);
        fprintf(f, "LogFileMode:        0x%08x\n", in->log_file_mode);
        fprintf(f, "FileLayout:         %u.%u\n", in->layout_major, in->layout_minor);
        fprintf(f, "TimerResolution:    %u\n", in->timer_resolution);
        /* TraceEvent prints TIME_ZONE_INFORMATION.Bias (minutes west of UTC) under this name. */
        fprintf(f, "UtcOffsetMinutes:   %d\n", (int)in->tz_bias_minutes);
        fprintf(f, "EventsLost:         %u\n", in->events_lost);
        fprintf(f, "BuffersLost:        %u\n", in->buffers_lost);
        return ferror(f) ? ETWCAP_ERR_IO : ETWCAP_OK;
    }
    etwcap_json j;
    etwcap_json_init(&j);
    etwcap_json_obj_begin(&j);
    etwcap_json_key(&j, "file");
    etwcap_json_str(&j, path);
    etwcap_json_key(&j, "session_name");
    etwcap_json_str(&j, in->session_name);
    etwcap_json_key(&j, "logfile_name");
    etwcap_json_str(&j, in->logfile_name);
    etwcap_json_key(&j, "os_version");
    etwcap_json_str(&j, os);
    etwcap_json_key(&j, "os_build");
    etwcap_json_u64(&j, in->os_build);
    etwcap_json_key(&j, "cpus");
    etwcap_json_u64(&j, in->num_cpus);
    etwcap_json_key(&j, "pointer_size");
    etwcap_json_u64(&j, in->pointer_size);
    etwcap_json_key(&j, "clock_type");
    etwcap_json_u64(&j, in->clock_type);
    etwcap_json_key(&j, "clock");
    etwcap_json_str(&j, clock_name(in->clock_type));
    etwcap_json_key(&j, "perf_freq");
    etwcap_json_i64(&j, in->perf_freq);
    etwcap_json_key(&j, "cpu_speed_mhz");
    etwcap_json_u64(&j, in->cpu_mhz);
    etwcap_json_key(&j, "start_time");
    etwcap_json_str(&j, start);
    etwcap_json_key(&j, "end_time");
    etwcap_json_str(&j, end);
    etwcap_json_key(&j, "duration_s");
    etwcap_json_double(&j, duration, 7);
    etwcap_json_key(&j, "boot_time");
    etwcap_json_str(&j, boot);
    etwcap_json_key(&j, "buffer_size");
    etwcap_json_u64(&j, in->buffer_size);
    etwcap_json_key(&j, "buffers_written");
    etwcap_json_u64(&j, in->buffers_written);
    etwcap_json_key(&j, "buffers");
    etwcap_json_u64(&j, st->file_buffers);
    etwcap_json_key(&j, "buffers_compressed");
    etwcap_json_u64(&j, st->file_buffers_compressed);
    etwcap_json_key(&j, "compression");
    etwcap_json_str(&j, compression);
    etwcap_json_key(&j, "log_file_mode");
    etwcap_json_u64(&j, in->log_file_mode);
    etwcap_json_key(&j, "timer_resolution");
    etwcap_json_u64(&j, in->timer_resolution);
    etwcap_json_key(&j, "utc_offset_minutes");
    etwcap_json_i64(&j, in->tz_bias_minutes);
    etwcap_json_key(&j, "events_lost");
    etwcap_json_u64(&j, in->events_lost);
    etwcap_json_key(&j, "buffers_lost");
    etwcap_json_u64(&j, in->buffers_lost);
    etwcap_json_obj_end(&j);
    etwcap_json_raw(&j, "\n");
    int rc = etwcap_json_flush(&j, f);
    etwcap_json_free(&j);
    return rc == 0 ? ETWCAP_OK : ETWCAP_ERR_IO;
}
