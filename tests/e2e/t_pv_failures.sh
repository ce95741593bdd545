# A failed xl create says why and leaves nothing behind: no domain, no
# xenstore node, no userdata file, no monitor process.
. "$PVSTACK/tests/e2e/lib.sh"
. "$PVSTACK/tests/e2e/pv_lib.sh"

warm_up
tiny_cfg ok.cfg dup1 "action=wait"
run "$XL" create ok.cfg || fail "create dup1 failed"
snapshot before

# expect_fail NAME STATUS MESSAGE-REGEX CREATE-ARGS...: STATUS is the exit
# status Debian's xl 4.17 gives for the same mistake (libxl's error code
# negated: 3 for a create that failed, 1 for xl's own config checks).
expect_fail() {
    _name=$1 _want=$2 _msg=$3
    shift 3
    echo "\$ xl create $* (expecting: $_msg)"
    "$XL" create "$@" > out 2>&1; _st=$?
    [ $_st = 0 ] && { cat out; fail "$_name: create succeeded"; }
    cat out
    [ $_st = $_want ] || fail "$_name: exit status $_st, Debian's xl gives $_want"
    grep -Eq "$_msg" out || fail "$_name: message does not match '$_msg'"
    sleep 0.3
    snapshot after
    no_trace before after "$_name"
}

tiny_cfg k.cfg bad1 ""
expect_fail "missing kernel" 3 "kernel /nonexistent/vmlinuz: No such file or directory" \
    k.cfg 'kernel="/nonexistent/vmlinuz"'
expect_fail "not a kernel" 3 "failed while parsing the kernel image" \
    k.cfg 'kernel="/etc/passwd"'
expect_fail "missing ramdisk" 3 "ramdisk /nonexistent.cpio: No such file" \
    k.cfg 'ramdisk="/nonexistent.cpio"'
expect_fail "not enough memory" 3 "not enough free memory for domain \"bad1\"" \
    k.cfg 'memory=100000'
expect_fail "duplicate name" 3 'Domain with name "dup1" already exists' \
    k.cfg 'name="dup1"'
expect_fail "bad action" 1 'nknown on_crash action .explode' \
    k.cfg 'on_crash="explode"'
for step in build xenstore introduce userdata; do
    PVSTACK_FAIL_AT=$step expect_fail "failure at $step" 3 "failing at step \"$step\"" k.cfg
done
expect_fail "missing config" 3 "Failed to read config file: /nonexistent.cfg" /nonexistent.cfg

"$XL" destroy dup1 || fail "destroy dup1"
echo ok
