# convert -c against qemu-img: every image pvimg compresses (igzip and zlib
# deflate, zstd; 512 B to 2 MiB clusters) passes `qemu-img check`, compares
# equal to its source and reads back through qemu-img convert, on data
# chosen to trip a compressor: repeats only further back than QEMU's 4 KiB
# deflate window, incompressible clusters (stored uncompressed, as qemu-img
# does), runs at the window's edge, zeros and text.

# mkadversarial FILE SIZE
mkadversarial() {
    python3 - "$1" "$2" <<'PY'
import sys, random
path, size = sys.argv[1], int(sys.argv[2])
r = random.Random(7)
out = bytearray()
while len(out) < size:
    k = r.randrange(6)
    n = r.choice([4096, 65536, 300000, 1 << 20])
    if k == 0:                      # incompressible
        piece = r.randbytes(n)
    elif k == 1:                    # a random block repeated beyond 4 KiB
        p = r.choice([4097, 5000, 8192, 32768, 65536])
        piece = (r.randbytes(p) * (n // p + 1))[:n]
    elif k == 2:                    # repeated exactly at the window edge
        piece = (r.randbytes(4096) * (n // 4096 + 1))[:n]
    elif k == 3:
        piece = bytes(n)
    elif k == 4:                    # text-like
        words = [b"qcow2", b"cluster", b"refcount", b"pvstack", b"deflate", b" ", b"\n"]
        piece = b"".join(r.choice(words) for _ in range(n // 4))[:n]
    else:                           # nearly random: shrinks by a few bytes at most
        piece = bytearray(r.randbytes(n))
        for i in range(0, n, 997):
            piece[i] = 0
        piece = bytes(piece)
    out += piece
with open(path, "wb") as f:
    f.write(out[:size])
PY
}

compressed_clusters() {
    $QEMU_IMG check --output=json "$1" | sed -n 's/.*"compressed-clusters": \([0-9]*\).*/\1/p'
}

test_convert_c_adversarial() {
    local impl cs alg
    mkadversarial adv.raw $((9 * 1024 * 1024 + 4096))
    for impl in isal zlib; do
        for alg in zlib zstd; do
            [ $alg = zstd ] && [ $impl = zlib ] && continue   # zstd has one implementation
            for cs in 512 4096 65536 2M; do
                rm -f p.qcow2 back.raw
                expect "convert -c $alg cluster $cs ($impl)" env PVIMG_DEFLATE=$impl \
                    "$PVIMG" convert -c -O qcow2 -o cluster_size=$cs,compression_type=$alg adv.raw p.qcow2
                qemu_ok p.qcow2
                expect "compare -c $alg $cs ($impl)" $QEMU_IMG compare -q adv.raw p.qcow2
                expect "qemu-img reads -c $alg $cs ($impl)" $QEMU_IMG convert -O raw p.qcow2 back.raw
                expect "read back -c $alg $cs ($impl)" cmp adv.raw back.raw
            done
        done
    done
}

# Clusters that do not shrink are stored as plain clusters, as qemu-img
# does; with zlib deflate the choice matches qemu-img's cluster for cluster.
test_convert_c_incompressible_stored_plain() {
    head -c $((2 * 1024 * 1024)) /dev/urandom >rnd.raw
    expect "convert -c random" "$PVIMG" convert -c -O qcow2 rnd.raw p.qcow2
    qemu_ok p.qcow2
    expect "compare random" $QEMU_IMG compare -q rnd.raw p.qcow2
    local n
    n=$(compressed_clusters p.qcow2)
    if [ -z "$n" ] || [ "$n" = 0 ]; then pass; else fail "random data: $n compressed clusters"; fi
    mkadversarial adv.raw $((6 * 1024 * 1024))
    $QEMU_IMG convert -c -O qcow2 adv.raw q.qcow2
    PVIMG_DEFLATE=zlib "$PVIMG" convert -c -O qcow2 adv.raw z.qcow2
    if [ "$(compressed_clusters q.qcow2)" = "$(compressed_clusters z.qcow2)" ] &&
       [ -n "$(compressed_clusters z.qcow2)" ]; then pass; else
        fail "compressed clusters: qemu-img $(compressed_clusters q.qcow2), pvimg (zlib) $(compressed_clusters z.qcow2)"
    fi
    # zlib deflate at qemu's level gives qemu's compressed sizes; the files
    # differ only in the padding between plain and compressed clusters,
    # which depends on the order the threads finish in
    local qs zs
    qs=$(stat -c %s q.qcow2)
    zs=$(stat -c %s z.qcow2)
    if [ $((zs * 100 / qs)) -ge 95 ] && [ $((zs * 100 / qs)) -le 101 ]; then pass; else
        fail "zlib sizes: qemu-img $(stat -c %s q.qcow2), pvimg $(stat -c %s z.qcow2)"
    fi
}
