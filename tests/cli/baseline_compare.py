#!/usr/bin/env python3
"""etwcap against TraceEvent's baselines (../shared/corpus/baselines).

For the providers etwcap decodes (kernel, KernelTraceControl, CLR runtime,
rundown and private, TraceLogging), the first 5 events of every type must
equal the baseline field by field (PID/TID/ProceNum/DataLen/PName and the
payload), and the COUNT line of every such type must be equal. The checks
follow ../shared/tools/baseline-check: numbers by value (hex parsed, -1 ==
0xFFFFFFFF), strings exactly or by prefix where TraceEvent cut them ("...").

Known differences are listed in KNOWN with the reason; anything else fails.
usage: baseline_compare.py ETWCAP CORPUS
"""
import collections, json, re, subprocess, sys

SCOPE = re.compile(r'^(Windows Kernel|MSNT_SystemTrace|KernelTraceControl|'
                   r'Microsoft-Windows-DotNETRuntime|solar_system)')
KNOWN = {
    # TraceEvent names the type from Type/BulkType events that come later in
    # the trace (a TypeID table built by TraceLog over the whole file).
    ('Microsoft-Windows-DotNETRuntime/GC/FinalizeObject', 'TypeName'),
    # TraceEvent reads an IssuingThreadId the FlushBuffers layout does not
    # have (its values, e.g. 627461, are no thread of the trace).
    ('Windows Kernel/DiskIO/FlushBuffers', 'TID'),
    # TraceLog has no process record for a Defunct (zombie) process; etwcap
    # names it from the rundown record of the same pid.
    ('Windows Kernel/Process/Defunct', 'PName'),
    # The baseline value is cut inside its thousands separators.
    ('Windows Kernel/SystemConfig/NIC', 'PhysicalAddr'),
    # Derived by TraceLog from other events (I/O start/end pairing, FileKey
    # to name tables, the process table); etwcap prints the raw fields.
    ('Windows Kernel/DiskIO/Read', 'ElapsedTimeMSec'), ('Windows Kernel/DiskIO/Read', 'DiskServiceTimeMSec'),
    ('Windows Kernel/DiskIO/Read', 'FileName'), ('Windows Kernel/DiskIO/Write', 'ElapsedTimeMSec'),
    ('Windows Kernel/DiskIO/Write', 'DiskServiceTimeMSec'), ('Windows Kernel/DiskIO/Write', 'FileName'),
    ('Windows Kernel/DiskIO/FlushBuffers', 'ElapsedTimeMSec'), ('Windows Kernel/Memory/HardFault', 'ElapsedTimeMSec'), ('Windows Kernel/Memory/HardFault', 'FileName'),
    ('Windows Kernel/SystemConfig/Services', 'ProcessName'),
}
KNOWN_COUNTS = {
    # 10 MethodLoadVerbose events of JIT helper stubs (MethodFlags=JitHelper,
    # ModuleID 0) that TraceLog does not keep; 405 in the file.
    ('net.4.5.2.x86', 'Microsoft-Windows-DotNETRuntime/Method/LoadVerbose'),
}
TRACES = {
    'net.4.5.2.x86': 'etl/microsoft_perfview/net.4.5.2.x86.etl',
    'gcevents': 'etl/microsoft_perfview/gcevents/PerfViewData.etl',
    'gcrundownevents': 'etl/microsoft_perfview/gcrundownevents/PerfViewData.clrRundown.etl',
    'primitive-types': 'etl/microsoft_perfview/primitive-types.etl',
}
HDR = {'PID': 'pid', 'TID': 'tid', 'ProceNum': 'cpu', 'DataLen': 'data_len', 'PName': 'pname'}


def num(v):
    v = str(v).replace(',', '')
    try:
        return int(v, 16) if v.lower().startswith(('0x', '-0x')) else int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return None


def same(base, ours):
    if isinstance(ours, bool):
        ours = 'True' if ours else 'False'
    if base.endswith('...'):
        return str(ours).startswith(base[:-3])
    x, y = num(base), num(ours)
    if x is not None and y is not None:
        return x == y or (x < 0 and y in (x + (1 << 32), x + (1 << 64)))
    return str(base) == str(ours)


etwcap, corpus = sys.argv[1], sys.argv[2]
fails, fields, counts, known_seen = [], 0, 0, 0
for name, rel in TRACES.items():
    base = f'{corpus}/baselines/{name}.baseline.txt'
    trace = f'{corpus}/{rel}'
    want = collections.defaultdict(list)
    want_counts = {}
    for line in open(base, encoding='utf-8', errors='replace'):
        m = re.match(r'EVENT ([\d,]+\.\d+): (\S.*?) (PID=.*)$', line.rstrip('\n'))
        if m and SCOPE.search(m.group(2)):
            want[m.group(2)].append(dict(kv.split('=', 1) for kv in m.group(3).rstrip('; ').split('; ') if '=' in kv))
        if line.startswith('COUNT ') and SCOPE.search(line[6:]):
            k, v = line[6:].rsplit(':', 1)
            want_counts[k] = int(v)
    got = collections.defaultdict(list)
    out = subprocess.run([etwcap, 'events', '--json', trace], capture_output=True, text=True, errors='replace').stdout
    for line in out.splitlines():
        e = json.loads(line)
        if e['name'] in want and len(got[e['name']]) < 5:
            got[e['name']].append(e)
    for t, evs in sorted(want.items()):
        for i, w in enumerate(evs):
            o = got[t][i] if i < len(got[t]) else None
            for k, v in w.items():
                fields += 1
                ov = None if o is None else (o.get(HDR[k]) if k in HDR else (o.get('fields') or {}).get(k))
                if ov is not None and same(v, ov):
                    continue
                if (t, k) in KNOWN:
                    known_seen += 1
                    continue
                fails.append(f'{name}: {t} #{i} {k}: baseline {v!r}, etwcap {ov!r}')
    out = subprocess.run([etwcap, 'stats', trace], capture_output=True, text=True).stdout
    got_counts = {l[6:].rsplit(':', 1)[0]: int(l.rsplit(':', 1)[1]) for l in out.splitlines() if l.startswith('COUNT ')}
    for k, v in want_counts.items():
        counts += 1
        if got_counts.get(k) != v and (name, k) not in KNOWN_COUNTS:
            fails.append(f'{name}: COUNT {k}: baseline {v}, etwcap {got_counts.get(k)}')
for f in fails[:60]:
    print('FAIL', f)
print(f'{fields} baseline fields and {counts} COUNT lines compared; '
      f'{known_seen} fields differ for the listed reasons')
print(f'{fields + counts - len(fails)} passed, {len(fails)} failed')
sys.exit(1 if fails else 0)
