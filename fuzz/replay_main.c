/* replay_main.c - run a fuzz target's LLVMFuzzerTestOneInput over files
 * and folders without libFuzzer.
 *
 *   fuzz_<target>_replay [-v] PATH...
 *
 * Each PATH is a file (run once) or a folder (every file in it, in name
 * order; names starting with '.' and README files are skipped). Linked with
 * one fuzz target and the plain library, this is how ctest replays the seed
 * corpus and every regression input in every build: gcc, the ASan/UBSan
 * build (where a bad read, a leak or undefined behaviour fails the test)
 * and mingw-w64 under Wine.
 *
 * Each input is copied into a block of exactly its size, as libFuzzer does,
 * so a read one byte past the input is caught by AddressSanitizer.
 *
 * Exit status: 0 when every input ran (a broken invariant aborts), 1 on a
 * usage error or an unreadable path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <dirent.h>
#include <sys/stat.h>
#endif

#include "fuzz_common.h"

static int verbose;
static unsigned long long ninputs;
static double slowest;
static char slowest_name[1024];

static int read_file(const char *path, uint8_t **out, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return -1;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb)
            free(buf);
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return -1;
    }
    /* An exact-size copy: the fuzz target may not read past `n`. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    *out = exact;
    *size = n;
    return 0;
}

static int run_file(const char *path)
{
    uint8_t *data = NULL;
    size_t size = 0;
    if (read_file(path, &data, &size) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    if (verbose) {
        printf("replay: %s (%zu bytes)\n", path, size);
        fflush(stdout);
    }
    clock_t t0 = clock();
    LLVMFuzzerTestOneInput(data, size);
    double dt = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (dt > slowest) {
        slowest = dt;
        snprintf(slowest_name, sizeof slowest_name, "%s", path);
    }
    free(data);
    ninputs++;
    return 0;
}

static int skip_name(const char *name)
{
    return name[0] == '.' || strncmp(name, "README", 6) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names of the entries of folder `dir` (not sorted), or -1. */
static int list_dir(const char *dir, char ***out, size_t *count)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
#ifdef _WIN32
    char pattern[1100];
    snprintf(pattern, sizeof pattern, "%s\\*", dir);
    WIN32_FIND_DATAA fd;
    HANDLE h = FindFirstFileA(pattern, &fd);
    if (h == INVALID_HANDLE_VALUE)
        return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : -1;
    do {
        const char *name = fd.cFileName;
#else
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
#endif
        if (skip_name(name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv)
                abort();
            v = nv;
        }
        size_t len = strlen(name) + 1;
        v[n] = malloc(len);
        if (!v[n])
            abort();
        memcpy(v[n++], name, len);
#ifdef _WIN32
    } while (FindNextFileA(h, &fd));
    FindClose(h);
#else
    }
    closedir(d);
#endif
    *out = v;
    *count = n;
    return 0;
}

/* 1 folder, 0 file, -1 absent. */
static int path_kind(const char *path)
{
#ifdef _WIN32
    DWORD a = GetFileAttributesA(path);
    if (a == INVALID_FILE_ATTRIBUTES)
        return -1;
    return (a & FILE_ATTRIBUTE_DIRECTORY) ? 1 : 0;
#else
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    return S_ISDIR(st.st_mode) ? 1 : 0;
#endif
}

static int run_path(const char *path)
{
    int kind = path_kind(path);
    if (kind < 0) {
        fprintf(stderr, "replay: %s does not exist\n", path);
        return -1;
    }
    if (kind == 0)
        return run_file(path);
    char **names = NULL;
    size_t n = 0;
    if (list_dir(path, &names, &n) != 0) {
        fprintf(stderr, "replay: cannot list %s\n", path);
        return -1;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char full[2048];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        if (rc == 0 && path_kind(full) == 0 && run_file(full) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        verbose = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [-v] FILE_OR_FOLDER...\n", argv[0]);
        return 1;
    }
    int rc = 0;
    for (int i = first; i < argc; i++)
        if (run_path(argv[i]) != 0)
            rc = 1;
    printf("replay: %llu inputs ran", ninputs);
    if (ninputs)
        printf("; slowest %.3f s (%s)", slowest, slowest_name);
    printf("\n");
    return rc;
}
