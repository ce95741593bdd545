#!/bin/sh
# Wall time of `xl -N create` (parse xl.cfg, build the config, print JSON)
# and `xl -N block-attach`, pvstack's xl vs Debian's xl 4.17 (run as in
# tests/fixtures/xl-json/generate.sh: unpacked, with its no-hypervisor
# shim).  Median of N runs each, milliseconds.
#
#   sh bench/xl_dryrun.sh [N]      (after tests/fixtures/xl-json/generate.sh)
set -eu
N=${1:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
ours=$root/build/bin/xl
ref=$root/build/xl-ref/root/usr/lib/xen-4.17/bin/xl
shim=$root/build/xl-ref/shim.so
cfgdir=$root/tests/fixtures/xl-json/cfg
[ -x "$ref" ] || { echo "run tests/fixtures/xl-json/generate.sh first" >&2; exit 1; }
export PVSTACK_XL_CONF=/nonexistent

median_ms() {   # command...  -> median wall ms over N runs
    python3 - "$N" "$@" <<'PY'
import os, subprocess, sys, time
n = int(sys.argv[1]); cmd = sys.argv[2:]
env = dict(os.environ)
if cmd[0] == "REF":
    env["LD_PRELOAD"] = os.environ["SHIM"]; cmd = cmd[1:]
t = []
for _ in range(n):
    a = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    t.append((time.perf_counter() - a) * 1000)
t.sort(); print("%.2f" % t[len(t) // 2])
PY
}
export SHIM="$shim"
printf '%-34s %10s %10s\n' "case (median of $N, ms)" pvstack "xl 4.17"
for c in xlexample.hvm pv-full hvm-full pvh-shim; do
    printf '%-34s %10s %10s\n' "-N create $c" \
        "$(median_ms "$ours" -N create "$cfgdir/$c.cfg")" \
        "$(median_ms REF "$ref" -N create "$cfgdir/$c.cfg")"
done
printf '%-34s %10s %10s\n' "-N block-attach (5 words)" \
    "$(median_ms "$ours" -N block-attach 0 format=raw vdev=hda access=rw target=/dev/vg/x discard)" \
    "$(median_ms REF "$ref" -N block-attach 0 format=raw vdev=hda access=rw target=/dev/vg/x discard)"
printf '%-34s %10s %10s\n' "-N network-attach (3 words)" \
    "$(median_ms "$ours" -N network-attach 0 mac=00:16:3e:00:00:01 bridge=xenbr0 rate=10Mb/s@20ms)" \
    "$(median_ms REF "$ref" -N network-attach 0 mac=00:16:3e:00:00:01 bridge=xenbr0 rate=10Mb/s@20ms)"
