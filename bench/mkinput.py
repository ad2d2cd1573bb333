#!/usr/bin/env python3
"""Make a large .etl for throughput benchmarks by repeating real buffers.

usage: mkinput.py SRC.etl OUT.etl TARGET_BYTES

The first buffer of SRC (the log-file header buffer) is written once; the
remaining (data) buffers are then written again and again, whole buffers only,
until the next one would pass TARGET_BYTES. Every buffer is self-contained
(WMI_BUFFER_HEADER + records, compressed buffers included), so OUT is a valid
trace that etwcap reads without diagnostics. Timestamps repeat with each copy,
so the merged timeline jumps back at every repetition: fine for throughput, not
a realistic timeline (process starts, stacks, etc. repeat too).
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
    header, data = bufs[0], bufs[1:]
    written = 0
    with open(out, "wb") as f:
        f.write(header)
        written += len(header)
        while True:
            for b in data:
                if written + len(b) > target:
                    print("%s: %d bytes, %d header + data buffers" % (out, written, 1), file=sys.stderr)
                    return
                f.write(b)
                written += len(b)


if __name__ == "__main__":
    main()
