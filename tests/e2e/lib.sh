# Helpers for e2e tests (sourced; runs in the sandbox dom0, busybox sh).
# Our binaries are $PV_BIN/..., Debian's reference xl is $DEBIAN_XL: use it
# only to compare against or to set up what pvstack cannot do yet, never to
# make a pvstack check pass.
XL="$PV_BIN/xl"
REF_XL="$DEBIAN_XL"
GUEST_KERNEL="$SANDBOX_IMAGES/vmlinux"
GUEST_RAMDISK="$SANDBOX_IMAGES/guest.cpio"

fail() { echo "FAIL: $*"; exit 1; }
note() { echo "-- $*"; }

# run CMD...: echo it, run it, keep stdout in $WORK/last.out, return its rc.
run() {
    echo "\$ $*"
    "$@" > "${E2E_WORK:-.}/last.out" 2>&1
    _rc=$?
    cat "${E2E_WORK:-.}/last.out"
    return $_rc
}

# guest_cfg FILE NAME [TYPE] [EXTRA-CMDLINE]: a config for the busybox
# guest fixture (tests/sandbox/guest-init documents the pvtest.* options).
guest_cfg() {
    cat > "$1" <<EOC
name = "$2"
type = "${3:-pv}"
kernel = "$GUEST_KERNEL"
ramdisk = "$GUEST_RAMDISK"
extra = "console=hvc0 quiet ${4:-}"
memory = 128
vcpus = 1
EOC
}

# wait_console NAME PATTERN [SECONDS]: wait until the guest's console log
# (written by xenconsoled) has a line matching PATTERN.
wait_console() {
    _log=/var/log/xen/console/guest-$1.log
    _n=$(( ${3:-60} * 5 ))
    while [ $_n -gt 0 ]; do
        grep -q "$2" "$_log" 2>/dev/null && return 0
        sleep 0.2
        _n=$((_n - 1))
    done
    echo "console of $1 never showed '$2'; it has:"
    cat "$_log" 2>/dev/null
    return 1
}

# wait_gone ID-OR-NAME [SECONDS]: wait until the domain no longer exists.
# By name that is when its name has left xenstore, which `xl destroy` does
# before it returns; by domid it is when Xen has finished destroying it,
# which comes later, and until then its cpupool counts it and cannot be
# destroyed: wait by domid there.
wait_gone() {
    _n=$(( ${2:-30} * 5 ))
    while [ $_n -gt 0 ]; do
        "$REF_XL" list "$1" >/dev/null 2>&1 || return 0
        sleep 0.2
        _n=$((_n - 1))
    done
    return 1
}

# credit_pool_destroy POOL: `xl cpupool-destroy` of a pool with the credit
# scheduler, without meeting Xen 4.17's deadlock there.  Removing a credit
# pool's last pCPU runs csched_deinit_pdata, which holds the scheduler's
# lock while kill_timer waits for the accounting timer's handler,
# csched_acct, to finish on that pCPU; if the timer fired a moment before,
# csched_acct is spinning on the same lock and both pCPUs wait forever
# with interrupts off (stable-4.17 and master alike).  The timer fires
# every time slice, so a stress loop hung at round 81 with 30 ms slices
# and at round 1 with 1 ms.  A 1 s slice, with time for the timer armed
# under the old slice to fire and re-arm, leaves the removal well clear
# of the next tick.
credit_pool_destroy() {
    "$REF_XL" sched-credit -s -p "$1" -t 1000 >/dev/null 2>&1
    sleep 0.1
    "$REF_XL" cpupool-destroy "$1"
}

# tinypv_cfg FILE NAME [TYPE] [EXTRA]: the tiny test kernel
# (tests/fixtures/tinypv/README.md), 32 MB, boots in well under a second.
TINYPV="$PVSTACK/build/fixtures/tinypv/tinypv.elf"
tinypv_cfg() {
    cat > "$1" <<EOC
name = "$2"
type = "${3:-pv}"
kernel = "$TINYPV"
extra = "${4:-action=wait}"
memory = 32
vcpus = 1
EOC
}
