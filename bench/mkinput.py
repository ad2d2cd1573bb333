#!/usr/bin/env python3
"""Make a large .etl for throughput benchmarks by repeating real buffers.

usage: mkinput.py SRC.etl OUT.etl TARGET_BYTES

The first buffer of SRC (the log-file header buffer) is written once; then
all the other (data) buffers of SRC, in file order, as many whole times as
fit in TARGET_BYTES (at least once). Every buffer is self-contained
(WMI_BUFFER_HEADER + records; a compressed buffer decompresses on its own),
so OUT is a valid trace that etwcap reads without diagnostics.

Timestamps repeat with each copy: each CPU's stream jumps back in time at
every copy, and the time-ordered merge interleaves copies. That is fine for
measuring throughput, not a realistic timeline: processes, threads and
modules start again in every copy (with the same ids and times), stack
records may meet the events of another copy.
"""
import struct
import sys


def buffers(data):
    off = 0
    while off + 0x48 <= len(data):
        size = struct.unpack_from("<I", data, off)[0]
        if size < 0x48 or off + size > len(data):
            break
        yield data[off:off + size]
        off += size


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(src, "rb") as f:
        bufs = list(buffers(f.read()))
    if len(bufs) < 2:
        sys.exit("%s: fewer than two buffers" % src)
    header = bufs[0]
    data = b"".join(bufs[1:])
    copies = max(1, (target - len(header)) // len(data))
    with open(out, "wb") as f:
        f.write(header)
        for _ in range(copies):
            f.write(data)
    print("%s: %d bytes: header buffer + %d copies of %d data buffers (%d bytes)"
          % (out, len(header) + copies * len(data), copies, len(bufs) - 1, len(data)))


if __name__ == "__main__":
    main()
