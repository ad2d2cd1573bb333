/* flame_svg.c - the merged stacks as a self-contained, interactive SVG
 * flame graph.
 *
 * Layout: one row per stack depth, the synthetic root "all" at the bottom;
 * a frame's width is proportional to the samples through it and its
 * children start at its left edge, sorted by name. Each frame is a
 * <g data-x=OFFSET data-w=COUNT> (in samples) holding a <title> tooltip
 * "name (N samples, P%)", a <rect> and a <text> label cut to fit. The inline
 * script (at the end, so the frames exist when it runs) zooms on click,
 * resets, and searches; it reads everything it needs from the document.
 * Colors come from a hash of the name, so the output is deterministic.
 */
#include "common/utf16.h"
#include "output/flame_impl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define IMG_W 1200
#define XPAD 10
#define GRAPH_W (IMG_W - 2 * XPAD)
#define FRAME_H 16
#define TOP 40    /* title and buttons */
#define BOTTOM 36 /* details line */
#define FONT_PX 12
#define CHAR_W 7.08 /* about 0.59 em for Verdana-like fonts */

static const char *const SCRIPT[] = {
    "(function () {",
    "  'use strict';",
    "  var XPAD = 10, WIDTH = 1180, CHARW = 7.08;",
    "  var doc = document, frames = doc.getElementById('frames');",
    "  var details = doc.getElementById('details'), matched = doc.getElementById('matched');",
    "  var resetBtn = doc.getElementById('reset'), searchBtn = doc.getElementById('search');",
    "  var items = [], gs = frames.children, searching = null;",
    "  for (var i = 0; i < gs.length; i++) {",
    "    var g = gs[i], info = g.getElementsByTagName('title')[0].textContent;",
    "    var r = g.getElementsByTagName('rect')[0];",
    "    items.push({ g: g, r: r, t: g.getElementsByTagName('text')[0], info: info,",
    "      name: info.slice(0, info.lastIndexOf(' (')),",
    "      x: Number(g.getAttribute('data-x')), w: Number(g.getAttribute('data-w')),",
    "      y: Number(r.getAttribute('y')), fill: r.getAttribute('fill') });",
    "    g.fgIndex = i;",
    "  }",
    "  function ready() { doc.documentElement.setAttribute('data-frames', String(items.length)); }",
    "  if (!items.length) return ready();",
    "  var root = items[0];",
    "  function label(name, w) {",
    "    var n = Math.floor((w - 6) / CHARW);",
    "    if (n < 3) return '';",
    "    var cs = Array.from(name);",
    "    return cs.length <= n ? name : cs.slice(0, n - 2).join('') + '..';",
    "  }",
    "  function place(e, x, w) {",
    "    e.r.setAttribute('x', x.toFixed(2));",
    "    e.r.setAttribute('width', w.toFixed(2));",
    "    e.t.setAttribute('x', (x + 3).toFixed(2));",
    "    e.t.textContent = label(e.name, w);",
    "  }",
    "  function zoom(z) {",
    "    var scale = WIDTH / z.w;",
    "    items.forEach(function (e) {",
    "      var cls = '';",
    "      if (e.y > z.y) {",
    "        if (e.x <= z.x && e.x + e.w >= z.x + z.w) { place(e, XPAD, WIDTH); cls = 'parent'; }",
    "        else cls = 'hide';",
    "      } else if (e.x >= z.x && e.x + e.w <= z.x + z.w) {",
    "        place(e, XPAD + (e.x - z.x) * scale, e.w * scale);",
    "      } else cls = 'hide';",
    "      if (cls) e.g.setAttribute('class', cls); else e.g.removeAttribute('class');",
    "    });",
    "    resetBtn.setAttribute('class', z === root ? 'btn hide' : 'btn');",
    "  }",
    "  function clearSearch() {",
    "    items.forEach(function (e) { e.r.setAttribute('fill', e.fill); });",
    "    matched.textContent = ' ';",
    "    searchBtn.textContent = 'Search';",
    "    searching = null;",
    "  }",
    "  function search(term) {",
    "    var re = null, spans = [], sum = 0, end = -1;",
    "    try { re = new RegExp(term); } catch (err) { re = null; }",
    "    items.forEach(function (e) {",
    "      var hit = re ? re.test(e.name) : e.name.indexOf(term) >= 0;",
    "      e.r.setAttribute('fill', hit ? 'rgb(230,0,230)' : e.fill);",
    "      if (hit) spans.push([e.x, e.x + e.w]);",
    "    });",
    "    spans.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });",
    "    spans.forEach(function (s) {",
    "      if (s[1] > end) { sum += s[1] - Math.max(s[0], end); end = s[1]; }",
    "    });",
    "    matched.textContent = 'Matched: ' + (100 * sum / root.w).toFixed(2) + '%';",
    "    searchBtn.textContent = 'Reset Search';",
    "    searching = term;",
    "  }",
    "  function askSearch() {",
    "    if (searching !== null) { clearSearch(); return; }",
    "    var term = window.prompt('Search frames (regular expression):', '');",
    "    if (term) search(term);",
    "  }",
    "  function itemOf(n) {",
    "    for (; n && n !== frames; n = n.parentNode)",
    "      if (n.fgIndex !== undefined) return items[n.fgIndex];",
    "    return null;",
    "  }",
    "  frames.addEventListener('click', function (ev) {",
    "    var e = itemOf(ev.target);",
    "    if (e) zoom(e);",
    "  });",
    "  frames.addEventListener('mouseover', function (ev) {",
    "    var e = itemOf(ev.target);",
    "    if (e) details.textContent = e.info;",
    "  });",
    "  frames.addEventListener('mouseout', function () { details.textContent = ' '; });",
    "  resetBtn.addEventListener('click', function () { zoom(root); });",
    "  searchBtn.addEventListener('click', askSearch);",
    "  doc.addEventListener('keydown', function (ev) {",
    "    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'f') { ev.preventDefault(); askSearch(); }",
    "    else if (ev.key === 'Escape') { zoom(root); clearSearch(); }",
    "  });",
    "  ready(); /* marks a document whose script ran through */",
    "})();",
};

/* v >= 0 with two decimals, without the locale's decimal separator. */
static const char *fixed2(char buf[32], double v)
{
    uint64_t h = (uint64_t)(v * 100.0 + 0.5);
    snprintf(buf, 32, "%" PRIu64 ".%02u", h / 100, (unsigned)(h % 100));
    return buf;
}

/* Write s[0..n) XML-escaped (for text and attribute values): control
 * characters become ' ', bytes that are not UTF-8 and U+FFFE/U+FFFF (not
 * XML characters) become U+FFFD. With max_chars < the number of characters,
 * only max_chars - 2 characters are written, then "..". */
static void put_xml(FILE *out, const char *str, size_t n, size_t max_chars)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t limit = SIZE_MAX, chars = 0;
    if (max_chars != SIZE_MAX) {
        for (size_t i = 0; i < n; i++)
            chars += (s[i] & 0xC0) != 0x80;
        if (chars > max_chars)
            limit = max_chars >= 2 ? max_chars - 2 : 0;
    }
    size_t run = 0, i = 0;
    for (chars = 0; i < n && chars < limit; chars++) {
        unsigned c = s[i];
        const char *esc = NULL;
        size_t adv = 1;
        if (c == '&')
            esc = "&amp;";
        else if (c == '<')
            esc = "&lt;";
        else if (c == '>')
            esc = "&gt;";
        else if (c == '"')
            esc = "&quot;";
        else if (c == '\'')
            esc = "&#39;";
        else if (c < 0x20)
            esc = " ";
        else if (c >= 0x80) {
            adv = etwcap_utf8_seq(s + i, n - i);
            if (adv == 0 || (adv == 3 && c == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE))
                esc = "\xEF\xBF\xBD";
            if (adv == 0)
                adv = 1;
        }
        if (esc) {
            fwrite(str + run, 1, i - run, out);
            fputs(esc, out);
            run = i + adv;
        }
        i += adv;
    }
    fwrite(str + run, 1, i - run, out);
    if (i < n)
        fputs("..", out);
}

static void put_xml_str(FILE *out, const char *s)
{
    put_xml(out, s, strlen(s), SIZE_MAX);
}

static int is_kernel(const char *name, size_t len)
{
    const char *bang = memchr(name, '!', len);
    size_t m = bang ? (size_t)(bang - name) : len;
    char mod[16];
    if (m >= 4) { /* ends with ".sys" */
        const char *t = name + m - 4;
        if (t[0] == '.' && (t[1] | 32) == 's' && (t[2] | 32) == 'y' && (t[3] | 32) == 's')
            return 1;
    }
    size_t k = m < sizeof mod - 1 ? m : sizeof mod - 1;
    for (size_t i = 0; i < k; i++)
        mod[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    mod[k] = '\0';
    return strncmp(mod, "ntoskrnl", 8) == 0 || strncmp(mod, "ntkrnl", 6) == 0;
}

/* A warm color from a hash of the name; kernel frames get a cool one. */
static void frame_color(const char *name, size_t len, unsigned rgb[3])
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
    unsigned a = (unsigned)(h >> 40) & 0xFF, b = (unsigned)(h >> 48) & 0xFF,
             c = (unsigned)(h >> 56) & 0xFF;
    if (is_kernel(name, len)) {
        rgb[0] = 50 + a * 60 / 255;
        rgb[1] = 160 + b * 60 / 255;
        rgb[2] = 170 + c * 60 / 255;
    } else {
        rgb[0] = 205 + a * 50 / 255;
        rgb[1] = b * 230 / 255;
        rgb[2] = c * 55 / 255;
    }
}

typedef struct svg_ctx {
    const etwcap_flame *f;
    FILE *out;
    uint64_t total;
    unsigned height;
} svg_ctx;

static void put_frame(const svg_ctx *c, uint32_t node, uint32_t depth, uint64_t off)
{
    const etwcap_flame *f = c->f;
    const char *name = node ? flame_name(f, f->nodes[node].name) : "all";
    size_t len = node ? f->names[f->nodes[node].name].len : 3;
    uint64_t count = f->nodes[node].total;
    double x = XPAD + (double)off * GRAPH_W / (double)c->total;
    double w = (double)count * GRAPH_W / (double)c->total;
    unsigned y = c->height - BOTTOM - (depth + 1) * FRAME_H;
    unsigned rgb[3] = {200, 200, 200};
    char b1[32], b2[32];
    if (node)
        frame_color(name, len, rgb);
    fprintf(c->out, "<g data-x=\"%" PRIu64 "\" data-w=\"%" PRIu64 "\"><title>", off, count);
    put_xml(c->out, name, len, SIZE_MAX);
    fprintf(c->out, " (%" PRIu64 " sample%s, %s%%)</title>", count, count == 1 ? "" : "s",
            fixed2(b1, (double)count * 100.0 / (double)c->total));
    fprintf(c->out, "<rect x=\"%s\" y=\"%u\" width=\"%s\" height=\"%u\" fill=\"rgb(%u,%u,%u)\"",
            fixed2(b1, x), y, fixed2(b2, w), FRAME_H - 1, rgb[0], rgb[1], rgb[2]);
    fprintf(c->out, " rx=\"2\" ry=\"2\"/><text x=\"%s\" y=\"%u.5\">", fixed2(b1, x + 3), y + 11);
    double fit = (w - 6) / CHAR_W;
    if (fit >= 3)
        put_xml(c->out, name, len, (size_t)fit);
    fputs("</text></g>\n", c->out);
}

static int cmp_node_names(const void *ctx, uint32_t a, uint32_t b)
{
    const etwcap_flame *f = ctx;
    return flame_name_cmp(f, f->nodes[a].name, f->nodes[b].name);
}

typedef struct todo {
    uint32_t node, depth;
    uint64_t off;
} todo;

/* Pre-order walk, children sorted by name; frames below `min` samples (and
 * so their children) are skipped but keep their room. */
static etwcap_status put_frames(const svg_ctx *c, uint64_t min)
{
    const etwcap_flame *f = c->f;
    todo *stack = NULL;
    uint32_t *kids = NULL;
    size_t nstack = 0, capstack = 0, capkids = 0;
    etwcap_status st = ETWCAP_OK;
    stack = malloc(16 * sizeof *stack);
    if (!stack)
        return ETWCAP_ERR_NOMEM;
    capstack = 16;
    stack[nstack++] = (todo){0, 0, 0};
    while (nstack && st == ETWCAP_OK) {
        todo t = stack[--nstack];
        put_frame(c, t.node, t.depth, t.off);
        size_t nk = 0;
        uint64_t end = t.off;
        for (uint32_t k = f->nodes[t.node].first_child; k != FLAME_NONE;
             k = f->nodes[k].next_sibling) {
            if (!f->nodes[k].total)
                continue;
            if (nk == capkids) {
                size_t cap = capkids ? capkids * 2 : 16;
                uint32_t *p = cap <= SIZE_MAX / sizeof *p ? realloc(kids, cap * sizeof *p) : NULL;
                if (!p) {
                    st = ETWCAP_ERR_NOMEM;
                    break;
                }
                kids = p;
                capkids = cap;
            }
            kids[nk++] = k;
            end += f->nodes[k].total;
        }
        if (st == ETWCAP_OK)
            st = flame_sort(kids, nk, cmp_node_names, f);
        for (size_t i = nk; i-- > 0 && st == ETWCAP_OK;) {
            uint64_t tot = f->nodes[kids[i]].total;
            end -= tot;
            if (tot < min)
                continue;
            if (nstack == capstack) {
                size_t cap = capstack * 2;
                todo *p = cap <= SIZE_MAX / sizeof *p ? realloc(stack, cap * sizeof *p) : NULL;
                if (!p) {
                    st = ETWCAP_ERR_NOMEM;
                    break;
                }
                stack = p;
                capstack = cap;
            }
            stack[nstack++] = (todo){kids[i], t.depth + 1, end};
        }
    }
    free(stack);
    free(kids);
    return st;
}

etwcap_status etwcap_flame_write_svg(const etwcap_flame *f, FILE *out, const char *title)
{
    if (!f || !out)
        return ETWCAP_ERR_ARG;
    if (!title)
        title = "Flame Graph";
    uint64_t min = f->total / 1000 ? f->total / 1000 : 1;
    uint32_t levels = 0;
    if (f->total) {
        uint32_t *depth = malloc((size_t)f->nnodes * sizeof *depth);
        if (!depth)
            return ETWCAP_ERR_NOMEM;
        depth[0] = 0;
        for (uint32_t i = 1; i < f->nnodes; i++) {
            depth[i] = depth[f->nodes[i].parent] + 1;
            if (f->nodes[i].total >= min && depth[i] > levels)
                levels = depth[i];
        }
        free(depth);
        levels++; /* the root row */
    }
    if (levels > (UINT32_MAX - TOP - BOTTOM - FRAME_H) / FRAME_H)
        return ETWCAP_ERR_UNSUPPORTED;
    svg_ctx c = {f, out, f->total, TOP + BOTTOM + (levels ? levels : 1) * FRAME_H};
    unsigned h = c.height;

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", out);
    fprintf(out,
            "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%u\" viewBox=\"0 0 %d %u\">\n",
            IMG_W, h, IMG_W, h);
    fputs("<!-- Flame graph written by etwcap. Click a frame to zoom, Reset Zoom or Escape to "
          "go back, Search (or Ctrl-F) to highlight frames matching a regular expression. -->\n",
          out);
    fprintf(out,
            "<style type=\"text/css\">\n"
            "text { font-family: Verdana, Arial, sans-serif; font-size: %dpx; fill: rgb(0,0,0); "
            "}\n"
            "#title { font-size: 17px; text-anchor: middle; }\n"
            ".btn { cursor: pointer; fill: rgb(40,40,160); }\n"
            ".btn:hover { text-decoration: underline; }\n"
            "#frames rect:hover { stroke: rgb(0,0,0); stroke-width: 0.5; cursor: pointer; }\n"
            "#frames text { pointer-events: none; }\n"
            ".hide { display: none; }\n"
            ".parent { opacity: 0.5; }\n"
            "</style>\n",
            FONT_PX);
    fputs("<defs><linearGradient id=\"bg\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
          "<stop stop-color=\"#eeeeee\" offset=\"5%\"/><stop stop-color=\"#eeeeb0\" "
          "offset=\"95%\"/></linearGradient></defs>\n",
          out);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" fill=\"url(#bg)\"/>\n", IMG_W,
            h);
    fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", IMG_W / 2);
    put_xml_str(out, title);
    fputs("</text>\n", out);
    fprintf(out, "<text id=\"reset\" class=\"btn hide\" x=\"%d\" y=\"24\">Reset Zoom</text>\n",
            XPAD);
    fprintf(out, "<text id=\"search\" class=\"btn\" x=\"%d\" y=\"24\">Search</text>\n",
            IMG_W - XPAD - 100);
    fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n", XPAD, h - 14);
    fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%u\"> </text>\n", IMG_W - XPAD - 100, h - 14);
    if (!f->total)
        fprintf(out, "<text x=\"%d\" y=\"%d\">No samples</text>\n", XPAD, TOP + 12);
    fputs("<g id=\"frames\">\n", out);
    etwcap_status st = f->total ? put_frames(&c, min) : ETWCAP_OK;
    fputs("</g>\n<script type=\"text/ecmascript\"><![CDATA[\n", out);
    for (size_t i = 0; i < sizeof SCRIPT / sizeof SCRIPT[0]; i++) {
        fputs(SCRIPT[i], out);
        fputc('\n', out);
    }
    fputs("]]></script>\n</svg>\n", out);
    if (st != ETWCAP_OK)
        return st;
    return fflush(out) != 0 || ferror(out) ? ETWCAP_ERR_IO : ETWCAP_OK;
}
