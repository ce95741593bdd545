#!/bin/sh
# Black-box tests of xl's config-model commands (create -N, block-attach -N,
# network-attach -N): options, exit codes, stdout/stderr discipline and the
# messages users see.  Cases where we are stricter than Xen's xl on purpose
# live here (xlref.py holds the ones compared against the real xl).
#
#   sh tests/cli/run-cli.sh build/bin/xl
set -u
XL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
n=0
export PVSTACK_XL_CONF="$T/none.conf"

# run NAME EXPECTED_RC ARGS...  -> $T/out, $T/err
run() {
    name=$1; want=$2; shift 2
    n=$((n + 1))
    "$XL" "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    if [ "$want" = nonzero ]; then
        [ $rc -ne 0 ] && return 0
    elif [ $rc -eq "$want" ]; then
        return 0
    fi
    echo "FAIL $name: exit $rc, want $want"; sed 's/^/  err: /' "$T/err"
    fails=$((fails + 1))
    return 1
}
fail() { echo "FAIL $1: $2"; sed 's/^/  out: /' "$T/out"; sed 's/^/  err: /' "$T/err"; fails=$((fails + 1)); }
out_empty() { [ -s "$T/out" ] && fail "$1" "stdout not empty"; return 0; }
err_has() { grep -qF -- "$2" "$T/err" || fail "$1" "stderr lacks: $2"; }
out_has() { grep -qF -- "$2" "$T/out" || fail "$1" "stdout lacks: $2"; }
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" || fail "$1" "stdout is not JSON"; }

cat >"$T/vm.cfg" <<'EOF'
name = "vm"
kernel = "/boot/vmlinuz"
memory = 256
vcpus = 2
disk = [ 'phy:/dev/vg/vm,xvda,w' ]
vif = [ 'bridge=xenbr0' ]
EOF

# --- create -----------------------------------------------------------------
run create-dryrun 0 -N create "$T/vm.cfg" && { json_ok create-dryrun; out_has create-dryrun '"name": "vm"'; err_has create-dryrun "Parsing config from $T/vm.cfg"; }
run create-n 0 create -n "$T/vm.cfg" && out_has create-n '"target_memkb": 262144'
run create-dryrun-long 0 create --dryrun "$T/vm.cfg" && json_ok create-dryrun-long
run create-f 0 -N create -f "$T/vm.cfg" && json_ok create-f
run create-defconfig 0 -N create --defconfig="$T/vm.cfg" && json_ok create-defconfig
run create-file-first 0 -N create "$T/vm.cfg" -q && { json_ok create-file-first; [ -s "$T/err" ] && fail create-file-first "-q still printed"; }
run create-override 0 -N create "$T/vm.cfg" memory=512 'name="other"' && { out_has create-override '"target_memkb": 524288'; out_has create-override '"name": "other"'; }
run create-override-append 0 -N create "$T/vm.cfg" "vif+=['bridge=br1']" && out_has create-override-append '"bridge": "br1"'
run create-devnull 0 -N create /dev/null name=x kernel=/k && out_has create-devnull '"name": "x"'
# xl reads the file before anything else: ERROR_FAIL (3), as Debian's xl 4.17
run create-missing-file 3 -N create "$T/nope.cfg" && { out_empty create-missing-file; err_has create-missing-file "nope.cfg"; }
run create-no-file 1 -N create && { out_empty create-no-file; err_has create-no-file "no config file given"; }
run create-two-files 2 -N create "$T/vm.cfg" "$T/vm.cfg" && err_has create-two-files "unexpected argument"
run create-bad-option 2 -N create -Z "$T/vm.cfg"
run create-help 0 create -h && out_has create-help "Usage: xl"
printf 'name = "e"\nkernel = "/k"\nmemory = "lots"\nvcpus = 2\nmaxvcpus = 1\n' >"$T/err.cfg"
run create-errors 1 -N create "$T/err.cfg" && {
    out_empty create-errors
    err_has create-errors "err.cfg:3:10: error: \`memory' must be a number, not \`lots'"
    err_has create-errors "err.cfg:5:12: error: maxvcpus (1) < vcpus (2)"
    err_has create-errors "nothing was created"; }
printf 'name = "w"\nkernel = "/k"\nvcpu = 2\nmaxcpus = 2\n' >"$T/warn.cfg"
run create-unknown-keys 0 -N create "$T/warn.cfg" && {
    json_ok create-unknown-keys
    err_has create-unknown-keys "warn.cfg:3:1: warning: unknown key \`vcpu' ignored; did you mean \`vcpus'?"
    err_has create-unknown-keys "\`maxcpus'"; }
printf 'name = "g"\nkernel = "/k"\nmemory = [ 5\n' >"$T/gram.cfg"
run create-grammar-error 1 -N create "$T/gram.cfg" && { out_empty create-grammar-error; err_has create-grammar-error "gram.cfg:"; }
printf 'name="v"\nkernel="/k"\nvif=[ "bridge=b,bogus=1" ]\n' >"$T/vif.cfg"
run create-bad-vif 1 -N create "$T/vif.cfg" && { out_empty create-bad-vif; err_has create-bad-vif "vif.cfg:3:7: error: unrecognized vif argument \`bogus=1'"; }
printf 'name="d"\nkernel="/k"\ndisk="/img,raw,xvda"\n' >"$T/disk.cfg"
run create-disk-not-list 1 -N create "$T/disk.cfg" && err_has create-disk-not-list "\`disk' must be a list"
cat >"$T/xl.conf" <<'EOF'
vif.default.bridge = "xenbr9"
vif.default.script = "vif-custom"
claim_mode = 0
run_hotplug_scripts = 0
max_grant_frames = 32
EOF
PVSTACK_XL_CONF="$T/xl.conf" run create-xl-conf 0 -N create "$T/vm.cfg" 'vif=["","bridge=b1"]' && {
    out_has create-xl-conf '"bridge": "xenbr9"'
    out_has create-xl-conf '"bridge": "b1"'
    out_has create-xl-conf '"script": "vif-custom"'
    out_has create-xl-conf '"claim_mode": "False"'
    out_has create-xl-conf '"run_hotplug_scripts": "False"'
    out_has create-xl-conf '"max_grant_frames": 32'; }
printf 'max_grant_frames = "-5"\n' >"$T/bad.conf"
PVSTACK_XL_CONF="$T/bad.conf" run create-bad-xl-conf 1 -N create "$T/vm.cfg" && err_has create-bad-xl-conf "bad.conf:1:20: error: \`max_grant_frames' must be a number from 0 to"
export PVSTACK_XL_CONF="$T/none.conf"

# a real create without a builder linked in says so (skipped once the domain
# builder provides xl_create_real)
if ! nm "$XL" 2>/dev/null | grep -q ' [TtW] xl_create_real$'; then
    run create-not-built 1 create "$T/vm.cfg" && { out_empty create-not-built; err_has create-not-built "domain creation is not built yet"; }
fi

# --- block-attach -N ----------------------------------------------------------
run ba-ok 0 -N block-attach 0 /dev/vg/x,raw,xvdb,w && { out_has ba-ok 'disk: {'; out_has ba-ok '"vdev": "xvdb"'; }
run ba-domname 0 -N block-attach guest1 /img,,xvdc && out_has ba-domname '"pdev_path": "/img"'
run ba-bad 1 -N block-attach 0 /img,raw && { out_empty ba-bad; err_has ba-bad "no vdev specified"; }
run ba-few-args 2 -N block-attach 0 && err_has ba-few-args "requires at least 2 arguments"
run ba-help 0 block-attach --help && out_has ba-help "xl-disk-configuration(5)"
if ! nm "$XL" 2>/dev/null | grep -q ' [TtW] xl_block_attach_real$'; then
    run ba-not-built 1 block-attach 0 /img,raw,xvdb && err_has ba-not-built "not built yet"
    run ba-bad-dom 1 block-attach not_a_domain /img,raw,xvdb && err_has ba-bad-dom "invalid domain identifier"
fi

# --- network-attach -N -------------------------------------------------------
run na-ok 0 -N network-attach 0 mac=00:16:3e:00:00:01 bridge=xenbr0 && { out_has na-ok 'vif: {'; out_has na-ok '"mac": "00:16:3e:00:00:01"'; }
run na-empty 0 -N network-attach 3 && out_has na-empty 'vif: {'
run na-bad 1 -N network-attach 0 bridge=b colour=red && { out_empty na-bad; err_has na-bad "unrecognized vif argument \`colour=red'"; }
run na-typo 1 -N network-attach 0 brdige=b && err_has na-typo "did you mean \`bridge'?"
run na-rate 1 -N network-attach 0 rate=10MB && err_has na-rate "invalid rate in \`10MB'"
run na-few-args 2 -N network-attach && err_has na-few-args "requires at least 1 argument"

# --- prefixes and help -------------------------------------------------------
run prefix-block 0 -N block-a 0 /i,,xvda && out_has prefix-block 'disk: {'
run prefix-network 0 -N network-at 0 && out_has prefix-network 'vif: {'
run help-list 0 help && out_has help-list "block-attach"

echo "cli: $((n - fails))/$n cases passed"
[ $fails -eq 0 ]
