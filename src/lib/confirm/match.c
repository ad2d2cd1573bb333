/* match.c - does a claim's sink name an evidence function?
 *
 * A static analyser, a PDB and the CLR spell the same function differently.
 * Both sides are brought to a canonical form and then compared.
 *
 * Modules (etwcap_match_module_key):
 *   - the folder is dropped ("C:\Windows\...\mscorlib.dll" -> "mscorlib.dll",
 *     '\' and '/' both separate);
 *   - one extension .dll .exe .sys .winmd .so is dropped, then an NGen ".ni"
 *     ("mscorlib.ni.dll" -> "mscorlib");
 *   - ASCII letters are compared without case.
 *   So "System.Text.Json.dll", "system.text.json" and
 *   "C:\app\System.Text.Json.dll" all name the module "System.Text.Json". An
 *   empty key (module "" or a path ending in a separator) matches nothing.
 *
 * Function names (etwcap_match_canon_name):
 *   - signature text is ignored: the name ends at the first '(' that follows
 *     a name character ("Foo.Bar(System.String)" -> "Foo.Bar"); a '(' at the
 *     start or after a separator is kept ("(anonymous namespace)::f"); the
 *     evidence's separate `signature` member is never compared;
 *   - generic arity and instantiation are ignored: "`N" with an optional
 *     "[...]" instantiation, and "<...>" parameter lists, are removed, so
 *     "List`1.Add", "List<T>.Add", "List`1[System.__Canon].Add" and
 *     "List.Add" are all "List.Add";
 *   - separators are unified: "::" (C++ and IL), "+" (CLR nested types) and
 *     "/" (IL nested types) become ".";
 *   - surrounding white space is dropped; case is kept (C#, IL and C++ names
 *     are case-sensitive).
 *
 * Two canonical names match (etwcap_match_canon_eq) when they are equal, or
 * when the shorter is a dotted tail of the longer - it starts right after a
 * '.' of the longer - and has at least two components. So the sink
 * "JsonSerializer.Deserialize" matches the function
 * "System.Text.Json.JsonSerializer.Deserialize" and the reverse, while a
 * bare "Deserialize" matches only a function named exactly "Deserialize" (a
 * C function such as zlib's "inflate" is named that way). Constructors keep
 * their dot: "System.Object..ctor" has the components "System", "Object",
 * "ctor".
 *
 * Frames of call chains are "module!function"; a frame matches when both its
 * module and its function match (etwcap_match_frame).
 */
#include <stdlib.h>
#include <string.h>

#include "confirm/confirm.h"

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int ends_with_ci(const char *s, size_t a, size_t b, const char *suffix)
{
    size_t n = strlen(suffix);
    if (b - a <= n)
        return 0; /* keep at least one character */
    for (size_t i = 0; i < n; i++)
        if (lower(s[b - n + i]) != suffix[i])
            return 0;
    return 1;
}

/* The range [*a, *b) of s[0..n) that forms the module key (before case
 * folding). */
static void key_span(const char *s, size_t n, size_t *a, size_t *b)
{
    static const char *const exts[] = {".dll", ".exe", ".sys", ".winmd", ".so"};
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\\' || s[i] == '/')
            start = i + 1;
    size_t end = n;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        if (ends_with_ci(s, start, end, exts[i])) {
            end -= strlen(exts[i]);
            break;
        }
    }
    if (ends_with_ci(s, start, end, ".ni"))
        end -= 3;
    *a = start;
    *b = end;
}

char *etwcap_match_module_key(const char *module)
{
    size_t a, b;
    key_span(module, strlen(module), &a, &b);
    char *k = malloc(b - a + 1);
    if (!k)
        return NULL;
    for (size_t i = a; i < b; i++)
        k[i - a] = lower(module[i]);
    k[b - a] = '\0';
    return k;
}

/* Does s[0..n) have the module key `key` (already lower case)? */
static int module_span_is(const char *s, size_t n, const char *key)
{
    size_t a, b, kn = strlen(key);
    key_span(s, n, &a, &b);
    if (kn == 0 || b - a != kn)
        return 0;
    for (size_t i = 0; i < kn; i++)
        if (lower(s[a + i]) != key[i])
            return 0;
    return 1;
}

int etwcap_match_module(const char *module, const char *key)
{
    return module_span_is(module, strlen(module), key);
}

/* Skip a balanced bracket group starting at s[i] (== open); returns the
 * index after its closing bracket, or n when unbalanced. */
static size_t skip_group(const char *s, size_t n, size_t i, char open, char close)
{
    size_t depth = 0;
    for (; i < n; i++) {
        if (s[i] == open)
            depth++;
        else if (s[i] == close && --depth == 0)
            return i + 1;
    }
    return n;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Canonical form of s[0..n) (see the top of this file). */
static char *canon_span(const char *s, size_t n)
{
    size_t end = n;
    for (size_t i = 1; i < n; i++) {
        char p = s[i - 1];
        if (s[i] == '(' && p != ':' && p != '.' && p != '(' && p != '<' && p != ',') {
            end = i;
            break;
        }
    }
    char *out = malloc(end + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < end && is_space(s[i]))
        i++;
    while (i < end) {
        char c = s[i];
        if (c == ':' && i + 1 < end && s[i + 1] == ':') {
            out[o++] = '.';
            i += 2;
        } else if (c == '+' || c == '/') {
            out[o++] = '.';
            i++;
        } else if (c == '`') {
            for (i++; i < end && s[i] >= '0' && s[i] <= '9'; i++)
                ;
            if (i < end && s[i] == '[')
                i = skip_group(s, end, i, '[', ']');
        } else if (c == '<' && !(o >= 8 && !memcmp(out + o - 8, "operator", 8))) {
            i = skip_group(s, end, i, '<', '>');
        } else {
            out[o++] = c;
            i++;
        }
    }
    while (o > 0 && is_space(out[o - 1]))
        o--;
    out[o] = '\0';
    return out;
}

char *etwcap_match_canon_name(const char *name)
{
    return canon_span(name, strlen(name));
}

static size_t components(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (; *s; s++) {
        if (*s == '.') {
            in = 0;
        } else if (!in) {
            in = 1;
            n++;
        }
    }
    return n;
}

int etwcap_match_canon_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la == lb)
        return la > 0 && !memcmp(a, b, la);
    const char *s = la < lb ? a : b, *l = la < lb ? b : a;
    size_t ls = la < lb ? la : lb, ll = la < lb ? lb : la;
    if (ls == 0 || l[ll - ls - 1] != '.' || memcmp(l + ll - ls, s, ls) != 0)
        return 0;
    return components(s) >= 2;
}

int etwcap_match_name(const char *sink_canon, const char *name)
{
    char *c = etwcap_match_canon_name(name);
    if (!c)
        return -1;
    int eq = etwcap_match_canon_eq(sink_canon, c);
    free(c);
    return eq;
}

int etwcap_match_frame(const char *frame, const char *sink_module_key, const char *sink_canon)
{
    const char *bang = strchr(frame, '!');
    if (!bang || !module_span_is(frame, (size_t)(bang - frame), sink_module_key))
        return 0;
    char *c = canon_span(bang + 1, strlen(bang + 1));
    if (!c)
        return -1;
    int eq = etwcap_match_canon_eq(sink_canon, c);
    free(c);
    return eq;
}
