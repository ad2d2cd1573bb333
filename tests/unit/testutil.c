/* testutil.c - shared helpers for the cmocka unit tests. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <direct.h> /* _mkdir, _rmdir: MSVC has no <unistd.h> or <dirent.h> */
#include <windows.h>
#else
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "compat/compat.h"
#include "testgen.h"

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

void test_fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint_error(fmt, ap);
    va_end(ap);
    print_error("\n");
    _fail(file, line);
    abort(); /* not reached: _fail leaves the test with a long jump */
}

void *test_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    assert_non_null(p);
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

void test_check_truncations(const etwcap_event *ev, size_t need, test_typed_fn fn, void *out)
{
    static etwcap_fields fl;
    for (size_t len = 0; len < need; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, ev->payload, len);
        etwcap_event t = *ev;
        t.payload = copy;
        t.payload_len = (uint32_t)len;
        if (fn)
            assert_int_equal(fn(&t, out), ETWCAP_DECODE_SHORT);
        assert_int_equal(etwcap_decode_fields(&t, &fl), ETWCAP_DECODE_SHORT);
        assert_int_equal(fl.n, 0);
        free(copy);
    }
}

const etwcap_field *test_field(const etwcap_fields *fl, const char *name)
{
    for (size_t i = 0; i < fl->n; i++)
        if (strcmp(fl->f[i].name, name) == 0)
            return &fl->f[i];
    fail_msg("no field %s", name);
    return NULL;
}

int64_t test_fnum(const etwcap_fields *fl, const char *name)
{
    const etwcap_field *f = test_field(fl, name);
    assert_true(f->type == ETWCAP_FIELD_I64 || f->type == ETWCAP_FIELD_U64 ||
                f->type == ETWCAP_FIELD_HEX || f->type == ETWCAP_FIELD_BOOL);
    return f->type == ETWCAP_FIELD_I64 ? f->v.i : (int64_t)f->v.u;
}

const char *test_fstr(const etwcap_fields *fl, const char *name)
{
    const etwcap_field *f = test_field(fl, name);
    assert_int_equal(f->type, ETWCAP_FIELD_STR);
    return f->s;
}

FILE *test_scratch(void)
{
    /* One name per process and call: ctest runs test programs side by side in
     * the same folder. The counter is this helper's only state. */
    static unsigned serial;
    char name[64];
    snprintf(name, sizeof name, "scratch-%lu-%u.tmp", etwcap_process_id(), serial++);
#ifdef _WIN32
    /* "D": delete on close (_O_TEMPORARY), as tmpfile() would. */
    FILE *f = fopen(name, "w+bD");
#else
    FILE *f = fopen(name, "w+b");
    if (f)
        remove(name); /* the open stream keeps the file until fclose */
#endif
    assert_non_null(f);
    return f;
}

char *test_read_stream(FILE *f)
{
    long n = ftell(f);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    rewind(f);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    return s;
}

size_t test_count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

void test_write_data_trace(const char *rel, const char *etl)
{
    const char *dir = getenv("ETWCAP_TESTDATA");
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", rel);
    size_t n = 0;
    uint8_t *text = test_read_file(path, &n);
    if (!text)
        fail_msg("cannot read %s", path);
    testgen_trace *t = testgen_desc_build((const char *)text, n, err, sizeof err);
    free(text);
    if (!t)
        fail_msg("testgen: %s: %s", path, err);
    int rc = testgen_write(t, etl);
    testgen_free(t);
    assert_int_equal(rc, 0);
}

etwcap_state *test_state_from(etwcap_reader *r)
{
    etwcap_state *st = NULL;
    assert_int_equal(etwcap_state_create(&st), ETWCAP_OK);
    etwcap_event ev;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK)
        assert_int_equal(etwcap_state_update(st, &ev), ETWCAP_OK);
    etwcap_reader_close(r);
    return st;
}

int test_tmp_leftovers(const char *path)
{
    char prefix[300];
    snprintf(prefix, sizeof prefix, "%s.tmp", path);
    int n = 0;
#ifdef _WIN32
    WIN32_FIND_DATAA fd;
    HANDLE h = FindFirstFileA("*", &fd);
    assert_true(h != INVALID_HANDLE_VALUE);
    do
        n += !strncmp(fd.cFileName, prefix, strlen(prefix));
    while (FindNextFileA(h, &fd));
    FindClose(h);
#else
    DIR *d = opendir(".");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += !strncmp(e->d_name, prefix, strlen(prefix));
    closedir(d);
#endif
    return n;
}

void test_assert_file_text(const char *path, const char *text)
{
    size_t n = 0;
    char *got = (char *)test_read_file(path, &n);
    assert_non_null(got);
    assert_int_equal(n, strlen(text));
    assert_memory_equal(got, text, n);
    free(got);
}

int test_make_dir(const char *path)
{
#ifdef _WIN32
    return _mkdir(path);
#else
    return mkdir(path, 0755);
#endif
}

int test_remove_dir(const char *path)
{
#ifdef _WIN32
    return _rmdir(path);
#else
    return rmdir(path);
#endif
}
