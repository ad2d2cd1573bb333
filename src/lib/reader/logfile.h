/* logfile.h - the log-file header record (etl-format.md §1.8). */
#ifndef ETWCAP_LOGFILE_H
#define ETWCAP_LOGFILE_H

#include "etwcap/event.h"
#include "etwcap/reader.h"

/* Is this record the EventTrace header (group 0, opcode 0)? */
int etwcap_logfile_is_header(const etwcap_event *ev);

/* Fill `info` from a header record. Returns 0, or -1 with *why set when the
 * payload is too short for the TRACE_LOGFILE_HEADER form its header type
 * implies. */
int etwcap_logfile_parse(const etwcap_event *ev, etwcap_logfile_info *info, const char **why);

#endif
