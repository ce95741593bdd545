# Helpers for the PV lifecycle e2e tests (sourced after lib.sh).
TINY="$PVSTACK/build/fixtures/tinypv/tinypv.elf"

# tiny_cfg FILE NAME [EXTRA-CMDLINE] [MORE CONFIG LINES...]
tiny_cfg() {
    _f=$1 _n=$2 _x=${3:-}
    shift 3 2>/dev/null || shift $#
    {
        echo "name = \"$_n\""
        echo "kernel = \"$TINY\""
        echo "extra = \"$_x\""
        echo "memory = 32"
        for _l in "$@"; do echo "$_l"; done
    } > "$_f"
}

# The host state a domain may leave behind: xenstore (minus nodes that
# change by themselves), /var/lib/xen, monitor processes.
snapshot() {
    # (Debian's xl fills in dom0's memory/ nodes the first time it needs them)
    xenstore-ls -f | grep -v '^/local/domain/0/memory' > "$1.xs"
    ls /var/lib/xen > "$1.vlx"
    ps | grep -v grep | grep ' create ' > "$1.ps" || true
}

# no_trace BEFORE AFTER: fail unless the two snapshots are identical.
no_trace() {
    diff -u "$1.xs" "$2.xs" || fail "xenstore differs after $3"
    diff -u "$1.vlx" "$2.vlx" || fail "/var/lib/xen differs after $3"
    diff -u "$1.ps" "$2.ps" || fail "a monitor process is left after $3"
}

# A warm-up create/destroy so the parent directories libxl also leaves
# behind (/vm, /libxl, backend/console) exist before the first snapshot.
warm_up() {
    tiny_cfg warm.cfg warmup ""
    "$XL" create -q -e warm.cfg >/dev/null 2>&1
    "$XL" destroy warmup >/dev/null 2>&1
    wait_gone warmup 10
}

domid_of() { "$REF_XL" domid "$1" 2>/dev/null; }

# destroy_all_guests: every domain but dom0, quietly (tests' exit traps).
destroy_all_guests() {
    for _d in $("$REF_XL" list 2>/dev/null | awk 'NR > 1 && $2 != 0 {print $1}'); do
        "$REF_XL" destroy "$_d" >/dev/null 2>&1
    done
}

# wait_new_domid NAME OLD-DOMID [SECONDS]: print NAME's domid once it is
# another than OLD-DOMID (the domain was restarted); 1 after SECONDS.
wait_new_domid() {
    _n=$(( ${3:-30} * 5 ))
    while [ $_n -gt 0 ]; do
        _id=$(domid_of "$1")
        [ -n "$_id" ] && [ "$_id" != "$2" ] && { echo "$_id"; return 0; }
        sleep 0.2
        _n=$((_n - 1))
    done
    return 1
}

# state_of NAME: the State column of `xl list NAME` (e.g. "--ps--").
state_of() { "$REF_XL" list "$1" 2>/dev/null | awk 'NR==2 {print $5}'; }
