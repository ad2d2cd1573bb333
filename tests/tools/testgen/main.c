/* main.c - etwcap-testgen: writes test .etl files from text descriptions.
 *
 *   etwcap-testgen build DESC.txt OUT.etl   build from a description ("-" = stdin)
 *   etwcap-testgen example OUT.etl          write the README's example trace
 *   etwcap-testgen example-desc             print the example's description
 *
 * The description format is documented in README.md beside this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testgen.h"

static void usage(FILE *f)
{
    fputs("usage: etwcap-testgen build DESC.txt OUT.etl   (DESC.txt may be - for stdin)\n"
          "       etwcap-testgen example OUT.etl\n"
          "       etwcap-testgen example-desc\n"
          "Writes test .etl files; see tests/tools/testgen/README.md.\n",
          f);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *p = cap > ((size_t)-1) / 2 ? NULL : realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

static int write_trace(testgen_trace *t, const char *out)
{
    if (testgen_write(t, out)) {
        fprintf(stderr, "etwcap-testgen: %s\n", testgen_error(t));
        testgen_free(t);
        return 1;
    }
    testgen_free(t);
    return 0;
}

int main(int argc, char **argv)
{
    char err[300];
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "build") == 0) {
        size_t len;
        char *text = read_all(argv[2], &len);
        if (!text) {
            fprintf(stderr, "etwcap-testgen: cannot read %s\n", argv[2]);
            return 1;
        }
        testgen_trace *t = testgen_desc_build(text, len, err, sizeof err);
        free(text);
        if (!t) {
            fprintf(stderr, "etwcap-testgen: %s: %s\n", argv[2], err);
            return 1;
        }
        return write_trace(t, argv[3]);
    }
    if (argc == 3 && strcmp(argv[1], "example") == 0) {
        testgen_trace *t = testgen_example(err, sizeof err);
        if (!t) {
            fprintf(stderr, "etwcap-testgen: example: %s\n", err);
            return 1;
        }
        return write_trace(t, argv[2]);
    }
    if (argc == 2 && strcmp(argv[1], "example-desc") == 0) {
        fputs(testgen_example_desc(), stdout);
        return ferror(stdout) ? 1 : 0;
    }
    usage(stderr);
    return 2;
}
