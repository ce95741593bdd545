# check: corrupt and leaking fixtures get qemu-img's verdicts and repairs.

fixdir=$here/../fixtures/qcow2

# Cases where pvimg deliberately does better than qemu-img 7.2: its
# overlap check trips over the very refcount block entry it is replacing and
# aborts the rebuild ("Check failed"), leaving the image corrupt; pvimg
# rebuilds into clusters the recomputed refcounts show free and succeeds.
check_divergent() {
    case "$1" in
    reftable-unaligned:-r\ all*) return 0 ;;
    # qemu-img cannot rebuild around a misaligned refcount block ("ERROR
    # writing refblock", exit 1, image left corrupt); pvimg rebuilds
    reftable-misaligned:-r\ all*) return 0 ;;
    esac
    return 1
}

test_check_fixtures() {
    local f name mode
    for f in "$fixdir"/*.hex; do
        name=$(basename "$f" .hex)
        python3 "$here/hexfix.py" decode "$f" orig.qcow2
        for mode in "" "--output=json" "-r leaks" "-r all" "-r all --output=json"; do
            cp orig.qcow2 q.qcow2
            cp orig.qcow2 p.qcow2
            if check_divergent "$name:$mode"; then
                # shellcheck disable=SC2086
                expect_rc 0 "$name: pvimg check $mode repairs" "$PVIMG" check $mode p.qcow2
                qemu_ok p.qcow2
                continue
            fi
            # shellcheck disable=SC2086
            same_as_qemu2 "$name check $mode" "$PWD/q.qcow2" "$PWD/p.qcow2" check $mode @
            if [ -n "$mode" ] && [ "$mode" != "--output=json" ]; then
                # the repaired images get the same verdict from qemu-img
                $QEMU_IMG check q.qcow2 >/dev/null 2>&1
                local qv=$?
                $QEMU_IMG check p.qcow2 >/dev/null 2>&1
                local pv=$?
                if [ "$qv" = "$pv" ]; then pass; else
                    fail "$name: after pvimg check $mode qemu-img check says $pv, after qemu-img's repair $qv"
                fi
            fi
        done
    done
}

test_check_never_worse() {
    # read-only check must not change a byte; a failing repair of a corrupt
    # image must not make qemu-img's verdict worse
    local f name
    for f in "$fixdir"/*.hex; do
        name=$(basename "$f" .hex)
        python3 "$here/hexfix.py" decode "$f" a.qcow2
        cp a.qcow2 b.qcow2
        "$PVIMG" check a.qcow2 >/dev/null 2>&1
        if cmp -s a.qcow2 b.qcow2; then pass; else fail "$name: check without -r modified the image"; fi
        $QEMU_IMG check b.qcow2 >/dev/null 2>&1
        local before=$?
        "$PVIMG" check -r all a.qcow2 >/dev/null 2>&1
        $QEMU_IMG check a.qcow2 >/dev/null 2>&1
        local after=$?
        # 0 clean < 3 leaks < 2 corrupt; 1 = could not check
        rank() { case $1 in 0) echo 0 ;; 3) echo 1 ;; 2) echo 2 ;; *) echo 3 ;; esac; }
        if [ "$(rank $after)" -le "$(rank $before)" ]; then pass; else
            fail "$name: qemu-img verdict went from $before to $after after pvimg check -r all"
        fi
    done
}

test_check_misc() {
    $QEMU_IMG create -q -f raw r.img 1M
    same_as_qemu "check raw" check r.img
    same_as_qemu "check missing" check nonexistent.qcow2
    same_as_qemu "check bad -r" check -r foo r.img
    same_as_qemu "check bad output" check --output=xml r.img
    $QEMU_IMG create -q -f qcow2 e.qcow2 1G
    same_as_qemu "check empty" check e.qcow2
    same_as_qemu "check empty json" check --output=json e.qcow2
    same_as_qemu "check -q" check -q e.qcow2
    printf 'QFI\373\0\0\0\011' | dd of=v9.qcow2 bs=1 conv=notrunc 2>/dev/null
    truncate -s 4096 v9.qcow2
    expect_rc 1 "check of an unsupported version fails" "$PVIMG" check v9.qcow2
}

# hdr FILE FIELD-OFFSET WIDTH VALUE: poke a big-endian header field
hdr() { python3 "$here/qcow2poke.py" "$1" header "$2" "$3" "$4" >/dev/null; }

test_check_bad_headers() {
    # malformed headers (QEMU's CVE-2014-0143..0148 classes among them) are
    # refused with qemu-img's message, before any allocation
    local case
    for case in "4 4 9" "20 4 30" "20 4 8" "100 4 50" "72 8 0x100" "96 4 7" \
                "36 4 0x7fffffff" "48 8 0x10001" "56 4 0x7fffffff" "40 8 0x30100" \
                "60 4 0x7fffffff" "64 8 0x123" "24 8 0x7fffffffffffffff" "8 8 0x20000"; do
        $QEMU_IMG create -q -f qcow2 h.qcow2 1M
        # shellcheck disable=SC2086
        hdr h.qcow2 $case
        same_as_qemu "bad header ($case)" check h.qcow2
        rm -f h.qcow2
    done
}

test_info_of_damaged_images() {
    # info reads damaged images as qemu-img does (read-only, no repair)
    local f name
    for f in "$fixdir"/*.hex; do
        name=$(basename "$f" .hex)
        python3 "$here/hexfix.py" decode "$f" "$name.qcow2"
        same_as_qemu "info $name" info "$name.qcow2"
        same_as_qemu "info json $name" info --output=json "$name.qcow2"
        # qemu-img map also warns on stderr that the image is corrupt
        # (its block status touches the refcount block); the map is the same
        [ "$name" = reftable-misaligned ] && export IGNORE_STDERR=1
        same_as_qemu "map json $name" map --output=json "$name.qcow2"
        unset IGNORE_STDERR
    done
}

test_misaligned_refblock_as_qemu() {
    # read-only use works (info above; convert here); the first allocating
    # write marks the image corrupt and fails, after which a read-write
    # open is refused, as qemu-io does
    python3 "$here/hexfix.py" decode "$fixdir/reftable-misaligned.hex" m.qcow2
    expect "convert from a misaligned-refblock image" "$PVIMG" convert -O raw m.qcow2 p.raw
    $QEMU_IMG convert -O raw m.qcow2 q.raw 2>/dev/null
    expect "same data as qemu-img reads" cmp p.raw q.raw
    cp m.qcow2 q.qcow2
    cp m.qcow2 p.qcow2
    qemu-io -c 'write 16k 4k' q.qcow2 >/dev/null 2>&1
    expect_rc 1 "allocating write fails" "$PVIMG" bench -q -w -c 1 -s 4096 -o 16384 p.qcow2
    if $QEMU_IMG info p.qcow2 | grep -q 'corrupt: true'; then pass; else
        fail "pvimg did not mark the image corrupt"; fi
    same_as_qemu2 "info after the failed write" "$PWD/q.qcow2" "$PWD/p.qcow2" info @
    expect_rc 1 "read-write open refused once marked" "$PVIMG" bench -q -w -c 1 -s 4096 p.qcow2
    expect "read-only still works" "$PVIMG" convert -O raw p.qcow2 p2.raw
    expect "and reads the same" cmp p2.raw q.raw
    # the reserved low bits of a refcount table entry are ignored (512 B
    # clusters: 0x100 past an aligned block): writes work, as in qemu-io
    python3 "$here/hexfix.py" decode "$fixdir/reftable-unaligned.hex" u.qcow2
    cp u.qcow2 uq.qcow2
    # one request each, so both tools place the clusters alike (several
    # parallel bench requests land in thread order: a different
    # fragmentation figure, nothing wrong)
    expect "write with reserved reftable bits" "$PVIMG" bench -q -w -c 1 -d 1 -s 2048 -o 4096 u.qcow2
    qemu-io -c 'write -P 0xcd 4096 2048' uq.qcow2 >/dev/null 2>&1
    same_as_qemu2 "check after writes" "$PWD/uq.qcow2" "$PWD/u.qcow2" check @
}

test_dirty_with_bitmaps_opens_rw() {
    # a lazy-refcounts image left dirty by a crash, with a persistent
    # bitmap: like qemu, pvimg opens it read-write and rebuilds the
    # refcounts, counting the bitmap's clusters (it used to refuse)
    python3 "$here/hexfix.py" decode "$fixdir/dirty-bitmaps.hex" d.qcow2
    cp d.qcow2 q.qcow2
    cp d.qcow2 p.qcow2
    qemu-io -c 'write -P 0x5a 32k 1k' q.qcow2 >/dev/null 2>&1
    expect "write to a dirty image with bitmaps" \
        "$PVIMG" bench -q -w -c 2 -s 512 -o 32768 --pattern=90 p.qcow2
    local rc
    $QEMU_IMG check p.qcow2 >check.out 2>&1
    rc=$?
    # 0, or 3 for the bitmap's clusters: pvimg does not maintain bitmaps,
    # so its first write clears autoclear bit 0 and qemu drops them
    if [ $rc = 0 ] || [ $rc = 3 ]; then pass; else fail "qemu-img check after the repair: $rc: $(cat check.out)"; fi
    expect "same data as after qemu-io's repair and write" $QEMU_IMG compare q.qcow2 p.qcow2
    # read-only opens still do not repair (and do not write)
    cp d.qcow2 r.qcow2
    expect "read-only convert" "$PVIMG" convert -O raw r.qcow2 r.raw
    expect "read-only leaves the image alone" cmp d.qcow2 r.qcow2
}

test_check_bitmaps() {
    # persistent bitmaps own clusters: a checker that does not count them
    # calls them leaks and "-r leaks" would free live bitmap data
    $QEMU_IMG create -q -f qcow2 b.qcow2 64M
    qemu-io -c 'write 0 1M' b.qcow2 >/dev/null
    $QEMU_IMG bitmap --add b.qcow2 bm0
    $QEMU_IMG bitmap --add -g 128k b.qcow2 bm1
    qemu-io -c 'write 4M 1M' b.qcow2 >/dev/null
    same_as_qemu "info with bitmaps" info b.qcow2
    same_as_qemu "info json with bitmaps" info --output=json b.qcow2
    same_as_qemu "check with bitmaps" check b.qcow2
    same_as_qemu "check json with bitmaps" check --output=json b.qcow2
    cp b.qcow2 p.qcow2
    expect "repair with bitmaps" "$PVIMG" check -r all p.qcow2
    expect "repair left bitmaps alone" cmp b.qcow2 p.qcow2
    # a real leak next to bitmaps: only the leak goes
    python3 "$here/qcow2poke.py" p.qcow2 refcount "$(python3 "$here/qcow2poke.py" p.qcow2 append-cluster)" 1 >/dev/null
    cp p.qcow2 q.qcow2
    same_as_qemu2 "leak beside bitmaps" "$PWD/q.qcow2" "$PWD/p.qcow2" check -r leaks @
    qemu_ok p.qcow2
    $QEMU_IMG info p.qcow2 | grep -q 'name: bm1' && pass || fail "bitmap lost after repair"
}
