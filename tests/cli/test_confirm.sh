#!/usr/bin/env bash
# `etwcap confirm` end to end (docs/verdicts.md): the real `etwcap evidence`
# on corpus traces, then the claims of tests/data/claims/corpus-claims.json
# (24 claims, every verdict state) against each evidence. Checks each
# verdict against corpus-claims.expected.json, the claims file against
# schema/claims.schema.json (when python3-jsonschema is there), determinism,
# the --fail-on exit statuses (4; 1 for an unknown state), and that bad input
# gives exit 2 with file, line and column and leaves no output file behind.
set -euo pipefail
etwcap=$1
src=${ETWCAP_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
corpus=${ETWCAP_CORPUS:-$src/../shared/corpus}

if ! "$etwcap" evidence --help >/dev/null 2>&1; then
  echo "SKIP: '$etwcap evidence --help' fails: the evidence producer is not built yet"
  exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 not found (scripts/deps.sh installs it)"
  exit 77
fi
if [ ! -f "$corpus/etl/microsoft_perfview/net.4.5.2.x86.etl" ]; then
  echo "SKIP: corpus not found at $corpus (set ETWCAP_CORPUS)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$etwcap" "$src" "$corpus" "$work" <<'PYEOF'
import json, os, subprocess, sys

etwcap, src, corpus, work = sys.argv[1:5]
data = os.path.join(src, "tests", "data", "claims")
claims_path = os.path.join(data, "corpus-claims.json")
expected = json.load(open(os.path.join(data, "corpus-claims.expected.json")))
claims = json.load(open(claims_path))["claims"]
ids = [c["id"] for c in claims]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run(args):
    return subprocess.run([etwcap] + args, capture_output=True, text=True)


# The claims file follows its schema (python3-jsonschema, when installed).
try:
    import jsonschema
    schema = json.load(open(os.path.join(src, "schema", "claims.schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(json.load(open(claims_path)))
    print("corpus-claims.json validates against schema/claims.schema.json")
except ImportError:
    print("note: python3-jsonschema absent; schema validation skipped")

check(len(claims) >= 20, "at least 20 claims")
states_seen = set()
evidence = []
for n, r in enumerate(expected["runs"]):
    trace = os.path.join(corpus, r["trace"])
    if not os.path.exists(trace):
        print("note: %s absent; run skipped" % r["trace"])
        continue
    ev = os.path.join(work, "ev%d.json" % n)
    p = run(["evidence", trace] + r["select"] + ["-o", ev])
    if p.returncode != 0:
        sys.exit("FAIL: etwcap evidence %s exited %d\n%s" % (r["trace"], p.returncode, p.stderr))
    evidence.append(ev)
    out = os.path.join(work, "verdicts%d.json" % n)
    p = run(["confirm", "--evidence", ev, "--claims", claims_path, "-o", out])
    check(p.returncode == 0, "%s: confirm exit %d: %s" % (r["trace"], p.returncode, p.stderr))
    check(len(p.stderr.strip().splitlines()) == len(claims),
          "%s: one summary line per claim on stderr" % r["trace"])
    doc = json.load(open(out))
    check(doc["schema"] == "etwcap.verdicts/v1", "verdicts schema")
    check(doc["evidence_sha256"] == json.load(open(ev))["sha256"], "evidence_sha256")
    got = {v["claim"]: v for v in doc["verdicts"]}
    check([v["claim"] for v in doc["verdicts"]] == ids, "%s: verdicts in claims order" % r["trace"])
    for cid, state in r["verdicts"].items():
        v = got[cid]
        states_seen.add(v["state"])
        check(v["state"] == state, "%s: %s is %s, expected %s (%s)"
              % (r["trace"], cid, v["state"], state, v["reason"]))
        observed = v["state"] in ("ConfirmedReachable", "Contested", "RuntimeObserved")
        check((v["observation"] is not None) == observed,
              "%s: %s observation present iff observed" % (r["trace"], cid))
        if observed:
            o = v["observation"]
            check(o["how"] and o["first_seen"] and o["processes"],
                  "%s: observation says when, how and where" % cid)
            check(all(p["pid"] == 3644 and p["image"] == "Test.x86.exe" for p in o["processes"]),
                  "%s: observed in Test.x86 (pid 3644)" % cid)
        check(len(v["reason"]) > 40, "%s: a reason" % cid)
    for cid, loaded in r.get("module_loaded", {}).items():
        check(got[cid]["module_loaded"] == loaded, "%s: module_loaded %s" % (cid, loaded))
    for cid, frac in r.get("static_path_fraction", {}).items():
        w = got[cid]["witness"]
        check(w is not None and abs(w["static_path_fraction"] - frac) < 1e-9,
              "%s: static_path_fraction %s, got %s" % (cid, frac, w))
        check(w is not None and any(f.endswith("!Test.Program.Main") or "get_Now" in f
                                    for f in w["frames"]), "%s: witness frames" % cid)
    # Byte-identical on a second run.
    again = os.path.join(work, "again.json")
    run(["confirm", "--evidence", ev, "--claims", claims_path, "-o", again])
    check(open(again, "rb").read() == open(out, "rb").read(), "%s: deterministic" % r["trace"])
    os.remove(again)

if len(expected["runs"]) == len(evidence):
    all_states = {"Unknown", "StaticReachable", "StaticUnreachable", "RuntimeObserved",
                  "RuntimeUnobserved", "ConfirmedReachable", "ConfirmedUnreachable", "Contested"}
    check(states_seen == all_states, "every state covered: missing %s" % (all_states - states_seen))

# --fail-on: 4 when a verdict is in one of the states, 0 otherwise, 1 for a bad name.
ev0 = evidence[0]
base = ["confirm", "--evidence", ev0, "--claims", claims_path]
gate = os.path.join(work, "gate.json")
for states, rc in (("Contested", 4), ("contested,Unknown", 4), ("Unknown", 0),
                   ("ConfirmedUnreachable", 4), ("Bogus", 1), ("Unknown,Bogus", 1)):
    if os.path.exists(gate):
        os.remove(gate)
    p = run(base + ["-o", gate, "--fail-on", states])
    check(p.returncode == rc, "--fail-on %s: exit %d, expected %d" % (states, p.returncode, rc))
    check(os.path.exists(gate) == (rc != 1), "--fail-on %s: output written iff not usage" % states)
if len(evidence) > 1:
    p = run(["confirm", "--evidence", evidence[1], "--claims", claims_path, "-o", gate,
             "--fail-on", "Unknown"])
    check(p.returncode == 4, "--fail-on Unknown on rundown evidence: exit %d" % p.returncode)

# Bad input: exit 2, file + line + column in the message, no output file.
def bad(name, text, which, expect_msg):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    out = os.path.join(work, "bad-out.json")
    args = (["--evidence", ev0, "--claims", path] if which == "claims"
            else ["--evidence", path, "--claims", claims_path])
    p = run(["confirm"] + args + ["-o", out])
    check(p.returncode == 2, "%s: exit %d, expected 2" % (name, p.returncode))
    check(expect_msg in p.stderr, "%s: message %r lacks %r" % (name, p.stderr, expect_msg))
    check(not os.path.exists(out), "%s: no output file" % name)

bad("syntax.json", '{\n  "schema": "etwcap.claims/v1",\n  "claims": [\n    {"id": "A",}\n  ]\n}\n',
    "claims", "syntax.json: line 4, column 16: invalid JSON")
bad("kind.json", '{"schema": "etwcap.claims/v1", "claims": [\n {"id": "A", "vulnerability": "V",\n'
    '  "sink": {"module": "m", "name": "n", "kind": 3}}]}',
    "claims", "kind.json: line 3, column 48: claims[0].sink.kind: expected a string")
evtext = open(ev0).read()
bad("truncated.json", evtext[: len(evtext) // 2], "evidence", "truncated.json: line 1, column")
bad("wrongschema.json", evtext.replace("etwcap.evidence/v1", "etwcap.evidence/v9", 1), "evidence",
    "schema: expected \"etwcap.evidence/v1\"")
p = run(["confirm", "--evidence", os.path.join(work, "missing.json"), "--claims", claims_path])
check(p.returncode == 2 and "missing.json" in p.stderr, "missing evidence file: exit 2")
p = run(["confirm", "--evidence", ev0])
check(p.returncode == 1, "missing --claims: exit 1 (got %d)" % p.returncode)
leftovers = [f for f in os.listdir(work) if ".tmp" in f]
check(not leftovers, "no temporary files left: %s" % leftovers)

if failures:
    sys.exit("%d check(s) failed" % len(failures))
print("OK: %d claims x %d evidence documents, --fail-on and bad-input checks passed"
      % (len(claims), len(evidence)))
PYEOF
