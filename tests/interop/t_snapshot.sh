# internal snapshots made by one tool are listed, applied and deleted by the
# other; map and info agree.

test_snapshot_qemu_to_pvimg() {
    mkraw ref.raw $((2 * 1024 * 1024))
    $QEMU_IMG convert -O qcow2 ref.raw s.qcow2
    $QEMU_IMG snapshot -c one s.qcow2
    qemu-io -c 'write -P 0x33 0 256k' s.qcow2 >/dev/null
    $QEMU_IMG snapshot -c two s.qcow2
    qemu-io -c 'write -P 0x44 512k 64k' s.qcow2 >/dev/null
    same_as_qemu "snapshot -l" snapshot -l s.qcow2
    same_as_qemu "snapshot default action" snapshot s.qcow2
    same_as_qemu "info with snapshots" info s.qcow2
    same_as_qemu "info json with snapshots" info --output=json s.qcow2
    cp s.qcow2 q.qcow2
    same_as_qemu2 "snapshot -a" "$PWD/q.qcow2" "$PWD/s.qcow2" snapshot -a one @
    qemu_ok s.qcow2
    expect "applied state is the snapshot" $QEMU_IMG compare ref.raw s.qcow2
    same_as_qemu2 "snapshot -d" "$PWD/q.qcow2" "$PWD/s.qcow2" snapshot -d two @
    qemu_ok s.qcow2
    same_as_qemu2 "snapshot -a missing" "$PWD/q.qcow2" "$PWD/s.qcow2" snapshot -a nope @
    same_as_qemu2 "snapshot -d missing" "$PWD/q.qcow2" "$PWD/s.qcow2" snapshot -d nope @
    $QEMU_IMG snapshot -l s.qcow2 >l.txt
    if grep -q ' one ' l.txt && ! grep -q ' two ' l.txt; then pass; else fail "qemu-img lists after pvimg delete: $(cat l.txt)"; fi
}

test_snapshot_pvimg_to_qemu() {
    mkraw ref.raw $((2 * 1024 * 1024))
    $QEMU_IMG convert -O qcow2 ref.raw s.qcow2
    expect "pvimg snapshot -c" "$PVIMG" snapshot -c first s.qcow2
    qemu_ok s.qcow2
    qemu-io -c 'write -P 0x66 0 1M' s.qcow2 >/dev/null
    expect "pvimg snapshot -c second" "$PVIMG" snapshot -c second s.qcow2
    qemu_ok s.qcow2
    $QEMU_IMG snapshot -l s.qcow2 >l.txt
    if grep -q ' first ' l.txt && grep -q ' second ' l.txt; then pass; else fail "qemu-img does not list pvimg's snapshots"; fi
    same_as_qemu "snapshot -l of pvimg snapshots" snapshot -l s.qcow2
    expect "qemu-img applies pvimg snapshot" $QEMU_IMG snapshot -a first s.qcow2
    expect "content is the snapshot" $QEMU_IMG compare ref.raw s.qcow2
    expect "qemu-img deletes pvimg snapshot" $QEMU_IMG snapshot -d second s.qcow2
    qemu_ok s.qcow2
    expect "pvimg deletes" "$PVIMG" snapshot -d first s.qcow2
    qemu_ok s.qcow2
    expect "content kept after deleting all" $QEMU_IMG compare ref.raw s.qcow2
    $QEMU_IMG create -q -f raw r.img 1M
    same_as_qemu "snapshot -c on raw" snapshot -c x r.img
}

# a snapshot pvimg makes carries the extra data qemu-img 7.2 writes
# (vm_state_size_large, disk_size, icount 0): qemu-img lists and describes
# it exactly as its own, dates aside
test_snapshot_extra_data_as_qemu() {
    $QEMU_IMG create -q -f qcow2 a.qcow2 64M
    qemu-io -c 'write -P 0x12 0 1M' a.qcow2 >/dev/null
    cp a.qcow2 b.qcow2
    $QEMU_IMG snapshot -c snap a.qcow2
    expect "pvimg snapshot -c" "$PVIMG" snapshot -c snap b.qcow2
    local f
    for f in a b; do
        $QEMU_IMG snapshot -l $f.qcow2 |
            sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}/DATE/' >$f.list
        $QEMU_IMG info --output=json $f.qcow2 |
            sed -E 's/"date-(n?sec)": [0-9]+/"date-\1": X/; /"(filename|actual-size)"/d' >$f.json
    done
    if cmp -s a.list b.list; then pass; else fail "snapshot -l differs: $(diff a.list b.list)"; fi
    if cmp -s a.json b.json; then pass; else fail "info json differs: $(diff a.json b.json)"; fi
    # the raw snapshot table entries are byte for byte qemu's but for the
    # date and the L1 offset
    python3 - a.qcow2 b.qcow2 <<'EOF' && pass || fail "snapshot table entries differ"
import struct, sys
def entry(p):
    d = open(p, "rb").read()
    off = struct.unpack(">Q", d[64:72])[0]
    e = bytearray(d[off:off + 40 + 24 + 1 + 4])
    e[0:8] = bytes(8)                               # l1 offset
    nsec = struct.unpack(">I", e[20:24])[0]
    assert nsec % 1000 == 0, nsec                   # microseconds, as qemu
    e[16:24] = bytes(8)                             # date
    return bytes(e)
a, b = entry(sys.argv[1]), entry(sys.argv[2])
sys.exit(0 if a == b else 1)
EOF
}

test_map_info() {
    mkraw ref.raw $((6 * 1024 * 1024))
    $QEMU_IMG convert -O qcow2 ref.raw plain.qcow2
    $QEMU_IMG convert -O qcow2 -c ref.raw comp.qcow2
    $QEMU_IMG convert -O qcow2 -o compat=0.10 ref.raw v2.qcow2
    $QEMU_IMG create -q -f qcow2 -b plain.qcow2 -F qcow2 ov.qcow2
    qemu-io -c 'write -P 0x11 64k 128k' -c 'write -z 1M 64k' -c 'write -P 0x22 3M 4k' ov.qcow2 >/dev/null
    local f
    for f in plain.qcow2 comp.qcow2 v2.qcow2 ov.qcow2 ref.raw; do
        same_as_qemu "map json $f" map --output=json "$f"
        same_as_qemu "map $f" map "$f"
        same_as_qemu "info $f" info "$f"
        same_as_qemu "info json $f" info --output=json "$f"
    done
    same_as_qemu "info chain" info --backing-chain ov.qcow2
    same_as_qemu "info chain json" info --backing-chain --output=json ov.qcow2
    same_as_qemu "map range" map --output=json --start-offset=1M --max-length=2M ov.qcow2
    same_as_qemu "info missing" info nonexistent
    same_as_qemu "info wrong format" info -f qcow2 ref.raw
    same_as_qemu "info bad output" info --output=xml ref.raw
}

test_missing_backing() {
    $QEMU_IMG create -q -f qcow2 a.qcow2 1M
    $QEMU_IMG create -q -f qcow2 -b a.qcow2 -F qcow2 b.qcow2
    rm a.qcow2
    local args
    for args in "info b.qcow2" "info --backing-chain b.qcow2" \
                "info --backing-chain --output=json b.qcow2" "map b.qcow2" \
                "check b.qcow2" "compare b.qcow2 b.qcow2" "convert -O raw b.qcow2 x.raw"; do
        # shellcheck disable=SC2086
        same_as_qemu "missing backing: $args" $args
    done
}
