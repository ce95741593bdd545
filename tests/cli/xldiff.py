#!/usr/bin/env python3
"""Random differential test of the disk/vif spec grammars: build specs from
tokens that hit every rule (keywords, prefixes, separators, junk), run them
through Debian's xl 4.17 (after tests/fixtures/xl-json/generate.sh) and our
xl, and report any difference in exit status or stdout.

  python3 tests/cli/xldiff.py disk|vif [SEED] [N]

Not part of make check (it needs the reference xl); disk "trusted" is left
out of the tokens, being a documented deviation (see the fixtures README).
"""
import json
import os
import random
import subprocess
import sys

random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
suite = sys.argv[1]
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REF = ROOT + "/build/xl-ref/root/usr/lib/xen-4.17/bin/xl"
SHIM = ROOT + "/build/xl-ref/shim.so"
OURS = ROOT + "/build/bin/xl"
disk_tok = ["/dev/vg/x", "/img", "", "raw", "qcow2", "qcow", "vhd", "qed", "empty", "bogus",
    "xvda", "hda", "hdc:cdrom", "xvdb:disk", "hdc:tape", "r", "ro", "w", "rw", "cdrom", "devtype=cdrom",
    "devtype=disk", "devtype=x", "format=raw", "format=qcow2", "format=", "vdev=xvdc", "vdev=",
    "access=r", "access=", "access=x", "target=/t", "target=", "target=/a,b", "backend=d0",
    "backendtype=phy", "backendtype=tap", "backendtype=qdisk", "backendtype=x", "specification=xen",
    "specification=virtio", "script=s", "direct-io-safe", "discard", "no-discard", "colo", "no-colo",
    "colo-host=h", "colo-port=1", "colo-port=x", "colo-export=e", "active-disk=a", "hidden-disk=h",
    "phy:", "file:", "tap:", "tap2:", "aio:", "qcow2:", "raw:", "vhd:", "iscsi:", "nbd:", "enbd:",
    "drbd:", "tapdisk:", "ioemu:", "foo:", "x:", "a1:", "=", "==", ",", " ", "  ", "\t", "foo=bar",
    "a=", "Z=1", "-", "/p:q", "x=y=z", "cdromx", "discards"]
vif_tok = ["mac=00:16:3e:00:00:01", "mac=0:1:2:3:4:5", "mac=00:16", "mac=gg:00:00:00:00:00",
    "mac=00:16:3e:00:00:01:02", "mac=", "mac=1:2:3:4:5:6x", "mac=-1:2:3:4:5:6", "mac=+1:2:3:4:5:6",
    "mac= 1:2:3:4:5:6", "mac=0x1:2:3:4:5:6", "bridge=b", "bridge=", "ip=1.2.3.4", "type=vif", "type=ioemu",
    "type=x", "model=e1000", "vifname=v", "script=s", "backend=b", "rate=1MB/s", "rate=10Mb/s@20ms",
    "rate=0x10MB/s", "rate=010KB/s", "rate=1GB/s@1us", "rate=99999999999B/s", "rate=1B/s@1", "rate=1B/s@1ms",
    "rate=1b/s", "rate=7b/s", "rate=", "rate=@1ms", "rate=1MB/s@", "rate=1MB/s@0x10us", "devid=3", "devid=x",
    "devid=", "devid=99999999999", "devid=-3", "mtu=1500", "mtu=", "mtu=1e3", "trusted", "untrusted",
    "accel=x", "netdev=e", "gatewaydev=g", "forwarddev=f", "colo_checkpoint_port=1", "foo", "foo=1", "", "=x"]
def run(xl, args, pre):
    env = dict(os.environ); env["PVSTACK_XL_CONF"] = "/nonexistent"
    if pre: env["LD_PRELOAD"] = SHIM
    p = subprocess.run([xl, "-N"] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout
cmd = ["block-attach", "0"] if suite == "disk" else ["network-attach", "0"]
toks = disk_tok if suite == "disk" else vif_tok
diffs = 0
N = int(sys.argv[3]) if len(sys.argv) > 3 else 500
for i in range(N):
    nw = random.randint(1, 3)
    words = []
    for _ in range(nw):
        if suite == "disk":
            k = random.randint(1, 5)
            sep = random.choice([",", ",", ",", " ", ""])
            words.append(sep.join(random.choice(toks) for _ in range(k)))
        else:
            words.append(random.choice(toks))
    a = run(REF, cmd + words, True); b = run(OURS, cmd + words, False)
    if (a[0] == 0) != (b[0] == 0) or a[1] != b[1]:
        diffs += 1
        if diffs <= 15:
            print("DIFF", json.dumps(words), a[0], b[0]); print(" ref:", a[1][:300]); print(" our:", b[1][:300])
print(suite, "cases", N, "diffs", diffs)
