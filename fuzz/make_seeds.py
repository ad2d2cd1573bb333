#!/usr/bin/env python3
"""Cut the fuzz seed corpora (fuzz/corpus/fuzz_<target>/) from the real
traces in ../shared/corpus, from the test-trace writer and from small PE/PDB
files built with clang-14 + lld-link-14.

    fuzz/make_seeds.py [--corpus DIR] [--testgen EXE] [--out DIR] [TARGET...]

TARGET is etl, lz77, decode, tracelogging, stackkeys, pe, pdb or claims
(default: all; claims needs an etwcap binary, --etwcap). The output is deterministic. Files this script writes start with
"cut-" (from ../shared/corpus), "tg-" (from etwcap-testgen), "syn-"
(synthetic), "clang-" (built PE/PDB) or "ev-" (evidence written by etwcap
from a corpus trace); it deletes only those names in the
folders it writes, so hand-added seeds stay.

Whole corpus files are never copied (../shared/corpus/README.md): a seed is
one or two buffers trimmed to a few KiB, one record, one TraceLogging event,
or a PDB rebuilt from a handful of streams. Each corpus file's licence
(MIT or Apache-2.0) is in ../shared/corpus/MANIFEST.tsv.

Seed layouts follow the targets' input formats, described at the top of
each fuzz/fuzz_<target>.c.
"""
import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# ------------------------------------------------------------ .etl pieces --

BUF_HDR = 0x48


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def align8(x):
    return (x + 7) & ~7


def lz77_decompress(src, cap):
    """MS-XCA plain LZ77, as src/lib/reader/lz77.c decodes it."""
    out = bytearray()
    ip = 0
    nib = None
    flags = 0
    nflags = 0
    n = len(src)
    while True:
        if nflags == 0:
            if ip == n or n - ip < 4:
                break
            flags = u32(src, ip)
            ip += 4
            nflags = 32
        bit = flags & 0x80000000
        flags = (flags << 1) & 0xFFFFFFFF
        nflags -= 1
        if not bit:
            if ip == n or len(out) >= cap:
                break
            out.append(src[ip])
            ip += 1
            continue
        if n - ip < 2:
            break
        token = u16(src, ip)
        ip += 2
        length = token & 7
        dist = (token >> 3) + 1
        if length == 7:
            if nib is None:
                if ip == n:
                    break
                nib = ip
                hb = src[ip] & 15
                ip += 1
            else:
                hb = src[nib] >> 4
                nib = None
            length = 7 + hb
            if hb == 15:
                if ip == n:
                    break
                b = src[ip]
                ip += 1
                if b != 255:
                    length = 22 + b
                else:
                    v = u16(src, ip)
                    ip += 2
                    if v == 0:
                        v = u32(src, ip)
                        ip += 4
                    length = v
        length += 3
        if dist > len(out):
            break
        for _ in range(length):
            if len(out) >= cap:
                return bytes(out)
            out.append(out[-dist])
    return bytes(out)


def buffers(data, limit=None):
    """(offset, buffer bytes) for each buffer of a file."""
    off = 0
    out = []
    while off + BUF_HDR <= len(data):
        size = u32(data, off)
        if size < BUF_HDR or size > 64 << 20:
            break
        out.append((off, data[off:off + size]))
        off += size
        if limit and len(out) >= limit:
            break
    return out


def is_compressed(buf):
    return bool(u16(buf, 0x34) & 0x40)


def record_area(buf):
    """The record area of a buffer (decompressed when needed)."""
    offset = u32(buf, 0x30)
    if is_compressed(buf):
        if offset < BUF_HDR:
            return b""
        return lz77_decompress(buf[BUF_HDR:], offset - BUF_HDR)
    end = offset
    if end < BUF_HDR or end > len(buf):
        end = u32(buf, 0x04)
    if end < BUF_HDR or end > len(buf):
        end = len(buf)
    return buf[BUF_HDR:end]


KERNEL_HDR = {0x01: 0x20, 0x02: 0x20, 0x03: 0x18, 0x04: 0x18, 0x10: 0x10, 0x11: 0x10}
CLASSIC_HDR = {0x0A: 0x30, 0x14: 0x30, 0x0B: 0x48, 0x15: 0x48}
EVENT_HDR = {0x12: 0x50, 0x13: 0x50}
PTR4 = {0x01, 0x03, 0x0A, 0x0B, 0x10, 0x12}


class Record:
    pass


def parse_record(area, pos):
    """The record at `pos`, or None at the end of the buffer's records."""
    if pos + 4 > len(area):
        return None
    marker = u32(area, pos)
    if marker in (0, 0xFFFFFFFF):
        return None
    r = Record()
    r.pos = pos
    r.ext = []
    if marker & 0xC0000000 == 0xC0000000:
        t = area[pos + 2]
        r.type = t
        r.psize = 4 if t in PTR4 else 8
        if t in KERNEL_HDR:
            hdr = KERNEL_HDR[t]
            if pos + 8 > len(area):
                return None
            size = u16(area, pos + 4)
        elif t in CLASSIC_HDR:
            hdr = CLASSIC_HDR[t]
            size = u16(area, pos)
        elif t in EVENT_HDR:
            hdr = 0x50
            size = u16(area, pos)
        else:
            return None
        if size < hdr or pos + size > len(area):
            return None
        rec = area[pos:pos + size]
        r.size = size
        r.raw = rec
        if t in KERNEL_HDR:
            version = u16(rec, 0)
            extra = (8 if version & 0x8000 else 0) + 8 * ((version & 0x0700) >> 8)
            if size < hdr + extra:
                return None
            r.kind = 0
            r.version = version & 0xFF
            r.group = rec[7]
            r.opcode = rec[6]
            r.id = 0
            r.guid = None
            r.payload = rec[hdr + extra:]
            r.ts = u64(rec, 8) if hdr == 0x10 else u64(rec, 0x10)
            r.tid = None if hdr == 0x10 else u32(rec, 8)
        elif t in CLASSIC_HDR:
            r.kind = 1
            r.opcode = rec[4]
            r.version = rec[6]
            r.id = 0
            r.group = None
            r.guid = rec[0x18:0x28]
            r.payload = rec[hdr:]
            r.ts = u64(rec, 0x10)
            r.tid = u32(rec, 8)
        else:
            r.kind = 2
            flags = u16(rec, 4)
            r.guid = rec[0x18:0x28]
            r.id = u16(rec, 0x28)
            r.version = rec[0x2A]
            r.opcode = rec[0x2D]
            r.task = u16(rec, 0x2E)
            r.group = None
            r.ts = u64(rec, 0x10)
            r.tid = u32(rec, 8)
            data = 0x50
            if flags & 1:
                p = 0x50
                while True:
                    if p + 8 > size:
                        return None
                    et = u16(rec, p + 2)
                    link = u16(rec, p + 4) & 1
                    ds = u16(rec, p + 6)
                    if p + 8 + ds > size:
                        return None
                    r.ext.append((et, rec[p + 8:p + 8 + ds]))
                    p = align8(p + 8 + ds)
                    if not link:
                        break
                data = min(p, size)
            r.payload = rec[data:]
        return r
    if (area[pos + 3] & 0xF0) == 0x90:
        size = u16(area, pos)
        if size < 8 or pos + size > len(area):
            return None
        r.type = 0x0F
        r.kind = 3
        r.size = size
        r.raw = area[pos:pos + size]
        r.psize = 4 if u16(r.raw, 6) & 0x40 else 8
        r.opcode = 0
        r.version = 0
        r.id = u16(r.raw, 4)
        r.group = None
        r.guid = None
        r.payload = b""
        r.ts = 0
        r.tid = None
        return r
    return None


def records(area):
    pos = 0
    out = []
    while True:
        r = parse_record(area, pos)
        if r is None:
            return out
        out.append(r)
        pos = align8(pos + r.size)


def trim_buffer(buf, budget):
    """The buffer rewritten uncompressed with its first records that fit in
    `budget` bytes of record area, padded to 8 bytes; None when empty."""
    area = record_area(buf)
    end = 0
    for r in records(area):
        nend = align8(r.pos + r.size)
        if nend > budget and end:
            break
        end = min(nend, len(area))
        if nend > budget:
            break
    if end == 0:
        return None
    hdr = bytearray(buf[:BUF_HDR])
    total = BUF_HDR + end
    struct.pack_into("<I", hdr, 0x00, align8(total))
    struct.pack_into("<I", hdr, 0x04, total)
    struct.pack_into("<I", hdr, 0x08, total)
    struct.pack_into("<I", hdr, 0x30, total)
    struct.pack_into("<H", hdr, 0x34, u16(hdr, 0x34) & ~0x40)
    struct.pack_into("<I", hdr, 0x2C, 3)  # State: Flush (0x2C held the format)
    body = bytes(area[:end])
    return bytes(hdr) + body + b"\xff" * (align8(total) - total)


def features(recs):
    f = set()
    for r in recs:
        f.add(("hdr", r.type))
        if r.kind == 0:
            f.add(("k", r.group, r.opcode, r.version, r.psize))
        elif r.kind in (1, 2):
            f.add(("p", r.guid, r.opcode, r.id, r.version))
        for et, _ in r.ext:
            f.add(("x", et))
    return f


# --------------------------------------------------------------- helpers --


def short_name(rel):
    base = os.path.splitext(os.path.basename(rel))[0]
    parent = os.path.basename(os.path.dirname(rel))
    if base.lower() == "perfviewdata":
        base = parent
    return "".join(c if c.isalnum() else "_" for c in base)[:24]


class Out:
    def __init__(self, root):
        self.root = root
        self.cleared = set()
        self.sizes = {}

    def clear(self, target):
        d = os.path.join(self.root, "fuzz_" + target)
        os.makedirs(d, exist_ok=True)
        if target in self.cleared:
            return
        for n in os.listdir(d):
            if n.split("-")[0] in ("cut", "tg", "syn", "clang", "ev"):
                os.remove(os.path.join(d, n))
        self.cleared.add(target)

    def write(self, target, name, data):
        self.clear(target)
        p = os.path.join(self.root, "fuzz_" + target, name)
        with open(p, "wb") as f:
            f.write(data)
        self.sizes[target] = self.sizes.get(target, 0) + len(data)


def corpus_traces(corpus):
    etl = os.path.join(corpus, "etl")
    found = []
    for dp, _, fns in os.walk(etl):
        for fn in fns:
            if fn.endswith(".etl"):
                found.append(os.path.relpath(os.path.join(dp, fn), etl))
    return sorted(found)


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ------------------------------------------------------------ fuzz_etl --


def seeds_etl(out, corpus, tg_files):
    out.clear("etl")
    budget = 3072
    chosen = []  # (name, bytes)
    seen = set()
    cands = []
    for rel in corpus_traces(corpus):
        data = read(os.path.join(corpus, "etl", rel))
        bufs = buffers(data, limit=80)
        if not bufs:
            continue
        head = trim_buffer(bufs[0][1], 2048) if not is_compressed(bufs[0][1]) else bufs[0][1]
        if head is None:
            continue
        name = short_name(rel)
        # The header buffer alone.
        cands.append((features(records(record_area(head))) | {("file", rel)},
                      "cut-%s-header.etl" % name, head))
        for i, (off, buf) in enumerate(bufs[1:], 1):
            if is_compressed(buf) and len(buf) <= 4096:
                # A whole compressed buffer, as the relogger wrote it.
                body = buf
                tag = "z"
            else:
                body = trim_buffer(buf, budget)
                tag = "b"
            if body is None:
                continue
            f = features(records(record_area(body)))
            if is_compressed(body):
                f.add(("compressed", rel))
            cands.append((f, "cut-%s-%s%03d.etl" % (name, tag, i), head + body))
    # Greedy: the candidate adding the most new features first.
    while cands and len(chosen) < 48:
        best = max(cands, key=lambda c: (len(c[0] - seen), -len(c[2])))
        gain = best[0] - seen
        if len(gain) < 1:
            break
        seen |= best[0]
        chosen.append((best[1], best[2]))
        cands.remove(best)
    for name, data in chosen:
        out.write("etl", name, data)
    # fuzz_etl.c reads the first buffer header's byte 0x0C as a mode: a few
    # compressed seeds again in file order with a visit on two threads
    # (bit 0 and bit 2), with and without lazy_scan (bit 1).
    zs = [(n, d) for n, d in chosen if "-z" in n and len(d) > 0x0C][:2]
    for k, (name, data) in enumerate(zs):
        mode = 5 if k == 0 else 7
        out.write("etl", name.replace("cut-", "cut-visit%d-" % mode, 1),
                  data[:0x0C] + bytes([data[0x0C] | mode]) + data[0x0D:])
    for name, data in tg_files:
        out.write("etl", "tg-" + name + ".etl", data)


# --------------------------------------------------------- fuzz_decode --


def decode_seed(r):
    mode = r.kind | (4 if r.psize == 4 else 0)
    if r.kind == 0:
        sel = r.group
        head = struct.pack("<BBBHBH", mode, sel, r.opcode, 0, r.version, 0)
        return head + r.payload[:8192]
    mode |= 8
    task = getattr(r, "task", 0)
    head = struct.pack("<BBBHBH", mode, 0, r.opcode, r.id, r.version, task)
    return head + r.guid + r.payload[:8192]


def all_records(data, limit=60):
    for _, buf in buffers(data, limit=limit):
        for r in records(record_area(buf)):
            yield r


def seeds_decode_tl(out, corpus, tg_files, want_decode, want_tl):
    if want_decode:
        out.clear("decode")
    if want_tl:
        out.clear("tracelogging")
    seen = set()
    tl_seen = set()
    sources = [(short_name(rel), read(os.path.join(corpus, "etl", rel)), "cut")
               for rel in corpus_traces(corpus)]
    sources += [(name, data, "tg") for name, data in tg_files]
    ndec = ntl = 0
    for name, data, origin in sources:
        for r in all_records(data):
            if r.kind == 3:
                continue
            tl = [d for et, d in r.ext if et == 0x0B]
            if tl:
                traits = [d for et, d in r.ext if et == 0x0C]
                key = (tl[0], bool(traits))
                if want_tl and key not in tl_seen and ntl < 48:
                    tl_seen.add(key)
                    mode = (1 if r.psize == 4 else 0) | (2 if traits else 0)
                    seed = struct.pack("<BH", mode, len(tl[0])) + tl[0]
                    if traits:
                        seed += struct.pack("<H", len(traits[0])) + traits[0]
                    seed += r.payload[:8192]
                    out.write("tracelogging", "%s-%s-%02d" % (origin, name, ntl), seed)
                    ntl += 1
                continue
            key = (r.kind, r.group, r.guid, r.opcode, r.id, r.version, r.psize)
            if not want_decode or key in seen or ndec >= 400:
                continue
            seen.add(key)
            seed = decode_seed(r)
            h = hashlib.sha1(seed).hexdigest()[:8]
            out.write("decode", "%s-%s-%s" % (origin, name, h), seed)
            ndec += 1


# ----------------------------------------------------------- fuzz_lz77 --


def lz77_seed(compressed, cap, flag=0):
    if cap > 0xFFFF:
        units = min(cap >> 16, 15)
        head = struct.pack("<HB", cap & 0xFFFF, 0x80 | units)
    else:
        head = struct.pack("<HB", cap, flag)
    return head + compressed


def seeds_lz77(out, corpus, tg_files):
    out.clear("lz77")
    n = 0
    srcs = [(short_name(rel), read(os.path.join(corpus, "etl", rel)), "cut")
            for rel in corpus_traces(corpus)]
    srcs += [(name, data, "tg") for name, data in tg_files]
    for name, data, origin in srcs:
        k = 0
        for _, buf in buffers(data, limit=400):
            if not is_compressed(buf) or len(buf) > 8192 + BUF_HDR or k >= 2:
                continue
            cap = u32(buf, 0x30) - BUF_HDR
            out.write("lz77", "%s-%s-%d" % (origin, name, k), lz77_seed(buf[BUF_HDR:], cap))
            k += 1
            n += 1
    # MS-XCA §3.1's example: "abcdefghijklmnopqrstuvwxyz" (no matches) and
    # "abc" * 100 (one long overlapping match), plus round-trip requests.
    ex1 = bytes.fromhex("3f000000616263646566676869") + bytes(range(0x6a, 0x7b))
    out.write("lz77", "syn-literals", lz77_seed(ex1, 26))
    text = (b"The quick brown fox jumps over the lazy dog. " * 20)
    out.write("lz77", "syn-roundtrip-text", struct.pack("<HB", len(text), 0x70) + text)
    out.write("lz77", "syn-roundtrip-runs",
              struct.pack("<HB", 4096, 0x70) + b"\0" * 300 + b"ab" * 200 + bytes(range(256)))


# ------------------------------------------------------ fuzz_stackkeys --

OP_SAMPLE, OP_WALK, OP_KREF, OP_UREF, OP_KDEL, OP_KRUN, OP_TSTOP, OP_TSTART, \
    OP_OWNSTACK, OP_OWNKEY, OP_TIME = range(11)


def frame_byte(addr, psize):
    kernel = addr >= (0xFFFF000000000000 if psize == 8 else 0x80000000)
    return (0x80 if kernel else 0) | ((addr >> 4) & 0x7F)


class OpWriter:
    """Builds fuzz_stackkeys input; mirrors its timestamp history."""

    def __init__(self):
        self.b = bytearray()

    def op(self, code, p4=False, same_ts=False, flags=0, args=()):
        self.b.append(code | (0x10 if p4 else 0) | (0x20 if same_ts else 0) | (flags << 6))
        self.b.extend(args)


def K(x):
    return 0xFFFFF80000000000 + x


def U(x):
    return 0x400000 + x


def seeds_stackkeys(out, corpus):
    out.clear("stackkeys")
    # Synthetic scenarios, after tests/unit/test_stack.c.
    T7, T8 = 1, 2  # thread selectors (100 + n)
    s = OpWriter()  # a sample then its full StackWalk
    s.op(OP_TSTART, args=(T7, 0))
    s.op(OP_SAMPLE, args=(T7, 0x10))
    s.op(OP_WALK, args=(T7, 0, 3, 0x01, 0x02, 0x03))
    out.write("stackkeys", "syn-full-stackwalk", bytes(s.b))
    s = OpWriter()  # kernel-only stack joined with the later user part
    s.op(OP_SAMPLE, args=(T7, 0x85))
    s.op(OP_WALK, args=(T7, 0, 2, 0x81, 0x82))
    s.op(OP_SAMPLE, args=(T8, 0x01))
    s.op(OP_WALK, args=(T7, 4, 2, 0x11, 0x12))
    s.op(OP_TSTOP, args=(T8,))
    out.write("stackkeys", "syn-kernel-user-join", bytes(s.b))
    s = OpWriter()  # stack keys, reused: first definition at or after each ref
    s.op(OP_SAMPLE, args=(T7, 0x10))
    s.op(OP_KREF, args=(T7, 0, 3))
    s.op(OP_UREF, args=(T7, 0, 4))
    s.op(OP_KDEL, args=(3, 2, 0x81, 0x82))
    s.op(OP_SAMPLE, args=(T7, 0x11))
    s.op(OP_KREF, args=(T7, 1, 3))
    s.op(OP_KRUN, args=(4, 3, 0x01, 0x02, 0x03))
    s.op(OP_KRUN, args=(3, 1, 0x83))
    s.op(OP_TIME, args=(9,))
    s.op(OP_UREF, p4=True, args=(T8, 4, 5))
    out.write("stackkeys", "syn-stack-keys", bytes(s.b))
    s = OpWriter()  # events with their own stack / stack key items
    s.op(OP_OWNSTACK, args=(T7, 3, 0x81, 0x01, 0x02))
    s.op(OP_OWNSTACK, flags=1, args=(T8, 2, 0x01, 0x02))
    s.op(OP_OWNKEY, args=(T7, 6))
    s.op(OP_OWNKEY, flags=1, args=(T8, 6))
    s.op(OP_KDEL, args=(6, 2, 0x84, 0x05))
    s.op(OP_SAMPLE, p4=True, flags=1, args=(0x80, 0x90))
    out.write("stackkeys", "syn-own-stacks", bytes(s.b))

    # Event sequences of real traces, mapped onto the selectors.
    picks = [("microsoft_perfview/net.4.5.2.x86.etl", 60),
             ("microsoft_perfview/net.4.5.x86/PerfViewData.etl", 40),
             ("dotnet_performance/tmp0qw4cn.tmp.etl", 40)]
    for rel, start in picks:
        path = os.path.join(corpus, "etl", rel)
        if not os.path.exists(path):
            continue
        data = read(path)
        bufs = buffers(data, limit=start + 12)[start:]
        cpu = None
        tids, keys = {}, {}
        hist = [None] * 4
        nhist = 0
        w = OpWriter()
        last_ts = None
        for _, buf in bufs:
            c = u16(buf, 0x28) & 0x7FF if u16(buf, 0x34) & 0x20 else buf[0x28]
            if cpu is None:
                cpu = c
            if c != cpu:
                continue
            for r in records(record_area(buf)):
                if len(w.b) > 6000:
                    break
                if r.kind != 0:
                    continue
                p4 = r.psize == 4
                same = r.ts == last_ts

                def tsel(tid):
                    if tid == 0:
                        return 0x80
                    if tid not in tids and len(tids) < 4:
                        tids[tid] = len(tids)
                    return tids.get(tid, 3)

                def ksel(key):
                    if key not in keys and len(keys) < 8:
                        keys[key] = len(keys)
                    return keys.get(key, 7)

                def esel(ets):
                    for i in range(4):
                        if hist[i] == ets:
                            return i
                    return 4

                pl, ps = r.payload, r.psize
                if r.group == 0x0F and r.opcode == 46 and len(pl) >= ps + 8:
                    ip = int.from_bytes(pl[:ps], "little")
                    tid = u32(pl, ps)
                    fl = pl[ps + 6] & 3
                    w.op(OP_SAMPLE, p4, same, fl, (tsel(tid), frame_byte(ip, ps)))
                    hist[nhist & 3] = r.ts
                    nhist += 1
                elif r.group == 0x18 and r.opcode == 32 and len(pl) >= 16:
                    n = min((len(pl) - 16) // ps, 255)
                    fr = [frame_byte(int.from_bytes(pl[16 + ps * i:16 + ps * i + ps], "little"),
                                     ps) for i in range(n)]
                    w.op(OP_WALK, p4, same, 0, (tsel(u32(pl, 12)), esel(u64(pl, 0)), n, *fr))
                elif r.group == 0x18 and r.opcode in (37, 38) and len(pl) >= 16 + ps:
                    key = int.from_bytes(pl[16:16 + ps], "little")
                    code = OP_KREF if r.opcode == 37 else OP_UREF
                    w.op(code, p4, same, 0, (tsel(u32(pl, 12)), esel(u64(pl, 0)), ksel(key)))
                elif r.group == 0x18 and r.opcode in (35, 36) and len(pl) >= ps:
                    key = int.from_bytes(pl[:ps], "little")
                    n = min((len(pl) - ps) // ps, 255)
                    fr = [frame_byte(int.from_bytes(pl[ps * (i + 1):ps * (i + 2)], "little"),
                                     ps) for i in range(n)]
                    code = OP_KDEL if r.opcode == 35 else OP_KRUN
                    w.op(code, p4, same, 0, (ksel(key), n, *fr))
                elif r.group == 0x05 and r.opcode in (1, 2, 3) and len(pl) >= 8:
                    if r.opcode == 2:
                        w.op(OP_TSTOP, p4, same, 0, (tsel(u32(pl, 4)),))
                    else:
                        w.op(OP_TSTART, p4, same, 1 if r.opcode == 3 else 0,
                             (tsel(u32(pl, 4)), u32(pl, 0) & 3))
                else:
                    continue
                last_ts = r.ts
        if w.b:
            out.write("stackkeys", "cut-%s" % short_name(rel), bytes(w.b))


# ------------------------------------------------------ PE and PDB files --

MSF_MAGIC = b"Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0"


def msf_read(data):
    """Streams of an MSF 7.0 file: list of bytes, or None for nil streams."""
    assert data[:32] == MSF_MAGIC[:32]
    bs, _, nblocks, dir_bytes, _, map_addr = struct.unpack_from("<IIIIII", data, 0x20)
    ndir = (dir_bytes + bs - 1) // bs
    dblocks = struct.unpack_from("<%dI" % ndir, data, map_addr * bs)
    d = b"".join(data[b * bs:(b + 1) * bs] for b in dblocks)[:dir_bytes]
    ns = u32(d, 0)
    sizes = struct.unpack_from("<%dI" % ns, d, 4)
    pos = 4 + 4 * ns
    streams = []
    for sz in sizes:
        if sz == 0xFFFFFFFF:
            streams.append(None)
            continue
        nb = (sz + bs - 1) // bs
        bl = struct.unpack_from("<%dI" % nb, d, pos)
        pos += 4 * nb
        streams.append(b"".join(data[b * bs:(b + 1) * bs] for b in bl)[:sz])
    return streams


def msf_write(streams, bs=512):
    """An MSF 7.0 file with `streams` (bytes or None) in `bs`-byte blocks:
    superblock, two free-block-map blocks, the streams, the directory and the
    block holding the directory's block list."""
    blocks = [None, None, None]  # 0 superblock, 1-2 free block maps
    sizes, lists = [], []
    for s in streams:
        if s is None:
            sizes.append(0xFFFFFFFF)
            lists.append([])
            continue
        sizes.append(len(s))
        bl = []
        for i in range(0, len(s), bs):
            bl.append(len(blocks))
            blocks.append(s[i:i + bs].ljust(bs, b"\0"))
        lists.append(bl)
    d = struct.pack("<I", len(streams)) + struct.pack("<%dI" % len(sizes), *sizes)
    for bl in lists:
        d += struct.pack("<%dI" % len(bl), *bl)
    dblocks = []
    for i in range(0, len(d), bs):
        dblocks.append(len(blocks))
        blocks.append(d[i:i + bs].ljust(bs, b"\0"))
    assert len(dblocks) * 4 <= bs
    map_addr = len(blocks)
    blocks.append(struct.pack("<%dI" % len(dblocks), *dblocks).ljust(bs, b"\0"))
    nblocks = len(blocks)
    assert nblocks <= bs * 8
    fpm = bytearray(b"\xff" * bs)  # 1 = free
    for b in range(nblocks):
        fpm[b >> 3] &= ~(1 << (b & 7)) & 0xFF
    blocks[1] = bytes(fpm)
    blocks[2] = b"\xff" * bs
    blocks[0] = (MSF_MAGIC[:32] + struct.pack("<IIIIII", bs, 1, nblocks, len(d), 0, map_addr)
                 ).ljust(bs, b"\0")
    return b"".join(blocks)


def dbi_modules(dbi):
    """(offset, length) of each ModInfo record of a DBI stream."""
    n = struct.unpack_from("<i", dbi, 0x18)[0]
    mi = dbi[64:64 + n]
    off, out = 0, []
    while n - off >= 64:
        e1 = mi.index(b"\0", off + 64)
        e2 = mi.index(b"\0", e1 + 1)
        end = (e2 + 1 + 3) & ~3
        out.append((off, end - off))
        off = end
    return mi, out


def pdb_slice(streams, keep_modules=4, max_pubs=120, drop_types=True):
    """A smaller PDB: the info, DBI (module list cut to `keep_modules`
    modules with symbols, other substreams emptied), section headers,
    symbol records (S_PUB32 and a few others) and the kept module streams;
    every other stream is nil."""
    dbi = streams[3]
    mi, mods = dbi_modules(dbi)
    subs = [struct.unpack_from("<i", dbi, o)[0] for o in (0x18, 0x1C, 0x20, 0x24, 0x28, 0x34, 0x30)]
    dbg_at = 64 + sum(subs[:6])
    dbg = bytearray(dbi[dbg_at:dbg_at + subs[6]])
    keep = set([1, 3])
    new_mi = bytearray()
    chosen = 0
    for off, ln in mods:
        rec = bytearray(mi[off:off + ln])
        st = u16(rec, 34)
        symbytes = u32(rec, 36)
        if st != 0xFFFF and symbytes > 4 and chosen < keep_modules and streams[st] is not None \
                and len(streams[st]) <= 6000:
            keep.add(st)
            chosen += 1
        else:
            struct.pack_into("<H", rec, 34, 0xFFFF)
        new_mi += rec
    for i in range(0, len(dbg) - 1, 2):
        idx = u16(dbg, i)
        if idx != 0xFFFF and i // 2 in (4, 5, 10):  # OMAP from source, section headers
            keep.add(idx)
        elif idx != 0xFFFF:
            struct.pack_into("<H", dbg, i, 0xFFFF)
    hdr = bytearray(dbi[:64])
    symrec = u16(hdr, 0x14)
    for i, o in enumerate((0x18, 0x1C, 0x20, 0x24, 0x28, 0x34, 0x30)):
        struct.pack_into("<i", hdr, o, len(new_mi) if i == 0 else len(dbg) if i == 6 else 0)
    # The other hash/global stream indices of the header: nil.
    struct.pack_into("<H", hdr, 0x0C, 0xFFFF)
    struct.pack_into("<H", hdr, 0x10, 0xFFFF)
    out = [None] * len(streams)
    for k in keep:
        out[k] = streams[k]
    out[3] = bytes(hdr) + bytes(new_mi) + bytes(dbg)
    if symrec != 0xFFFF and streams[symrec] is not None:
        sr = streams[symrec]
        recs, off, npub = [], 0, 0
        while len(sr) - off >= 4:
            ln = u16(sr, off)
            kind = u16(sr, off + 2)
            if ln < 2:
                break
            r = sr[off:off + 2 + ln]
            if kind == 0x110E and npub < max_pubs:
                recs.append(r)
                npub += 1
            elif kind != 0x110E and len(recs) < max_pubs + 8 and off < 4096:
                recs.append(r)
            off += 2 + ln
        out[symrec] = b"".join(recs)
    return out


def pe_slice(data):
    """The image with the raw data of its code sections zeroed and the file
    cut after the last section holding a data directory it names."""
    lf = u32(data, 0x3C)
    nsec = u16(data, lf + 6)
    opt = lf + 24
    optsize = u16(data, lf + 20)
    magic = u16(data, opt)
    dirs = opt + (0x70 if magic == 0x20B else 0x60)
    ndirs = u32(data, dirs - 4)
    out = bytearray(data)
    secs = []
    for i in range(nsec):
        s = opt + optsize + 40 * i
        vs, va, rs, ro = struct.unpack_from("<IIII", data, s + 8)
        ch = u32(data, s + 36)
        secs.append((va, max(vs, rs), ro, rs, ch))
    end = 0x400
    for i in range(min(ndirs, 16)):
        va, sz = struct.unpack_from("<II", data, dirs + 8 * i)
        for sva, span, ro, rs, ch in secs:
            if sz and sva <= va < sva + span and i in (0, 6):
                end = max(end, ro + rs)
    for sva, span, ro, rs, ch in secs:
        if ch & 0x20:  # IMAGE_SCN_CNT_CODE
            out[ro:ro + rs] = b"\xcc" * rs
    return bytes(out[:end])


PE_SOURCES = {
    # name: (target triple, lld-link machine, kind, extra link args)
    "lib64": ("x86_64-pc-windows-msvc", "x64", "dll", []),
    "lib32": ("i686-pc-windows-msvc", "x86", "dll", []),
    "app64": ("x86_64-pc-windows-msvc", "x64", "exe", ["/entry:start", "/subsystem:console"]),
}


def build_pe(workdir):
    """Build the small images of fuzz/seeds/pe/; {name: (image, pdb)}."""
    clang = shutil.which("clang-14") or shutil.which("clang")
    lld = shutil.which("lld-link-14") or shutil.which("lld-link")
    if not clang or not lld:
        print("make_seeds: clang-14/lld-link-14 not found; PE/PDB builds skipped", file=sys.stderr)
        return {}
    src_dir = os.path.join(HERE, "seeds", "pe")
    for fn in ("lib.c", "app.c", "lib.def"):
        shutil.copy(os.path.join(src_dir, fn), workdir)
    built = {}
    # Relative names in a folder of copies, a fixed compilation dir and
    # source path, no COFF timestamp, /Brepro: the same bytes (and PDB
    # GUID) on every run, wherever the temporary folder is.
    for name, (triple, machine, kind, extra) in PE_SOURCES.items():
        src = ("lib" if kind == "dll" else "app") + ".c"
        img = name + "." + kind
        subprocess.run([clang, "--target=" + triple, "-O1", "-g", "-gcodeview", "-ffreestanding",
                        "-fno-stack-protector", "-ffile-compilation-dir=.",
                        "-mno-incremental-linker-compatible", "-c", src,
                        "-o", name + ".obj"], check=True, cwd=workdir)
        args = [lld, "/nodefaultlib", "/debug", "/machine:" + machine, "/out:" + img,
                "/pdb:" + name + ".pdb", "/pdbaltpath:%_PDB%", "/pdbsourcepath:C:\\seeds",
                "/Brepro", name + ".obj"] + extra
        if kind == "dll":
            args += ["/dll", "/noentry", "/def:lib.def"]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=workdir)
        built[name] = (read(os.path.join(workdir, img)),
                       read(os.path.join(workdir, name + ".pdb")))
    return built


def seeds_pe_pdb(out, corpus, want_pe, want_pdb):
    if want_pe:
        out.clear("pe")
    if want_pdb:
        out.clear("pdb")
    with tempfile.TemporaryDirectory() as tmp:
        built = build_pe(tmp)
    for name, (img, pdb) in sorted(built.items()):
        ext = "exe" if name.startswith("app") else "dll"
        if want_pe:
            out.write("pe", "clang-%s.%s" % (name, ext), img)
        if want_pdb:
            out.write("pdb", "clang-%s.pdb" % name, msf_write(msf_read(pdb)))
    sym = os.path.join(corpus, "pe", "getsentry_symbolic")
    if want_pe and os.path.exists(os.path.join(sym, "crash.exe")):
        out.write("pe", "cut-crash-headers-rdata.exe", pe_slice(read(os.path.join(sym, "crash.exe"))))
    if want_pdb and os.path.exists(os.path.join(sym, "crash.pdb")):
        streams = msf_read(read(os.path.join(sym, "crash.pdb")))
        out.write("pdb", "cut-crash-slice.pdb", msf_write(pdb_slice(streams)))


# -------------------------------------------------------------- testgen --


def testgen_files(testgen):
    """(name, bytes) of the test-trace writer's example and of every
    fuzz/seeds/testgen/*.desc."""
    if not testgen or not os.path.exists(testgen):
        print("make_seeds: %s not found (build etwcap-testgen first); testgen seeds skipped"
              % testgen, file=sys.stderr)
        return []
    files = []
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "example.etl")
        subprocess.run([testgen, "example", p], check=True)
        files.append(("example", read(p)))
        desc_dir = os.path.join(HERE, "seeds", "testgen")
        for fn in sorted(os.listdir(desc_dir)):
            if not fn.endswith(".desc"):
                continue
            p = os.path.join(tmp, fn + ".etl")
            subprocess.run([testgen, "build", os.path.join(desc_dir, fn), p], check=True)
            files.append((fn[:-5], read(p)))
    return files

# ---------------------------------------------------------------- claims --

def trim_evidence(doc, keep):
    """The same document with at most `keep` entries per list (a seed, not a
    whole evidence file; the reader does not check sha256 against lists)."""
    pred = doc.get("predicate", doc)
    for k in ("processes", "modules", "functions"):
        if isinstance(pred.get(k), list):
            pred[k] = pred[k][:keep]
    for f in pred.get("functions", []):
        if isinstance(f.get("call_chains"), list):
            f["call_chains"] = f["call_chains"][:2]
    caps = pred.get("capture", {})
    if isinstance(caps.get("providers"), list):
        caps["providers"] = caps["providers"][:4]
    return doc


def seeds_claims(out, corpus, etwcap):
    """fuzz_claims: mode byte 0 (claims), 1 (evidence), 2 (evidence, NUL,
    claims). Claims from tests/data/claims/; evidence written by `etwcap
    evidence` from the runs of tests/data/claims/corpus-claims.expected.json,
    trimmed to a few entries per list."""
    import json
    data = os.path.join(ROOT, "tests", "data", "claims")
    claims = read(os.path.join(data, "corpus-claims.json"))
    small = json.dumps({"schema": "etwcap.claims/v1", "claims": json.loads(claims)["claims"][:3]},
                       separators=(",", ":")).encode()
    out.write("claims", "syn-claims-corpus", b"\x00" + claims)
    out.write("claims", "syn-claims-three", b"\x00" + small)
    if not etwcap or not os.path.exists(etwcap):
        print("make_seeds: no etwcap binary (--etwcap); evidence seeds skipped")
        return
    runs = json.load(open(os.path.join(data, "corpus-claims.expected.json")))["runs"]
    with tempfile.TemporaryDirectory() as tmp:
        for n, r in enumerate(runs):
            trace = os.path.join(corpus, r["trace"])
            if not os.path.exists(trace):
                continue
            for attest in (0, 1):
                ev = os.path.join(tmp, "ev.json")
                cmd = [etwcap, "evidence", trace] + r["select"] + ["-o", ev]
                if attest:
                    cmd.append("--attest")
                subprocess.run(cmd, check=True, capture_output=True)
                doc = trim_evidence(json.load(open(ev)), 6 if attest else 12)
                text = json.dumps(doc, separators=(",", ":")).encode()
                name = "ev-%s-%s" % (short_name(r["trace"]), "attest" if attest else "doc")
                out.write("claims", name, b"\x01" + text)
                if not attest:
                    out.write("claims", name + "-confirm", b"\x02" + text + b"\x00" + small)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--testgen", default=os.path.join(ROOT, "build", "etwcap-testgen"))
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    ap.add_argument("--etwcap", default=os.path.join(ROOT, "build", "etwcap"))
    ap.add_argument("targets", nargs="*")
    a = ap.parse_args()
    targets = set(a.targets or ["etl", "lz77", "decode", "tracelogging", "stackkeys", "pe", "pdb",
                                 "claims"])
    if not os.path.isdir(os.path.join(a.corpus, "etl")):
        sys.exit("make_seeds: no corpus at %s" % a.corpus)
    out = Out(a.out)
    tg = testgen_files(a.testgen)
    if "etl" in targets:
        seeds_etl(out, a.corpus, tg)
    if "decode" in targets or "tracelogging" in targets:
        seeds_decode_tl(out, a.corpus, tg, "decode" in targets, "tracelogging" in targets)
    if "lz77" in targets:
        seeds_lz77(out, a.corpus, tg)
    if "stackkeys" in targets:
        seeds_stackkeys(out, a.corpus)
    if "pe" in targets or "pdb" in targets:
        seeds_pe_pdb(out, a.corpus, "pe" in targets, "pdb" in targets)
    if "claims" in targets:
        seeds_claims(out, a.corpus, a.etwcap)
    for t in sorted(out.sizes):
        d = os.path.join(a.out, "fuzz_" + t)
        print("fuzz_%-13s %4d files %8d bytes" % (t, len(os.listdir(d)),
                                                  sum(os.path.getsize(os.path.join(d, f))
                                                      for f in os.listdir(d))))


if __name__ == "__main__":
    main()
