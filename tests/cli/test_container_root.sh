#!/usr/bin/env bash
# Container image paths (issue #6; etl-format.md §6.1): a trace from the
# test-trace writer whose Image loads name "\Device\VhdHardDisk{GUID}\..."
# paths, and a real PE + PDB built here with clang-14 / lld-link-14 placed
# under DIR/Windows/System32/. With --container-root GUID=DIR, `etwcap
# evidence` reports the module's container, the file it read, and the PE
# identity (TimeDateStamp, SizeOfImage, RSDS GUID/age/name) equal to what
# llvm-readobj-14 reads from the file, and the sampled address symbolized
# from the PDB (as llvm-symbolizer-14 names it); `etwcap stacks` likewise.
# Without --container-root the module is still attributed to the container
# but its identity is not resolved; a TimeDateStamp that differs from the
# file's keeps the file out.
set -euo pipefail
etwcap=$1
for tool in clang-14 lld-link-14 llvm-readobj-14 llvm-symbolizer-14 python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (scripts/deps.sh installs clang-14, lld-14, llvm-14)"
    exit 77
  fi
done
testgen=${ETWCAP_BUILD:-$(dirname "$etwcap")}/etwcap-testgen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$etwcap" "$testgen" "$work" <<'PYEOF'
import json, os, re, subprocess, sys

etwcap, testgen, work = sys.argv[1:4]
results = []
GUID = "3f2a9c1e-7b4d-4e21-9a6f-0c5d8e7b1a24"


def check(name, ok, detail=''):
    results.append(ok)
    print(('ok   ' if ok else 'FAIL ') + name + (f': {detail}' if detail else ''))


def run(cmd, check_rc=True):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check_rc and p.returncode != 0:
        sys.exit("FAIL: %s exited %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


# A DLL with a PDB, placed in the container's files as Windows\System32\foo.dll.
root = os.path.join(work, "container")
sysdir = os.path.join(root, "Windows", "System32")
os.makedirs(sysdir)
src = os.path.join(work, "foo.c")
with open(src, "w") as f:
    f.write("static int foo_inner(int x) { int r = 0; for (int i = 0; i < x; i++) r = r * 31 + i;"
            " return r; }\n"
            "__declspec(dllexport) int foo_work(int x) { int r = foo_inner(x); "
            "for (int i = 0; i < (x & 7); i++) r ^= r >> 3; return r + 1; }\n")
obj = os.path.join(work, "foo.obj")
run(["clang-14", "--target=x86_64-pc-windows-msvc", "-c", "-O1", "-g", "-gcodeview",
     "-fno-builtin", src, "-o", obj])
dll = os.path.join(sysdir, "foo.dll")
run(["lld-link-14", "/debug", "/nodefaultlib", "/dll", "/noentry", "/out:" + dll,
     "/pdb:" + os.path.join(sysdir, "foo.pdb"), obj])

# Its identity and the RVA of foo_work, by llvm-readobj-14 (not etwcap).
hdr = run(["llvm-readobj-14", "--file-headers", "--coff-debug-directory", "--coff-exports",
           dll]).stdout
tds = int(re.search(r"TimeDateStamp: .*\((0x[0-9A-Fa-f]+)\)", hdr).group(1), 16)
size = int(re.search(r"SizeOfImage: (\d+)", hdr).group(1))
# PDBGUID is printed as the 16 raw bytes: GUID fields 1-3 are little-endian.
g = bytes(int(b, 16) for b in re.search(r"PDBGUID: \(([0-9A-Fa-f ]+)\)", hdr).group(1).split())
pdb_guid = "%s-%s-%s-%s-%s" % (g[3::-1].hex(), g[5:3:-1].hex(), g[7:5:-1].hex(), g[8:10].hex(),
                               g[10:].hex())
pdb_age = int(re.search(r"PDBAge: (\d+)", hdr).group(1))
pdb_name = re.search(r"PDBFileName: (.*)", hdr).group(1).strip()
rva = int(re.search(r"Name: foo_work\s+RVA: (0x[0-9A-Fa-f]+)", hdr).group(1), 16)
base = 0x180000000
ip = base + rva + 4
want_fn = run(["llvm-symbolizer-14", "--obj=" + dll, "--functions=short", "--no-inlines",
               hex(ip)]).stdout.split("\n")[0].strip()
print(f"foo.dll: TimeDateStamp 0x{tds:08x}, SizeOfImage {size}, RSDS {pdb_guid} age {pdb_age} "
      f"{pdb_name}; foo_work at RVA 0x{rva:x}; llvm-symbolizer names 0x{ip:x}: {want_fn}")


def trace(name, image_tds, rel="Windows\\System32\\foo.dll"):
    vhd = "\\Device\\VhdHardDisk{%s}" % GUID.upper()
    desc = f"""trace pointer=8 cpus=1 clock=qpc freq=10000000 start=2024-03-05T14:30:00Z os=10.0 build=19045 header-ts=5000000000
buffer cpu=0
process-start ts=5000001000 pid=700 ppid=4 key=0xffffc08a1e4c5080 name=app.exe cmdline="C:\\app\\app.exe"
thread-start ts=5000001100 pid=700 tid=704
event64 provider=5c1f4e2a-7b3d-4a9e-8f61-2d0c9b7e4a13 id=1 ts=5000001150 pid=700 tid=704 container={GUID}
image-load ts=5000001200 pid=700 base=0x7ff700000000 size=0x24000 tds=0x65a0b1c2 file="{vhd}\\app\\app.exe"
image-load ts=5000001300 pid=700 base=0x{base:x} size={size} tds=0x{image_tds:x} file="{vhd}\\{rel}"
sample ts=5000070000 ip=0x{ip:x} tid=704
stackwalk ts=5000070000 pid=700 tid=704 frames=0x{ip:x},0x7ff700001234
"""
    d = os.path.join(work, name + ".txt")
    open(d, "w").write(desc)
    etl = os.path.join(work, name + ".etl")
    run([testgen, "build", d, etl])
    return etl


etl = trace("vhd", tds)
bad = trace("vhd-stale", tds ^ 0x1000)
# The same DLL outside the root, named through "..": must not be read.
os.makedirs(os.path.join(work, "outside"))
subprocess.run(["cp", dll, os.path.join(work, "outside", "foo.dll")], check=True)
escape = trace("vhd-escape", tds, "..\\outside\\foo.dll")


def evidence(path, *extra):
    p = run([etwcap, "evidence", path, "--container", GUID, *extra])
    return json.loads(p.stdout)


def module(doc, suffix):
    m = [m for m in doc["modules"] if m["path"].lower().endswith(suffix)]
    return m[0] if len(m) == 1 else None


doc = evidence(etl, "--container-root", f"{GUID.upper()}={root}")
m = module(doc, "\\windows\\system32\\foo.dll")
check("with --container-root: foo.dll carries its container id",
      m is not None and m["container_id"] == GUID, str(m and m["container_id"]))
check("with --container-root: identity read from DIR/Windows/System32/foo.dll",
      m is not None and m["image_file"] is not None and
      os.path.samefile(m["image_file"], dll), str(m and m["image_file"]))
check("PE identity = llvm-readobj (TimeDateStamp, SizeOfImage, RSDS GUID/age/name)",
      m is not None and m["time_date_stamp"] == tds and m["size"] == size and
      m["pdb"] == {"guid": pdb_guid, "age": pdb_age, "name": pdb_name}, json.dumps(m and m["pdb"]))
app = module(doc, "\\app\\app.exe")
check("app.exe (not under DIR): container id, no file", app is not None and
      app["container_id"] == GUID and app["image_file"] is None and app["pdb"] is None)
fns = [f for f in doc["functions"] if f["module"] == "foo" and "sampled" in f["observed"]]
check("the sampled address is symbolized through the PDB",
      len(fns) == 1 and fns[0]["name"] == want_fn and fns[0]["resolution"] == "pdb",
      json.dumps([(f["name"], f["resolution"]) for f in fns]))
try:
    import jsonschema
    schema = json.load(open(os.path.join(os.environ.get("ETWCAP_SRC", "."), "schema",
                                         "evidence.schema.json")))
    errs = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    check("evidence validates against schema/evidence.schema.json", not errs,
          errs[0].message if errs else "")
except (ImportError, FileNotFoundError):
    print("skip schema validation")

doc = evidence(etl)
m = module(doc, "\\windows\\system32\\foo.dll")
fns = [f for f in doc["functions"] if "sampled" in f["observed"]]
check("without --container-root: still in the container, identity not resolved",
      m is not None and m["container_id"] == GUID and m["image_file"] is None and
      m["pdb"] is None and m["time_date_stamp"] == tds, json.dumps(m))
check("without --container-root: the sample is not symbolized",
      len(fns) == 1 and fns[0]["resolution"] == "unresolved", fns[0]["name"] if fns else "")

doc = evidence(bad, "--container-root", f"{GUID}={root}")
m = module(doc, "\\windows\\system32\\foo.dll")
check("a TimeDateStamp that differs from the file: the file is not used",
      m is not None and m["image_file"] is None and m["pdb"] is None)

doc = evidence(escape, "--container-root", f"{GUID}={root}")
m = module(doc, "\\outside\\foo.dll")
check("a path with '..' does not leave the container root",
      m is not None and m["image_file"] is None and m["pdb"] is None)

p = run([etwcap, "stacks", etl, "--pid", "700", "--container-root", f"{GUID}={root}"])
check("stacks --container-root: the frame is foo!" + want_fn,
      ("foo!" + want_fn) in p.stdout, p.stdout.strip())
p = run([etwcap, "stacks", etl, "--pid", "700"])
check("stacks without --container-root: not symbolized", "foo!" + want_fn not in p.stdout,
      p.stdout.strip())
p = run([etwcap, "evidence", etl, "--pid", "700", "--container-root", "nota-guid=" + root],
        check_rc=False)
check("a malformed --container-root is a usage error (1)", p.returncode == 1 and
      "expected GUID=DIR" in p.stderr)

passed = sum(results)
print(f"{passed} passed, {len(results) - passed} failed")
sys.exit(0 if passed == len(results) else 1)
PYEOF
