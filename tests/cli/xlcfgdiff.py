#!/usr/bin/env python3
"""Random differential test of whole configs: random subsets of ~110
xl.cfg keys with typical values, `xl -N create` by Debian's xl 4.17 (after
tests/fixtures/xl-json/generate.sh) and by ours, compared as JSON with the
uuid aside.  Values are valid ones: where we refuse on purpose what xl
ignores, see docs/config-model.md.

  python3 tests/cli/xlcfgdiff.py SEED N
"""
import json
import os
import random
import subprocess
import sys
import tempfile

random.seed(int(sys.argv[1])); N = int(sys.argv[2])
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REF=ROOT+"/build/xl-ref/root/usr/lib/xen-4.17/bin/xl"; SHIM=ROOT+"/build/xl-ref/shim.so"; OURS=ROOT+"/build/bin/xl"
V = {
 "type": ['"pv"','"pvh"','"hvm"','"h"','"p"'], "builder": ['"hvm"','"generic"'],
 "memory": ["128","256","0x200",'"64"',"010"], "maxmem": ["512","1024"], "vcpus": ["1","2","4"], "maxvcpus": ["4","8"],
 "cpus": ['"all"','"0-3"','"1,3"','"0-7,^2"','["0","1-2"]','["all"]','"0, 2"','"3-3"','"0-100"','""','["","1"]'], "cpus_soft": ['"1"','["2","3"]'],
 "cpu_weight": ["256"], "cap": ["0","100"], "on_poweroff":['"destroy"','"restart"'], "on_reboot":['"preserve"','"rename-restart"'],
 "on_crash":['"coredump-destroy"','"soft-reset"'], "on_watchdog":['"destroy"'], "on_soft_reset":['"destroy"'],
 "kernel": ['"/k"'], "ramdisk": ['"/r"'], "cmdline": ['"c=1"'], "root": ['"/dev/xvda"'], "extra": ['"e"'],
 "bootloader": ['"pygrub"'], "bootloader_args": ['["-q"]','"-a -b"'],
 "disk": ["['/a,,xvda']","['phy:/dev/x,xvdb,w','/i.iso,,hdc,cdrom']","['format=qcow2,vdev=xvdc,target=/q']"],
 "vif": ["['']","['bridge=br0,mac=00:16:3e:00:00:01']","['rate=1MB/s','type=ioemu,model=e1000']","['devid=4', 'vifname=x']"],
 "pci": ["['01:00.0']","['0000:02:03.1,permissive=1']"], "pci_permissive": ["1"], "pci_seize": ["1"],
 "localtime": ["1","0"], "rtc_timeoffset": ["100"], "videoram": ["8"], "shadow_memory": ["4"], "nomigrate": ["1"],
 "tsc_mode": ['"native"','"default"',"1"], "max_event_channels": ["100"], "acpi": ["0","1"], "apic": ["0"], "pae": ["1"],
 "hap": ["0","1"], "oos": ["1"], "nestedhvm": ["1"], "viridian": ["1",'["defaults"]','["all","!hcall_ipi"]'],
 "boot": ['"c"'], "vnc": ["1","0"], "vnclisten": ['"0.0.0.0"'], "vncdisplay": ["2"], "vncunused": ["0"], "sdl": ["1"],
 "keymap": ['"de"'], "stdvga": ["1","0"], "vga": ['"stdvga"','"cirrus"'], "serial": ['"pty"','["pty"]'],
 "usb": ["1"], "usbdevice": ['"tablet"','["mouse"]'], "soundhw": ['"hda"'], "xen_platform_pci": ["0"],
 "device_model_version": ['"qemu-xen"'], "device_model_override": ['"/q"'], "device_model_args": ['["-x"]'],
 "timer_mode": ['"delay_for_missed_ticks"'], "hpet": ["0"], "vpt_align": ["1"], "firmware": ['"ovmf"','"bios"','"/fw"'],
 "e820_host": ["1"], "vfb": ["['vnc=1']","['sdl=1,display=:0']"], "vkb": ["['backend-type=linux']"],
 "channel": ["['connection=pty,name=a']"], "seclabel": ['"a:b:c"'], "pool": ['"p"'], "driver_domain": ["1"],
 "max_grant_frames": ["10"], "iomem": ['["1,2"]'], "ioports": ['["3f8-3ff"]'], "irqs": ['[1]'],
 "usbctrl": ["['version=2']"], "usbdev": ["['hostbus=1,hostaddr=2']"], "vtpm": ["['backend=0']"],
 "p9": ["['tag=t,path=/p,security_model=none']"], "pvcalls": ["['backend=0']"], "dm_restrict": ["1"],
 "altp2m": ['"mixed"'], "vpmu": ["1"], "spice": ["1"], "spiceport": ["1"], "gfx_passthru": ["0"], "nographic": ["1"],
 "pvshim": ["1"], "ms_vm_genid": ['"none"'], "rdm_mem_boundary": ["100"], "mca_caps": ['["lmce"]'],
 "bios": ['"seabios"','"rombios"'], "bios_path_override": ['"/b"'], "acpi_s3": ["0"], "acpi_s4": ["1"],
 "usbversion": ["2"], "vkb_device": ["0"], "spicehost": ['"h"'], "spice_clipboard_sharing": ["1"],
 "xend_suspend_evtchn_compat": ["1"], "msr_relaxed": ["0"], "stubdomain_memory": ["16"],
 "device_model_stubdomain_override": ["0"], "device_model_user": ['"u"'], "init_seclabel": ['"i:i:i"'],
 "max_maptrack_frames": ["0"], "max_grant_version": ["1"], "vmtrace_buf_kb": ["0","16"],
 "pci_msitranslate": ["0"], "pci_power_mgmt": ["1"], "dtdev": ["['/d']"],
 "passthrough": ['"enabled"'], "gic_version": ['"v2"'], "tee": ['"none"'], "vuart": ['"sbsa_uart"'],
 "vnuma": ["[['size=64','vcpus=0'],['size=64','vcpus=1']]"], "uuid": ['"00000000-0000-0000-0000-000000000001"'],
 "ramdisk2": ['"/x"'], "vcpu": ["2"], "opengl": ["1"], "display": ['":0"'], "xauthority": ['"/x"'],
 "spicedisable_ticketing": ["1"], "spiceagent_mouse": ["0"], "spicevdagent": ["1"], "spiceusbredirection": ["2"],
 "spice_image_compression": ['"auto_glz"'], "spice_streaming_video": ['"off"'], "spicetls_port": ["2"], "spicepasswd": ['"p"'], "pvshim_path": ['"/s"'], "mmio_hole": ["512"], "hdtype": ['"ahci"'], "vendor_device": ['"xenserver"'],
}
def run(xl, path, pre):
    env=dict(os.environ); env["PVSTACK_XL_CONF"]="/nonexistent"; env["PVSTACK_HOST_CPUS"]="8"
    if pre: env["LD_PRELOAD"]=SHIM
    p=subprocess.run([xl,"-N","create",path],stdout=subprocess.PIPE,stderr=subprocess.PIPE,env=env,stdin=subprocess.DEVNULL)
    return p.returncode,p.stdout.decode(),p.stderr.decode()
diffs=0
for i in range(N):
    keys=random.sample(sorted(V), random.randint(3,14))
    lines=['name = "r%d"' % i]
    if "kernel" not in keys and "bootloader" not in keys and random.random()<0.8: keys.append("kernel")
    for k in keys: lines.append("%s = %s" % (k, random.choice(V[k])))
    text="\n".join(lines)+"\n"
    fd,path=tempfile.mkstemp(suffix=".cfg"); os.write(fd,text.encode()); os.close(fd)
    a=run(REF,path,True); b=run(OURS,path,False); os.unlink(path)
    bad=None
    if (a[0]==0)!=(b[0]==0): bad="rc %d vs %d"%(a[0],b[0])
    elif a[0]==0:
        x=json.loads(a[1]); y=json.loads(b[1]); x["c_info"].pop("uuid",None); y["c_info"].pop("uuid",None)
        if x!=y:
            sys.path.insert(0,ROOT+"/tests/cli"); import xlref
            bad=xlref.first_diff(y,x)
    if bad:
        diffs+=1
        if diffs<=8: print("DIFF:",bad,"\n",text,"ours stderr:",b[2][-400:],"\nref stderr:",a[2][-300:])
print("cfg cases",N,"diffs",diffs)
