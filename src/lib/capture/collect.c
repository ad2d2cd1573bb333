/* collect.c - which images a captured trace loaded, and where their files
 * are on the capturing machine (for the sidecar, images.h). */
#include <stdlib.h>
#include <string.h>

#include "capture/images.h"
#include "etwcap/reader.h"
#include "etwcap/state.h"

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int etwcap_images_map_path(const etwcap_device_map *map, const char *path, char *out, size_t cap)
{
    if (((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z')) &&
        path[1] == ':') {
        size_t n = strlen(path);
        if (n + 1 > cap)
            return -1;
        memcpy(out, path, n + 1);
        return 0;
    }
    for (size_t i = 0; map && i < map->n; i++) {
        const char *dev = map->v[i].device;
        size_t k = 0;
        while (dev[k] && lower(dev[k]) == lower(path[k]))
            k++;
        /* The whole device name, ending at a path separator. */
        if (dev[k] || !k || path[k] != '\\')
            continue;
        int w = snprintf(out, cap, "%s%s", map->v[i].drive, path + k);
        return w < 0 || (size_t)w >= cap ? -1 : 0;
    }
    return -1;
}

static int seen(char **v, size_t n, const char *p)
{
    for (size_t i = 0; i < n; i++) {
        const char *a = v[i], *b = p;
        while (*a && lower(*a) == lower(*b))
            a++, b++;
        if (!*a && !*b)
            return 1;
    }
    return 0;
}

etwcap_status etwcap_images_collect(const char *etl, char ***paths, size_t *n, etwcap_diag *diag)
{
    *paths = NULL;
    *n = 0;
    etwcap_reader *r = NULL;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    etwcap_status st = etwcap_reader_open(&r, etl, &ro, diag);
    if (st != ETWCAP_OK)
        return st;
    etwcap_state *s = NULL;
    if (etwcap_state_create(&s) != ETWCAP_OK) {
        etwcap_reader_close(r);
        return ETWCAP_ERR_NOMEM;
    }
    etwcap_event ev;
    while ((st = etwcap_reader_next(r, &ev)) == ETWCAP_OK)
        if (etwcap_state_update(s, &ev) != ETWCAP_OK) {
            st = ETWCAP_ERR_NOMEM;
            break;
        }
    etwcap_reader_close(r);
    if (st == ETWCAP_END)
        st = ETWCAP_OK;
    size_t cap = 0;
    for (size_t i = 0; st == ETWCAP_OK && i < etwcap_state_process_count(s); i++) {
        const etwcap_process *p = etwcap_state_process_at(s, i);
        for (size_t k = 0; st == ETWCAP_OK && k < p->nmodules; k++) {
            const char *path = p->modules[k].path;
            if (!path || !path[0] || seen(*paths, *n, path))
                continue;
            if (*n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                char **nv = realloc(*paths, nc * sizeof *nv);
                if (!nv) {
                    st = ETWCAP_ERR_NOMEM;
                    break;
                }
                *paths = nv;
                cap = nc;
            }
            size_t len = strlen(path);
            char *c = malloc(len + 1);
            if (!c) {
                st = ETWCAP_ERR_NOMEM;
                break;
            }
            memcpy(c, path, len + 1);
            (*paths)[(*n)++] = c;
        }
    }
    etwcap_state_free(s);
    if (st != ETWCAP_OK) {
        etwcap_images_paths_free(*paths, *n);
        *paths = NULL;
        *n = 0;
    }
    return st;
}

void etwcap_images_paths_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

#ifdef _WIN32
#include <windows.h>

void etwcap_images_device_map(etwcap_device_map *map)
{
    memset(map, 0, sizeof *map);
    for (int d = 'A'; d <= 'Z'; d++) {
        WCHAR drive[3] = {(WCHAR)d, L':', 0}, target[256];
        if (!QueryDosDeviceW(drive, target, 256))
            continue;
        char *dst = map->v[map->n].device;
        int w = WideCharToMultiByte(CP_UTF8, 0, target, -1, dst, (int)sizeof map->v[0].device, NULL,
                                    NULL);
        if (w <= 0)
            continue;
        map->v[map->n].drive[0] = d;
        map->v[map->n].drive[1] = ':';
        map->n++;
    }
}
#endif
