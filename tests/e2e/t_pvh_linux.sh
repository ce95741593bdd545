# The Debian Linux guest fixture as type="pvh" with vcpus=2, built by our
# xl: it boots through the PVH entry point, its self-test passes, and it
# brings up both vCPUs, which it can only find in our ACPI MADT.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

# loglevel=7 undoes "quiet" so the kernel's own SMP summary reaches the
# console.
guest_cfg l.cfg lpvh pvh "pvtest.hold=-1 loglevel=7"
sed -i 's/^vcpus = 1$/vcpus = 2/' l.cfg
grep -q '^vcpus = 2$' l.cfg || fail "config has no vcpus = 2"
run "$XL" create l.cfg || fail "create lpvh failed"
wait_console lpvh "PVTEST-MARKER.*type=PVH" 90 || fail "Linux did not boot as PVH"
wait_console lpvh "PVTEST-RESULT ok" 30 || fail "the guest's self-test failed"
wait_console lpvh "smp: Brought up 1 node, 2 CPUs" 5 || fail "Linux did not bring up 2 CPUs"
log=/var/log/xen/console/guest-lpvh.log
grep -q "ACPI: XSDT 0x" $log || fail "Linux did not find our XSDT"
grep -Eq "ACPI (BIOS )?(Error|Warning)|Incorrect checksum" $log &&
    { grep -E "ACPI" $log; fail "Linux complains about our ACPI tables"; }
run "$REF_XL" vcpu-list lpvh || fail "vcpu-list"
# an offline vCPU shows as paused ("--p"); both must have run
[ "$(awk '$1 == "lpvh" && $5 !~ /p/' last.out | wc -l)" = 2 ] || fail "not both vCPUs are up"
run "$XL" destroy lpvh || fail "destroy lpvh"
wait_gone lpvh 10 || fail "lpvh still exists"
echo ok
