#!/usr/bin/env python3
"""Poke qcow2 metadata in place, to make corrupt and leaking test images.

  qcow2poke.py IMG show
  qcow2poke.py IMG refcount CLUSTER [VALUE]     get/set an on-disk refcount
  qcow2poke.py IMG l1 INDEX [VALUE]             get/set an active L1 entry
  qcow2poke.py IMG l2 L1INDEX L2INDEX [VALUE]   get/set an active L2 entry
  qcow2poke.py IMG reftable INDEX [VALUE]       get/set a refcount table entry
  qcow2poke.py IMG append-cluster               grow the file by one cluster
  qcow2poke.py IMG header OFFSET WIDTH [VALUE]  get/set a big-endian header field

VALUE is a Python expression in which v is the old value, e.g.
"v & ~(1 << 63)" or "v + 0x10".  Printing is in hex.
"""
import struct
import sys


class Q:
    def __init__(self, path):
        self.f = open(path, "r+b")
        h = self.f.read(104)
        (magic, self.version, _bo, _bs, self.cluster_bits, self.size, _crypt,
         self.l1_size, self.l1_off, self.rt_off, self.rt_clusters, _ns,
         _so) = struct.unpack(">IIQIIQIIQQIIQ", h[:72])
        assert magic == 0x514649FB, "not qcow2"
        self.refcount_order = 4
        if self.version >= 3:
            self.refcount_order = struct.unpack(">I", h[96:100])[0]
        self.cs = 1 << self.cluster_bits

    def rd(self, off, n):
        self.f.seek(off)
        d = self.f.read(n)
        return d + b"\0" * (n - len(d))

    def wr(self, off, data):
        self.f.seek(off)
        self.f.write(data)

    def u64(self, off, val=None):
        if val is None:
            return struct.unpack(">Q", self.rd(off, 8))[0]
        self.wr(off, struct.pack(">Q", val))
        return val

    def refcount(self, cluster, val=None):
        bits = 1 << self.refcount_order
        per = self.cs * 8 // bits
        rb = self.u64(self.rt_off + 8 * (cluster // per)) & ~0x1FF
        if not rb:
            raise SystemExit("no refcount block for cluster %d" % cluster)
        i = cluster % per
        if bits >= 8:
            n = bits // 8
            off = rb + i * n
            if val is None:
                return int.from_bytes(self.rd(off, n), "big")
            self.wr(off, val.to_bytes(n, "big"))
            return val
        off = rb + i * bits // 8
        sh = (i * bits) % 8
        mask = (1 << bits) - 1
        b = self.rd(off, 1)[0]
        if val is None:
            return (b >> sh) & mask
        b = (b & ~(mask << sh)) | ((val & mask) << sh)
        self.wr(off, bytes([b]))
        return val


def num(s):
    return int(s, 0)


def expr(s, get):
    try:
        return int(s, 0)
    except ValueError:
        return int(eval(s, {}, {"v": get()}))


def main():
    q = Q(sys.argv[1])
    op, a = sys.argv[2], sys.argv[3:]
    if op == "show":
        print("cluster_size %d l1 0x%x/%d reftable 0x%x/%d order %d" % (
            q.cs, q.l1_off, q.l1_size, q.rt_off, q.rt_clusters, q.refcount_order))
        for i in range(q.l1_size):
            e = q.u64(q.l1_off + 8 * i)
            if e:
                print("l1[%d] = 0x%x" % (i, e))
                l2 = e & 0x00FFFFFFFFFFFE00
                for j in range(q.cs // 8):
                    f = q.u64(l2 + 8 * j)
                    if f:
                        print("  l2[%d] = 0x%x" % (j, f))
        return
    if op == "refcount":
        cl = num(a[0])
        v = q.refcount(cl, expr(a[1], lambda: q.refcount(cl)) if len(a) > 1 else None)
    elif op == "l1":
        o = q.l1_off + 8 * num(a[0])
        v = q.u64(o, expr(a[1], lambda: q.u64(o)) if len(a) > 1 else None)
    elif op == "l2":
        l2 = q.u64(q.l1_off + 8 * num(a[0])) & 0x00FFFFFFFFFFFE00
        o = l2 + 8 * num(a[1])
        v = q.u64(o, expr(a[2], lambda: q.u64(o)) if len(a) > 2 else None)
    elif op == "reftable":
        o = q.rt_off + 8 * num(a[0])
        v = q.u64(o, expr(a[1], lambda: q.u64(o)) if len(a) > 1 else None)
    elif op == "append-cluster":
        q.f.seek(0, 2)
        end = q.f.tell()
        end = (end + q.cs - 1) // q.cs * q.cs
        q.f.truncate(end + q.cs)
        v = end // q.cs
    elif op == "header":
        off, w = num(a[0]), num(a[1])
        if len(a) > 2:
            q.wr(off, num(a[2]).to_bytes(w, "big"))
        v = int.from_bytes(q.rd(off, w), "big")
    else:
        raise SystemExit(__doc__)
    print("0x%x" % v)


if __name__ == "__main__":
    main()
