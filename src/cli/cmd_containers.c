/* cmd_containers.c - `etwcap containers FILE`: the container ids seen (from
 * CONTAINER_ID extended items, etl-format.md §6.3) and their processes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "etwcap/state.h"

static const char usage_text[] = "usage: etwcap containers FILE\n"
                                 "List each container id seen in the trace with its processes.\n";

static int by_container(const void *a, const void *b)
{
    const etwcap_process *x = *(const etwcap_process *const *)a;
    const etwcap_process *y = *(const etwcap_process *const *)b;
    int c = strcmp(x->container_id, y->container_id);
    return c ? c : (x->pid < y->pid ? -1 : x->pid > y->pid);
}

int cmd_containers(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        int help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
        fputs(usage_text, help ? stdout : stderr);
        return help ? CLI_OK : CLI_USAGE;
    }
    etwcap_reader *r = cli_open_trace(argv[1], CLI_TIME_ORDER);
    if (!r)
        return CLI_INPUT;
    etwcap_state *st = NULL;
    if (etwcap_state_create(&st) != ETWCAP_OK) {
        etwcap_reader_close(r);
        return CLI_INPUT;
    }
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
        if (etwcap_state_update(st, &ev) != ETWCAP_OK)
            break;
    int rc = cli_close_trace(r);
    size_t n = etwcap_state_process_count(st), k = 0;
    const etwcap_process **list = malloc((n ? n : 1) * sizeof(const etwcap_process *));
    if (!list) {
        etwcap_state_free(st);
        return CLI_INPUT;
    }
    for (size_t i = 0; i < n; i++) {
        const etwcap_process *p = etwcap_state_process_at(st, i);
        if (p->container_id[0])
            list[k++] = p;
    }
    qsort(list, k, sizeof(const etwcap_process *), by_container);
    for (size_t i = 0; i < k; i++) {
        if (i == 0 || strcmp(list[i]->container_id, list[i - 1]->container_id))
            printf("%s\n", list[i]->container_id);
        printf("  pid %-6u %s\n", (unsigned)list[i]->pid, list[i]->image ? list[i]->image : "?");
    }
    if (k == 0)
        printf("no container ids in this trace\n");
    free(list);
    etwcap_state_free(st);
    return rc;
}
