#!/usr/bin/env python3
"""Acceptance checks of `etwcap evidence` (issue: runtime evidence).

usage: evidence_check.py ETWCAP TESTGEN CORPUS SRC TMPDIR
Prints one line per check and "N passed, M failed"; exit 1 on any failure.
"""
import hashlib, json, os, subprocess, sys

etwcap, testgen, corpus, src, tmp = sys.argv[1:6]
results = []


def check(name, ok, detail=''):
    results.append(ok)
    print(('ok   ' if ok else 'FAIL ') + name + (f': {detail}' if detail else ''))


def run(*args, check_rc=True):
    p = subprocess.run([etwcap, *args], capture_output=True)
    if check_rc and p.returncode != 0:
        print(p.stderr.decode(errors='replace'))
    return p


def canonical(d):
    return json.dumps(d, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()


trace = os.path.join(corpus, 'etl/microsoft_perfview/net.4.5.2.x86.etl')
out1, out2 = os.path.join(tmp, 'ev1.json'), os.path.join(tmp, 'ev2.json')
p1 = run('evidence', trace, '--process', 'Test.x86', '-o', out1)
p2 = run('evidence', trace, '--process', 'Test.x86', '-o', out2)
check('evidence exits 0', p1.returncode == 0 and p2.returncode == 0)
raw1, raw2 = open(out1, 'rb').read(), open(out2, 'rb').read()
check('two runs are byte-identical', raw1 == raw2, f'{len(raw1)} bytes')
doc = json.loads(raw1)
check('output is JCS-canonical', canonical(doc) == raw1.rstrip(b'\n'))
body = {k: v for k, v in doc.items() if k != 'sha256'}
check('sha256 recomputes', hashlib.sha256(canonical(body)).hexdigest() == doc['sha256'])
check('schema', doc['schema'] == 'etwcap.evidence/v1')
try:
    import jsonschema
    schema = json.load(open(os.path.join(src, 'schema', 'evidence.schema.json')))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    check('document validates against schema/evidence.schema.json', not errors,
          errors[0].message if errors else '')
except ImportError:
    print('skip schema validation: python jsonschema is not installed')
# -o through a symbolic link writes its target and keeps the link (a rename
# over it would replace the link, as it replaced /dev/null when run as root).
real, link = os.path.join(tmp, 'real.json'), os.path.join(tmp, 'link.json')
open(real, 'w').close()
os.symlink(real, link)
pl = run('evidence', trace, '--process', 'Test.x86', '-o', link)
check('-o a symbolic link: the link stays, its target is the document',
      pl.returncode == 0 and os.path.islink(link) and open(real, 'rb').read() == raw1,
      f'rc {pl.returncode}, link {os.path.islink(link)}')
pids = [p['pid'] for p in doc['target']['processes']]
check('target is Test.x86 (3644)', pids == [3644], str(pids))

# JIT'd methods: one function per MethodLoadVerbose event of pid 3644, same names.
ev = run('events', '--json', '--pid', '3644', '--name', 'DotNETRuntime/Method/LoadVerbose', trace)
loads = [json.loads(l) for l in ev.stdout.splitlines()]
want = sorted((f['fields']['MethodNamespace'] + '.' if f['fields']['MethodNamespace'] else '') +
              f['fields']['MethodName'] for f in loads)
jit = [f for f in doc['functions'] if 'jit' in f['observed']]
got = sorted(f['name'] for f in jit)
check('JIT functions = MethodLoadVerbose events', len(got) == len(want) and got == want,
      f'{len(got)} functions, {len(want)} events')
chainless = [f['name'] for f in doc['functions']
             if ({'sampled', 'on-stack'} & set(f['observed'])) and not f['call_chains']]
check('every sampled/on-stack function has a call chain', not chainless, str(chainless[:3]))
sampled_jit = [f for f in jit if 'sampled' in f['observed'] or 'on-stack' in f['observed']]
check('some JIT methods were sampled', len(sampled_jit) > 0, f'{len(sampled_jit)}')

# Modules: the Image loads and rundowns of pid 3644.
ev = run('events', '--json', '--pid', '3644', '--name', 'Windows Kernel/Image/', trace)
imgs = [json.loads(l) for l in ev.stdout.splitlines()]
want_m = sorted((int(e['fields']['ImageBase'], 16), e['fields']['FileName']) for e in imgs
                if e['name'].rsplit('/', 1)[1] in ('Load', 'DCStart'))
got_m = sorted((int(m['base'], 16), m['path']) for m in doc['modules'])
check('modules = Image loads and rundowns of the pid', got_m == want_m,
      f'{len(got_m)} modules, {len(want_m)} events')

# Completeness of Test.x86, against values computed here from the raw events.
c = doc['completeness'][0]
info = json.loads(run('info', '--json', trace).stdout)
evs = [json.loads(l) for l in run('events', '--json', '--pid', '3644', trace).stdout.splitlines()]
names = [e['name'] for e in evs]
started = 'Windows Kernel/Process/Start' in names
stopped = 'Windows Kernel/Process/Stop' in names
samples = names.count('Windows Kernel/PerfInfo/Sample')
coll = [json.loads(l) for l in run('events', '--json', '--name', 'PerfInfo/CollectionStart', trace).stdout.splitlines()]
interval = coll[0]['fields'].get('NewInterval') if coll else None
rundown = [n for n in names if n.startswith('Microsoft-Windows-DotNETRuntimeRundown/')]
check('completeness: window from Process Start/Stop',
      c['window'] == {'outlived_capture': not stopped, 'started_before_capture': not started,
                      'whole_lifetime': started and stopped}, str(c['window']))
check('completeness: losses from the log-file header',
      (c['events_lost'], c['buffers_lost']) == (info['events_lost'], info['buffers_lost']))
check('completeness: samples = Sample events of the pid', c['samples'] == samples,
      f"{c['samples']} vs {samples}")
check('completeness: sample interval from CollectionStart',
      interval is not None and abs(c['sample_interval_ms'] - int(str(interval).replace(',', '')) / 1e4) < 1e-9,
      f"{c['sample_interval_ms']} ms, NewInterval {interval}")
check('completeness: CLR rundown flags match the rundown events of the pid',
      c['clr']['rundown_start'] == any('DCStart' in n for n in rundown) and
      c['clr']['rundown_end'] == any('DCStop' in n or 'DCEnd' in n for n in rundown))
check('completeness: CLR Jit/Loader source seen',
      c['sources']['clr_jit_loader'] == any(n.startswith('Microsoft-Windows-DotNETRuntime/Method/') for n in names))

# Attestation: an in-toto Statement v1 around the same document.
att = os.path.join(tmp, 'att.json')
run('evidence', trace, '--process', 'Test.x86', '--attest', '-o', att)
st = json.load(open(att))
check('--attest gives an in-toto Statement v1',
      st['_type'] == 'https://in-toto.io/Statement/v1' and st['predicate'] == doc and
      st['subject'][0]['digest']['sha256'] == doc['capture']['source']['sha256'])

# Unknown selector: exit 3 and a list of what the trace holds.
p = run('evidence', trace, '--process', 'NoSuchProcess', check_rc=False)
err = p.stderr.decode(errors='replace')
check('unknown selector exits 3 and lists processes', p.returncode == 3 and 'Test.x86.exe' in err)

# Two containers: the evidence of one never holds the other's processes or functions.
two = os.path.join(tmp, 'two.etl')
subprocess.run([testgen, 'build', os.path.join(src, 'tests/data/two-containers.txt'), two], check=True)
p = run('containers', two)
lines = p.stdout.decode().split()
check('containers lists both ids', 'aaaaaaaa-1111-4a9e-8f61-2d0c9b7e4a13' in lines and
      'bbbbbbbb-2222-4a9e-8f61-2d0c9b7e4a13' in lines)
sides = {'A': ('{AAAAAAAA-1111-4A9E-8F61-2D0C9B7E4A13}', 5120, 'Test.Program.Main', 'WorkerA'),
         'B': ('bbbbbbbb-2222-4a9e-8f61-2d0c9b7e4a13', 6200, 'System.DateTime.op_Subtraction', 'WorkerB')}
for me, other in (('A', 'B'), ('B', 'A')):
    cid, pid, fn, img = sides[me]
    p = run('evidence', two, '--container', cid)
    text = p.stdout.decode()
    d = json.loads(text)
    ok = ([x['pid'] for x in d['target']['processes']] == [pid] and
          any(f['name'] == fn for f in d['functions']) and
          sides[other][2] not in text and sides[other][3] not in text and
          all(f['process'] == pid for f in d['functions']) and
          all(m['process'] == pid for m in d['modules']))
    check(f'container {me}: only its own process, modules and functions', ok)

passed = sum(results)
print(f'{passed} passed, {len(results) - passed} failed')
sys.exit(0 if passed == len(results) else 1)
