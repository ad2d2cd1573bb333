/* test_flame.c - stack aggregation and its folded, speedscope and SVG
 * outputs (src/lib/output/flame*.c). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etwcap/flame.h"

/* ---- helpers ----------------------------------------------------------- */

enum {
    FOLDED,
    SPEEDSCOPE,
    SVG
};

/* One output of `f` as a NUL-terminated malloc'd string. */
static char *render(const etwcap_flame *f, int kind, const char *name)
{
    FILE *t = test_scratch();
    etwcap_status st = kind == FOLDED       ? etwcap_flame_write_folded(f, t)
                       : kind == SPEEDSCOPE ? etwcap_flame_write_speedscope(f, t, name)
                                            : etwcap_flame_write_svg(f, t, name);
    assert_int_equal(st, ETWCAP_OK);
    char *buf = test_read_stream(t);
    fclose(t);
    return buf;
}

/* Add "a;b;c" (split on ';' here, so test names hold none) `count` times. */
static void add(etwcap_flame *f, const char *stack, uint64_t count)
{
    const char *frames[64];
    char buf[512];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%s", stack);
    for (char *p = buf; n < 64;) {
        frames[n++] = p;
        char *s = strchr(p, ';');
        if (!s)
            break;
        *s = '\0';
        p = s + 1;
    }
    assert_int_equal(etwcap_flame_add(f, frames, n, count), ETWCAP_OK);
}

static etwcap_flame *make(void)
{
    etwcap_flame *f = NULL;
    assert_int_equal(etwcap_flame_create(&f), ETWCAP_OK);
    return f;
}

/* ---- a minimal JSON parser for checking the speedscope output ---------- */

typedef struct jv {
    char type; /* o a s n t f z */
    char *str; /* 's': the decoded string */
    double num;
    size_t n;
    struct jv **kids;
    char **keys; /* 'o' */
} jv;

static void jv_free(jv *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        jv_free(v->kids[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->kids);
    free(v->keys);
    free(v->str);
    free(v);
}

static void ws(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
        (*p)++;
}

static char *jstr(const char **p)
{
    if (**p != '"')
        return NULL;
    size_t cap = strlen(*p) + 1, k = 0;
    char *o = malloc(cap);
    for ((*p)++; **p != '"'; (*p)++) {
        unsigned char c = (unsigned char)**p;
        if (c < 0x20) {
            free(o);
            return NULL;
        }
        if (c != '\\') {
            o[k++] = (char)c;
            continue;
        }
        (*p)++;
        const char *m = strchr("\"\"\\\\//b\bf\fn\nr\rt\t", **p);
        if (**p == 'u') {
            unsigned cp = 0;
            for (int i = 1; i <= 4; i++) {
                char h = (*p)[i];
                cp = cp * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
            }
            *p += 4;
            assert_true(cp < 0x80); /* the writer escapes only control characters */
            o[k++] = (char)cp;
        } else if (m && **p) {
            o[k++] = m[1];
        } else {
            free(o);
            return NULL;
        }
    }
    (*p)++;
    o[k] = '\0';
    return o;
}

static jv *jparse(const char **p)
{
    jv *v = calloc(1, sizeof *v);
    ws(p);
    char c = **p;
    if (c == '{' || c == '[') {
        v->type = c == '{' ? 'o' : 'a';
        char close = c == '{' ? '}' : ']';
        (*p)++;
        ws(p);
        while (**p != close) {
            if (v->n && *(*p)++ != ',')
                goto bad;
            v->kids = realloc(v->kids, (v->n + 1) * sizeof(jv *));
            if (v->type == 'o') {
                v->keys = realloc(v->keys, (v->n + 1) * sizeof(char *));
                ws(p);
                v->keys[v->n] = jstr(p);
                ws(p);
                if (!v->keys[v->n] || *(*p)++ != ':') {
                    v->kids[v->n++] = NULL;
                    goto bad;
                }
            }
            v->kids[v->n] = jparse(p);
            if (!v->kids[v->n++])
                goto bad;
            ws(p);
        }
        (*p)++;
    } else if (c == '"') {
        v->type = 's';
        if (!(v->str = jstr(p)))
            goto bad;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char *end;
        v->type = 'n';
        v->num = strtod(*p, &end);
        *p = end;
    } else if (!strncmp(*p, "true", 4) || !strncmp(*p, "null", 4)) {
        v->type = c == 't' ? 't' : 'z';
        *p += 4;
    } else if (!strncmp(*p, "false", 5)) {
        v->type = 'f';
        *p += 5;
    } else {
        goto bad;
    }
    return v;
bad:
    jv_free(v);
    return NULL;
}

static jv *jget(const jv *o, const char *key)
{
    assert_non_null(o);
    assert_int_equal(o->type, 'o');
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->keys[i], key))
            return o->kids[i];
    fail_msg("key %s missing", key);
    return NULL;
}

/* ---- a tag-balance check for the SVG ------------------------------------ */

static void check_xml(const char *s)
{
    const char *stack[256] = {NULL};
    size_t depth = 0, roots = 0;
    while (*s) {
        if (*s == '&') {
            size_t n = strspn(s + 1, "abcdefghijklmnopqrstuvwxyz#0123456789");
            assert_true(n > 0 && s[1 + n] == ';');
            s++;
        } else if (*s != '<') {
            s++;
        } else if (!strncmp(s, "<?", 2)) {
            s = strstr(s, "?>") + 2;
        } else if (!strncmp(s, "<!--", 4)) {
            s = strstr(s, "-->") + 3;
        } else if (!strncmp(s, "<![CDATA[", 9)) {
            s = strstr(s, "]]>") + 3;
        } else {
            const char *e = s + 1;
            char q = 0;
            for (; *e && (q || *e != '>'); e++) { /* quoted '>' is fine */
                assert_false(!q && *e == '<');
                if (*e == '"' || *e == '\'')
                    q = q == *e ? 0 : q ? q : *e;
                assert_false(q && *e == '<');
            }
            assert_int_equal(*e, '>');
            if (s[1] == '/') {
                size_t nl = strcspn(s + 2, " >\n");
                if (depth == 0) {
                    fail_msg("closing tag without an opening one");
                    return;
                }
                depth--;
                assert_int_equal(strncmp(stack[depth], s + 2, nl), 0);
                assert_non_null(strchr(" />\n", stack[depth][nl]));
            } else if (e[-1] != '/') {
                assert_true(depth < 256);
                roots += depth == 0;
                stack[depth++] = s + 1;
            }
            s = e + 1;
        }
    }
    assert_int_equal(depth, 0);
    assert_int_equal(roots, 1);
}

static size_t count_str(const char *s, const char *needle)
{
    size_t n = 0;
    for (; (s = strstr(s, needle)) != NULL; s++)
        n++;
    return n;
}

/* ---- tests ------------------------------------------------------------- */

static const struct {
    const char *stack;
    uint64_t count;
} SMALL[] = {{"main;a;b", 3}, {"main;c", 2}, {"main;a", 1}, {"main;a;b", 0}};

static etwcap_flame *make_small(void)
{
    etwcap_flame *f = make();
    for (size_t i = 0; i < sizeof SMALL / sizeof SMALL[0]; i++)
        add(f, SMALL[i].stack, SMALL[i].count);
    return f;
}

static void test_folded_small(void **state)
{
    etwcap_flame *f = make_small();
    assert_int_equal(etwcap_flame_total(f), 6);
    assert_int_equal(etwcap_flame_stack_count(f), 3);
    char *s = render(f, FOLDED, NULL);
    assert_string_equal(s, "main;a 1\nmain;a;b 3\nmain;c 2\n");
    free(s);
    etwcap_flame_free(f);
}

static void test_folded_bytewise(void **state)
{
    etwcap_flame *f = make();
    add(f, "ab;z", 1);
    add(f, "a;y;z", 2);
    add(f, "a;y", 3);
    add(f, "a!;x", 4);
    add(f, "a b;c", 5);
    add(f, "a", 6);
    add(f, "A;b", 7);
    add(f, "a;y", 10);
    char *s = render(f, FOLDED, NULL);
    assert_string_equal(s, "A;b 7\na 6\na b;c 5\na!;x 4\na;y 13\na;y;z 2\nab;z 1\n");
    free(s);
    etwcap_flame_free(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Random stacks against a brute-force aggregation: exact folded text, and
 * the same outputs whatever the order of the adds. */
#define N 600

static void test_folded_random(void **state)
{
    static const char *const pool[] = {"a",  "a!",          "ab",          "a b",     "b",
                                       "b~", "ntoskrnl!Ki", "caf\xc3\xa9", "x<y>&\"'"};
    char *lines[N];
    uint64_t counts[N];
    etwcap_flame *f = make(), *g = make();
    uint32_t seed = 12345;
    for (size_t i = 0; i < N; i++) {
        char buf[256] = "";
        size_t depth = 1 + (seed = seed * 1103515245u + 12345u) % 5;
        for (size_t d = 0; d < depth; d++) {
            seed = seed * 1103515245u + 12345u;
            if (d)
                strcat(buf, ";");
            strcat(buf, pool[(seed >> 8) % (sizeof pool / sizeof pool[0])]);
        }
        counts[i] = 1 + (seed >> 20) % 7;
        lines[i] = malloc(strlen(buf) + 1);
        strcpy(lines[i], buf);
        add(f, buf, counts[i]);
    }
    for (size_t i = N; i-- > 0;)
        add(g, lines[i], counts[i]);
    /* expected: sort "stack\tcount" by stack, merge equal stacks */
    char *keyed[N];
    for (size_t i = 0; i < N; i++) {
        keyed[i] = malloc(strlen(lines[i]) + 24);
        sprintf(keyed[i], "%s\t%u", lines[i], (unsigned)counts[i]);
    }
    qsort(keyed, N, sizeof keyed[0], cmp_str); /* '\t' sorts before any name byte */
    size_t cap = (size_t)64 * N, len = 0;
    char *want = malloc(cap);
    uint64_t total = 0;
    for (size_t i = 0; i < N;) {
        size_t kl = (size_t)(strchr(keyed[i], '\t') - keyed[i]);
        unsigned long sum = 0;
        size_t j = i;
        for (; j < N && !strncmp(keyed[j], keyed[i], kl + 1); j++)
            sum += strtoul(keyed[j] + kl + 1, NULL, 10);
        len += (size_t)snprintf(want + len, cap - len, "%.*s %lu\n", (int)kl, keyed[i], sum);
        total += sum;
        i = j;
    }
    assert_int_equal(etwcap_flame_total(f), total);
    for (int k = FOLDED; k <= SVG; k++) {
        char *a = render(f, k, "r"), *b = render(g, k, "r");
        assert_string_equal(a, b);
        if (k == FOLDED)
            assert_string_equal(a, want);
        if (k == SVG)
            check_xml(a);
        free(a);
        free(b);
    }
    for (size_t i = 0; i < N; i++) {
        free(lines[i]);
        free(keyed[i]);
    }
    free(want);
    etwcap_flame_free(f);
    etwcap_flame_free(g);
}

static void test_sanitize(void **state)
{
    etwcap_flame *f = make();
    const char *s1[] = {"m!a;b", "line\nbreak\r", ""};
    const char *s2[] = {"m!a:b", "line break ", "[unknown]"};
    const char *s3[] = {"bad\xff\xfe", "t\tx"};
    assert_int_equal(etwcap_flame_add(f, s1, 3, 2), ETWCAP_OK);
    assert_int_equal(etwcap_flame_add(f, s2, 3, 1), ETWCAP_OK); /* same stack */
    assert_int_equal(etwcap_flame_add(f, s3, 2, 1), ETWCAP_OK);
    char *s = render(f, FOLDED, NULL);
    assert_string_equal(s, "bad\xef\xbf\xbd\xef\xbf\xbd;t x 1\nm!a:b;line break ;[unknown] 3\n");
    free(s);
    etwcap_flame_free(f);
}

static void test_bad_args(void **state)
{
    etwcap_flame *f = make();
    const char *fr[] = {"a", NULL};
    assert_int_equal(etwcap_flame_add(f, fr, 0, 1), ETWCAP_ERR_ARG);
    assert_int_equal(etwcap_flame_add(f, fr, 2, 1), ETWCAP_ERR_ARG);
    assert_int_equal(etwcap_flame_add(f, NULL, 1, 1), ETWCAP_ERR_ARG);
    assert_int_equal(etwcap_flame_add(f, fr, 1, 0), ETWCAP_OK);
    assert_int_equal(etwcap_flame_total(f), 0);
    assert_int_equal(etwcap_flame_add(f, fr, 1, UINT64_MAX - 1), ETWCAP_OK);
    assert_int_equal(etwcap_flame_add(f, fr, 1, 2), ETWCAP_ERR_ARG);
    assert_int_equal(etwcap_flame_add(f, fr, 1, 1), ETWCAP_OK);
    assert_true(etwcap_flame_total(f) == UINT64_MAX);
    assert_int_equal(etwcap_flame_create(NULL), ETWCAP_ERR_ARG);
    assert_int_equal(etwcap_flame_write_folded(NULL, stdout), ETWCAP_ERR_ARG);
    assert_int_equal(etwcap_flame_write_svg(f, NULL, "x"), ETWCAP_ERR_ARG);
    etwcap_flame_free(f);
    etwcap_flame_free(NULL);
}

static void test_speedscope_exact(void **state)
{
    etwcap_flame *f = make_small();
    char *s = render(f, SPEEDSCOPE, "test");
    assert_string_equal(
        s, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\"shared\":{"
           "\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"main\"}]},"
           "\"profiles\":[{\"type\":\"sampled\",\"name\":\"test\",\"unit\":\"none\","
           "\"startValue\":0,\"endValue\":6,\"samples\":[[3,0],[3,0,1],[3,2]],"
           "\"weights\":[1,3,2]}],\"name\":\"test\",\"exporter\":\"etwcap\"}\n");
    free(s);
    etwcap_flame_free(f);
}

static const char *const ODD[] = {"semi;colon", "<tag> & \"q\" 'a'", "caf\xc3\xa9!\xe6\x97\xa5",
                                  "back\\slash", "nl\nx"};
static const char *const ODD_CLEAN[] = {"semi:colon", "<tag> & \"q\" 'a'",
                                        "caf\xc3\xa9!\xe6\x97\xa5", "back\\slash", "nl x"};

static void test_speedscope_structure(void **state)
{
    etwcap_flame *f = make();
    const char *deep[300];
    for (size_t i = 0; i < 300; i++)
        deep[i] = ODD[i % 5];
    assert_int_equal(etwcap_flame_add(f, ODD, 5, 7), ETWCAP_OK);
    assert_int_equal(etwcap_flame_add(f, ODD + 1, 3, 5), ETWCAP_OK);
    assert_int_equal(etwcap_flame_add(f, deep, 300, 11), ETWCAP_OK);
    for (int i = 0; i < 3000; i++) { /* enough to flush the writer's buffer */
        char a[32], b[32];
        snprintf(a, sizeof a, "mod!f%d", i % 97);
        snprintf(b, sizeof b, "mod!g%d", i);
        const char *st[] = {"root", a, b};
        assert_int_equal(etwcap_flame_add(f, st, 3, (uint64_t)(i % 3 + 1)), ETWCAP_OK);
    }
    char *s = render(f, SPEEDSCOPE, "n\"ame");
    const char *p = s;
    jv *root = jparse(&p);
    assert_non_null(root);
    ws(&p);
    assert_int_equal(*p, '\0');
    assert_string_equal(jget(root, "$schema")->str,
                        "https://www.speedscope.app/file-format-schema.json");
    assert_string_equal(jget(root, "exporter")->str, "etwcap");
    assert_string_equal(jget(root, "name")->str, "n\"ame");
    jv *frames = jget(jget(root, "shared"), "frames");
    assert_int_equal(frames->type, 'a');
    for (size_t i = 1; i < frames->n; i++) /* sorted, distinct */
        assert_true(
            strcmp(jget(frames->kids[i - 1], "name")->str, jget(frames->kids[i], "name")->str) < 0);
    for (size_t k = 0; k < 5; k++) {
        size_t i = 0;
        while (i < frames->n && strcmp(jget(frames->kids[i], "name")->str, ODD_CLEAN[k]))
            i++;
        assert_true(i < frames->n);
    }
    assert_int_equal(frames->n, 5 + 1 + 97 + 3000);
    jv *profs = jget(root, "profiles");
    assert_int_equal(profs->n, 1);
    jv *pr = profs->kids[0];
    assert_string_equal(jget(pr, "type")->str, "sampled");
    assert_string_equal(jget(pr, "unit")->str, "none");
    assert_string_equal(jget(pr, "name")->str, "n\"ame");
    assert_true(jget(pr, "startValue")->num == 0);
    assert_true(jget(pr, "endValue")->num == (double)etwcap_flame_total(f));
    jv *samples = jget(pr, "samples"), *weights = jget(pr, "weights");
    assert_int_equal(samples->n, etwcap_flame_stack_count(f));
    assert_int_equal(weights->n, samples->n);
    double sum = 0;
    size_t maxdepth = 0;
    for (size_t i = 0; i < weights->n; i++) {
        sum += weights->kids[i]->num;
        jv *smp = samples->kids[i];
        maxdepth = smp->n > maxdepth ? smp->n : maxdepth;
        for (size_t d = 0; d < smp->n; d++)
            assert_true(smp->kids[d]->num >= 0 && smp->kids[d]->num < (double)frames->n);
    }
    assert_true(sum == (double)etwcap_flame_total(f));
    assert_int_equal(maxdepth, 300);
    jv_free(root);
    free(s);
    etwcap_flame_free(f);
}

static void test_svg(void **state)
{
    etwcap_flame *f = make();
    assert_int_equal(etwcap_flame_add(f, ODD, 5, 30), ETWCAP_OK);
    const char *k[] = {"semi;colon", "ntoskrnl.exe!KiSwap", "tcpip.sys!Send"};
    assert_int_equal(etwcap_flame_add(f, k, 3, 20), ETWCAP_OK);
    char *s = render(f, SVG, "T<&>itle");
    check_xml(s);
    assert_non_null(strstr(s, "<?xml version=\"1.0\" encoding=\"UTF-8\""));
    assert_non_null(strstr(s, "<text id=\"title\" x=\"600\" y=\"24\">T&lt;&amp;&gt;itle</text>"));
    assert_non_null(strstr(s, "<title>all (50 samples, 100.00%)</title>"));
    assert_non_null(strstr(s, "<title>semi:colon (50 samples, 100.00%)</title>"));
    assert_non_null(strstr(s, "<title>&lt;tag&gt; &amp; &quot;q&quot; &#39;a&#39; (30 samples, "
                              "60.00%)</title>"));
    assert_non_null(strstr(s, "<title>caf\xc3\xa9!\xe6\x97\xa5 (30 samples, 60.00%)</title>"));
    assert_non_null(strstr(s, "<title>nl x (30 samples, 60.00%)</title>"));
    assert_non_null(strstr(s, "<title>tcpip.sys!Send (20 samples, 40.00%)</title>"));
    assert_int_equal(count_str(s, "<g data-x="), 1 + 5 + 2);
    assert_int_equal(count_str(s, "<script"), 1);
    assert_null(strstr(s, "href"));  /* nothing external */
    assert_null(strstr(s, "semi;")); /* the raw name never shows */
    /* the root spans the graph; the first child starts at its left edge */
    assert_non_null(strstr(s, "<g data-x=\"0\" data-w=\"50\"><title>all"));
    assert_non_null(strstr(s, "width=\"1180.00\" height=\"15\" fill=\"rgb(200,200,200)\""));
    /* kernel frames are drawn in the cool palette: red < 120 */
    const char *kr = strstr(s, "<title>tcpip.sys!Send");
    assert_non_null(kr);
    kr = strstr(kr, "fill=\"rgb(");
    assert_true(strtoul(kr + 10, NULL, 10) < 120);
    free(s);
    etwcap_flame_free(f);
}

static void test_svg_omits_narrow(void **state)
{
    etwcap_flame *f = make();
    add(f, "main;wide", 5000);
    add(f, "main;tiny", 1); /* 0.02%: in folded, not in the SVG */
    char *s = render(f, SVG, NULL);
    check_xml(s);
    assert_non_null(strstr(s, ">Flame Graph</text>"));
    assert_non_null(strstr(s, "<title>wide (5000 samples, 99.98%)</title>"));
    assert_null(strstr(s, "tiny"));
    free(s);
    s = render(f, FOLDED, NULL);
    assert_string_equal(s, "main;tiny 1\nmain;wide 5000\n");
    free(s);
    etwcap_flame_free(f);
}

static void test_empty(void **state)
{
    etwcap_flame *f = make();
    char *s = render(f, FOLDED, NULL);
    assert_string_equal(s, "");
    free(s);
    s = render(f, SPEEDSCOPE, NULL);
    assert_non_null(strstr(s, "\"endValue\":0,\"samples\":[],\"weights\":[]"));
    assert_non_null(strstr(s, "\"frames\":[]"));
    free(s);
    s = render(f, SVG, NULL);
    check_xml(s);
    assert_non_null(strstr(s, "No samples"));
    assert_int_equal(count_str(s, "<g data-x="), 0);
    free(s);
    etwcap_flame_free(f);
}

#define D 5000

static void test_deep(void **state)
{
    const char **fr = malloc(D * sizeof *fr);
    assert_non_null(fr);
    for (size_t i = 0; i < D; i++)
        fr[i] = i % 2 ? "odd" : "even";
    etwcap_flame *f = make();
    assert_int_equal(etwcap_flame_add(f, fr, D, 2), ETWCAP_OK);
    assert_int_equal(etwcap_flame_add(f, fr, D - 1, 1), ETWCAP_OK);
    char *s = render(f, FOLDED, NULL);
    assert_int_equal(strlen(s), (D / 2) * 9 - 1 + 3 + (D / 2) * 9 - 1 - 4 + 3);
    free(s);
    s = render(f, SVG, NULL);
    check_xml(s);
    assert_int_equal(count_str(s, "<g data-x="), D + 1);
    free(s);
    free(fr);
    etwcap_flame_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folded_small),
        cmocka_unit_test(test_folded_bytewise),
        cmocka_unit_test(test_folded_random),
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_speedscope_exact),
        cmocka_unit_test(test_speedscope_structure),
        cmocka_unit_test(test_svg),
        cmocka_unit_test(test_svg_omits_narrow),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
