/* select.c - the target set: processes named by --process/--pid/--container
 * and, unless --no-children, all their descendants. Parents are process
 * records resolved by (pid, start time) when each child started, so PID
 * reuse cannot graft a child onto the wrong parent (etl-format.md §3.2, §6.3).
 */
#include <stdlib.h>
#include <string.h>

#include "evidence/evidence_internal.h"

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int ev_image_matches(const char *image, const char *name)
{
    if (!image || !name)
        return 0;
    size_t i = 0;
    for (; image[i] && name[i]; i++)
        if (lower((unsigned char)image[i]) != lower((unsigned char)name[i]))
            return 0;
    if (!name[i] && !image[i])
        return 1;
    if (name[i])
        return 0;
    const char *ext = image + i;
    return ext[0] == '.' && lower((unsigned char)ext[1]) == 'e' &&
           lower((unsigned char)ext[2]) == 'x' && lower((unsigned char)ext[3]) == 'e' && !ext[4];
}

/* Container ids compare as lower-case "D" text without braces. */
void ev_normalize_container(const char *in, char out[37])
{
    size_t n = 0;
    for (const char *p = in; *p && n < 36; p++)
        if (*p != '{' && *p != '}')
            out[n++] = (char)lower((unsigned char)*p);
    out[n] = '\0';
}

static int directly_selected(const etwcap_evidence *e, const etwcap_process *p)
{
    for (size_t i = 0; i < e->nsel_pid; i++)
        if (p->pid == e->sel_pid[i])
            return 1;
    for (size_t i = 0; i < e->nsel_process; i++)
        if (ev_image_matches(p->image, e->sel_process[i]))
            return 1;
    for (size_t i = 0; i < e->nsel_container; i++)
        if (p->container_id[0] && !strcmp(p->container_id, e->sel_container[i]))
            return 1;
    return 0;
}

/* Marks e->target; returns the number of target processes. */
int ev_select_targets(etwcap_evidence *e)
{
    size_t n = etwcap_state_process_count(e->state);
    e->target = calloc(n ? n : 1, 1);
    if (!e->target)
        return -1;
    e->ntarget_slots = n;
    for (size_t i = 0; i < n; i++)
        e->target[i] = (uint8_t)directly_selected(e, etwcap_state_process_at(e->state, i));
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!e->target[i] && e->children) {
            /* Walk up the parent chain; depth is bounded by the record count
             * so a damaged (cyclic) chain cannot loop. */
            size_t cur = etwcap_state_process_at(e->state, i)->parent;
            for (size_t depth = 0; cur != SIZE_MAX && cur < n && depth < n; depth++) {
                if (e->target[cur] == 1 ||
                    directly_selected(e, etwcap_state_process_at(e->state, cur))) {
                    e->target[i] = 2; /* a descendant */
                    break;
                }
                cur = etwcap_state_process_at(e->state, cur)->parent;
            }
        }
        count += e->target[i] != 0;
    }
    return count;
}
