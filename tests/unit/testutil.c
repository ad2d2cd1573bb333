/* testutil.c - shared helpers for the cmocka unit tests. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *test_corpus_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("ETWCAP_CORPUS");
    if (!root || !*root)
        root = "../shared/corpus";
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    FILE *f = fopen(buf, "rb");
    if (!f)
        return NULL;
    fclose(f);
    return buf;
}

const char *test_corpus_require(const char *rel)
{
    const char *p = test_corpus_path(rel);
    if (!p) {
        printf("SKIP: corpus file %s not found (set ETWCAP_CORPUS to ../shared/corpus)\n", rel);
        exit(TEST_SKIP_CODE);
    }
    return p;
}

uint8_t *test_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    uint8_t *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf && size)
        *size = (size_t)n;
    return buf;
}
