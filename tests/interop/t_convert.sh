# convert both ways: what pvimg writes qemu-img reads, and the reverse.

# images qemu-img writes in every flavour the issue names
qemu_flavours=(
    "plain:"
    "v2:-o compat=0.10"
    "zlib:-c"
    "zstd:-c -o compression_type=zstd"
    "rc1:-o refcount_bits=1"
    "c512:-o cluster_size=512"
    "c2m:-o cluster_size=2M"
    "lazy:-o lazy_refcounts=on"
)

test_qemu_written_read_by_pvimg() {
    local fl name opts
    mkraw ref.raw $((12 * 1024 * 1024 + 4096))
    for fl in "${qemu_flavours[@]}"; do
        name=${fl%%:*}
        opts=${fl#*:}
        # shellcheck disable=SC2086
        $QEMU_IMG convert -O qcow2 $opts ref.raw "$name.qcow2" || { fail "qemu-img convert $name"; continue; }
        expect "pvimg reads $name" "$PVIMG" convert -O raw "$name.qcow2" "$name.raw"
        expect "$name reads back identical" cmp ref.raw "$name.raw"
        same_as_qemu "compare $name" compare ref.raw "$name.qcow2"
        rm -f "$name.raw"
    done
}

test_pvimg_written_read_by_qemu() {
    local v
    mkraw ref.raw $((10 * 1024 * 1024 + 512))
    for v in "" "-o compat=0.10" "-o cluster_size=512" "-o cluster_size=2M" \
             "-o cluster_size=4096,refcount_bits=64" "-c" "-c -o compression_type=zstd" \
             "-c -o cluster_size=4096" "-m 1" "-S 0" "-o preallocation=metadata"; do
        # shellcheck disable=SC2086
        expect "pvimg convert $v" "$PVIMG" convert -O qcow2 $v ref.raw p.qcow2
        qemu_ok p.qcow2
        expect "qemu-img compare after pvimg convert $v" $QEMU_IMG compare ref.raw p.qcow2
        same_as_qemu "map of pvimg image ($v)" map --output=json p.qcow2
        rm -f p.qcow2
    done
    # qcow2 -> qcow2 and raw output
    $QEMU_IMG convert -O qcow2 -c ref.raw src.qcow2
    expect "qcow2->qcow2" "$PVIMG" convert -f qcow2 -O qcow2 src.qcow2 p.qcow2
    qemu_ok p.qcow2
    expect "qcow2->qcow2 content" $QEMU_IMG compare ref.raw p.qcow2
    expect "qcow2->raw" "$PVIMG" convert -O raw src.qcow2 p.raw
    expect "qcow2->raw content" cmp ref.raw p.raw
    # -n into an existing image that holds other data
    $QEMU_IMG create -q -f qcow2 n.qcow2 $((10 * 1024 * 1024 + 512))
    $QEMU_IMG io -c 'write -P 0x55 0 8M' n.qcow2 >/dev/null 2>&1 || qemu-io -c 'write -P 0x55 0 8M' n.qcow2 >/dev/null
    expect "convert -n" "$PVIMG" convert -n -O qcow2 ref.raw n.qcow2
    qemu_ok n.qcow2
    expect "convert -n content" $QEMU_IMG compare ref.raw n.qcow2
    # several sources are concatenated
    head -c 1048576 ref.raw >part1
    tail -c +1048577 ref.raw >part2
    expect "concatenate" "$PVIMG" convert -O qcow2 part1 part2 cat.qcow2
    expect "concatenated content" $QEMU_IMG compare ref.raw cat.qcow2
    # progress output ends with 100% and a newline
    "$PVIMG" convert -p -O qcow2 ref.raw pp.qcow2 >prog.txt
    if grep -q '(100.00/100%)' prog.txt; then pass; else fail "convert -p shows no 100%"; fi
}

test_convert_overlay_and_backing() {
    mkraw base.raw $((4 * 1024 * 1024))
    $QEMU_IMG convert -O qcow2 base.raw base.qcow2
    $QEMU_IMG create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2
    qemu-io -c 'write -P 0x11 64k 128k' -c 'write -z 1M 64k' -c 'write -P 0x22 3M 4k' top.qcow2 >/dev/null
    $QEMU_IMG convert -O raw top.qcow2 want.raw
    expect "pvimg reads overlay" "$PVIMG" convert -O raw top.qcow2 got.raw
    expect "overlay reads identical" cmp want.raw got.raw
    # -B keeps only the top layer on a new backing file
    expect "convert -B" "$PVIMG" convert -O qcow2 -B base.qcow2 -F qcow2 top.qcow2 new.qcow2
    qemu_ok new.qcow2
    expect "convert -B content" $QEMU_IMG compare top.qcow2 new.qcow2
    local alloc
    alloc=$($QEMU_IMG map --output=json new.qcow2 | grep -c '"depth": 0, "present": true')
    if [ "$alloc" -ge 1 ] && [ "$(stat -c %s new.qcow2)" -lt 1500000 ]; then pass; else
        fail "convert -B copied more than the top layer"; fi
}

test_convert_snapshot_export() {
    mkraw ref.raw $((3 * 1024 * 1024))
    $QEMU_IMG convert -O qcow2 ref.raw s.qcow2
    $QEMU_IMG snapshot -c before s.qcow2
    qemu-io -c 'write -P 0x77 0 1M' s.qcow2 >/dev/null
    expect "convert -l name" "$PVIMG" convert -l snapshot.name=before -O raw s.qcow2 snap.raw
    expect "snapshot export identical" cmp ref.raw snap.raw
    expect "convert -l plain" "$PVIMG" convert -l before -O raw s.qcow2 snap2.raw
    expect "snapshot export identical (-l NAME)" cmp ref.raw snap2.raw
    $QEMU_IMG convert -O raw s.qcow2 now.raw
    expect "active state" "$PVIMG" convert -O raw s.qcow2 now2.raw
    expect "active state identical" cmp now.raw now2.raw
}

test_compare_measure() {
    mkraw a.raw $((2 * 1024 * 1024))
    cp a.raw b.raw
    printf 'X' | dd of=b.raw bs=1 seek=100000 conv=notrunc 2>/dev/null
    $QEMU_IMG convert -O qcow2 a.raw a.qcow2
    same_as_qemu "compare identical" compare a.raw a.qcow2
    same_as_qemu "compare mismatch" compare b.raw a.qcow2
    same_as_qemu "compare -q" compare -q b.raw a.qcow2
    $QEMU_IMG create -q -f qcow2 big.qcow2 3M
    $QEMU_IMG create -q -f qcow2 small.qcow2 2M
    same_as_qemu "compare size mismatch" compare big.qcow2 small.qcow2
    same_as_qemu "compare strict size mismatch" compare -s big.qcow2 small.qcow2
    same_as_qemu "compare missing" compare a.raw nonexistent
    same_as_qemu "measure raw" measure -O qcow2 a.raw
    same_as_qemu "measure json" measure --output=json -O qcow2 a.qcow2
    same_as_qemu "measure size" measure --size 1G -O qcow2
    same_as_qemu "measure size 512" measure --size 100M -O qcow2 -o cluster_size=512
    same_as_qemu "measure neither" measure -O qcow2
}
