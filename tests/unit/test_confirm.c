/* test_confirm.c - `etwcap confirm`: the evidence and claims readers, sink
 * matching, the verdict lattice, witnesses and the verdicts output
 * (src/lib/confirm/, docs/verdicts.md). Documents are written here by hand
 * with ' for " (see J()). */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "confirm/confirm.h"

/* ---- helpers ----------------------------------------------------------- */

/* A JSON text from a C string with ' in place of ". malloc'd. */
static char *J(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

/* `s` with the first `from` replaced by `to`. malloc'd. */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *d = malloc(n);
    assert_non_null(d);
    snprintf(d, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return d;
}

#define T0 "'2024-01-01T00:00:0"
static const char EV1[] =
    "{'schema':'etwcap.evidence/v1','sha256':'ab12','future_member':true,"
    "'capture':{'source':{'file':'t.etl','sha256':'00'},'events_total':1000,'events_lost':0,"
    "'buffers_lost':0,'duration_ms':5000,'sample_interval_ms':1,"
    "'providers':['Microsoft-Windows-DotNETRuntime','Windows Kernel']},"
    "'target':{'selector':{},'processes':[{'pid':100,'image':'App.exe'},"
    "{'pid':200,'image':'Worker.exe'}]},"
    "'modules':[{'process':100,'path':'C:\\\\app\\\\App.exe','kind':'managed-il'},"
    "{'process':100,'path':'C:\\\\app\\\\System.Text.Json.dll','kind':'managed-il'},"
    "{'process':100,'path':'C:\\\\app\\\\zlib1.dll','kind':'native'},"
    "{'process':200,'path':'C:\\\\Windows\\\\assembly\\\\mscorlib.ni.dll','kind':'r2r'}],"
    "'functions':["
    "{'id':'f1','process':100,'module':'System.Text.Json',"
    "'name':'System.Text.Json.JsonSerializer.Deserialize','signature':'!!0 (class System.String)',"
    "'kind':'managed','resolution':'clr-event','observed':['jit','on-stack'],'samples':0,"
    "'first_seen':" T0 "2.0Z','last_seen':" T0 "4.0Z','call_chains':["
    "{'frames':['App!App.Program.Main','App!App.Api.Handle',"
    "'System.Text.Json!System.Text.Json.JsonSerializer.Deserialize'],'count':3},"
    "{'frames':['App!App.Program.Main',"
    "'System.Text.Json!System.Text.Json.JsonSerializer.Deserialize'],'count':1}]},"
    "{'id':'f2','process':200,'module':'System.Text.Json',"
    "'name':'System.Text.Json.JsonSerializer.Deserialize','signature':'!!0 (class Options)',"
    "'kind':'managed','observed':['jit'],'samples':0,'first_seen':" T0 "1.0Z',"
    "'last_seen':" T0 "5.0Z','call_chains':[]},"
    "{'id':'f3','process':100,'module':'App','name':'App.Worker.Run','kind':'managed',"
    "'observed':['on-stack'],'call_chains':[{'frames':['App!App.Worker.Run',"
    "'System.Text.Json!System.Text.Json.JsonSerializer.Deserialize'],'count':5}]},"
    "{'id':'f4','process':200,'module':'mscorlib',"
    "'name':'System.Collections.Generic.Dictionary`2[System.__Canon,System.__Canon].Insert',"
    "'signature':'instance void (!0,!1,bool)','kind':'managed','observed':['jit'],"
    "'first_seen':" T0 "3.0Z','last_seen':null},"
    "{'id':'f5','process':100,'module':'zlib1','name':'inflate','kind':'native',"
    "'observed':['sampled'],'samples':7,"
    "'call_chains':[{'frames':['App!App.Program.Main','zlib1!inflate'],'count':7}]},"
    "{'id':'f6','process':100,'module':'parser','name':'ns::Parser::parse','kind':'native',"
    "'observed':['sampled'],'samples':1},"
    "{'id':'f7','process':200,'module':'mscorlib',"
    "'name':'System.IO.TextWriter+SyncTextWriter.WriteLine','kind':'managed','observed':['jit']},"
    "{'id':'f8','process':100,'module':'App','name':'App.Program.Main','kind':'managed',"
    "'observed':['jit','on-stack'],'extra':{'x':[1,2]}}],"
    "'coverage':{'samples':20,'samples_with_stack':20,'stack_fraction':1}}";

/* One claim: id, sink module, name and kind, then further members. */
#define CLAIM(id, m, n, k, more)                                                                   \
    "{'id':'" id "','vulnerability':'V-" id "','sink':{'module':'" m "','name':'" n "','kind':'" k \
    "'}" more "}"
#define REACHABLE ",'static_verdict':'reachable'"
#define UNREACHABLE ",'static_verdict':'unreachable'"

// clang-format off
static const char CL1[] = "{'schema':'etwcap.claims/v1','claims':["
    CLAIM("C1", "System.Text.Json.dll", "JsonSerializer.Deserialize", "managed",
          ",'static_path':['App.Program.Main','App.Api.Handle','JsonSerializer.Deserialize']"
          REACHABLE) ","
    CLAIM("C2", "MSCORLIB", "System.Collections.Generic.Dictionary<TKey, TValue>.Insert"
          "(TKey, TValue, bool)", "managed", UNREACHABLE) ","
    CLAIM("C3", "C:\\\\app\\\\ZLIB1.DLL", "inflate", "native", "") ","
    CLAIM("C4", "App.exe", "App.Program.Unused", "managed", REACHABLE) ","
    CLAIM("C5", "system.text.json", "System.Text.Json.JsonSerializer.Serialize", "managed",
          UNREACHABLE) ","
    CLAIM("C6", "Newtonsoft.Json.dll", "Newtonsoft.Json.JsonConvert.DeserializeObject", "managed",
          UNREACHABLE) ","
    CLAIM("C7", "System.Text.Json", "System.Text.Json.Utf8JsonReader.Read", "managed", "") ","
    CLAIM("C8", "parser.dll", "Parser::parse", "native", ",'static_verdict':'unknown'") ","
    CLAIM("C9", "zlib1", "inflate", "managed", "") ","
    CLAIM("C10", "mscorlib.dll", "System.IO.TextWriter.SyncTextWriter.WriteLine", "managed",
          REACHABLE) ","
    CLAIM("C11", "mscorlib", "system.io.textwriter.synctextwriter.writeline", "managed", "") ","
    CLAIM("C12", "App", "Main", "managed", "") ","
    CLAIM("C13", "System.Text.Json", "JsonSerializer.Deserialize", "managed",
          ",'note':'extra members are allowed','static_path':['App!App.Worker.Run',"
          "'System.Text.Json.dll!JsonSerializer.Deserialize','Other!App.Program.Main']")
    "]}";
// clang-format on

/* Parse a document written with ' for ", which must be valid: claims when
 * `claims` is set, else evidence. */
static void *parse(int claims, const char *tmpl)
{
    char *t = J(tmpl);
    void *out = NULL;
    etwcap_confirm_error err;
    etwcap_status st =
        claims ? etwcap_claims_parse((etwcap_claims **)&out, t, strlen(t), "claims.json", &err)
               : etwcap_evdoc_parse((etwcap_evdoc **)&out, t, strlen(t), "ev.json", &err);
    if (st != ETWCAP_OK)
        fail_msg("unexpected: %s", err.message);
    free(t);
    return out;
}
#define ev_from(t) ((etwcap_evdoc *)parse(0, (t)))
#define claims_from(t) ((etwcap_claims *)parse(1, (t)))

static const etwcap_verdict *find(const etwcap_verdicts *vs, const char *id)
{
    for (size_t i = 0; i < vs->n; i++)
        if (!strcmp(vs->v[i].claim->id, id))
            return &vs->v[i];
    fail_msg("no verdict for %s", id);
    return NULL;
}

static void expect_state(const etwcap_verdicts *vs, const char *id, const char *state)
{
    const etwcap_verdict *v = find(vs, id);
    if (strcmp(etwcap_verdict_state_name(v->state), state) != 0)
        fail_msg("%s: %s, expected %s (%s)", id, etwcap_verdict_state_name(v->state), state,
                 v->reason);
    assert_non_null(v->reason);
    assert_true(strlen(v->reason) > 20);
}

/* ---- matching ---------------------------------------------------------- */

/* `got` (malloc'd, freed here) equals `want`. */
static void expect_str(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}
#define expect_key(m, k) expect_str(etwcap_match_module_key(m), (k))
#define expect_canon(n, c) expect_str(etwcap_match_canon_name(n), (c))

static void test_match_modules(void **state)
{
    expect_key("System.Text.Json.dll", "system.text.json");
    expect_key("system.text.json", "system.text.json");
    expect_key("C:\\app\\bin\\System.Text.Json.DLL", "system.text.json");
    expect_key("/opt/app/System.Text.Json.dll", "system.text.json");
    expect_key("C:\\Windows\\assembly\\mscorlib.ni.dll", "mscorlib");
    expect_key("Test.x86.exe", "test.x86");
    expect_key("Test.x86", "test.x86");
    expect_key("ntoskrnl.sys", "ntoskrnl");
    expect_key(".dll", ".dll"); /* an extension alone is a name */
    expect_key("C:\\dir\\", "");
    assert_true(etwcap_match_module("C:\\x\\SYSTEM.TEXT.JSON.dll", "system.text.json"));
    assert_false(etwcap_match_module("System.Text.Json.Serialization", "system.text.json"));
    assert_false(etwcap_match_module("anything", "")); /* an empty key matches nothing */
    /* state names, for --fail-on */
    etwcap_verdict_state s;
    for (int i = 0; i < ETWCAP_V_NSTATES; i++) {
        const char *name = etwcap_verdict_state_name((etwcap_verdict_state)i);
        assert_int_equal(etwcap_verdict_state_parse(name, strlen(name), &s), 0);
        assert_int_equal(s, i);
    }
    assert_int_equal(etwcap_verdict_state_parse("contested", 9, &s), 0);
    assert_int_equal(s, ETWCAP_V_CONTESTED);
    assert_int_equal(etwcap_verdict_state_parse("Contest", 7, &s), -1);
}

static void test_match_names(void **state)
{
    // clang-format off
    static const char *const canon[][2] = {
        /* generic arity and instantiation */
        {"List`1.Add", "List.Add"}, {"List<T>.Add", "List.Add"},
        {"List`1[System.__Canon].Add", "List.Add"},
        {"Dictionary`2[[System.String, mscorlib],[System.Int32, mscorlib]].Insert",
         "Dictionary.Insert"},
        {"Dictionary<TKey, List<TValue>>.TryAdd<T>", "Dictionary.TryAdd"},
        /* signature text */
        {"Foo.Bar(System.String, int)", "Foo.Bar"}, {"  Foo.Bar (int)", "Foo.Bar"},
        {"(anonymous namespace)::f", "(anonymous namespace).f"},
        /* separators */
        {"ns::Parser::parse", "ns.Parser.parse"}, {"Outer/Inner::M", "Outer.Inner.M"},
        {"IO.TextWriter+SyncTextWriter.WriteLine", "IO.TextWriter.SyncTextWriter.WriteLine"},
        {"System.Object..ctor", "System.Object..ctor"}, {"Foo::operator<", "Foo.operator<"}};
    /* {a, b, a matches b}: equal, or a dotted tail of two components or more */
#define STJ "System.Text.Json.JsonSerializer.Deserialize"
    static const char *const tails[][3] = {
        {STJ, STJ, "1"}, {"JsonSerializer.Deserialize", STJ, "1"},
        {STJ, "JsonSerializer.Deserialize", "1"},
        {"Serializer.Deserialize", "JsonSerializer.Deserialize", "0"},
        {"Deserialize", "JsonSerializer.Deserialize", "0"}, {"inflate", "inflate", "1"},
        {"Object..ctor", "System.Object..ctor", "1"}, {".ctor", "System.Object..ctor", "0"},
        {"", "", "0"}, {"system.datetime.get_now", "System.DateTime.get_Now", "0"} /* case */};
    // clang-format on
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++)
        expect_canon(canon[i][0], canon[i][1]);
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
        if (etwcap_match_canon_eq(tails[i][0], tails[i][1]) != (tails[i][2][0] == '1'))
            fail_msg("canon_eq(%s, %s) != %s", tails[i][0], tails[i][1], tails[i][2]);
    assert_int_equal(etwcap_match_name("Parser.parse", "ns::Parser::parse(char const *)"), 1);
    assert_int_equal(etwcap_match_name("List.Add", "System.Collections.Generic.List`1.Add"), 1);
    static const char *const now = "System.DateTime.get_Now";
    assert_int_equal(etwcap_match_frame("mscorlib!System.DateTime.get_Now", "mscorlib", now), 1);
    assert_int_equal(etwcap_match_frame("C:\\w\\mscorlib.ni.dll!System.DateTime.get_Now",
                                        "mscorlib", "DateTime.get_Now"),
                     1);
    assert_int_equal(etwcap_match_frame("clr!System.DateTime.get_Now", "mscorlib", now), 0);
    assert_int_equal(etwcap_match_frame("no-bang", "no-bang", "no-bang"), 0);
}

/* ---- the lattice ------------------------------------------------------- */

static void test_lattice(void **state)
{
    etwcap_evdoc *ev = ev_from(EV1);
    etwcap_claims *cl = claims_from(CL1);
    assert_int_equal(ev->nfunctions, 8);
    assert_int_equal(cl->nclaims, 13);
    etwcap_verdicts *vs = NULL;
    assert_int_equal(etwcap_verdicts_compute(&vs, ev, cl), ETWCAP_OK);
    assert_int_equal(vs->n, 13);
    // clang-format off
    static const char *const want[][2] = {
        {"C1", "ConfirmedReachable"}, {"C2", "Contested"} /* generic arity, module case */,
        {"C3", "RuntimeObserved"} /* native, module as a path */, {"C4", "StaticReachable"},
        {"C5", "StaticUnreachable"} /* module loaded */, {"C6", "ConfirmedUnreachable"},
        {"C7", "RuntimeUnobserved"} /* module loaded, function never ran */,
        {"C8", "RuntimeObserved"} /* static unknown; Type::Method tail */,
        {"C9", "RuntimeUnobserved"} /* kind differs */,
        {"C10", "ConfirmedReachable"} /* nested type written with '.', NGen module */,
        {"C11", "RuntimeUnobserved"} /* names are case-sensitive */,
        {"C12", "RuntimeUnobserved"} /* one component: exact only */};
    // clang-format on
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        expect_state(vs, want[i][0], want[i][1]);
    assert_true(find(vs, "C7")->module_loaded && find(vs, "C9")->module_loaded);
    assert_false(find(vs, "C6")->module_loaded);
    assert_non_null(strstr(find(vs, "C6")->reason, "never loaded"));
    assert_non_null(strstr(find(vs, "C7")->reason, "does not show that it is unreachable"));
    assert_non_null(strstr(find(vs, "C2")->reason, "contradicts"));

    /* The observation of C1: both overloads (signature ignored), both processes. */
    const etwcap_verdict *v = find(vs, "C1");
    assert_true(v->obs.nfunctions == 2 && v->obs.npids == 2);
    assert_true(v->obs.pids[0] == 100 && v->obs.pids[1] == 200);
    assert_string_equal(v->obs.first_seen, "2024-01-01T00:00:01.0Z"); /* f2, process 200 */
    assert_string_equal(v->obs.last_seen, "2024-01-01T00:00:05.0Z");
    assert_int_equal(v->obs.how, ETWCAP_OBS_JIT | ETWCAP_OBS_ON_STACK);
    /* Witness: shortest chain (2 frames), the more counted of the two (f3's, 5). */
    assert_true(v->witness.chain && v->witness.chain->nframes == 2);
    assert_int_equal(v->witness.chain->count, 5);
    assert_string_equal(ev->functions[v->witness.function].id, "f3");
    assert_true(v->witness.static_total == 3 && v->witness.static_hits == 1); /* Deserialize */
    /* module-qualified static-path entries: 2 of 3 (the third names another module) */
    v = find(vs, "C13");
    assert_int_equal(v->state, ETWCAP_V_RUNTIME_OBSERVED);
    assert_true(v->witness.static_hits == 2 && v->witness.static_total == 3);
    /* C2 was JIT-compiled but is on no chain: observation, no witness */
    v = find(vs, "C2");
    assert_true(v->obs.observed && !v->witness.chain && !v->obs.last_seen);
    assert_string_equal(v->obs.first_seen, "2024-01-01T00:00:03.0Z");
    /* C3: witness from zlib1's own chain, no static path */
    v = find(vs, "C3");
    assert_true(v->witness.chain && v->witness.static_total == 0);
    etwcap_verdicts_free(vs);

    /* Lost events: the module list can no longer prove absence. */
    char *lossy = replace(EV1, "'events_lost':0", "'events_lost':3");
    etwcap_evdoc *ev3 = ev_from(lossy);
    assert_int_equal(etwcap_verdicts_compute(&vs, ev3, cl), ETWCAP_OK);
    expect_state(vs, "C6", "StaticUnreachable");
    assert_non_null(strstr(find(vs, "C6")->reason, "3 events"));
    etwcap_verdicts_free(vs);
    etwcap_evdoc_free(ev3);
    free(lossy);
    etwcap_claims_free(cl);
    etwcap_evdoc_free(ev);
}

/* Evidence that cannot observe a sink gives Unknown without a static verdict. */
static void test_unknown(void **state)
{
    static const char ev_nostacks[] =
        "{'schema':'etwcap.evidence/v1','sha256':'x','capture':{'events_lost':0,'buffers_lost':0},"
        "'target':{'processes':[{'pid':1,'image':null}]},'modules':[{'process':1,'path':'a.exe'}],"
        "'functions':[{'id':'a','process':1,'module':'a','name':'A.M','kind':'managed',"
        "'observed':['jit']}],'coverage':{'samples':0,'samples_with_stack':0}}";
    static const char ev_empty[] =
        "{'schema':'etwcap.evidence/v1','sha256':'x','capture':{'events_lost':0,'buffers_lost':0},"
        "'target':{'processes':[]},'modules':[],'functions':[]}";
    // clang-format off
    static const char cl[] = "{'schema':'etwcap.claims/v1','claims':["
        CLAIM("N1", "b.dll", "b_parse", "native", "") ","
        CLAIM("N2", "b.dll", "b_parse", "native", UNREACHABLE) ","
        CLAIM("M1", "a", "A.Other", "managed", "") ","
        CLAIM("M2", "c", "C.M", "managed", UNREACHABLE) "]}";
    // clang-format on
    etwcap_claims *c = claims_from(cl);
    etwcap_evdoc *ev = ev_from(ev_nostacks);
    etwcap_verdicts *vs = NULL;
    assert_int_equal(etwcap_verdicts_compute(&vs, ev, c), ETWCAP_OK);
    expect_state(vs, "N1", "Unknown");
    expect_state(vs, "N2", "StaticUnreachable"); /* no stacks: absence proves nothing */
    expect_state(vs, "M1", "RuntimeUnobserved");
    expect_state(vs, "M2", "ConfirmedUnreachable");
    assert_non_null(strstr(find(vs, "N1")->reason, "no sampled stacks"));
    etwcap_verdicts_free(vs);
    etwcap_evdoc_free(ev);
    ev = ev_from(ev_empty);
    assert_int_equal(etwcap_verdicts_compute(&vs, ev, c), ETWCAP_OK);
    expect_state(vs, "M1", "Unknown");
    expect_state(vs, "M2", "StaticUnreachable");
    etwcap_verdicts_free(vs);
    etwcap_evdoc_free(ev);
    etwcap_claims_free(c);
}

/* ---- input errors ------------------------------------------------------ */

/* Parsing `tmpl` (claims when `claims` is set, else evidence) fails with a
 * format error whose message holds `msg`, and yields nothing. */
static void expect_error(int claims, const char *tmpl, const char *msg)
{
    char *t = J(tmpl);
    void *out = &out; /* must be reset to NULL */
    etwcap_confirm_error err;
    etwcap_status st =
        claims ? etwcap_claims_parse((etwcap_claims **)&out, t, strlen(t), "claims.json", &err)
               : etwcap_evdoc_parse((etwcap_evdoc **)&out, t, strlen(t), "ev.json", &err);
    assert_int_equal(st, ETWCAP_ERR_FORMAT);
    assert_null(out);
    if (!strstr(err.message, msg))
        fail_msg("message \"%s\", expected \"%s\"", err.message, msg);
    assert_true(err.line >= 1 && err.column >= 0);
    free(t);
}
#define claims_error(t, m) expect_error(1, (t), (m))
#define evidence_error(t, m) expect_error(0, (t), (m))

static void test_bad_json(void **state)
{
    evidence_error("{'schema':'etwcap.evidence/v1',\n\n 'sha256': 'x' 'capture':{}}",
                   "ev.json: line 3, column 24: invalid JSON: ");
    etwcap_claims *c = NULL;
    etwcap_confirm_error err;
    assert_int_equal(etwcap_claims_load(&c, "no-such-dir/claims.json", &err), ETWCAP_ERR_IO);
    assert_non_null(strstr(err.message, "no-such-dir/claims.json: cannot open"));
    assert_int_equal(err.line, 0);
}

#define CLAIM_OK CLAIM("A", "m", "n", "native", "")
#define CLAIMS(x) "{'schema':'etwcap.claims/v1','claims':[" x "]}"

static void test_claims_schema(void **state)
{
    // clang-format off
    static const char *const cases[][2] = {
        /* syntax errors: jansson's line and column */
        {"{\n  'schema': 'etwcap.claims/v1',\n  'claims': [\n    {'id': 'A',}\n  ]\n}",
         "claims.json: line 4, column 16: invalid JSON: "},
        {"{'schema':'etwcap.claims/v1','claims':[],'claims':[]}",
         "claims.json: line 1, column 49: invalid JSON: duplicate object key"},
        {"", "claims.json: line 1, column 0: invalid JSON"},
        /* schema violations: the member's line and column */
        {"{\n 'schema': 'etwcap.claims/v1',\n 'claims': [\n"
         "  {'id': 'A', 'vulnerability': 'V',\n"
         "   'sink': {'module': 'm', 'name': 'n', 'kind': 'native'}},\n"
         "  {'id': 'B', 'vulnerability': 'V',\n"
         "   'sink': {'module': 'm', 'name': 12, 'kind': 'native'}}\n ]\n}",
         "claims.json: line 7, column 36: claims[1].sink.name: expected a string, "
         "found an integer"},
        {CLAIMS(CLAIM_OK ",\n  {'id':'B','vulnerability':'V'}"),
         "claims.json: line 2, column 3: claims[1]: missing required member \"sink\""},
        {CLAIMS(CLAIM("A", "m", "n", "jvm", "")),
         "claims[0].sink.kind: expected \"managed\" or \"native\", found \"jvm\""},
        {CLAIMS(CLAIM("A", "m", "n", "native", ",'static_verdict':'maybe'")),
         "claims[0].static_verdict: expected \"reachable\", \"unreachable\" or \"unknown\", "
         "found \"maybe\""},
        {CLAIMS(CLAIM_OK "," CLAIM_OK),
         "claims[1].id: duplicate claim id \"A\" (also claims[0].id)"},
        {"{'schema':'etwcap.claims/v2','claims':[]}",
         "line 1, column 11: schema: expected \"etwcap.claims/v1\", found \"etwcap.claims/v2\""},
        {"[1]", "claims.json: line 1, column 1: (document): expected an object, found an array"},
        {"{'schema':'etwcap.claims/v1','claims':{}}",
         "line 1, column 39: claims: expected an array, found an object"},
        {CLAIMS(CLAIM("A", "m", "n", "native", ",'static_path':['a','']")),
         "claims[0].static_path[1]: expected a non-empty string"},
        {CLAIMS(CLAIM("", "m", "n", "native", "")), "claims[0].id: expected a non-empty string"},
        {CLAIMS("7"), "claims[0]: expected an object, found an integer"},
        /* the position is found through an escaped key... */
        {CLAIMS("{'id':'A','vulnerability':'V','\\u0073ink':{'module':'m','name':'n','kind':1}}"),
         "line 1, column 114: claims[0].sink.kind: expected a string"},
        /* ...and columns count characters, not bytes */
        {"{'x':'\xc3\xa9\xc3\xa9\xc3\xa9','schema':1}",
         "line 1, column 21: schema: expected a string, found an integer"},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        claims_error(cases[i][0], cases[i][1]);
    /* Unknown members are allowed; an empty claims list is valid. */
    etwcap_claims *c = claims_from("{'schema':'etwcap.claims/v1','claims':[],'x':{'y':[]}}");
    assert_int_equal(c->nclaims, 0);
    etwcap_claims_free(c);
}

static void test_evidence_schema(void **state)
{
    // clang-format off
    static const char *const cases[][3] = {
        {"'etwcap.evidence/v1'", "'etwcap.evidence/v2'",
         "ev.json: line 1, column 11: schema: expected \"etwcap.evidence/v1\""},
        {"'process':100,'module':'System.Text.Json'", "'process':-1,'module':'x'",
         "functions[0].process: expected an integer from 0 to 4294967295, found -1"},
        {"'events_lost':0,", "", "capture: missing required member \"events_lost\""},
        {"'App!App.Api.Handle'", "42",
         "functions[0].call_chains[0].frames[1]: expected a string, found an integer"},
        {"'observed':['jit','on-stack'],'samples':0", "'observed':'jit'",
         "functions[0].observed: expected an array, found a string"},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = replace(EV1, cases[i][0], cases[i][1]);
        evidence_error(t, cases[i][2]);
        free(t);
    }
    /* An in-toto Statement: the predicate is the evidence; paths say so. */
    char *wrapped = malloc(strlen(EV1) + 200);
    assert_non_null(wrapped);
    sprintf(wrapped,
            "{'_type':'https://in-toto.io/Statement/v1','subject':[],"
            "'predicateType':'https://etwcap/evidence/v1','predicate':%s}",
            EV1);
    etwcap_evdoc *ev = ev_from(wrapped);
    assert_int_equal(ev->nfunctions, 8);
    assert_string_equal(ev->sha256, "ab12");
    etwcap_evdoc_free(ev);
    char *t = replace(wrapped, "'sha256':'ab12'", "'sha256':''");
    evidence_error(t, "predicate.sha256: expected a non-empty string");
    free(t);
    free(wrapped);
}

/* ---- output ------------------------------------------------------------ */

/* The verdicts as written to a stream. */
static char *render(const etwcap_verdicts *vs)
{
    FILE *f = test_scratch();
    assert_int_equal(etwcap_verdicts_write(vs, f), ETWCAP_OK);
    char *buf = test_read_stream(f);
    fclose(f);
    return buf;
}

/* Detectability (detect.c): the sampling bound T * ln(20) / u per target
 * process from the completeness records; first-call limits. */
static void test_detectability(void **state)
{
    (void)state;
    char *text =
        J("{'schema':'etwcap.evidence/v1','sha256':'cd34',"
          "'capture':{'events_lost':0,'buffers_lost':0,'duration_ms':8000,'sample_interval_ms':0.5,"
          "'providers':['Microsoft-Windows-DotNETRuntime']},"
          "'target':{'processes':[{'pid':10,'image':'a.exe'},{'pid':20,'image':'b.exe'},"
          "{'pid':30,'image':'c.exe'},{'pid':40,'image':'d.exe'}]},"
          "'modules':[{'process':10,'path':'C:\\\\a\\\\lib.dll','kind':'managed-il'}],"
          "'functions':[{'id':'f1','process':10,'module':'x','name':'X.Y','kind':'native',"
          "'observed':['sampled'],'samples':1}],"
          "'completeness':["
          "{'pid':10,'sample_interval_ms':0.5,'duration_ms':8000,'samples':900,"
          "'samples_reaching_user_fraction':0.8,'frames_resolved_fraction':1,"
          "'window':{'whole_lifetime':true,'started_before_capture':false},"
          "'clr':{'rundown_start':false,'rundown_end':false,'method_rundown_events':0},"
          "'sources':{'clr_r2r_entry':true}},"
          "{'pid':20,'sample_interval_ms':0.5,'duration_ms':100,'samples':50,"
          "'samples_reaching_user_fraction':0.25,'frames_resolved_fraction':null,"
          "'window':{'whole_lifetime':false,'started_before_capture':true},"
          "'clr':{'rundown_start':false,'rundown_end':false}},"
          "{'pid':30,'sample_interval_ms':null,'samples':0,'samples_reaching_user_fraction':null},"
          "{'pid':40,'sample_interval_ms':1,'samples':0,'samples_reaching_user_fraction':null}],"
          "'coverage':{'samples':950,'samples_with_stack':950,'stack_fraction':1}}");
    etwcap_evdoc *ev = NULL;
    etwcap_confirm_error err;
    assert_int_equal(etwcap_evdoc_parse(&ev, text, strlen(text), "ev", &err), ETWCAP_OK);
    assert_int_equal(ev->ncompleteness, 4);
    etwcap_claims *cl = claims_from("{'schema':'etwcap.claims/v1','claims':[" CLAIM(
        "N", "z.dll", "Z.run", "native", UNREACHABLE) "," CLAIM("M", "lib.dll", "Lib.F", "managed",
                                                                REACHABLE) "]}");
    etwcap_verdicts *vs = NULL;
    assert_int_equal(etwcap_verdicts_compute(&vs, ev, cl), ETWCAP_OK);
    const etwcap_detectability *n = &find(vs, "N")->detect;
    assert_int_equal(n->basis, ETWCAP_DETECT_SAMPLING);
    assert_int_equal(n->nbounds, 4);
    /* 0.5 * ln 20 / 0.8 = 1.87233...; 0.5 * ln 20 / 0.25 = 5.99146...; none for pid 30 */
    assert_true(fabs(n->bounds[0].min_cpu_ms - 1.8723326709712444) < 1e-12);
    assert_true(fabs(n->bounds[1].min_cpu_ms - 5.991464547107982) < 1e-12);
    assert_true(n->bounds[2].min_cpu_ms < 0);
    /* never sampled: T * ln 20, u unmeasured */
    assert_true(fabs(n->bounds[3].min_cpu_ms - 2.995732273553991) < 1e-12);
    assert_true(fabs(n->min_cpu_ms - 5.991464547107982) < 1e-12);
    assert_true(n->limits & ETWCAP_LIMIT_KERNEL_ONLY);
    assert_true(n->limits & ETWCAP_LIMIT_NO_INTERVAL);
    assert_false(n->limits & ETWCAP_LIMIT_UNRESOLVED);
    assert_non_null(strstr(n->statement, "at least 1.87 ms of CPU"));
    assert_non_null(strstr(n->statement, "at least 5.99 ms of CPU"));
    assert_non_null(strstr(n->statement, "does not give the sampling interval"));
    assert_non_null(strstr(n->statement, "no CPU sample fell: a native function that ran at least "
                                         "3.00 ms"));
    const etwcap_detectability *m = &find(vs, "M")->detect;
    assert_int_equal(m->basis, ETWCAP_DETECT_FIRST_CALL);
    assert_false(m->exact);
    assert_int_equal(m->limits, ETWCAP_LIMIT_INLINED | ETWCAP_LIMIT_BEFORE_CAPTURE);
    assert_non_null(strstr(m->statement, "pid 20 (b.exe) started before the capture, and no CLR "
                                         "rundown describes it"));
    assert_non_null(strstr(find(vs, "M")->reason, m->statement));
    etwcap_verdicts_free(vs);
    etwcap_claims_free(cl);
    etwcap_evdoc_free(ev);
    free(text);
}

static void test_output(void **state)
{
    etwcap_evdoc *ev = ev_from(EV1);
    etwcap_claims *cl = claims_from(CL1);
    etwcap_verdicts *vs = NULL;
    assert_int_equal(etwcap_verdicts_compute(&vs, ev, cl), ETWCAP_OK);
    char *a = render(vs), *b = render(vs);
    assert_string_equal(a, b); /* deterministic */
    assert_int_equal(a[strlen(a) - 1], '\n');
    json_error_t je;
    json_t *doc = json_loads(a, 0, &je); /* valid JSON */
    assert_non_null(doc);
    json_decref(doc);
    // Each part is one string split over lines, not a list missing commas.
    // NOLINTBEGIN(bugprone-suspicious-missing-comma)
    // clang-format off
    static const char *const parts[] = { /* in this order, ' for " */
        "{'schema':'etwcap.verdicts/v1','evidence_sha256':'ab12','completeness':{'events_lost':0,"
        "'buffers_lost':0,'samples':20,'stack_fraction':1,'sample_interval_ms':1,"
        "'duration_ms':5000,'target_processes':2},'verdicts':[",
        "{'claim':'C1','vulnerability':'V-C1','state':'ConfirmedReachable','sink':{'module':"
        "'System.Text.Json.dll','name':'JsonSerializer.Deserialize','kind':'managed'},"
        "'static_verdict':'reachable','module_loaded':true,'observation':{'first_seen':"
        "'2024-01-01T00:00:01.0Z','last_seen':'2024-01-01T00:00:05.0Z','how':['jit','on-stack'],"
        "'samples':0,'processes':[{'pid':100,'image':'App.exe'},{'pid':200,'image':'Worker.exe'}],"
        "'functions':[{'id':'f1','process':100,'module':'System.Text.Json','name':"
        "'System.Text.Json.JsonSerializer.Deserialize','signature':'!!0 (class System.String)'},",
        "'witness':{'function':'f3','frames':['App!App.Worker.Run','System.Text.Json!System.Text."
        "Json.JsonSerializer.Deserialize'],'count':5,'static_path_fraction':0.3333333333333333},"
        "'detectability':{'basis':'first-call-events','exact':true,'limits':[],'min_cpu_ms':null,"
        "'processes':[],'statement':'Detectability: exact.",
        "'reason':'Static analysis says",
        "{'claim':'C2',", "'witness':null,",
        "{'claim':'C3',", "'static_verdict':null,", "'static_path_fraction':null},",
        "{'claim':'C4',", "'observation':null,",
        "{'claim':'C5',", "{'claim':'C6',", "'module_loaded':false,", "{'claim':'C7',",
        "{'claim':'C8',", "{'claim':'C9',", "{'claim':'C10',", "{'claim':'C11',",
        "{'claim':'C12',", "{'claim':'C13',", "'static_path_fraction':0.6666666666666666},",
        "}]}\n",
    };
    // clang-format on
    // NOLINTEND(bugprone-suspicious-missing-comma)
    const char *at = a;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char *want = J(parts[i]);
        const char *hit = strstr(at, want);
        if (!hit)
            fail_msg("output lacks %s after offset %d:\n%s", want, (int)(at - a), a);
        at = hit + strlen(want);
        free(want);
    }

    /* To a file: complete, and no temporary file left next to it. */
    const char *path = "test_confirm_out.json";
    char why[256];
    remove(path);
    assert_int_equal(etwcap_verdicts_write_file(vs, path, why, sizeof why), ETWCAP_OK);
    test_assert_file_text(path, a);
    assert_int_equal(test_tmp_leftovers(path), 0);
    remove(path);

    /* Errors leave nothing behind: a missing folder... */
    assert_int_not_equal(etwcap_verdicts_write_file(vs, "no-such-dir/v.json", why, sizeof why),
                         ETWCAP_OK);
    assert_null(test_read_file("no-such-dir/v.json", NULL));
    /* ...and a folder at the target, which is neither replaced nor written:
     * no temporary file is made for it. */
    const char *dir = "test_confirm_dir.json";
    test_remove_dir(dir);
    assert_int_equal(test_make_dir(dir), 0);
    assert_int_not_equal(etwcap_verdicts_write_file(vs, dir, why, sizeof why), ETWCAP_OK);
    assert_non_null(strstr(why, dir));
    assert_int_equal(test_tmp_leftovers(dir), 0);
    assert_int_equal(test_remove_dir(dir), 0);

    free(a);
    free(b);
    etwcap_verdicts_free(vs);
    etwcap_claims_free(cl);
    etwcap_evdoc_free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_modules),   cmocka_unit_test(test_match_names),
        cmocka_unit_test(test_lattice),         cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_bad_json),        cmocka_unit_test(test_claims_schema),
        cmocka_unit_test(test_evidence_schema), cmocka_unit_test(test_output),
        cmocka_unit_test(test_detectability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
