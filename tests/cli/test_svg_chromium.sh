#!/usr/bin/env bash
# The SVG flame graph of `etwcap stacks` rendered by headless Chromium:
#  - a screenshot that is not blank and shows flame-colored frames;
#  - the DOM after the inline script ran (it sets data-frames on <svg>), with
#    no XML parse error, the "all" root with the total, and the three widest
#    frames of the folded output of the same command, with their counts.
# Skips (77) when Chromium, `etwcap stacks` or the corpus trace is missing.
#
# Debugging hook: ETWCAP_FLAME_SVG=file.svg ETWCAP_FLAME_FOLDED=file.folded
# checks that pair instead of running `etwcap stacks`.
set -euo pipefail
etwcap=$1
corpus=${ETWCAP_CORPUS:-../shared/corpus}
trace="$corpus/etl/microsoft_perfview/net.4.5.2.x86.etl"

chrome=
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then
    chrome=$(command -v "$c")
    break
  fi
done
if [ -z "$chrome" ]; then
  echo "SKIP: chromium is not installed (scripts/deps.sh installs it)"
  exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is not installed"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
outdir=${ETWCAP_BUILD:-$work}
png="$outdir/flame-test.png"
dom="$outdir/flame-test.dom.txt"

if [ -n "${ETWCAP_FLAME_SVG:-}" ]; then
  svg=$ETWCAP_FLAME_SVG
  folded=${ETWCAP_FLAME_FOLDED:?set ETWCAP_FLAME_FOLDED with ETWCAP_FLAME_SVG}
else
  if ! "$etwcap" stacks --help >/dev/null 2>&1; then
    echo "SKIP: 'etwcap stacks' is not available in $etwcap"
    exit 77
  fi
  if [ ! -f "$trace" ]; then
    echo "SKIP: corpus trace not found: $trace"
    exit 77
  fi
  svg="$outdir/flame-test.svg"
  folded="$outdir/flame-test.folded"
  rm -f "$svg" "$folded"
  "$etwcap" stacks --format svg -o "$svg" "$trace" --process Test.x86
  "$etwcap" stacks --format folded -o "$folded" "$trace" --process Test.x86
fi
[ -s "$svg" ] || { echo "FAIL: no SVG at $svg"; exit 1; }
[ -s "$folded" ] || { echo "FAIL: no folded output at $folded"; exit 1; }
svg_url=$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri())' "$svg")

run_chrome() {
  local profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  HOME="$work" XDG_CONFIG_HOME="$work" XDG_CACHE_HOME="$work" \
    timeout 300 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@" "$svg_url"
}

rm -f "$png" "$dom"
run_chrome --screenshot="$png" --window-size=1400,900 >"$work/shot.log" 2>&1 || {
  echo "FAIL: chromium --screenshot failed:"
  tail -n 20 "$work/shot.log"
  exit 1
}
run_chrome --dump-dom >"$dom" 2>"$work/dom.log" || {
  echo "FAIL: chromium --dump-dom failed:"
  tail -n 20 "$work/dom.log"
  exit 1
}

python3 - "$png" "$dom" "$folded" <<'PYEOF'
import struct
import sys
import zlib

png_path, dom_path, folded_path = sys.argv[1:4]
errors = []


def png_pixels(data):
    """(width, height, channels, rows) of an 8-bit RGB/RGBA PNG, or None."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, ihdr = 8, [], None
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        return w, h, 0, None
    ch = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * ch
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(ch, stride):
                line[i] = (line[i] + line[i - ch]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - ch] if i >= ch else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - ch] if i >= ch else 0
                b, c = prev[i], prev[i - ch] if i >= ch else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return w, h, ch, rows


# --- the screenshot ---------------------------------------------------------
try:
    data = open(png_path, "rb").read()
except OSError as e:
    data = b""
    errors.append("no screenshot: %s" % e)
if data:
    if len(data) < 8 * 1024:
        errors.append("screenshot is only %d bytes" % len(data))
    try:
        w, h, ch, rows = png_pixels(data)
        print("screenshot: %dx%d, %d bytes" % (w, h, len(data)))
        if rows is not None:
            colors, flame = set(), 0
            for line in rows:
                for i in range(0, len(line), ch):
                    r, g, b = line[i], line[i + 1], line[i + 2]
                    colors.add((r, g, b))
                    if r >= 200 and b <= 60 and g <= 235:
                        flame += 1
            share = flame / float(w * h)
            print("screenshot: %d colors, %.2f%% flame-colored pixels" % (len(colors), 100 * share))
            if len(colors) < 16:
                errors.append("screenshot has only %d colors" % len(colors))
            if share < 0.005:
                errors.append("screenshot shows almost no flame-colored frames")
    except (ValueError, TypeError, IndexError, zlib.error, struct.error) as e:
        errors.append("cannot decode the screenshot: %s" % e)

# --- the DOM after the script ran ------------------------------------------
dom = open(dom_path, encoding="utf-8", errors="replace").read()
if "parsererror" in dom or "This page contains the following errors" in dom:
    errors.append("Chromium reports an XML error in the SVG")
if "data-frames=" not in dom:
    errors.append("the inline script did not run through (no data-frames on <svg>)")

widths, total = {}, 0
for line in open(folded_path, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if not line:
        continue
    stack, _, count = line.rpartition(" ")
    frames, n = stack.split(";"), int(count)
    total += n
    for i in range(len(frames)):
        key = tuple(frames[:i + 1])
        widths[key] = widths.get(key, 0) + n
if total == 0:
    errors.append("the folded output has no samples")


def variants(name):
    xml = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {name, xml, xml.replace('"', "&quot;"), xml.replace('"', "&quot;").replace("'", "&#39;")}


def in_dom(name, count):
    return any("%s (%d sample" % (v, count) in dom for v in variants(name))


if total and not in_dom("all", total):
    errors.append("the root 'all (%d samples' is not in the DOM" % total)
top, seen = [], set()
for key, n in sorted(widths.items(), key=lambda kv: (-kv[1], kv[0])):
    if key[-1] not in seen:
        seen.add(key[-1])
        top.append((key[-1], n))
    if len(top) == 3:
        break
for name, n in top:
    ok = in_dom(name, n)
    print("widest frame %-60s %8d samples: %s" % (name[:60], n, "found" if ok else "MISSING"))
    if not ok:
        errors.append("frame %r (%d samples) is not in the DOM" % (name, n))

for e in errors:
    print("FAIL: " + e)
sys.exit(1 if errors else 0)
PYEOF
