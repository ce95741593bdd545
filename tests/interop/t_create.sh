# create: same messages as qemu-img, and images qemu-img finds clean.

create_variants=(
    ""
    "-o cluster_size=512"
    "-o cluster_size=2M"
    "-o cluster_size=4096,refcount_bits=32"
    "-o refcount_bits=64"
    "-o compat=0.10"
    "-o compat=1.1,lazy_refcounts=on"
    "-o compression_type=zstd"
    "-o preallocation=metadata"
    "-o preallocation=falloc,cluster_size=8k"
)

test_create_qcow2() {
    local v
    for v in "${create_variants[@]}"; do
        # shellcheck disable=SC2086
        same_as_qemu2 "create $v" "$PWD/q.qcow2" "$PWD/p.qcow2" create -f qcow2 $v @ 5M
        qemu_ok p.qcow2
        # same header fields as qemu-img's image
        $QEMU_IMG info --output=json p.qcow2 | grep -v actual-size | sed 's/p.qcow2/X/' >pi
        $QEMU_IMG info --output=json q.qcow2 | grep -v actual-size | sed 's/q.qcow2/X/' >qi
        if cmp -s pi qi; then pass; else fail "create $v: qemu-img info differs"; diff qi pi | head >&2; fi
        rm -f p.qcow2 q.qcow2
    done
}

test_create_raw_and_backing() {
    same_as_qemu2 "create raw" "$PWD/q.img" "$PWD/p.img" create -f raw @ 3M
    expect "raw size" test "$(stat -c %s p.img)" = 3145728
    same_as_qemu2 "create default format" "$PWD/q2.img" "$PWD/p2.img" create @ 1M
    $QEMU_IMG create -q -f qcow2 base.qcow2 7M
    same_as_qemu2 "create overlay" "$PWD/q.qcow2" "$PWD/p.qcow2" create -f qcow2 -b base.qcow2 -F qcow2 @
    qemu_ok p.qcow2
    IGNORE_DISK_SIZE=1 same_as_qemu2 "overlay info" "$PWD/q.qcow2" "$PWD/p.qcow2" info --backing-chain @
    same_as_qemu2 "create overlay with size" "$PWD/q3.qcow2" "$PWD/p3.qcow2" create -f qcow2 -b base.qcow2 -F qcow2 @ 9M
    qemu_ok p3.qcow2
}

test_create_errors() {
    same_as_qemu "bad size" create -f qcow2 x.qcow2 12Q
    same_as_qemu "negative size" create -f qcow2 x.qcow2 -- -1
    same_as_qemu "no size" create -f qcow2 x.qcow2
    same_as_qemu "bad cluster size" create -f qcow2 -o cluster_size=1000 x.qcow2 1M
    same_as_qemu "bad refcount bits" create -f qcow2 -o refcount_bits=3 x.qcow2 1M
    same_as_qemu "lazy on v2" create -f qcow2 -o compat=0.10,lazy_refcounts=on x.qcow2 1M
    same_as_qemu "bad compression" create -f qcow2 -o compression_type=lz4 x.qcow2 1M
    same_as_qemu "bad preallocation" create -f qcow2 -o preallocation=bogus x.qcow2 1M
    same_as_qemu "unknown option" create -f qcow2 -o foo=1 x.qcow2 1M
    same_as_qemu "no file" create -f qcow2
    same_as_qemu "no args" 
    same_as_qemu "unknown command" frobnicate
}
