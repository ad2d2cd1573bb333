#!/usr/bin/env bash
# The DbgHelp back end against the built-in PDB reader, under Wine (issue #4).
#
# Needs the mingw-w64 build of etwcap: $1 when it is an .exe (the mingw build's
# ctest passes it), else $ETWCAP_MINGW_EXE; skipped (77) when there is none,
# or when wine, clang-14, lld-link-14 or llvm-pdbutil-14 is missing.
#
# Builds the clang-14/lld-link-14 PE+PDB binaries of test_symbolize.sh
# (tests/cli/winbin.py: x86-64 and i686, DLL and EXE) and asks
#   etwcap.exe symbolize --symbolizer builtin --image X.dll RVA...
#   etwcap.exe symbolize --symbolizer dbghelp --image X.dll RVA...
# (Wine's own dbghelp.dll; the image loaded at its ImageBase, the PDB found
# next to it) for every procedure start, 1,000 seeded random addresses inside
# procedures and 300 anywhere in the code sections, per binary. Every answer
# is compared (name, offset, pdb/export). Then a trace (written by etwcap-testgen.exe)
# with samples in the four images: `etwcap.exe stacks` must print the same folded stacks
# with either back end. Each difference is put in a kind;
# the kinds Wine's dbghelp is known to have are listed in docs/dbghelp.md,
# and any other difference fails the test. Prints the counts.
set -euo pipefail
exe=${1:-}
case "$exe" in
*.exe) ;;
*) exe=${ETWCAP_MINGW_EXE:-} ;;
esac
if [ -z "$exe" ] || [ ! -f "$exe" ]; then
  echo "SKIP: no mingw-w64 etwcap.exe (run from the mingw build, or set ETWCAP_MINGW_EXE)"
  exit 77
fi
wine=${ETWCAP_WINE:-$(command -v wine64 || command -v wine || true)}
if [ -z "$wine" ]; then
  echo "SKIP: wine not found"
  exit 77
fi
for tool in clang-14 lld-link-14 llvm-pdbutil-14 llvm-readobj-14 python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (scripts/deps.sh installs clang-14, lld-14, llvm-14)"
    exit 77
  fi
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap '[ -n "${ETWCAP_KEEP:-}" ] || rm -rf "$work"' EXIT
export WINEDEBUG=${WINEDEBUG:--all}
[ -z "${ETWCAP_KEEP:-}" ] || echo "work folder (kept): $work"

python3 - "$wine" "$exe" "$work" "$here" <<'PYEOF'
import collections, os, random, re, subprocess, sys

wine, exe, work, here = sys.argv[1:5]
sys.path.insert(0, here)
import winbin  # noqa: E402

winbin.work = work


def winpath(p):
    """A Unix path as Wine's Z: drive sees it."""
    return "Z:" + os.path.abspath(p).replace("/", "\\")


LINE = re.compile(r"^0x([0-9a-f]+) (\S+?)!(.*)\+0x([0-9a-f]+) \[(pdb|export)\]$")
NONE = re.compile(r"^0x([0-9a-f]+) (\S+?)\+0x([0-9a-f]+) \[none\]$")


def ask(image, rvas, backend):
    inp = "".join("0x%x\n" % r for r in rvas)
    p = subprocess.run([wine, exe, "symbolize", "--symbolizer", backend, "--image",
                        winpath(image)], input=inp, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s symbolize --symbolizer %s exited %d\n%s" %
                 (exe, backend, p.returncode, p.stderr))
    out = [l.rstrip("\r") for l in p.stdout.splitlines()]
    if len(out) != len(rvas):
        sys.exit("FAIL: %d lines for %d addresses (%s)\n%s" % (len(out), len(rvas), backend,
                                                               p.stderr))
    res = []
    for line in out:
        m = LINE.match(line)
        if m:
            res.append((m.group(3), int(m.group(4), 16), m.group(5)))
        elif NONE.match(line):
            res.append((None, None, "none"))
        else:
            sys.exit("FAIL: unexpected line %r (%s)" % (line, backend))
    return res, p.stderr


def code_ranges(image):
    out = winbin.run(["llvm-readobj-14", "--sections", image]).stdout
    ranges = []
    for blk in out.split("Section {")[1:]:
        va = int(re.search(r"VirtualAddress: (0x[0-9A-Fa-f]+)", blk).group(1), 16)
        vs = int(re.search(r"VirtualSize: (0x[0-9A-Fa-f]+)", blk).group(1), 16)
        if "IMAGE_SCN_CNT_CODE" in blk:
            ranges.append((va, vs))
    return ranges


def kind_of(rva, b, d, procs):
    """Name the kind of a difference between builtin b and dbghelp d."""
    (bn, bo, bs), (dn, do, ds) = b, d
    in_proc = any(s <= rva < s + n for s, n, _ in procs)
    if not in_proc and dn is None and bs == "pdb":
        # Padding after a procedure: ours falls back to the nearest public
        # symbol below, Wine's SymFromAddrW answers nothing.
        return "outside procedures: Wine no symbol"
    if dn is None and bs == "export" and bo != 0:
        # Export-only image: Wine's SymFromAddrW matches an export only at
        # its exact address; ours gives the nearest export below + offset.
        return "export + offset: Wine no symbol"
    if dn is None and bs == "export" and bo == 0:
        # Seen on the first exports after the entry point (mgs.dll: 3 of 16).
        return "export start: Wine no symbol"
    if bn is None and dn == "EntryPoint":
        # Wine adds a symbol at AddressOfEntryPoint of an export-only image.
        return "Wine EntryPoint symbol"
    if dn is None:
        return "dbghelp: no symbol"
    if bn is None:
        return "builtin: no symbol"
    if bs != ds:
        return "source %s vs %s" % (bs, ds)
    return "other name or offset"


rng = random.Random(20240611)  # the seed and binaries of test_symbolize.sh
binaries = [("sym64dll", "x86_64", "-O2", "dll"), ("sym32dll", "i686", "-O1", "dll"),
            ("sym64exe", "x86_64", "-O1", "exe"), ("sym32exe", "i686", "-O2", "exe")]
total = equal = 0
traced = []  # (image, ImageBase, SizeOfImage, addresses inside procedures)
kinds = collections.Counter()
examples = {}
for k, (name, target, opt, kind) in enumerate(binaries):
    image = winbin.build(name, target, opt, kind, rng)
    pdb = os.path.join(work, name + ".pdb")
    base, vas = winbin.image_layout(image)
    procs = [p for p in winbin.procedures(pdb, vas) if p[1] > 0]
    r = random.Random(2000 + k)
    starts = [p[0] for p in procs]
    inside = []
    for _ in range(1000):
        p = r.choice(procs)
        inside.append(p[0] + r.randrange(p[1]))
    anywhere = []
    ranges = code_ranges(image)
    for _ in range(300):
        va, vs = r.choice(ranges)
        anywhere.append(va + r.randrange(max(vs, 1)))
    groups = (("starts", starts), ("inside", inside), ("anywhere", anywhere))
    rvas = starts + inside + anywhere
    got_b, err_b = ask(image, rvas, "builtin")
    got_d, err_d = ask(image, rvas, "dbghelp")
    if not any(x[2] == "pdb" for x in got_d):
        sys.exit("FAIL: dbghelp found no PDB for %s\n%s" % (image, err_d))
    at = 0
    line = []
    for gname, g in groups:
        n_eq = 0
        for rva in g:
            b, d = got_b[at], got_d[at]
            at += 1
            if b == d:
                n_eq += 1
                continue
            kd = kind_of(rva, b, d, procs)
            kinds[(gname, kd)] += 1
            examples.setdefault((gname, kd), "%s 0x%x: builtin %r, dbghelp %r"
                                % (os.path.basename(image), rva, b, d))
        line.append("%s %d/%d" % (gname, n_eq, len(g)))
        total += len(g)
        equal += n_eq
    print("%s (%s %s %s, %d procedures): equal %s" % (os.path.basename(image), target, opt,
                                                     kind, len(procs), ", ".join(line)))
    hdr = winbin.run(["llvm-readobj-14", "--file-headers", image]).stdout
    size = int(re.search(r"SizeOfImage: (\d+)", hdr).group(1))
    traced.append((image, base, size, inside))

# A mingw-w64 DLL without PDB: both back ends name the nearest export.
mingw = "x86_64-w64-mingw32-gcc"
if subprocess.run(["sh", "-c", "command -v " + mingw], capture_output=True).returncode == 0:
    lines, fns = [], []
    for i in range(40):
        kind = rng.choice(["static", "global", "export", "export"])
        decl = {"static": "static int", "global": "int",
                "export": "__declspec(dllexport) int"}[kind]
        fname = "mg_%s%d" % (kind[0], i)
        call = " + %s(x - 1)" % rng.choice(fns) if fns and rng.random() < 0.6 else ""
        lines.append("%s __attribute__((noinline, used)) %s(int x)\n{\n"
                     "    for (int i = 0; i < (x & %d); i++) x = x * %d + i;\n    return x%s;\n}"
                     % (decl, fname, rng.randrange(3, 31), rng.randrange(3, 99), call))
        fns.append(fname)
    src = os.path.join(work, "mg.c")
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    dll = os.path.join(work, "mgs.dll")
    winbin.run([mingw, "-shared", "-O1", "-s", "-o", dll, src])
    exp = winbin.run(["llvm-readobj-14", "--coff-exports", dll]).stdout
    exports = sorted(int(r, 16) for r in re.findall(r"RVA: (0x[0-9A-Fa-f]+)", exp))
    r = random.Random(77)
    ranges = code_ranges(dll)
    entry = int(re.search(r"AddressOfEntryPoint: (0x[0-9A-Fa-f]+)",
                          winbin.run(["llvm-readobj-14", "--file-headers", dll]).stdout).group(1), 16)
    rvas = exports + [entry] + [va + r.randrange(max(vs, 1))
                      for va, vs in (r.choice(ranges) for _ in range(500))]
    got_b, _ = ask(dll, rvas, "builtin")
    got_d, err_d = ask(dll, rvas, "dbghelp")
    n_eq = 0
    for rva, b, d in zip(rvas, got_b, got_d):
        if b == d:
            n_eq += 1
            continue
        kd = kind_of(rva, b, d, [])
        kinds[("exports", kd)] += 1
        examples.setdefault(("exports", kd), "mgs.dll 0x%x: builtin %r, dbghelp %r" % (rva, b, d))
    starts_eq = sum(1 for rva, b, d in zip(rvas, got_b, got_d) if rva in exports and b == d)
    print("mgs.dll (mingw-w64, no PDB, %d exports): equal export starts %d/%d, all %d/%d"
          % (len(exports), starts_eq, len(exports), n_eq, len(rvas)))
    total += len(rvas)
    equal += n_eq
else:
    print("note: %s not found; export check skipped" % mingw)

# Through a trace: `etwcap stacks` with each back end on samples whose frames are inside
# procedures of the four images, all loaded (at their ImageBase) in one traced process.
testgen = os.path.join(os.path.dirname(exe), "etwcap-testgen.exe")
if os.path.exists(testgen):
    desc = ["trace pointer=8 cpus=1 clock=qpc freq=10000000 start=2024-03-05T14:30:00Z",
            "buffer cpu=0",
            "process-dcstart ts=100 pid=500 ppid=4 name=host.exe cmdline=host.exe",
            "thread-dcstart ts=101 pid=500 tid=501 start=0xff"]
    for i, (image, base, size, _) in enumerate(traced):
        desc.append('image-dcstart ts=%d pid=500 base=0x%x size=0x%x file="%s"'
                    % (110 + i, base, size, winpath(image)))
    r = random.Random(99)
    nframes = 0
    for k in range(300):
        frames = []
        for _ in range(r.randrange(1, 6)):
            image, base, size, inside = r.choice(traced)
            frames.append(base + r.choice(inside))
        nframes += len(frames)
        desc.append("sample ts=%d ip=0x%x tid=501" % (1000 + 10 * k, frames[0]))
        desc.append("stackwalk ts=%d pid=500 tid=501 frames=%s"
                    % (1000 + 10 * k, ",".join("0x%x" % f for f in frames)))
    with open(os.path.join(work, "stacks.txt"), "w") as f:
        f.write("\n".join(desc) + "\n")
    etl = winpath(os.path.join(work, "stacks.etl"))
    winbin.run([wine, testgen, "build", winpath(os.path.join(work, "stacks.txt")), etl])
    outs = {}
    for backend, extra in (("builtin", ["--symbols", winpath(work)]), ("dbghelp", [])):
        p = subprocess.run([wine, exe, "stacks", etl, "--symbolizer", backend] + extra,
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("FAIL: stacks --symbolizer %s exited %d\n%s" % (backend, p.returncode,
                                                                     p.stderr))
        outs[backend] = sorted(l.rstrip("\r") for l in p.stdout.splitlines())
    same = outs["builtin"] == outs["dbghelp"]
    print("stacks on a trace (300 samples, %d frames in 4 images): %d folded stacks, %s"
          % (nframes, len(outs["dbghelp"]), "identical" if same else "DIFFERENT"))
    if not same or "+0x" in "".join(outs["dbghelp"]):
        for a, b in zip(outs["builtin"], outs["dbghelp"]):
            if a != b:
                print("  builtin: %s\n  dbghelp: %s" % (a, b))
                break
        sys.exit("FAIL: stacks differ between the back ends")
    # The same image traced with another TimeDateStamp: another build than the file
    # here, so DbgHelp must not be given the file (the frame keeps only its module).
    image, base, size, inside = traced[0]
    stale = [l for l in desc[:4]]
    stale.append('image-dcstart ts=110 pid=500 base=0x%x size=0x%x tds=0x1234 file="%s"'
                 % (base, size, winpath(image)))
    stale.append("sample ts=1000 ip=0x%x tid=501" % (base + inside[0]))
    stale.append("stackwalk ts=1000 pid=500 tid=501 frames=0x%x" % (base + inside[0]))
    with open(os.path.join(work, "stale.txt"), "w") as f:
        f.write("\n".join(stale) + "\n")
    etl = winpath(os.path.join(work, "stale.etl"))
    winbin.run([wine, testgen, "build", winpath(os.path.join(work, "stale.txt")), etl])
    p = subprocess.run([wine, exe, "stacks", etl, "--symbolizer", "dbghelp"],
                       capture_output=True, text=True)
    want = "%s!?" % os.path.splitext(os.path.basename(image))[0]  # folded: module, no name
    ok = p.returncode == 0 and want in p.stdout and "TimeDateStamp differs" in p.stderr
    print("stale image (traced TimeDateStamp differs from the file): %s"
          % ("module only and a note, ok" if ok else "FAIL"))
    if not ok:
        sys.exit("FAIL: stale image\n%s%s" % (p.stdout, p.stderr))
else:
    print("note: %s not found; the stacks check is skipped" % testgen)

print("TOTAL: %d addresses, %d equal, %d different" % (total, equal, total - equal))
for (gname, kd), n in sorted(kinds.items()):
    print("  different (%s): %-28s %5d   e.g. %s" % (gname, kd, n, examples[(gname, kd)]))
# Kinds listed in docs/dbghelp.md; anything else is a failure.
known = {"outside procedures: Wine no symbol", "export + offset: Wine no symbol",
         "export start: Wine no symbol", "Wine EntryPoint symbol"}
# Inside procedures (starts and random addresses) the two must agree exactly.
unknown = [key for key in kinds if key[1] not in known or key[0] in ("starts", "inside")]
if unknown:
    print("FAIL: differences of a kind not listed in docs/dbghelp.md: %s" % unknown)
    sys.exit(1)
PYEOF
