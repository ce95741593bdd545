# commit, rebase and resize leave images qemu-img finds clean and equal.

mkchain() {
    mkraw base.raw $((4 * 1024 * 1024))
    $QEMU_IMG convert -O qcow2 base.raw base.qcow2
    $QEMU_IMG create -q -f qcow2 -b base.qcow2 -F qcow2 mid.qcow2
    qemu-io -c 'write -P 0x11 64k 128k' -c 'write -z 1M 64k' mid.qcow2 >/dev/null
    $QEMU_IMG create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2
    qemu-io -c 'write -P 0x22 3M 4k' -c 'write -P 0x23 100k 8k' top.qcow2 >/dev/null
    $QEMU_IMG convert -O raw top.qcow2 want.raw
}

test_commit() {
    mkchain
    same_as_qemu "commit" commit -d top.qcow2 2>/dev/null
    # (the run above committed twice: qemu-img then pvimg; both idempotent)
    qemu_ok mid.qcow2
    expect "commit -d keeps the view" $QEMU_IMG compare want.raw top.qcow2
    expect "mid now holds top's data" $QEMU_IMG compare want.raw mid.qcow2
    mkchain
    expect "pvimg commit" "$PVIMG" commit top.qcow2
    qemu_ok mid.qcow2
    qemu_ok top.qcow2
    expect "commit: view unchanged" $QEMU_IMG compare want.raw top.qcow2
    local n
    n=$($QEMU_IMG map --output=json top.qcow2 | grep -c '"depth": 0')
    if [ "$n" = 0 ]; then pass; else fail "commit without -d left data in the top image"; fi
    mkchain
    expect "pvimg commit -b base" "$PVIMG" commit -b base.qcow2 top.qcow2
    qemu_ok base.qcow2
    expect "commit -b: base holds everything" $QEMU_IMG compare want.raw base.qcow2
    same_as_qemu "commit without backing" commit base.qcow2
}

test_rebase() {
    mkchain
    expect "rebase safe onto base" "$PVIMG" rebase -b base.qcow2 -F qcow2 top.qcow2
    qemu_ok top.qcow2
    expect "rebase keeps the view" $QEMU_IMG compare want.raw top.qcow2
    $QEMU_IMG info top.qcow2 | grep -q '^backing file: base.qcow2$' && pass || fail "backing not changed"
    expect "rebase onto nothing" "$PVIMG" rebase -b "" top.qcow2
    qemu_ok top.qcow2
    expect "flattened view" $QEMU_IMG compare want.raw top.qcow2
    $QEMU_IMG info top.qcow2 | grep -q '^backing file' && fail "backing still set" || pass
    mkchain
    expect "rebase -u" "$PVIMG" rebase -u -b base.qcow2 -F qcow2 top.qcow2
    qemu_ok top.qcow2
    $QEMU_IMG info --output=json top.qcow2 | grep -q '"backing-filename": "base.qcow2"' && pass || fail "rebase -u did not rewrite the name"
    same_as_qemu "rebase without -F" rebase -b base.qcow2 mid.qcow2
}

test_resize() {
    mkraw ref.raw $((3 * 1024 * 1024))
    $QEMU_IMG convert -O qcow2 ref.raw q.qcow2
    cp q.qcow2 p.qcow2
    same_as_qemu2 "resize grow" "$PWD/q.qcow2" "$PWD/p.qcow2" resize @ 5M
    qemu_ok p.qcow2
    same_as_qemu2 "resize +" "$PWD/q.qcow2" "$PWD/p.qcow2" resize @ +1G
    qemu_ok p.qcow2
    same_as_qemu2 "resize shrink refused" "$PWD/q.qcow2" "$PWD/p.qcow2" resize @ 3M
    same_as_qemu2 "resize --shrink" "$PWD/q.qcow2" "$PWD/p.qcow2" resize --shrink @ 3M
    qemu_ok p.qcow2
    expect "shrunk image keeps data" $QEMU_IMG compare ref.raw p.qcow2
    same_as_qemu2 "resize --shrink -" "$PWD/q.qcow2" "$PWD/p.qcow2" resize --shrink @ -- -1M
    qemu_ok p.qcow2
    IGNORE_DISK_SIZE=1 same_as_qemu2 "virtual size" "$PWD/q.qcow2" "$PWD/p.qcow2" info --output=json @
    cp ref.raw r.img
    expect "resize raw" "$PVIMG" resize -f raw r.img 4M
    expect "raw size" test "$(stat -c %s r.img)" = 4194304
}
