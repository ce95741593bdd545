/* The config model: every key's default, what each key sets, and the
 * errors bad values get (with positions). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/domcfg_test_util.h"

#define BASE "name = \"t\"\nkernel = \"/k\"\n"

/* With only name and kernel, every field of the config is at its libxl
 * init value except the handful xl itself fills in.  Walks the descriptor
 * tables, so a field added to domcfg.h is covered automatically. */
static const char *const xl_sets[] = {
    "c_info.type", "c_info.name", "c_info.run_hotplug_scripts",
    "b_info.type", "b_info.kernel", "b_info.claim_mode",
    "on_reboot", "on_soft_reset", NULL,
};

static bool in_list(const char *path)
{
    int i;

    for (i = 0; xl_sets[i]; i++)
        if (!strcmp(xl_sets[i], path))
            return true;
    return false;
}

static int check_defaults(const struct pv_struct_desc *d, const void *p,
                          const char *prefix)
{
    char path[160];
    int i, checked = 0;

    for (i = 0; i < d->n_fields; i++) {
        const struct pv_field_desc *f = &d->fields[i];
        const char *q = (const char *)p + f->off;

        snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
                 f->name);
        if (in_list(path))
            continue;
        switch (f->kind) {
        case PVK_STRUCT: case PVK_VARIANT:
            checked += check_defaults(f->sub, q, path);
            continue;
        case PVK_EMPTYVARIANT:
            continue;
        case PVK_STRING:
            if (*(char *const *)q)
                fail_msg("%s is set by default", path);
            break;
        case PVK_BITMAP:
            if (!pv_bitmap_is_empty((const struct pv_bitmap *)q))
                fail_msg("%s is not empty by default", path);
            break;
        case PVK_STRLIST: case PVK_KVLIST:
            if (*(char **const *)q)
                fail_msg("%s is set by default", path);
            break;
        case PVK_ARRAY: case PVK_U32ARRAY: case PVK_BITMAPARRAY:
            if (*(const int *)((const char *)p + f->num_off))
                fail_msg("%s has elements by default", path);
            break;
        case PVK_UUID: case PVK_MAC:
            break;
        default:
            if (pv_field_int_value(f, p) != f->init)
                fail_msg("%s = %lld, libxl's init is %lld", path,
                         (long long)pv_field_int_value(f, p),
                         (long long)f->init);
        }
        checked++;
    }
    return checked;
}

static void every_field_defaults_to_libxl_init(void **state)
{
    struct model m = model_parse(BASE);
    int n;

    assert_int_equal(m.rc, 0);
    n = check_defaults(&pv_desc_domain_config, &m.d, "");
    print_message("checked %d fields\n", n);
    assert_true(n > 150);
    /* and what xl fills in */
    assert_int_equal(m.d.c_info.type, PV_DOMAIN_TYPE_PV);
    assert_int_equal(m.d.b_info.type, PV_DOMAIN_TYPE_PV);
    assert_int_equal(m.d.c_info.run_hotplug_scripts, PV_DEFBOOL_TRUE);
    assert_int_equal(m.d.b_info.claim_mode, PV_DEFBOOL_TRUE);
    assert_int_equal(m.d.on_poweroff, PV_ACTION_ON_SHUTDOWN_DESTROY);
    assert_int_equal(m.d.on_reboot, PV_ACTION_ON_SHUTDOWN_RESTART);
    assert_int_equal(m.d.on_crash, PV_ACTION_ON_SHUTDOWN_DESTROY);
    assert_int_equal(m.d.on_watchdog, PV_ACTION_ON_SHUTDOWN_DESTROY);
    assert_int_equal(m.d.on_soft_reset, PV_ACTION_ON_SHUTDOWN_SOFT_RESET);
    assert_true(m.d.b_info.max_memkb == PV_MEMKB_DEFAULT);
    assert_int_equal(m.d.b_info.max_grant_frames, PV_MAX_GRANT_DEFAULT);
    model_free(&m);
}

/* One key (or a few) -> one field. */
struct key_case {
    const char *cfg;        /* appended to BASE */
    const char *path;
    long long want;
};

static const struct key_case int_cases[] = {
    { "memory = 512", "b_info.target_memkb", 524288 },
    { "memory = 512", "b_info.max_memkb", 524288 },
    { "memory = 512\nmaxmem = 1024", "b_info.max_memkb", 1048576 },
    { "memory = 0x100", "b_info.target_memkb", 262144 },
    { "memory = '64'", "b_info.target_memkb", 65536 },
    { "vcpus = 3", "b_info.max_vcpus", 3 },
    { "vcpus = 2\nmaxvcpus = 8", "b_info.max_vcpus", 8 },
    { "maxvcpus = 010", "b_info.max_vcpus", 8 },
    { "cpu_weight = 512", "b_info.sched_params.weight", 512 },
    { "cap = 0", "b_info.sched_params.cap", 0 },
    { "cap = 50", "b_info.sched_params.cap", 50 },
    { "period = 10", "b_info.sched_params.period", 10 },
    { "slice = 5", "b_info.sched_params.slice", 5 },
    { "latency = 7", "b_info.sched_params.latency", 7 },
    { "extratime = 1", "b_info.sched_params.extratime", 1 },
    { "type = 'hvm'", "c_info.type", PV_DOMAIN_TYPE_HVM },
    { "type = 'h'", "c_info.type", PV_DOMAIN_TYPE_HVM },
    { "type = 'pvh'", "b_info.type", PV_DOMAIN_TYPE_PVH },
    { "type = 'p'", "c_info.type", PV_DOMAIN_TYPE_PV },
    { "builder = 'hvm'", "c_info.type", PV_DOMAIN_TYPE_HVM },
    { "builder = 'generic'", "c_info.type", PV_DOMAIN_TYPE_PV },
    { "hap = 0", "c_info.hap", PV_DEFBOOL_FALSE },
    { "oos = 1", "c_info.oos", PV_DEFBOOL_TRUE },
    { "driver_domain = 1", "c_info.driver_domain", PV_DEFBOOL_TRUE },
    { "passthrough = 'sync_pt'", "c_info.passthrough", PV_PASSTHROUGH_SYNC_PT },
    { "on_poweroff = 'restart'", "on_poweroff", PV_ACTION_ON_SHUTDOWN_RESTART },
    { "on_reboot = 'destroy'", "on_reboot", PV_ACTION_ON_SHUTDOWN_DESTROY },
    { "on_crash = 'preserve'", "on_crash", PV_ACTION_ON_SHUTDOWN_PRESERVE },
    { "on_crash = 'rename-restart'", "on_crash",
      PV_ACTION_ON_SHUTDOWN_RESTART_RENAME },
    { "on_watchdog = 'coredump-destroy'", "on_watchdog",
      PV_ACTION_ON_SHUTDOWN_COREDUMP_DESTROY },
    { "on_soft_reset = 'coredump-restart'", "on_soft_reset",
      PV_ACTION_ON_SHUTDOWN_COREDUMP_RESTART },
    { "e820_host = 1", "b_info.pv.e820_host", PV_DEFBOOL_TRUE },
    { "localtime = 1", "b_info.localtime", PV_DEFBOOL_TRUE },
    { "rtc_timeoffset = 3600", "b_info.rtc_timeoffset", 3600 },
    { "videoram = 8", "b_info.video_memkb", 8192 },
    { "shadow_memory = 4", "b_info.shadow_memkb", 4096 },
    { "nomigrate = 1", "b_info.disable_migrate", PV_DEFBOOL_TRUE },
    { "tsc_mode = 'native'", "b_info.tsc_mode", PV_TSC_MODE_NATIVE },
    { "tsc_mode = 'always_emulate'", "b_info.tsc_mode",
      PV_TSC_MODE_ALWAYS_EMULATE },
    { "tsc_mode = 3", "b_info.tsc_mode", PV_TSC_MODE_NATIVE_PARAVIRT },
    { "max_event_channels = 2047", "b_info.event_channels", 2047 },
    { "max_grant_frames = 64", "b_info.max_grant_frames", 64 },
    { "max_maptrack_frames = 0", "b_info.max_maptrack_frames", 0 },
    { "max_grant_version = 1", "b_info.max_grant_version", 1 },
    { "acpi = 0", "b_info.acpi", PV_DEFBOOL_FALSE },
    { "nestedhvm = 1", "b_info.nested_hvm", PV_DEFBOOL_TRUE },
    { "dm_restrict = 1", "b_info.dm_restrict", PV_DEFBOOL_TRUE },
    { "altp2m = 'external'", "b_info.altp2m", PV_ALTP2M_MODE_EXTERNAL },
    { "altp2m = 1", "b_info.altp2m", PV_ALTP2M_MODE_MIXED },
    { "vmtrace_buf_kb = 64", "b_info.vmtrace_buf_kb", 64 },
    { "vpmu = 1", "b_info.vpmu", PV_DEFBOOL_TRUE },
    { "msr_relaxed = 1", "b_info.arch_x86.msr_relaxed", PV_DEFBOOL_TRUE },
    { "xend_suspend_evtchn_compat = 1", "c_info.xend_suspend_evtchn_compat",
      PV_DEFBOOL_TRUE },
    { "device_model_version = 'qemu-xen'", "b_info.device_model_version",
      PV_DEVICE_MODEL_VERSION_QEMU_XEN },
    { "device_model_version = 'qemu-xen-traditional'",
      "b_info.device_model_version",
      PV_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL },
    { "device_model_stubdomain_override = 1",
      "b_info.device_model_stubdomain", PV_DEFBOOL_TRUE },
    { "stubdomain_memory = 32", "b_info.stubdomain_memkb", 32768 },
    { "gic_version = 'v3'", "b_info.arch_arm.gic_version",
      PV_GIC_VERSION_V3 },
    { "vuart = 'sbsa_uart'", "b_info.arch_arm.vuart", PV_VUART_TYPE_SBSA_UART },
    { "tee = 'optee'", "b_info.tee", PV_TEE_TYPE_OPTEE },
    /* PVH */
    { "type = 'pvh'\npvshim = 1", "b_info.pvh.pvshim", PV_DEFBOOL_TRUE },
    /* HVM */
    { "type='hvm'\npae = 0", "b_info.hvm.pae", PV_DEFBOOL_FALSE },
    { "type='hvm'\napic = 0", "b_info.apic", PV_DEFBOOL_FALSE },
    { "type='hvm'\nacpi_s3 = 1", "b_info.hvm.acpi_s3", PV_DEFBOOL_TRUE },
    { "type='hvm'\nacpi_s4 = 1", "b_info.hvm.acpi_s4", PV_DEFBOOL_TRUE },
    { "type='hvm'\nacpi_laptop_slate = 1", "b_info.hvm.acpi_laptop_slate",
      PV_DEFBOOL_TRUE },
    { "type='hvm'\nnx = 0", "b_info.hvm.nx", PV_DEFBOOL_FALSE },
    { "type='hvm'\nhpet = 0", "b_info.hvm.hpet", PV_DEFBOOL_FALSE },
    { "type='hvm'\nvpt_align = 1", "b_info.hvm.vpt_align", PV_DEFBOOL_TRUE },
    { "type='hvm'\nviridian = 1", "b_info.hvm.viridian", PV_DEFBOOL_TRUE },
    { "type='hvm'\nbios = 'seabios'", "b_info.hvm.bios",
      PV_BIOS_TYPE_SEABIOS },
    { "type='hvm'\nfirmware = 'uefi'", "b_info.hvm.bios", PV_BIOS_TYPE_OVMF },
    { "type='hvm'\nfirmware = 'ovmf'", "b_info.hvm.bios", PV_BIOS_TYPE_OVMF },
    { "type='hvm'\nmmio_hole = 1024", "b_info.hvm.mmio_hole_memkb", 1048576 },
    { "type='hvm'\nhdtype = 'ahci'", "b_info.hvm.hdtype", PV_HDTYPE_AHCI },
    { "type='hvm'\nstdvga = 1", "b_info.hvm.vga.kind",
      PV_VGA_INTERFACE_TYPE_STD },
    { "type='hvm'\nstdvga = 0", "b_info.hvm.vga.kind",
      PV_VGA_INTERFACE_TYPE_CIRRUS },
    { "type='hvm'\nvga = 'none'", "b_info.hvm.vga.kind",
      PV_VGA_INTERFACE_TYPE_NONE },
    { "type='hvm'\nvga = 'qxl'\nstdvga = 1", "b_info.hvm.vga.kind",
      PV_VGA_INTERFACE_TYPE_QXL },
    { "type='hvm'\nvnc = 1", "b_info.hvm.vnc.enable", PV_DEFBOOL_TRUE },
    { "type='hvm'\nvncdisplay = 4", "b_info.hvm.vnc.display", 4 },
    { "type='hvm'\nvncunused = 0", "b_info.hvm.vnc.findunused",
      PV_DEFBOOL_FALSE },
    { "type='hvm'\nsdl = 1", "b_info.hvm.sdl.enable", PV_DEFBOOL_TRUE },
    { "type='hvm'\nopengl = 1", "b_info.hvm.sdl.opengl", PV_DEFBOOL_TRUE },
    { "type='hvm'\nspice = 1", "b_info.hvm.spice.enable", PV_DEFBOOL_TRUE },
    { "type='hvm'\nspiceport = 5900", "b_info.hvm.spice.port", 5900 },
    { "type='hvm'\nspicetls_port = 5901", "b_info.hvm.spice.tls_port", 5901 },
    { "type='hvm'\nspiceusbredirection = 2",
      "b_info.hvm.spice.usbredirection", 2 },
    { "type='hvm'\nnographic = 1", "b_info.hvm.nographic", PV_DEFBOOL_TRUE },
    { "type='hvm'\ngfx_passthru = 1", "b_info.hvm.gfx_passthru",
      PV_DEFBOOL_TRUE },
    { "type='hvm'\ngfx_passthru = 'igd'", "b_info.hvm.gfx_passthru_kind",
      PV_GFX_PASSTHRU_KIND_IGD },
    { "type='hvm'\nusb = 1", "b_info.hvm.usb", PV_DEFBOOL_TRUE },
    { "type='hvm'\nusbversion = 3", "b_info.hvm.usbversion", 3 },
    { "type='hvm'\nvkb_device = 0", "b_info.hvm.vkb_device",
      PV_DEFBOOL_FALSE },
    { "type='hvm'\nxen_platform_pci = 0", "b_info.hvm.xen_platform_pci",
      PV_DEFBOOL_FALSE },
    { "type='hvm'\nvendor_device = 'xenserver'", "b_info.hvm.vendor_device",
      PV_VENDOR_DEVICE_XENSERVER },
    { "type='hvm'\ntimer_mode = 'one_missed_tick_pending'",
      "b_info.timer_mode", PV_TIMER_MODE_ONE_MISSED_TICK_PENDING },
    { "type='hvm'\ntimer_mode = 0", "b_info.timer_mode",
      PV_TIMER_MODE_DELAY_FOR_MISSED_TICKS },
    { "type='hvm'\naltp2mhvm = 1", "b_info.hvm.altp2m", PV_DEFBOOL_TRUE },
    { "type='hvm'\nrdm_mem_boundary = 2048",
      "b_info.hvm.rdm_mem_boundary_memkb", 2097152 },
    { "type='hvm'\nmca_caps = [ 'lmce' ]", "b_info.hvm.mca_caps", 1 },
    { "type='hvm'\nrdm = 'strategy=host,policy=relaxed'",
      "b_info.hvm.rdm.policy", PV_RDM_RESERVE_POLICY_RELAXED },
};

static void each_key_sets_its_field(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
        char text[512];
        struct model m;
        long long got;

        snprintf(text, sizeof(text), BASE "%s\n", int_cases[i].cfg);
        m = model_parse(text);
        if (m.rc)
            fail_msg("`%s' failed: %s", int_cases[i].cfg, m.diag);
        got = model_int(&m.d, int_cases[i].path);
        if (got != int_cases[i].want)
            fail_msg("`%s': %s = %lld, want %lld", int_cases[i].cfg,
                     int_cases[i].path, got, int_cases[i].want);
        model_free(&m);
    }
}

struct str_case {
    const char *cfg;
    const char *path;
    const char *want;   /* NULL: unset */
};

static const struct str_case str_cases[] = {
    { "", "c_info.name", "t" },
    { "pool = 'p0'", "c_info.pool_name", "p0" },
    { "seclabel = 'a:b:c'", "c_info.ssid_label", "a:b:c" },
    { "init_seclabel = 'i:i:i'\nseclabel = 'e:e:e'", "b_info.exec_ssid_label",
      "e:e:e" },
    { "ramdisk = '/r'", "b_info.ramdisk", "/r" },
    { "device_tree = '/dt'", "b_info.device_tree", "/dt" },
    { "root = '/dev/xvda1'", "b_info.cmdline", "root=/dev/xvda1" },
    { "extra = 'quiet'", "b_info.cmdline", "quiet" },
    { "root = '/dev/xvda1'\nextra = 'ro quiet'", "b_info.cmdline",
      "root=/dev/xvda1 ro quiet" },
    { "cmdline = 'a b'\nroot='/x'\nextra='y'", "b_info.cmdline", "a b" },
    { "", "b_info.cmdline", NULL },
    { "bootloader = 'pygrub'", "b_info.bootloader", "pygrub" },
    { "device_model_override = '/q'", "b_info.device_model", "/q" },
    { "device_model_user = 'u'", "b_info.device_model_user", "u" },
    { "device_model_stubdomain_seclabel = 's:s:s'",
      "b_info.device_model_ssid_label", "s:s:s" },
    { "stubdomain_kernel = '/sk'", "b_info.stubdomain_kernel", "/sk" },
    { "stubdomain_cmdline = 'c'", "b_info.stubdomain_cmdline", "c" },
    { "stubdomain_ramdisk = '/sr'", "b_info.stubdomain_ramdisk", "/sr" },
    { "type='pvh'\npvshim_path = '/s'", "b_info.pvh.pvshim_path", "/s" },
    { "type='pvh'\npvshim_cmdline = 'c'", "b_info.pvh.pvshim_cmdline", "c" },
    { "type='pvh'\npvshim_extra = 'e'", "b_info.pvh.pvshim_extra", "e" },
    { "type='hvm'\nboot = 'dc'", "b_info.hvm.boot", "dc" },
    { "type='hvm'\nserial = 'pty'", "b_info.hvm.serial", "pty" },
    { "type='hvm'\nusbdevice = 'tablet'", "b_info.hvm.usbdevice", "tablet" },
    { "type='hvm'\nsoundhw = 'hda'", "b_info.hvm.soundhw", "hda" },
    { "type='hvm'\nkeymap = 'de'", "b_info.hvm.keymap", "de" },
    { "type='hvm'\nvnclisten = '0.0.0.0'", "b_info.hvm.vnc.listen",
      "0.0.0.0" },
    { "type='hvm'\nvncpasswd = 'pw'", "b_info.hvm.vnc.passwd", "pw" },
    { "type='hvm'\ndisplay = ':1'", "b_info.hvm.sdl.display", ":1" },
    { "type='hvm'\nxauthority = '/x'", "b_info.hvm.sdl.xauthority", "/x" },
    { "type='hvm'\nspicehost = 'h'", "b_info.hvm.spice.host", "h" },
    { "type='hvm'\nspicepasswd = 'p'", "b_info.hvm.spice.passwd", "p" },
    { "type='hvm'\nfirmware_override = '/fw'", "b_info.hvm.firmware", "/fw" },
    { "type='hvm'\nfirmware = '/my/fw.bin'", "b_info.hvm.firmware",
      "/my/fw.bin" },
    { "type='hvm'\nfirmware = 'bios'", "b_info.hvm.firmware", NULL },
    { "type='hvm'\nbios_path_override = '/b'\nbios='seabios'",
      "b_info.hvm.system_firmware", "/b" },
    { "type='hvm'\nsmbios_firmware = '/s'", "b_info.hvm.smbios_firmware",
      "/s" },
    { "type='hvm'\nacpi_firmware = '/a'", "b_info.hvm.acpi_firmware", "/a" },
    { "type='hvm'\nkernel = '/usr/lib/xen/boot/hvmloader'", "b_info.kernel",
      NULL },
};

static void each_string_key(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
        char text[512];
        struct model m;
        const char *got;

        snprintf(text, sizeof(text), BASE "%s\n", str_cases[i].cfg);
        m = model_parse(text);
        if (m.rc)
            fail_msg("`%s' failed: %s", str_cases[i].cfg, m.diag);
        got = model_str(&m.d, str_cases[i].path);
        if (!str_cases[i].want ? got != NULL
                               : !got || strcmp(got, str_cases[i].want))
            fail_msg("`%s': %s = %s, want %s", str_cases[i].cfg,
                     str_cases[i].path, got ? got : "(null)",
                     str_cases[i].want ? str_cases[i].want : "(null)");
        model_free(&m);
    }
}

/* Bad values: an error, at the right place, naming the value. */
struct err_case {
    const char *cfg;        /* appended to BASE (lines 1-2) */
    const char *where;      /* "t.cfg:3:10" prefix expected */
    const char *msg;        /* substring expected */
};

static const struct err_case err_cases[] = {
    { "memory = 'lots'", "t.cfg:3:10", "`memory' must be a number, not `lots'" },
    { "memory = '-5'", "t.cfg:3:", "positive" },
    { "memory = 512\nmaxmem = 256", "t.cfg:4:", "maxmem (256 MiB) is less than memory (512 MiB)" },
    { "vcpus = [1]", "t.cfg:3:", "is a list but should be a number" },
    { "vcpus = 4\nmaxvcpus = 2", "t.cfg:4:", "maxvcpus (2) < vcpus (4)" },
    { "vcpus = 99999", "t.cfg:3:", "between 0 and 4096" },
    { "type = 'xen'", "t.cfg:3:8", "invalid domain type `xen'" },
    { "builder = 'linux'", "t.cfg:3:", "invalid builder `linux'" },
    { "type = 'pv'\nbuilder = 'hvm'", "t.cfg:4:", "contradicts" },
    { "uuid = '1234'", "t.cfg:3:", "invalid uuid `1234'" },
    { "on_crash = 'boom'", "t.cfg:3:", "unknown on_crash action `boom'" },
    { "on_reboot = 'restart-rename'", "t.cfg:3:", "rename-restart" },
    { "tsc_mode = 'fast'", "t.cfg:3:", "invalid value `fast' for `tsc_mode'" },
    { "tsc_mode = 7", "t.cfg:3:", "invalid value 7 for `tsc_mode'" },
    { "timer_mode = 'x'", "t.cfg:3:", "not supported for PV guests" },
    { "type='hvm'\ntimer_mode = 9", "t.cfg:4:", "invalid value 9" },
    { "max_grant_frames = '-1'", "t.cfg:3:", "between 0 and" },
    { "cpus = '0-x'", "t.cfg:3:", "invalid cpu range `0-x'" },
    { "vcpus = 2\ncpus = '^all'", "t.cfg:4:", "can't combine" },
    { "vcpus = 2\ncpus = [ '0', '1-0' ]", "t.cfg:4:", "invalid cpu range `1-0'" },
    { "disk = [ '/img,raw' ]", "t.cfg:3:10", "no vdev specified" },
    { "disk = '/img,raw,xvda'", "t.cfg:3:", "`disk' must be a list" },
    { "disk = [ '/i,raw,xvda', 'phy:/dev/x,xvdb,q' ]", "t.cfg:3:25",
      "unknown value for access" },
    { "vif = [ 'mac=00:16:3e:zz:00:01' ]", "t.cfg:3:", "not a MAC address" },
    { "vif = [ 'bridge=br0,birdge=br1' ]", "t.cfg:3:", "did you mean `bridge'" },
    { "vif = [ 'rate=5GiB/s' ]", "t.cfg:3:", "invalid rate in `5GiB/s'" },
    { "vif = [ 'type=tap' ]", "t.cfg:3:", "invalid vif parameter `type'" },
    { "pci = [ '0000:00:zz.0' ]", "t.cfg:3:", "unable to parse PCI_SPEC_STRING" },
    { "pci = [ '00:02.0,bogus=1' ]", "t.cfg:3:", "unknown PCI_SPEC_STRING option `bogus'" },
    { "channel = [ 'name=a' ]", "t.cfg:3:", "connection=pty or connection=socket" },
    { "channel = [ 'connection=serial' ]", "t.cfg:3:", "unknown channel connection `serial'" },
    { "p9 = [ 'tag=a,path=/p' ]", "t.cfg:3:", "p9 spec needs" },
    { "vtpm = [ 'uuid=1d7ab5b2-5d1e-4a3a-9a84-1234567890ab' ]", "t.cfg:3:",
      "vtpm spec needs backend=" },
    { "vkb = [ 'width=10' ]", "t.cfg:3:", "needs backend-type=" },
    { "usbctrl = [ 'type=usb9' ]", "t.cfg:3:", "invalid usb controller type" },
    { "usbdev = [ 'hostbus=1,speed=2' ]", "t.cfg:3:", "unknown `speed=2'" },
    { "ioports = [ 'zz' ]", "t.cfg:3:", "invalid ioport range `zz'" },
    { "irqs = [ '3x' ]", "t.cfg:3:", "invalid irq `3x'" },
    { "iomem = [ 'fe000' ]", "t.cfg:3:", "invalid iomem `fe000'" },
    { "firmware = 'pvgrub64'", "t.cfg:3:", "both kernel and firmware" },
    { "passthrough = 'yes'", "t.cfg:3:", "unknown passthrough option `yes'" },
    { "type='hvm'\nvga = 'vmware'", "t.cfg:4:", "unknown vga `vmware'" },
    { "type='hvm'\nbios = 'coreboot'", "t.cfg:4:", "invalid value `coreboot' for `bios'" },
    { "type='hvm'\nhdtype = 'scsi'", "t.cfg:4:", "`hdtype'" },
    { "type='hvm'\nmmio_hole = 16", "t.cfg:4:", "`mmio_hole'" },
    { "type='hvm'\nviridian = [ 'warp_drive' ]", "t.cfg:4:", "unknown viridian enlightenment `warp_drive'" },
    { "type='hvm'\nvnclisten='1.2.3.4:5'\nvncdisplay=1", "t.cfg:4:", "vnclisten and vncdisplay" },
    { "device_model_version = 'qemu-kvm'", "t.cfg:3:", "unknown device_model_version" },
    { "vsnd = [ [ 'card' ] ]", "t.cfg:3:", "not supported" },
    { "maxvcpus = 3\nvnuma = [ [ 'size=64', 'vcpus=0-1' ] ]", "t.cfg:4:", "mismatch" },
};

static void bad_values_are_errors_with_positions(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
        char text[512];
        struct model m;

        snprintf(text, sizeof(text), BASE "%s\n", err_cases[i].cfg);
        m = model_parse(text);
        if (m.rc != -1)
            fail_msg("`%s' was accepted (rc %d): %s", err_cases[i].cfg, m.rc,
                     m.diag);
        if (!strstr(m.diag, err_cases[i].where) ||
            !strstr(m.diag, err_cases[i].msg) || !strstr(m.diag, "error:"))
            fail_msg("`%s': want \"%s...%s\", got:\n%s", err_cases[i].cfg,
                     err_cases[i].where, err_cases[i].msg, m.diag);
        model_free(&m);
    }
}

static void all_errors_reported_not_just_first(void **state)
{
    struct model m = model_parse("memory = 'x'\nvcpus = 'y'\non_crash = 'z'\n"
                                 "disk = [ 'nothing' ]\n");

    assert_int_equal(m.rc, -1);
    assert_non_null(strstr(m.diag, "t.cfg:1:10: error"));
    assert_non_null(strstr(m.diag, "t.cfg:2:9: error"));
    assert_non_null(strstr(m.diag, "t.cfg:3:12: error"));
    assert_non_null(strstr(m.diag, "t.cfg:4:10: error"));
    assert_non_null(strstr(m.diag, "domain name must be specified"));
    assert_non_null(strstr(m.diag, "neither kernel nor bootloader"));
    model_free(&m);
}

static void unknown_keys_warn_with_suggestion(void **state)
{
    struct model m = model_parse(BASE "vcpu = 2\nmemroy = 5\nfrobnicate = 1\n");

    assert_int_equal(m.rc, 0);
    assert_non_null(strstr(m.diag, "t.cfg:3:1: warning: unknown key `vcpu'"));
    assert_non_null(strstr(m.diag, "did you mean `vcpus'"));
    assert_non_null(strstr(m.diag, "did you mean `memory'"));
    assert_non_null(strstr(m.diag, "`frobnicate'"));
    model_free(&m);
}

static void type_specific_keys_warn(void **state)
{
    struct model m = model_parse(BASE "pae = 1\npvshim = 1\n");

    assert_int_equal(m.rc, 0);
    assert_non_null(strstr(m.diag, "t.cfg:3:7: warning: `pae' applies to "
                           "HVM guests only; ignored for this PV guest"));
    assert_non_null(strstr(m.diag, "`pvshim' applies to PVH guests only"));
    assert_int_equal(m.d.b_info.hvm.pae, PV_DEFBOOL_DEFAULT);
    model_free(&m);

    m = model_parse(BASE "type = 'hvm'\npae = 1\ne820_host = 1\n");
    assert_int_equal(m.rc, 0);
    assert_null(strstr(m.diag, "`pae'"));
    assert_non_null(strstr(m.diag, "`e820_host' applies to PV guests only"));
    model_free(&m);
}

static void uuid_given_or_generated(void **state)
{
    struct model m = model_parse(BASE "uuid='3B9C2D1E-4F5A-4B6C-8D7E-9F0A1B2C3D4E'\n");
    char s[37];

    assert_int_equal(m.rc, 0);
    pv_uuid_format(m.d.c_info.uuid, s);
    assert_string_equal(s, "3b9c2d1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e");
    model_free(&m);

    /* without opts (xl's behaviour): a random v4 uuid */
    {
        struct pv_cfg *cfg;
        struct pv_domain_config d;

        assert_int_equal(pv_cfg_parse("t.cfg", BASE, strlen(BASE), NULL, &cfg), 0);
        assert_int_equal(pv_domain_config_from_cfg(cfg, NULL, &d, NULL), 0);
        assert_false(pv_uuid_is_nil(d.c_info.uuid));
        assert_int_equal(d.c_info.uuid[6] >> 4, 4);
        pv_domain_config_dispose(&d);
        pv_cfg_free(cfg);
    }
}

static void vcpus_and_affinity(void **state)
{
    struct model m = model_parse(BASE "vcpus = 3\ncpus = '0-3,^1'\n"
                                 "cpus_soft = [ '4', 'all' ]\n");
    const struct pv_domain_build_info *b = &m.d.b_info;
    int i;

    assert_int_equal(m.rc, 0);
    assert_int_equal(pv_bitmap_count(&b->avail_vcpus), 3);
    assert_int_equal(b->num_vcpu_hard_affinity, 3);
    for (i = 0; i < 3; i++) {
        assert_true(pv_bitmap_test(&b->vcpu_hard_affinity[i], 0));
        assert_false(pv_bitmap_test(&b->vcpu_hard_affinity[i], 1));
        assert_true(pv_bitmap_test(&b->vcpu_hard_affinity[i], 3));
        assert_int_equal(pv_bitmap_count(&b->vcpu_hard_affinity[i]), 3);
    }
    /* a string hard affinity leaves NUMA placement alone ... */
    assert_int_equal(b->num_vcpu_soft_affinity, 2);
    assert_int_equal(pv_bitmap_count(&b->vcpu_soft_affinity[0]), 1);
    assert_int_equal(pv_bitmap_count(&b->vcpu_soft_affinity[1]), 8);
    /* ... a list turns it off */
    assert_int_equal(b->numa_placement, PV_DEFBOOL_FALSE);
    model_free(&m);

    m = model_parse(BASE "vcpus = 2\ncpus = '1'\n");
    assert_int_equal(m.d.b_info.numa_placement, PV_DEFBOOL_DEFAULT);
    model_free(&m);
}

static void devices_get_devids_and_defaults(void **state)
{
    struct model m = model_parse(BASE "vif = [ '', 'bridge=b1', 'devid=7' ]\n"
                                 "disk = [ '/a,,xvda', '/b,qcow2,xvdb,r' ]\n"
                                 "pci = [ '01:00.0' ]\n");

    assert_int_equal(m.rc, 0);
    assert_int_equal(m.d.num_nics, 3);
    assert_int_equal(m.d.nics[0].devid, 0);
    assert_int_equal(m.d.nics[1].devid, 1);
    assert_string_equal(m.d.nics[1].bridge, "b1");
    assert_int_equal(m.d.nics[2].devid, 7);
    assert_int_equal(m.d.num_disks, 2);
    assert_int_equal(m.d.disks[0].format, PV_DISK_FORMAT_RAW);
    assert_int_equal(m.d.disks[1].format, PV_DISK_FORMAT_QCOW2);
    assert_int_equal(m.d.disks[1].readwrite, 0);
    /* pci on a PV guest turns on e820_host; policy "strict" */
    assert_int_equal(m.d.b_info.pv.e820_host, PV_DEFBOOL_TRUE);
    assert_int_equal(m.d.pcidevs[0].rdm_policy, PV_RDM_RESERVE_POLICY_STRICT);
    assert_int_equal(m.d.pcidevs[0].bus, 1);
    assert_int_equal(m.d.pcidevs[0].vfunc_mask, 1);
    model_free(&m);
}

static void overrides_apply_after_file(void **state)
{
    struct pv_cfg *cfg;
    struct pv_domain_config d;
    struct pv_parse_opts o;

    pv_parse_opts_init(&o);
    o.no_random_uuid = true;
    assert_int_equal(pv_cfg_parse("t.cfg", BASE "memory = 128\n",
                                  strlen(BASE) + 13, NULL, &cfg), 0);
    assert_int_equal(pv_cfg_apply_override(cfg, "command line",
                                           "memory=256", NULL), 0);
    assert_int_equal(pv_domain_config_from_cfg(cfg, &o, &d, NULL), 0);
    assert_true(d.b_info.target_memkb == 256 * 1024);
    pv_domain_config_dispose(&d);
    pv_cfg_free(cfg);
}

static void vnuma_nodes(void **state)
{
    struct model m = model_parse(BASE "vnuma = [ [ 'size=512', 'vcpus=0', "
                                 "'vdistances=10,21' ], [ 'size=512', "
                                 "'vcpus=1-2', 'vdistances=21,10' ] ]\n");

    assert_int_equal(m.rc, 0);
    assert_int_equal(m.d.b_info.num_vnuma_nodes, 2);
    assert_int_equal(m.d.b_info.max_vcpus, 3);
    assert_true(m.d.b_info.max_memkb == 1024 * 1024);
    assert_int_equal(m.d.b_info.vnuma_nodes[1].distances[0], 21);
    assert_true(pv_bitmap_test(&m.d.b_info.vnuma_nodes[1].vcpus, 2));
    model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_field_defaults_to_libxl_init),
        cmocka_unit_test(each_key_sets_its_field),
        cmocka_unit_test(each_string_key),
        cmocka_unit_test(bad_values_are_errors_with_positions),
        cmocka_unit_test(all_errors_reported_not_just_first),
        cmocka_unit_test(unknown_keys_warn_with_suggestion),
        cmocka_unit_test(type_specific_keys_warn),
        cmocka_unit_test(uuid_given_or_generated),
        cmocka_unit_test(vcpus_and_affinity),
        cmocka_unit_test(devices_get_devids_and_defaults),
        cmocka_unit_test(overrides_apply_after_file),
        cmocka_unit_test(vnuma_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
