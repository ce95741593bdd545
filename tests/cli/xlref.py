#!/usr/bin/env python3
"""Differential tests of `xl -N` against reference outputs of Xen 4.17's xl.

  xlref.py generate DIR VERSION   run the reference xl ($XL_REF, with
                                  $XL_REF_PRELOAD) and write DIR/*.expected
  xlref.py check DIR XL           run our xl and compare
  xlref.py compare-sandbox OUT DIR   real-Xen outputs (sandbox-job.sh) vs
                                  the references

DIR holds:
  disk.cases   one `xl -N block-attach 0 ...` case per line (shell words)
  vif.cases    one `xl -N network-attach 0 ...` case per line
  cfg/*.cfg    `xl -N create FILE [overrides from NAME.args]`
and the generated references disk.expected, vif.expected (JSON lists of
{args, rc, stdout}) and cfg/NAME.expected (same, one object).  A
cfg/NAME.deviation file documents a config xl accepts but we refuse on
purpose; ours must then fail and print nothing on stdout.

Device cases compare exit status (zero / non-zero) and stdout byte for byte
(the contract of Xen's check-xl-*-parse).  create cases compare stdout as
parsed JSON, ignoring c_info.uuid when the cfg sets none (xl makes a random
one); a failing create must print nothing on stdout.
"""
import glob
import json
import os
import re
import shlex
import subprocess
import sys

DEVICE_SUITES = {
    "disk": ["block-attach", "0"],
    "vif": ["network-attach", "0"],
}


def read_cases(path):
    cases = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cases.append(shlex.split(line))
    return cases


def run(xl, args, preload=None, cwd=None):
    env = dict(os.environ)
    if preload:
        env["LD_PRELOAD"] = preload
    p = subprocess.run([xl, "-N"] + args, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, cwd=cwd, timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def cfg_cases(d):
    for cfg in sorted(glob.glob(os.path.join(d, "cfg", "*.cfg"))):
        name = os.path.basename(cfg)[:-4]
        extra = []
        argf = cfg[:-4] + ".args"
        if os.path.exists(argf):
            with open(argf) as f:
                extra = shlex.split(f.read())
        yield name, cfg, extra


def generate(d, version):
    xl = os.environ["XL_REF"]
    pre = os.environ.get("XL_REF_PRELOAD")
    for suite, prefix in DEVICE_SUITES.items():
        cases = read_cases(os.path.join(d, suite + ".cases"))
        out = []
        for args in cases:
            rc, so, _ = run(xl, prefix + args, pre)
            out.append({"args": args, "rc": rc, "stdout": so})
        with open(os.path.join(d, suite + ".expected"), "w") as f:
            json.dump({"reference": "xen-utils-4.17 " + version,
                       "cases": out}, f, indent=1)
            f.write("\n")
        print("%s: %d cases" % (suite, len(out)))
    n = 0
    for name, cfg, extra in cfg_cases(d):
        # run from the cfg directory with a relative name, so nothing
        # machine-specific lands in the reference
        rc, so, _ = run(xl, ["create", os.path.basename(cfg)] + extra, pre,
                        cwd=os.path.dirname(cfg))
        with open(cfg[:-4] + ".expected", "w") as f:
            json.dump({"reference": "xen-utils-4.17 " + version,
                       "args": extra, "rc": rc, "stdout": so}, f, indent=1)
            f.write("\n")
        n += 1
    print("cfg: %d cases" % n)


def strip_uuid(obj):
    if isinstance(obj, dict) and isinstance(obj.get("c_info"), dict):
        obj["c_info"].pop("uuid", None)
    return obj


def first_diff(a, b, path="$"):
    if type(a) != type(b):
        return "%s: %r != %r" % (path, a, b)
    if isinstance(a, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a:
                return "%s.%s: missing in ours (reference %r)" % (path, k, b[k])
            if k not in b:
                return "%s.%s: extra in ours (%r)" % (path, k, a[k])
            r = first_diff(a[k], b[k], path + "." + k)
            if r:
                return r
        if list(a) != list(b):
            return "%s: key order %s != %s" % (path, list(a), list(b))
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: length %d != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            r = first_diff(x, y, "%s[%d]" % (path, i))
            if r:
                return r
        return None
    return None if a == b else "%s: %r != %r" % (path, a, b)


def check(d, xl):
    fails = 0
    total = 0
    devs = {}
    dpath = os.path.join(d, "deviations.json")
    if os.path.exists(dpath):
        with open(dpath) as f:
            for c in json.load(f)["cases"]:
                devs[(c["suite"], tuple(c["args"]))] = c
    for suite, prefix in DEVICE_SUITES.items():
        with open(os.path.join(d, suite + ".expected")) as f:
            ref = json.load(f)["cases"]
        for c in ref:
            total += 1
            rc, so, se = run(xl, prefix + c["args"])
            dev = devs.get((suite, tuple(c["args"])))
            if dev:
                # documented deviation: must succeed with the given output
                c = {"args": c["args"], "rc": 0, "stdout": dev["stdout"]}
            if (rc == 0) != (c["rc"] == 0) or so != c["stdout"]:
                fails += 1
                print("FAIL %s %s\n  reference rc=%d stdout=%r\n"
                      "  ours      rc=%d stdout=%r stderr=%r" %
                      (suite, shlex.join(c["args"]), c["rc"], c["stdout"],
                       rc, so, se))
    for name, cfg, extra in cfg_cases(d):
        total += 1
        with open(cfg[:-4] + ".expected") as f:
            ref = json.load(f)
        rc, so, se = run(xl, ["create", os.path.basename(cfg)] + extra,
                         cwd=os.path.dirname(cfg))
        with open(cfg) as f:
            has_uuid = re.search(r"^\s*uuid\s*=", f.read(), re.M)
        why = None
        devf = cfg[:-4] + ".deviation"
        if os.path.exists(devf):
            # documented: xl accepts this, we refuse it on purpose
            if rc == 0 or so:
                why = "should fail with nothing on stdout (%s)" % devf
        elif (rc == 0) != (ref["rc"] == 0):
            why = "exit status %d, reference %d" % (rc, ref["rc"])
        elif ref["rc"] != 0:
            if so:
                why = "failed but printed on stdout"
        else:
            try:
                ours = json.loads(so)
            except ValueError as e:
                why = "our output is not JSON: %s" % e
            else:
                theirs = json.loads(ref["stdout"])
                if not has_uuid:
                    strip_uuid(ours)
                    strip_uuid(theirs)
                why = first_diff(ours, theirs)
                if not why:
                    # and byte for byte, the generated uuid masked
                    mask = (lambda t: t) if has_uuid else \
                        (lambda t: re.sub(r'"uuid": "[0-9a-f-]{36}"',
                                          '"uuid": "*"', t, count=1))
                    if mask(so) != mask(ref["stdout"]):
                        why = "same JSON but different text (formatting)"
        if why:
            fails += 1
            print("FAIL cfg %s: %s\n  stderr: %s" % (name, why, se.strip()))
    print("xlref: %d/%d cases match Xen 4.17's xl" % (total - fails, total))
    return 1 if fails else 0


def compare_sandbox(out, d):
    """Outputs of sandbox-job.sh (Debian's xl on real Xen) vs the shim-made
    references: they must be identical, uuid aside."""
    same = diff = 0
    for suite in DEVICE_SUITES:
        with open(os.path.join(d, suite + ".expected")) as f:
            ref = json.load(f)["cases"]
        for i, c in enumerate(ref):
            with open(os.path.join(out, suite, "%d.out" % i)) as f:
                so = f.read()
            with open(os.path.join(out, suite, "%d.rc" % i)) as f:
                rc = int(f.read())
            if so == c["stdout"] and (rc == 0) == (c["rc"] == 0):
                same += 1
            else:
                diff += 1
                print("DIFF %s %s" % (suite, shlex.join(c["args"])))
    for name, cfg, extra in cfg_cases(d):
        with open(cfg[:-4] + ".expected") as f:
            ref = json.load(f)
        with open(os.path.join(out, "cfg", name + ".out")) as f:
            so = f.read()
        with open(os.path.join(out, "cfg", name + ".rc")) as f:
            rc = int(f.read())
        ok = (rc == 0) == (ref["rc"] == 0)
        if ok and rc == 0:
            a, b = json.loads(so), json.loads(ref["stdout"])
            with open(cfg) as f:
                if not re.search(r"^\s*uuid\s*=", f.read(), re.M):
                    strip_uuid(a)
                    strip_uuid(b)
            ok = a == b
        if ok:
            same += 1
        else:
            diff += 1
            print("DIFF cfg %s" % name)
    print("sandbox vs shim references: %d identical, %d different" %
          (same, diff))
    return 1 if diff else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "generate":
        generate(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        # the reference ran under shim.c, which reports 8 host CPUs
        os.environ["PVSTACK_HOST_CPUS"] = "8"
        # ... and had no /etc/xen/xl.conf
        os.environ["PVSTACK_XL_CONF"] = "/nonexistent/xl.conf"
        return check(sys.argv[2], os.path.abspath(sys.argv[3]))
    if len(sys.argv) == 4 and sys.argv[1] == "compare-sandbox":
        return compare_sandbox(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
