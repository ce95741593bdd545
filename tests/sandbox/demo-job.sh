# The `make demo` job, run in the sandbox dom0 (see tests/sandbox/demo.sh).
# Each step is one `step` line: title, then the command.  Steps for commands
# pvstack does not have yet are skipped with a note, so the demo grows by
# itself as xl create/console/destroy land.
XL=$PV_BIN/xl
n=0
step() {
    title=$1; shift
    n=$((n + 1))
    printf '\n\033[1m== %d. %s\033[0m\n$ %s\n' "$n" "$title" "$*"
    t0=$(cut -d' ' -f1 /proc/uptime)
    "$@"
    rc=$?
    t1=$(cut -d' ' -f1 /proc/uptime)
    echo "-- exit $rc, $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s"
    [ $rc = 0 ] || { echo "demo: step $n failed"; exit 1; }
}
has() { "$XL" help 2>/dev/null | grep -q "^ $1 "; }
console_log() { # NAME PATTERN: the guest console as xenconsoled logged it
    i=0
    until grep -q "$2" "/var/log/xen/console/guest-$1.log" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.2
    done
    cat "/var/log/xen/console/guest-$1.log"
}

cat > /tmp/demo.cfg <<EOC
name = "demo"
type = "pv"
kernel = "$SANDBOX_IMAGES/vmlinux"
ramdisk = "$SANDBOX_IMAGES/guest.cpio"
extra = "console=hvc0 quiet pvtest.hold=-1"
memory = 128
vcpus = 1
EOC

echo "pvstack demo: running on $(uname -r) as Xen dom0; our binaries: $PV_BIN"
step "pvstack's xl info: the Xen host, read through libxenctrl" "$XL" info
step "pvstack's xl list: domains from the hypervisor, names from xenstore" "$XL" list
if has create; then
    step "pvstack's xl create: boot a PV guest (Debian kernel, busybox initramfs)" "$XL" create /tmp/demo.cfg
    step "pvstack's xl list: the guest is running" "$XL" list
    step "The guest's console (its self-test marker)" console_log demo PVTEST-RESULT
    if has destroy; then
        step "pvstack's xl destroy" "$XL" destroy demo
        step "pvstack's xl list: back to dom0 alone" "$XL" list
    fi
else
    echo; echo "(xl create is not in pvstack yet: the demo will boot a guest once it lands)"
fi
step "pvstack's xl uptime" "$XL" uptime
echo; echo "demo: all $n steps succeeded"
