# Helpers for the interop tests (sourced by run.sh).

pass() { passes=$((passes + 1)); }
fail() {
    fails=$((fails + 1))
    echo "FAIL [$cur_test] $*" >&2
}

# check COND-DESCRIPTION CMD...: passes when CMD exits 0
expect() {
    local what=$1
    shift
    if "$@" >/dev/null 2>"$tmp/expect.err"; then
        pass
    else
        fail "$what: '$*' failed: $(head -c 600 "$tmp/expect.err")"
    fi
}

# expect_rc RC DESC CMD...
expect_rc() {
    local want=$1 what=$2 rc
    shift 2
    "$@" >/dev/null 2>&1
    rc=$?
    if [ "$rc" = "$want" ]; then pass; else fail "$what: '$*' exited $rc, expected $want"; fi
}

# qemu_ok IMG: qemu-img check finds nothing (exit 0)
qemu_ok() {
    local out rc
    out=$($QEMU_IMG check "$1" 2>&1)
    rc=$?
    if [ "$rc" = 0 ]; then pass; else fail "qemu-img check $1 exited $rc: $out"; fi
}

# same_as_qemu DESC ARGS...: run "qemu-img ARGS" and "pvimg ARGS" on the same
# files; stdout, stderr (program name normalised) and exit code must match.
# Runs pvimg second, so commands that modify files need separate copies
# (use same_as_qemu2).
same_as_qemu() {
    local what=$1
    shift
    $QEMU_IMG "$@" >"$tmp/q.out" 2>"$tmp/q.err"
    local qrc=$?
    "$PVIMG" "$@" >"$tmp/p.out" 2>"$tmp/p.err"
    local prc=$?
    compare_runs "$what" "$qrc" "$prc" "$*"
}

# same_as_qemu2 DESC QFILE PFILE ARGS...: like same_as_qemu but qemu-img
# works on QFILE and pvimg on PFILE (the word @ in ARGS is replaced).
same_as_qemu2() {
    local what=$1 qf=$2 pf=$3 a qargs=() pargs=()
    shift 3
    for a in "$@"; do
        if [ "$a" = @ ]; then qargs+=("$qf"); pargs+=("$pf"); else qargs+=("$a"); pargs+=("$a"); fi
    done
    $QEMU_IMG "${qargs[@]}" >"$tmp/q.out" 2>"$tmp/q.err"
    local qrc=$?
    "$PVIMG" "${pargs[@]}" >"$tmp/p.out" 2>"$tmp/p.err"
    local prc=$?
    sed -i "s#$qf#@#g" "$tmp/q.out" "$tmp/q.err"
    sed -i "s#$pf#@#g" "$tmp/p.out" "$tmp/p.err"
    compare_runs "$what" "$qrc" "$prc" "$*"
}

compare_runs() {
    local what=$1 qrc=$2 prc=$3 cmd=$4
    sed -i 's/^qemu-img: /pvimg: /; s/qemu-img /pvimg /g' "$tmp/q.out" "$tmp/q.err"
    if [ -n "${IGNORE_DISK_SIZE:-}" ]; then
        # images written by different tools differ in allocation, not content
        sed -i '/^disk size: /d; /"actual-size": /d' "$tmp/q.out" "$tmp/p.out"
    fi
    if [ "$qrc" != "$prc" ]; then
        fail "$what: exit $prc, qemu-img $qrc (args: $cmd)"
        diff "$tmp/q.err" "$tmp/p.err" | head -10 >&2
    elif ! cmp -s "$tmp/q.out" "$tmp/p.out"; then
        fail "$what: stdout differs (args: $cmd)"
        diff "$tmp/q.out" "$tmp/p.out" | head -20 >&2
    elif [ -z "${IGNORE_STDERR:-}" ] && ! cmp -s "$tmp/q.err" "$tmp/p.err"; then
        fail "$what: stderr differs (args: $cmd)"
        diff "$tmp/q.err" "$tmp/p.err" | head -20 >&2
    else
        pass
    fi
}

# mkraw FILE SIZE: deterministic test content: data runs, zero runs, a
# partial cluster and data at the very end.
mkraw() {
    python3 - "$1" "$2" <<'PY'
import sys, random
path, size = sys.argv[1], int(sys.argv[2])
r = random.Random(size)
with open(path, "wb") as f:
    f.truncate(size)
    off = 0
    while off < size:
        n = r.choice([512, 4096, 65536, 200000, 1 << 20])
        kind = r.random()
        n = min(n, size - off)
        if kind < 0.4:
            f.seek(off); f.write(r.randbytes(n))
        elif kind < 0.55:
            f.seek(off); f.write(bytes([r.randrange(1, 256)]) * n)
        off += n + r.choice([0, 512, 65536, 300000])
    f.seek(size - 700); f.write(b"end-of-disk" * 60)
PY
}
