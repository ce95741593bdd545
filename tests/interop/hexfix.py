#!/usr/bin/env python3
"""Small binary fixtures kept as text: only non-zero 16-byte rows are stored.

  hexfix.py encode IMG FIXTURE.hex "description"
  hexfix.py decode FIXTURE.hex IMG
"""
import sys


def encode(src, dst, desc):
    data = open(src, "rb").read()
    with open(dst, "w") as out:
        for line in desc.splitlines():
            out.write("# %s\n" % line)
        out.write("size %d\n" % len(data))
        for off in range(0, len(data), 16):
            row = data[off:off + 16]
            if any(row):
                out.write("%08x: %s\n" % (off, row.hex()))


def decode(src, dst):
    size, rows = None, []
    for line in open(src):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("size "):
            size = int(line[5:])
            continue
        off, hexdata = line.split(":")
        rows.append((int(off, 16), bytes.fromhex(hexdata.strip())))
    buf = bytearray(size)
    for off, row in rows:
        buf[off:off + len(row)] = row
    open(dst, "wb").write(bytes(buf))


if __name__ == "__main__":
    if sys.argv[1] == "encode":
        encode(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
    elif sys.argv[1] == "decode":
        decode(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
