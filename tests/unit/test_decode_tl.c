/* test_decode_tl.c - TraceLogging / self-describing EventSource fields from
 * the EVENT_SCHEMA_TL extended item (etl-format.md §2.7): a hand-made event
 * with every supported type, arrays, a struct, tags and an undecodable SID;
 * every truncation (SHORT, no read past the payload under ASan); and the
 * corpus events solar_system/PrimitiveTypesTest (against TraceEvent's
 * baseline) and MySource/TestEvent (PerfView's struct regression test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "etwcap/decode.h"
#include "etwcap/names.h"
#include "etwcap/reader.h"

typedef struct buf {
    uint8_t b[1024];
    size_t n;
} buf;

static void put(buf *p, uint64_t v, size_t size)
{
    for (size_t i = 0; i < size; i++)
        p->b[p->n++] = (uint8_t)(v >> (8 * i));
}
static void put_bytes(buf *p, const void *s, size_t n)
{
    memcpy(p->b + p->n, s, n);
    p->n += n;
}
static void put_cstr(buf *p, const char *s)
{
    put_bytes(p, s, strlen(s) + 1);
}
/* A field's metadata: name, then the InType/OutType/tag bytes given. */
static void meta_field(buf *m, const char *name, const char *type_bytes, size_t n)
{
    put_cstr(m, name);
    put_bytes(m, type_bytes, n);
}

static const etwcap_field *find(const etwcap_fields *fl, const char *name)
{
    for (size_t i = 0; i < fl->n; i++)
        if (strcmp(fl->f[i].name, name) == 0)
            return &fl->f[i];
    fail_msg("no field %s", name);
    return NULL;
}
static const char *fstr(const etwcap_fields *fl, const char *name)
{
    const etwcap_field *f = find(fl, name);
    assert_int_equal(f->type, ETWCAP_FIELD_STR);
    return f->s;
}
static int64_t fint(const etwcap_fields *fl, const char *name)
{
    const etwcap_field *f = find(fl, name);
    assert_int_equal(f->type, ETWCAP_FIELD_I64);
    return f->v.i;
}

static void build(buf *meta, buf *data)
{
    memset(meta, 0, sizeof *meta);
    memset(data, 0, sizeof *data);
    put(meta, 0, 2);                /* size, set below */
    put_bytes(meta, "\x81\x02", 2); /* event tag in two bytes */
    put_cstr(meta, "Ev");
    meta_field(meta, "s", "\x01", 1); /* UnicodeString */
    put_bytes(data, "h\0i\0\0\0", 6);
    meta_field(meta, "a", "\x02", 1); /* AnsiString, with an invalid byte */
    put_cstr(data, "an\xffsi");
    meta_field(meta, "b", "\x84\x03", 2); /* UInt8 + Boolean */
    put(data, 1, 1);
    meta_field(meta, "c", "\x86\x02", 2); /* UInt16 + String: a char */
    put(data, 'Z', 2);
    meta_field(meta, "i8", "\x03", 1); /* Int8: TraceEvent shows a byte */
    put(data, 0xFF, 1);
    meta_field(meta, "u32", "\x08", 1); /* UInt32: shown signed */
    put(data, 0xFFFFFFFE, 4);
    meta_field(meta, "h64", "\x15", 1);
    put(data, 16, 8);
    meta_field(meta, "f", "\x0b", 1);
    put(data, 0x3FC00000, 4); /* 1.5f */
    meta_field(meta, "d", "\x0c", 1);
    put(data, 0x4002000000000000ull, 8); /* 2.25 */
    meta_field(meta, "b32", "\x0d", 1);  /* Bool32: TraceEvent tests byte 0 */
    put(data, 0x100, 4);
    meta_field(meta, "g", "\x0f", 1);
    put_bytes(data, "\xc4\x14\xd6\x0a\xf4\x0e\x25\x42\x80\x13\xf4\x4f\x37\xcb\x03\x97", 16);
    meta_field(meta, "ft", "\x11", 1);
    put(data, 0x01d7a58b4dfa1070ull, 8);
    meta_field(meta, "st", "\x12", 1); /* SystemTime */
    put_bytes(data, "\xe5\x07\x09\x00\x04\x00\x09\x00\x0e\x00\x3b\x00\x23\x00\x1f\x03", 16);
    meta_field(meta, "arr", "\x47", 1); /* Int32, variable count */
    put(data, 3, 2);
    put(data, 1, 4);
    put(data, 2, 4);
    put(data, (uint32_t)-3, 4);
    meta_field(meta, "cs", "\x16", 1); /* counted UTF-16 */
    put(data, 4, 2);
    put_bytes(data, "o\0k\0", 4);
    meta_field(meta, "bin", "\x0e", 1);
    put(data, 3, 2);
    put_bytes(data, "\x01\x02\xab", 3);
    meta_field(meta, "my.st", "\x98\x02", 2); /* struct of 2 members */
    meta_field(meta, "x", "\x07", 1);
    put(data, 5, 4);
    meta_field(meta, "y", "\x02", 1);
    put_cstr(data, "yy");
    meta_field(meta, "tagged", "\x87\x80\x81\x01", 4); /* Int32, no OutType, 2 tag bytes */
    put(data, 7, 4);
    meta_field(meta, "cc", "\x25\x02\x00", 3); /* Int16, constant count 2 */
    put(data, 1, 2);
    put(data, 2, 2);
    meta_field(meta, "sid", "\x13", 1); /* TraceEvent cannot size a SID */
    put_bytes(data, "\x01\x01\x00\x00\x00\x00\x00\x05\x12\x00\x00\x00", 12);
    meta_field(meta, "after", "\x07", 1);
    put(data, 9, 4);
    meta->b[0] = (uint8_t)meta->n;
    meta->b[1] = (uint8_t)(meta->n >> 8);
}

static etwcap_event tl_event(const buf *meta, const buf *data)
{
    etwcap_event ev;
    memset(&ev, 0, sizeof ev);
    ev.struct_version = ETWCAP_EVENT_VERSION;
    ev.kind = ETWCAP_KIND_MANIFEST;
    ev.header_type = ETWCAP_HDR_EVENT64;
    ev.pointer_size = 8;
    ev.ext_count = 1;
    ev.ext[0].type = ETWCAP_EXT_EVENT_SCHEMA_TL;
    ev.ext[0].size = (uint16_t)meta->n;
    ev.ext[0].data = meta->b;
    ev.payload = data->b;
    ev.payload_len = (uint32_t)data->n;
    return ev;
}

static void test_types(void **state)
{
    (void)state;
    buf meta, data;
    static etwcap_fields fl;
    build(&meta, &data);
    etwcap_event ev = tl_event(&meta, &data);
    assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
    assert_string_equal(fstr(&fl, "s"), "hi");
    assert_string_equal(fstr(&fl, "a"), "an\xef\xbf\xbdsi");
    assert_int_equal(find(&fl, "b")->type, ETWCAP_FIELD_BOOL);
    assert_int_equal(find(&fl, "b")->v.u, 1);
    assert_string_equal(fstr(&fl, "c"), "Z");
    assert_int_equal(fint(&fl, "i8"), 255);
    assert_int_equal(fint(&fl, "u32"), -2);
    assert_int_equal(fint(&fl, "h64"), 16);
    assert_true(find(&fl, "f")->v.d == 1.5);
    assert_true(find(&fl, "d")->v.d == 2.25);
    assert_int_equal(find(&fl, "b32")->v.u, 0);
    assert_int_equal(find(&fl, "g")->type, ETWCAP_FIELD_GUID);
    assert_string_equal(fstr(&fl, "ft"), "21/09/09 14:59:35.799000");
    assert_string_equal(fstr(&fl, "st"), "21/09/09 14:59:35.035000"); /* see tracelogging.c */
    assert_string_equal(fstr(&fl, "arr"), "[1,2,-3]");
    assert_string_equal(fstr(&fl, "cs"), "ok");
    assert_int_equal(fint(&fl, "binLength"), 3);
    assert_string_equal(fstr(&fl, "bin"), "0102AB");
    assert_string_equal(fstr(&fl, "myst"), "{ \"x\":5, \"y\":\"yy\" }");
    assert_int_equal(fint(&fl, "tagged"), 7);
    assert_string_equal(fstr(&fl, "cc"), "[1,2]");
    /* The SID and what follows it are left out, as TraceEvent does. */
    assert_string_equal(fl.f[fl.n - 1].name, "cc");

    /* Truncations before the SID: SHORT and an empty list. */
    size_t sid_at = data.n - 16;
    for (size_t len = 0; len < sid_at; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, data.b, len);
        etwcap_event t = ev;
        t.payload = copy;
        t.payload_len = (uint32_t)len;
        assert_int_equal(etwcap_decode_fields(&t, &fl), ETWCAP_DECODE_SHORT);
        assert_int_equal(fl.n, 0);
        free(copy);
    }
    /* Truncated metadata: never a read past it, whatever the result. */
    for (size_t len = 0; len < meta.n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, meta.b, len);
        etwcap_event t = ev;
        t.ext[0].data = copy;
        t.ext[0].size = (uint16_t)len;
        etwcap_decode_result r = etwcap_decode_fields(&t, &fl);
        assert_true(r == ETWCAP_DECODE_OK || r == ETWCAP_DECODE_UNKNOWN ||
                    r == ETWCAP_DECODE_SHORT);
        free(copy);
    }
}

/* primitive-types baseline, the five solar_system/PrimitiveTypesTest events. */
static void test_corpus_primitive_types(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int b;
        int64_t ch, i16, i32, u16, u32, i64, u64;
        const char *guid, *ft, *st;
    } want[] = {
        {"Mercury", 0, 77, -51, -102, 51, 102, -204, 204, "0ad614c4-0ef4-4225-8",
         "21/09/09 14:59:35.79", "21/09/09 14:59:35.03"},
        {"Venus", 1, 86, -95, -190, 95, 190, -380, 380, "e04ff801-9ea3-494f-a",
         "21/09/09 14:59:36.23", "21/09/09 14:59:36.03"},
        {"Earth", 0, 69, -65, -130, 65, 130, -260, 260, "c7a6c80e-f2a6-4220-a",
         "21/09/09 14:59:36.67", "21/09/09 14:59:36.03"},
        {"Mars", 0, 77, -29, -58, 29, 58, -116, 116, "0a922cee-67c1-4108-b", "21/09/09 14:59:37.04",
         "21/09/09 14:59:37.03"},
        {"Jupiter", 1, 74, -69, -138, 69, 138, -276, 276, "bb11b97b-1110-4eb6-b",
         "21/09/09 14:59:37.48", "21/09/09 14:59:37.03"},
    };
    etwcap_reader *r = NULL;
    etwcap_diag d;
    const char *path = test_corpus_require("etl/microsoft_perfview/primitive-types.etl");
    assert_int_equal(etwcap_reader_open(&r, path, NULL, &d), ETWCAP_OK);
    etwcap_event ev;
    static etwcap_fields fl;
    char name[256], g[37];
    size_t i = 0;
    while (etwcap_reader_next(r, &ev) == ETWCAP_OK && i < 5) {
        etwcap_event_name(&ev, name, sizeof name);
        if (strcmp(name, "solar_system/PrimitiveTypesTest") != 0)
            continue;
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_int_equal(fl.n, 12);
        assert_string_equal(fstr(&fl, "string_type"), want[i].s);
        assert_int_equal(find(&fl, "boolean_type")->v.u, want[i].b);
        assert_int_equal(fint(&fl, "char_type"), want[i].ch);
        assert_int_equal(fint(&fl, "int16_type"), want[i].i16);
        assert_int_equal(fint(&fl, "int32_type"), want[i].i32);
        assert_int_equal(fint(&fl, "uint16_type"), want[i].u16);
        assert_int_equal(fint(&fl, "uint32_type"), want[i].u32);
        assert_int_equal(fint(&fl, "int64_type"), want[i].i64);
        assert_int_equal(fint(&fl, "uint64_type"), want[i].u64);
        etwcap_guid_format(&find(&fl, "guid_type")->v.g, g);
        assert_memory_equal(g, want[i].guid, 20);
        assert_memory_equal(fstr(&fl, "file_time_type"), want[i].ft, 20);
        assert_memory_equal(fstr(&fl, "system_time_type"), want[i].st, 20);
        i++;
    }
    assert_int_equal(i, 5);
    etwcap_reader_close(r);
}

/* PerfView's regression test Issue1618: the struct field of MySource/TestEvent
 * prints as TraceEvent's StructValue does. */
static void test_corpus_struct(void **state)
{
    (void)state;
    etwcap_reader *r = NULL;
    etwcap_diag d;
    const char *path = test_corpus_require("etl/microsoft_perfview/SelfDescribingSingleEvent.etl");
    assert_int_equal(etwcap_reader_open(&r, path, NULL, &d), ETWCAP_OK);
    etwcap_event ev;
    static etwcap_fields fl;
    char name[256];
    int found = 0;
    while (!found && etwcap_reader_next(r, &ev) == ETWCAP_OK) {
        etwcap_event_name(&ev, name, sizeof name);
        if (strcmp(name, "MySource/TestEvent") != 0)
            continue;
        assert_int_equal(etwcap_decode_fields(&ev, &fl), ETWCAP_DECODE_OK);
        assert_int_equal(fl.n, 1);
        assert_string_equal(fstr(&fl, "a"), "{ \"b\":\"Hello\", \"c\":\"World!\" }");
        found = 1;
    }
    assert_true(found);
    etwcap_reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_corpus_primitive_types),
        cmocka_unit_test(test_corpus_struct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
