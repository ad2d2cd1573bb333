#!/usr/bin/env python3
"""Make a large .etl for throughput benchmarks by repeating real buffers.

usage: mkinput.py SRC.etl OUT.etl TARGET_BYTES

The first buffer of SRC (the log-file header buffer) is written once; then
all the other (data) buffers of SRC, in file order, as many whole times as
fit in TARGET_BYTES (at least once). Every buffer is self-contained
(WMI_BUFFER_HEADER + records; a compressed buffer decompresses on its own),
so OUT is a valid trace that etwcap reads without diagnostics.

The log-file header's BuffersWritten (TRACE_LOGFILE_HEADER, etl-format.md
§1.8) is set to the number of buffers written: a reader that stops after
that many buffers, as dissect.etl does, then reads the whole file too.

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


# The log-file header is the payload of the first record of the header buffer,
# which has a SYSTEM header (0x20 bytes; header type 0x01 or 0x02; HookId 0, a
# u16 at +6) (§1.8, §2.2).
BUF_HDR = 0x48
SYSTEM_HDR = 0x20
BUFFERS_WRITTEN = 0x24  # offset in TRACE_LOGFILE_HEADER
BUF_FLAG_COMPRESSED = 0x40  # WMI_BUFFER_HEADER.BufferFlag at 0x34 (§1.4)


def set_buffers_written(header, count):
    """The header buffer with BuffersWritten = count."""
    flags = struct.unpack_from("<H", header, 0x34)[0]
    rec_type = header[BUF_HDR + 2]
    hook_id = struct.unpack_from("<H", header, BUF_HDR + 6)[0]
    at = BUF_HDR + SYSTEM_HDR + BUFFERS_WRITTEN
    if (flags & BUF_FLAG_COMPRESSED or rec_type not in (0x01, 0x02) or hook_id != 0
            or len(header) < at + 4):
        sys.exit("first buffer does not start with an uncompressed log-file header record")
    out = bytearray(header)
    struct.pack_into("<I", out, at, count)
    return bytes(out)


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
    header = set_buffers_written(header, 1 + copies * (len(bufs) - 1))
    with open(out, "wb") as f:
        f.write(header)
        for _ in range(copies):
            f.write(data)
    print("%s: %d bytes: header buffer + %d copies of %d data buffers (%d bytes)"
          % (out, len(header) + copies * len(data), copies, len(bufs) - 1, len(data)))


if __name__ == "__main__":
    main()
