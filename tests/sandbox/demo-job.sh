# The `make demo` job, run in the sandbox dom0 (see tests/sandbox/demo.sh).
# Each step is one `step` line: title, then the command; the demo stops at
# the first step that fails.  The guest gets a disk and a network: it
# proves from inside that it reads its disk (checksum against dom0's image)
# and pings dom0's bridge; after destroy, nothing of it is left.
XL=$PV_BIN/xl
NBC=$PV_BIN/netback-config
IMG=/tmp/demo-disk.img
BR=xenbr0
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
console_log() { # NAME PATTERN: the guest console as xenconsoled logged it
    i=0
    until grep -q "$2" "/var/log/xen/console/guest-$1.log" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 600 ] && break; sleep 0.2
    done
    cat "/var/log/xen/console/guest-$1.log"
    grep -q "$2" "/var/log/xen/console/guest-$1.log"
}
make_disk() {
    dd if=/dev/urandom of=$IMG bs=1M count=16 2>/dev/null &&
        echo "$IMG: 16 MiB, md5 $(md5sum < $IMG | cut -d' ' -f1)"
}
make_bridge() {
    "$NBC" addbr $BR && ip addr add 10.99.0.1/24 dev $BR && "$NBC" list $BR
}
guest_proves() { # the guest's own checks, and its disk checksum = dom0's
    want=$(md5sum < $IMG | cut -d' ' -f1)
    log=/var/log/xen/console/guest-demo.log
    grep "PVTEST" $log
    grep -q "PVTEST-CHECK disks ok" $log && grep -q "PVTEST-CHECK ping ok" $log &&
        grep -q "PVTEST-RESULT ok" $log || return 1
    grep -q "PVTEST-SUM xvda $want" $log || { echo "xvda's checksum is not $want"; return 1; }
    echo "the guest read all of xvda (md5 $want, as dom0's image) and pinged 10.99.0.1"
}
nothing_left() { # DOMID: no xenstore nodes, loop device, vif or userdata
    left=0
    for p in /local/domain/$1 /libxl/$1 /local/domain/0/backend/vbd/$1 /local/domain/0/backend/vif/$1; do
        xenstore-exists $p 2>/dev/null && { echo "left: $p"; left=1; }
    done
    losetup -a | grep "$IMG" && left=1
    ip link show | grep "vif$1\." && left=1
    ls /var/lib/xen | grep "\.$1\." && left=1
    "$NBC" list $BR
    [ $left = 0 ] && echo "domain $1: no xenstore nodes, loop device, vif or userdata left"
}

cat > /tmp/demo.cfg <<EOC
name = "demo"
type = "pv"
kernel = "$SANDBOX_IMAGES/vmlinux"
ramdisk = "$SANDBOX_IMAGES/guest.cpio"
extra = "console=hvc0 quiet pvtest.disks=1 pvtest.nics=1 pvtest.ip=10.99.0.2/24 pvtest.ping=10.99.0.1 pvtest.sum=xvda pvtest.hold=-1"
memory = 128
vcpus = 1
disk = [ "$IMG,raw,xvda,w" ]
vif = [ "bridge=$BR" ]
EOC

echo "pvstack demo: running on $(uname -r) as Xen dom0; our binaries: $PV_BIN"
step "pvstack's xl info: the Xen host, read through libxenctrl" "$XL" info
step "pvstack's xl list: domains from the hypervisor, names from xenstore" "$XL" list
step "A raw disk image for the guest" make_disk
step "pvstack's netback-config: a bridge for the guest (by netlink), dom0 at 10.99.0.1" make_bridge
step "The guest's config: a disk and a network" cat /tmp/demo.cfg
step "pvstack's xl create: boot a PV guest with a disk and a vif (no hotplug scripts)" "$XL" create /tmp/demo.cfg
step "pvstack's xl list: the guest is running" "$XL" list
domid=$("$XL" domid demo)
step "The guest's console: its self-tests" console_log demo PVTEST-RESULT
step "pvstack's xl block-list: its disk, connected (state 4; the backend is blkback on a loop device)" "$XL" block-list demo
step "pvstack's xl network-list: its vif, connected" "$XL" network-list demo
step "netback-config list: vif$domid.0 is a port of $BR" "$NBC" list $BR
step "The guest read its disk and pinged dom0's bridge" guest_proves
step "dom0 pings the guest" ping -c 1 -W 5 10.99.0.2
step "pvstack's xl destroy" "$XL" destroy demo
step "pvstack's xl list: back to dom0 alone" "$XL" list
step "Nothing of the guest is left" nothing_left "$domid"
step "pvstack's xl uptime" "$XL" uptime
echo; echo "demo: all $n steps succeeded"
