/* test_images_sidecar.c - the image-identity sidecar of `etwcap capture`
 * (src/lib/capture/images.c, docs/capture.md): written from real PE files
 * with the PE reader, read back, and applied by the evidence stage to a
 * module that has no DbgID record in the trace. Runs on every platform. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/images.h"
#include "etwcap/evidence.h"
#include "testgen.h"

/* The corpus' crash.exe: MSVC x86 image with an RSDS record (see test_pe_pdb.c). */
static const etwcap_guid crash_guid = {
    0x3249D99D, 0x0C40, 0x4931, {0x86, 0x10, 0xF4, 0xE4, 0xFB, 0x0B, 0x69, 0x36}};

static const char *crash_or_skip(void)
{
    const char *p = test_corpus_path("pe/getsentry_symbolic/crash.exe");
    if (!p) {
        printf("SKIP: corpus crash.exe not found (set ETWCAP_CORPUS)\n");
        skip();
    }
    return p;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_write_read(void **state)
{
    (void)state;
    char crash[1024];
    snprintf(crash, sizeof crash, "%s", crash_or_skip());
    const char *paths[2] = {crash, "no-such-dir/missing.dll"};
    const char *side = "test_images_sidecar.json";
    FILE *f = fopen(side, "wb");
    assert_non_null(f);
    size_t nread = 99;
    assert_int_equal(etwcap_images_write(f, paths, NULL, 2, &nread), ETWCAP_OK);
    fclose(f);
    assert_int_equal(nread, 1);
    char *text = read_all(side);
    assert_non_null(strstr(text, "\"format\":\"etwcap.images/v1\""));
    assert_non_null(strstr(text, "\"pdb_guid\":\"3249d99d-0c40-4931-8610-f4e4fb0b6936\""));
    assert_non_null(strstr(text, "\"time_date_stamp\":1521713271")); /* 0x5AB38077 */
    assert_non_null(strstr(text, "\"size_of_image\":36864"));        /* 0x9000 */
    free(text);

    etwcap_images im;
    etwcap_diag d;
    assert_int_equal(etwcap_images_load(&im, side, &d), ETWCAP_OK);
    assert_int_equal(im.n, 2);
    assert_int_equal(im.v[0].ok, 1);
    assert_string_equal(im.v[0].path, crash);
    assert_int_equal(im.v[0].id.time_date_stamp, 0x5AB38077);
    assert_int_equal(im.v[0].id.size_of_image, 0x9000);
    assert_int_equal(im.v[0].id.has_rsds, 1);
    assert_true(etwcap_guid_equal(&im.v[0].id.pdb_guid, &crash_guid));
    assert_int_equal(im.v[0].id.pdb_age, 1);
    assert_string_equal(im.v[0].id.pdb_name,
                        "C:\\projects\\breakpad-tools\\windows\\Release\\crash.pdb");
    assert_int_equal(im.v[1].ok, 0); /* unreadable: listed, no identity */
    assert_null(etwcap_images_find(&im, "no-such-dir/missing.dll", 0));
    /* Found whatever the case and slashes; SizeOfImage must agree. */
    char other[1024];
    snprintf(other, sizeof other, "%s", crash);
    for (char *p = other; *p; p++)
        *p = *p == '/' ? '\\' : (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p;
    assert_ptr_equal(etwcap_images_find(&im, other, 0x9000), &im.v[0]);
    assert_null(etwcap_images_find(&im, crash, 0x8000));
    etwcap_images_free(&im);
    remove(side);
}

static void test_bad_documents(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"format\":\"other/v1\",\"images\":[]}", "not an etwcap.images/v1"},
        {"{\"format\":\"etwcap.images/v1\",\"images\":[{\"path\":\"a\",\"time_date_stamp\":1,"
         "\"size_of_image\":2,\"pdb_guid\":\"zz\",\"pdb_age\":1,\"pdb_name\":\"x\"}]}",
         "images[0] is malformed"},
        {"{\"format\":\"etwcap.images/v1\",\"images\":[{\"path\":\"a\",\"time_date_stamp\":-1,"
         "\"size_of_image\":2}]}",
         "images[0] is malformed"},
        {"{\"format\":\"etwcap.images/v1\",\"images\":[{\"path\":\"a\"},{\"nopath\":1}]}",
         "images[0] is malformed"},
        {"{\"format\":", "line 1"},
    };
    const char *side = "test_images_bad.json";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(side, cases[i].text);
        etwcap_images im;
        etwcap_diag d;
        memset(&d, 0, sizeof d);
        assert_int_equal(etwcap_images_load(&im, side, &d), ETWCAP_ERR_FORMAT);
        if (!strstr(d.message, cases[i].want) || !strstr(d.message, side))
            fail_msg("case %d: message %s", (int)i, d.message);
        assert_null(im.v);
    }
    remove(side);
}

/* The evidence stage gives a module with no DbgID record the sidecar's
 * identity, and leaves it without one when no sidecar is there. */
static void test_evidence_uses_sidecar(void **state)
{
    (void)state;
    char crash[1024];
    snprintf(crash, sizeof crash, "%s", crash_or_skip());
    char desc[4096];
    snprintf(desc, sizeof desc,
             "trace pointer=8 cpus=1\n"
             "buffer cpu=0\n"
             "process-start ts=100 hdr-pid=4 hdr-tid=8 pid=700 ppid=4 session=1 "
             "key=0xffffc08a1e4c5080 dtb=0x3b7a2000 name=crash.exe cmdline=crash.exe\n"
             "image-load ts=200 hdr-tid=704 pid=700 base=0x400000 size=0x9000 checksum=0 "
             "tds=0x5AB38077 file=\"%s\"\n",
             crash);
    char err[256];
    testgen_trace *t = testgen_desc_build(desc, strlen(desc), err, sizeof err);
    if (!t)
        fail_msg("testgen: %s", err);
    const char *etl = "test_images_evidence.etl";
    assert_int_equal(testgen_write(t, etl), 0);
    testgen_free(t);

    /* What the capture's stop step collects: the one image, as the trace names it. */
    char **paths = NULL;
    size_t npaths = 0;
    etwcap_diag cd;
    assert_int_equal(etwcap_images_collect(etl, &paths, &npaths, &cd), ETWCAP_OK);
    assert_int_equal(npaths, 1);
    assert_string_equal(paths[0], crash);
    etwcap_images_paths_free(paths, npaths);

    uint32_t pid = 700;
    etwcap_evidence_options o;
    memset(&o, 0, sizeof o);
    o.version = ETWCAP_EVIDENCE_OPTIONS_VERSION;
    o.pids = &pid;
    o.npids = 1;
    etwcap_reader_options ro = ETWCAP_READER_OPTIONS_INIT;
    for (int with = 0; with <= 1; with++) {
        char side[256];
        assert_int_equal(etwcap_images_sidecar_path(side, sizeof side, etl), 0);
        assert_string_equal(side, "test_images_evidence.etl.images.json");
        remove(side);
        if (with) {
            const char *one[1] = {crash};
            FILE *f = fopen(side, "wb");
            assert_non_null(f);
            assert_int_equal(etwcap_images_write(f, one, NULL, 1, NULL), ETWCAP_OK);
            fclose(f);
        }
        etwcap_evidence *e = NULL;
        etwcap_diag d;
        memset(&d, 0, sizeof d);
        assert_int_equal(etwcap_evidence_build(&e, etl, &o, &ro, &d), ETWCAP_OK);
        const etwcap_state *st = etwcap_evidence_state(e);
        size_t proc = etwcap_state_find_process(st, 700, 300);
        assert_true(proc != SIZE_MAX);
        const etwcap_process *p = etwcap_state_process_at(st, proc);
        assert_int_equal(p->nmodules, 1);
        const etwcap_module *m = &p->modules[0];
        assert_int_equal(m->has_pdb, with);
        if (with) {
            assert_true(etwcap_guid_equal(&m->pdb_guid, &crash_guid));
            assert_int_equal(m->pdb_age, 1);
            assert_string_equal(m->pdb_name,
                                "C:\\projects\\breakpad-tools\\windows\\Release\\crash.pdb");
        }
        etwcap_evidence_free(e);
        remove(side);
    }
    /* A malformed sidecar is an error naming the file, not silently ignored. */
    write_text("test_images_evidence.etl.images.json", "{\"format\":\"x\"}");
    etwcap_evidence *e = NULL;
    etwcap_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(etwcap_evidence_build(&e, etl, &o, &ro, &d), ETWCAP_ERR_FORMAT);
    assert_non_null(strstr(d.message, "images.json"));
    assert_null(e);
    remove("test_images_evidence.etl.images.json");
    remove(etl);
}

static void test_map_path(void **state)
{
    (void)state;
    etwcap_device_map map;
    memset(&map, 0, sizeof map);
    strcpy(map.v[0].device, "\\Device\\HarddiskVolume3");
    strcpy(map.v[0].drive, "C:");
    strcpy(map.v[1].device, "\\Device\\HarddiskVolume30");
    strcpy(map.v[1].drive, "E:");
    map.n = 2;
    char out[256];
    assert_int_equal(
        etwcap_images_map_path(&map, "\\Device\\HarddiskVolume3\\Windows\\x.dll", out, sizeof out),
        0);
    assert_string_equal(out, "C:\\Windows\\x.dll");
    assert_int_equal(
        etwcap_images_map_path(&map, "\\device\\harddiskvolume30\\a.exe", out, sizeof out), 0);
    assert_string_equal(out, "E:\\a.exe"); /* the whole device name, not Volume3 */
    assert_int_equal(etwcap_images_map_path(&map, "D:\\a.dll", out, sizeof out), 0);
    assert_string_equal(out, "D:\\a.dll");
    assert_int_not_equal(etwcap_images_map_path(&map, "\\SystemRoot\\x.sys", out, sizeof out), 0);
    assert_int_not_equal(etwcap_images_map_path(&map, "\\Device\\HarddiskVolume3\\long", out, 7),
                         0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read),
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_evidence_uses_sidecar),
        cmocka_unit_test(test_map_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
