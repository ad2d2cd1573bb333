#!/usr/bin/env python3
"""Hostile-input check over the real corpus (issue: ETL reader, "Errors").

Every corpus .etl is truncated at N random offsets and gets M random bit
flips (one flip per variant, seeded, so runs repeat). Each variant goes
through `etwcap stats` (and any extra subcommands given). Every run must:
  - end within the time limit, with no signal;
  - exit 0 or 2 (2 = input problem, reported);
  - print no sanitizer report;
  - on exit 2, name the file and an offset on stderr;
  - for truncations, count at least the records that a shorter truncation
    of the same file counted (what was read before the bad spot is kept).

usage: corrupt_corpus.py ETWCAP CORPUS_DIR [--truncations N] [--flips M]
                          [--timeout S] [--seed K] [--commands stats,events]
"""
import argparse, concurrent.futures, os, random, re, subprocess, sys, tempfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument('etwcap')
ap.add_argument('corpus')
ap.add_argument('--truncations', type=int, default=50)
ap.add_argument('--flips', type=int, default=200)
ap.add_argument('--timeout', type=float, default=10.0)
ap.add_argument('--seed', type=int, default=20261125)
ap.add_argument('--commands', default='stats')
ap.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
a = ap.parse_args()

files = []
for root, _, names in os.walk(os.path.join(a.corpus, 'etl')):
    for n in sorted(names):
        if n.endswith('.etl'):
            files.append(os.path.join(root, n))
files.sort()
if not files:
    print('SKIP: no corpus .etl files under', a.corpus)
    sys.exit(77)

SAN = re.compile(r'(AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|LeakSanitizer)')
OFFSET = re.compile(r'offset \d+')
fails, runs, slowest = [], 0, 0.0
lock = threading.Lock()
tmpdir = tempfile.mkdtemp(prefix='etwcap-corrupt-')


def run(cmd, label, variant):
    global runs, slowest
    with lock:
        runs += 1
    t0 = time.monotonic()
    try:
        p = subprocess.run([a.etwcap, cmd, variant], capture_output=True, timeout=a.timeout)
    except subprocess.TimeoutExpired:
        fails.append(f'{label} {cmd}: timed out after {a.timeout}s')
        return None
    dt = time.monotonic() - t0
    with lock:
        slowest = max(slowest, dt)
    err = p.stderr.decode('utf-8', 'replace')
    if p.returncode < 0:
        fails.append(f'{label} {cmd}: killed by signal {-p.returncode}')
    elif p.returncode not in (0, 2):
        fails.append(f'{label} {cmd}: exit {p.returncode}: {err[:300]}')
    if SAN.search(err):
        fails.append(f'{label} {cmd}: sanitizer report: {err[:500]}')
    if p.returncode == 2 and not (variant in err and OFFSET.search(err)):
        fails.append(f'{label} {cmd}: exit 2 without file and offset: {err[:300]}')
    return p


def total(p):
    m = re.search(rb'^TOTAL:(\d+)$', p.stdout, re.M) if p else None
    return int(m.group(1)) if m else None


def one_file(index, path):
    """All variants of one trace, in a file of its own."""
    variant = os.path.join(tmpdir, f'variant{index}.etl')
    data = open(path, 'rb').read()
    rel = os.path.relpath(path, a.corpus)
    rng = random.Random(f'{a.seed}:{rel}')
    cuts = sorted((rng.randrange(0, len(data)) for _ in range(a.truncations)), reverse=True)
    # Write the file once and cut it shorter and shorter: a shorter file
    # must never yield more records than a longer one did.
    with open(variant, 'wb') as f:
        f.write(data)
    prev = None
    for cut in cuts:
        os.truncate(variant, cut)
        for cmd in a.commands.split(','):
            p = run(cmd, f'{rel} truncated at {cut}', variant)
            if cmd == 'stats' and p is not None and p.returncode in (0, 2):
                t = total(p)
                if t is not None:
                    if prev is not None and t > prev:
                        with lock:
                            fails.append(f'{rel} truncated at {cut}: TOTAL {t} > {prev} at a longer cut')
                    prev = t
    # Bit flips: one bit at a time, flipped in place and restored.
    with open(variant, 'wb') as f:
        f.write(data)
    with open(variant, 'r+b') as f:
        for i in range(a.flips):
            bit = rng.randrange(0, len(data) * 8)
            pos, orig = bit // 8, data[bit // 8]
            f.seek(pos)
            f.write(bytes([orig ^ (1 << (bit % 8))]))
            f.flush()
            for cmd in a.commands.split(','):
                run(cmd, f'{rel} bit {bit} flipped', variant)
            f.seek(pos)
            f.write(bytes([orig]))
            f.flush()
    os.unlink(variant)


# Largest files first, so the pool's workers finish together.
order = sorted(enumerate(files), key=lambda t: -os.path.getsize(t[1]))
with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
    for fut in [pool.submit(one_file, i, p) for i, p in order]:
        fut.result()
os.rmdir(tmpdir)
for f in fails[:40]:
    print('FAIL', f)
print(f'{len(files)} files, {runs} runs, slowest {slowest:.2f}s')
print(f'{runs - len(fails)} passed, {len(fails)} failed')
sys.exit(1 if fails else 0)
