#!/usr/bin/env bash
# `etwcap symbolize` against llvm-symbolizer-14 (etl-format.md §5).
#
# Builds x86-64 and i686 DLLs/EXEs with clang-14 + lld-link-14 (CodeView,
# PDB) from C sources generated here: global, static and exported functions
# in .text, .text$a/.text$z (merged into .text) and separate code sections.
# For every procedure start and 1,000 seeded random addresses inside
# procedures per binary, etwcap must name the same function as
# llvm-symbolizer-14, in both name flavors:
#   etwcap symbolize            == llvm-symbolizer --functions=short
#   etwcap symbolize --linkage  == llvm-symbolizer --functions=linkage
# (both --no-demangle --no-inlines), and the offset must equal the distance
# from the procedure start. Then a mingw-w64 DLL without a PDB: addresses
# resolve to the nearest export, as llvm-symbolizer does on the stripped DLL.
# Finally the exit statuses: usage 1, unreadable/corrupt file 2, PDB mismatch.
set -euo pipefail
etwcap=$1
for tool in clang-14 lld-link-14 llvm-symbolizer-14 llvm-pdbutil-14 llvm-readobj-14 llvm-nm-14 \
    python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (scripts/deps.sh installs clang-14, lld-14, llvm-14)"
    exit 77
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$etwcap" "$work" "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)" <<'PYEOF'
import os, random, re, subprocess, sys

etwcap, work = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
failures = []


# The PE+PDB generator and the llvm-readobj/llvm-pdbutil readers are shared
# with test_dbghelp_wine.sh.
import winbin  # noqa: E402
from winbin import build, image_layout, procedures, run  # noqa: E402

winbin.work = work


def llvm_names(image, vas_list, flavor):
    inp = "".join("0x%x\n" % v for v in vas_list)
    out = run(["llvm-symbolizer-14", "--obj=" + image, "--functions=" + flavor, "--no-demangle",
               "--no-inlines", "--print-address"], inp).stdout
    blocks = [b for b in out.split("\n\n") if b.strip()]
    names = {}
    for b in blocks:
        lines = b.split("\n")
        names[int(lines[0], 16)] = lines[1]
    return [names.get(v, "??") for v in vas_list]


LINE = re.compile(r"^0x([0-9a-f]+) (\S+?)!(.*)\+0x([0-9a-f]+) \[(pdb|export)\]$")


def etwcap_names(image, rvas, extra):
    inp = "".join("0x%x\n" % r for r in rvas)
    out = run([etwcap, "symbolize", "--image", image] + extra, inp).stdout.splitlines()
    if len(out) != len(rvas):
        sys.exit("FAIL: %d lines for %d addresses from %s" % (len(out), len(rvas), image))
    res = []
    for r, line in zip(rvas, out):
        m = LINE.match(line)
        if not m or int(m.group(1), 16) != r:
            res.append((None, None, None, line))
        else:
            res.append((m.group(3), int(m.group(4), 16), m.group(5), line))
    return res


def check_pdb_binary(image, pdb, seed):
    base, vas = image_layout(image)
    procs = [p for p in procedures(pdb, vas) if p[1] > 0]
    rng = random.Random(seed)
    rvas = [p[0] for p in procs]
    for _ in range(1000):
        p = rng.choice(procs)
        rvas.append(p[0] + rng.randrange(p[1]))
    starts = {}
    for p in procs:
        starts.setdefault(p[2], set()).add(p[0])
    va_list = [base + r for r in rvas]
    equal = 0
    for flavor, extra in (("short", []), ("linkage", ["--linkage"])):
        want = llvm_names(image, va_list, flavor)
        got = etwcap_names(image, rvas, extra)
        for r, w, (name, off, src, line) in zip(rvas, want, got):
            # The offset must be the distance from a procedure start (any
            # procedure of that address; llvm-symbolizer prints no offset).
            ok = name == w and src == "pdb"
            if ok and flavor == "short":
                ok = any(r - off == s for s in starts.get(name, ()))
            if ok:
                equal += 1
            elif len(failures) < 20:
                failures.append("%s rva 0x%x: llvm-symbolizer --functions=%s says %r; etwcap: %s"
                                % (os.path.basename(image), r, flavor, w, line))
    return len(rvas), equal, len(procs)


rng = random.Random(20240611)
binaries = [("sym64dll", "x86_64", "-O2", "dll"), ("sym32dll", "i686", "-O1", "dll"),
            ("sym64exe", "x86_64", "-O1", "exe"), ("sym32exe", "i686", "-O2", "exe")]
total = equal = 0
for k, (name, target, opt, kind) in enumerate(binaries):
    image = build(name, target, opt, kind, rng)
    n, e, nprocs = check_pdb_binary(image, os.path.join(work, name + ".pdb"), 1000 + k)
    print("%s (%s %s %s): %d procedures, %d addresses x 2 name flavors, %d equal"
          % (os.path.basename(image), target, opt, kind, nprocs, n, e))
    total += 2 * n
    equal += e
print("%d binaries, %d address lookups, %d equal to llvm-symbolizer-14"
      % (len(binaries), total, equal))

# mingw-w64 DLL without PDB: nearest export.
mingw = "x86_64-w64-mingw32-gcc"
if subprocess.run(["sh", "-c", "command -v " + mingw], capture_output=True).returncode == 0:
    src = os.path.join(work, "mg.c")
    lines = ["/* exports and non-exported functions, no PDB */"]
    fns = []
    for i in range(40):
        kind = rng.choice(["static", "global", "export", "export"])
        decl = {"static": "static int", "global": "int", "export": "__declspec(dllexport) int"}[kind]
        name = "mg_%s%d" % (kind[0], i)
        call = " + %s(x - 1)" % rng.choice(fns) if fns and rng.random() < 0.6 else ""
        lines.append("%s __attribute__((noinline, used)) %s(int x)\n{\n"
                     "    for (int i = 0; i < (x & %d); i++) x = x * %d + i;\n    return x%s;\n}"
                     % (decl, name, rng.randrange(3, 31), rng.randrange(3, 99), call))
        fns.append(name)
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    dll = os.path.join(work, "mg.dll")
    stripped = os.path.join(work, "mgs.dll")
    run([mingw, "-shared", "-O1", "-o", dll, src])
    run([mingw, "-shared", "-O1", "-s", "-o", stripped, src])
    base, _ = image_layout(dll)
    nm = run(["llvm-nm-14", dll]).stdout
    syms = sorted((int(a, 16) - base, n) for a, t, n in
                  (l.split() for l in nm.splitlines() if len(l.split()) == 3)
                  if t in "tT" and not n.startswith("."))
    ours = [(r, n) for r, n in syms if n.startswith("mg_")]
    following = {r: next((r2 for r2, _ in syms if r2 > r), r + 1) for r, _ in ours}
    exp = run(["llvm-readobj-14", "--coff-exports", dll]).stdout
    exports = sorted((int(r, 16), n) for n, r in
                     re.findall(r"Name: (\S+)\s+RVA: (0x[0-9A-Fa-f]+)", exp))
    mrng = random.Random(77)
    rvas = [r for r, _ in ours] + [r + mrng.randrange(following[r] - r)
                                   for r, _ in (mrng.choice(ours) for _ in range(1000))]
    got = etwcap_names(stripped, rvas, [])
    sbase, _ = image_layout(stripped)  # ld picks the image base from the file name
    want_llvm = llvm_names(stripped, [sbase + r for r in rvas], "linkage")
    meq = 0
    for r, w, (name, off, src, line) in zip(rvas, want_llvm, got):
        below = [e for e in exports if e[0] <= r]
        expect = (below[-1][1], r - below[-1][0], "export") if below else (None, None, None)
        llvm_ok = w == (expect[0] or "??")
        if (name, off, src) == expect and llvm_ok:
            meq += 1
        elif len(failures) < 20:
            failures.append("mg.dll rva 0x%x: nearest export %r, llvm-symbolizer %r; etwcap: %s"
                            % (r, expect, w, line))
    print("mingw-w64 DLL (no PDB, %d exports): %d addresses, %d equal to the nearest export "
          "and to llvm-symbolizer-14" % (len(exports), len(rvas), meq))
    total += len(rvas)
    equal += meq
else:
    print("note: %s not found; mingw export check skipped" % mingw)

# Exit statuses and messages.
img = os.path.join(work, "sym64dll.dll")
def status(args, inp=""):
    return run([etwcap, "symbolize"] + args, inp, check=False)
checks = []
checks.append(("no --image -> 1", status(["0x1000"]).returncode == 1))
checks.append(("bad RVA -> 1", status(["--image", img, "zz"]).returncode == 1))
checks.append(("RVA > 32 bits -> 1", status(["--image", img, "0x100000000"]).returncode == 1))
p = status(["--image", os.path.join(work, "missing.dll"), "0x1000"])
checks.append(("missing image -> 2", p.returncode == 2 and "missing.dll" in p.stderr))
with open(img, "rb") as f:
    data = f.read()
cut = os.path.join(work, "cut.dll")
with open(cut, "wb") as f:
    f.write(data[:300])
p = status(["--image", cut, "0x1000"])
checks.append(("truncated image -> 2 naming file and offset",
               p.returncode == 2 and "cut.dll" in p.stderr and "offset" in p.stderr))
other = os.path.join(work, "sym32dll.pdb")
p = status(["--image", img, "--pdb", other, "0x1000"])
checks.append(("mismatched --pdb: reported, not used, exit 0",
               p.returncode == 0 and "does not match" in p.stderr and "[pdb]" not in p.stdout))
with open(os.path.join(work, "sym64dll.pdb"), "rb") as f:
    pdbdata = f.read()
badpdb = os.path.join(work, "bad.pdb")
with open(badpdb, "wb") as f:
    f.write(pdbdata[:0x34] + b"\xff\xff\xff\x7f" + pdbdata[0x38:])
p = status(["--image", img, "--pdb", badpdb, "0x1000"])
checks.append(("corrupt --pdb -> 2 naming file and offset, exports still used",
               p.returncode == 2 and "bad.pdb" in p.stderr and "offset" in p.stderr
               and p.stdout.startswith("0x1000 ")))
for what, ok in checks:
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failures.append(what)

print("TOTAL: %d addresses compared, %d equal" % (total, equal))
if failures or equal != total:
    print("\n".join(failures))
    sys.exit(1)
PYEOF
