/* `xl create`: the part after the configuration is understood.
 *
 * The config front end (xl/create.c of the config model, which parses
 * xl.cfg into libxl/domcfg.h and handles -N) hands us a domain config; we
 * turn it into builder params, create the domain under the host lock,
 * attach the console if asked, unpause and leave a monitor behind.
 *
 * disk= and vif= go through libxl/devices.h (netcfg) while the domain is
 * still paused; other device kinds are refused, so a create never silently
 * builds a guest without the devices it asked for. */
#include "xl/domain_create.h"
#include "xl/create.h"
#include "xl/xl.h"
#include "libxl/devices.h"
#include "libxl/dom_sched.h"
#include "libxl/domcfg_json.h"
#include "libxl/late_spawn.h"
#include "libxl/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>

#define XENCONSOLE "/usr/lib/xen-4.17/bin/xenconsole"

int xl_console_exec(uint32_t domid, const char *type, int num)
{
    char d[16], n[16];
    const char *path = getenv("PV_XENCONSOLE");

    if (!path)
        path = XENCONSOLE;
    snprintf(d, sizeof(d), "%u", domid);
    snprintf(n, sizeof(n), "%d", num);
    pv_late_release();  /* the monitor may start once we are the console */
    pv_sched_batch(0);  /* an interactive console is no batch job */
    execl(path, path, d, "--num", n, "--type", type, (char *)NULL);
    fprintf(stderr, "xl: cannot run %s: %s\n", path, strerror(errno));
    return 1;
}

/* Wall-clock phases of one `xl create`, for bench/create.  PVSTACK_T0 is
 * the caller's CLOCK_REALTIME in ns taken just before it started us (the
 * bench reads bash's EPOCHREALTIME, the same clock), so the first mark,
 * taken by a constructor before main, is the cost of exec and loading.
 * The marks are printed to stderr at exit; without PVSTACK_T0 nothing is
 * recorded. */
#define MAX_PHASES 12
static struct { const char *what; double ms; } phases[MAX_PHASES];
static int n_phases;
static double phase_t0_ms = -1;

static void phases_print(void)
{
    int i;

    xl_phase("exit");
    fprintf(stderr, "phases:");
    for (i = 0; i < n_phases; i++)
        fprintf(stderr, " %s %.1f ms,", phases[i].what, phases[i].ms);
    fprintf(stderr, "\n");
}

void xl_phase(const char *what)
{
    struct timespec ts;

    if (phase_t0_ms < 0 || n_phases >= MAX_PHASES)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    phases[n_phases].what = what;
    phases[n_phases++].ms = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 - phase_t0_ms;
}

__attribute__((constructor)) static void phase_start(void)
{
    const char *t0 = getenv("PVSTACK_T0");

    if (!t0 || !*t0)
        return;
    phase_t0_ms = strtod(t0, NULL) / 1e6;
    xl_phase("main");
    atexit(phases_print);
}

/* The config being created by xl_create_real, for its disks and nics
 * (pv_dom_params has no devices yet).  NULL: create without devices. */
static struct pv_domain_config *create_cfg;

int xl_create_from_params(struct pv_dom_params *p,
                          const struct xl_create_flags *f)
{
    struct pv_dom_timing tm;
    struct pv_hv hv;
    uint32_t domid;
    int lock, r;

    if (pv_uuid_is_nil(p->uuid) && pv_uuid_generate(p->uuid)) {
        fprintf(stderr, "xl: cannot generate a uuid\n");
        return XL_EXIT_FAIL;
    }
    p->b_info = create_cfg ? &create_cfg->b_info : NULL;
    if (pv_hv_open(&hv))
        return 1;
    xl_phase("open");
    lock = pv_host_lock();
    xl_phase("locked");
    if (lock < 0) {
        pv_hv_close(&hv);
        return XL_EXIT_FAIL;
    }
    r = pv_dom_create(&hv, p, &domid, &tm);
    pv_host_unlock(lock);
    xl_phase("created");
    if (r) {
        fprintf(stderr, "Failed to create domain \"%s\": nothing was left "
                "behind.\n", p->name ? p->name : "");
        pv_hv_close(&hv);
        return r == PV_CREATE_INVAL ? XL_EXIT_INVAL : XL_EXIT_FAIL;
    }
    PV_INFO((int)domid, "created \"%s\": make+pre %.1f ms, build %.1f ms, "
            "xenstore %.1f ms (tree %.1f ms), userdata %.1f ms, total %.1f ms",
            p->name, tm.create_ms, tm.build_ms, tm.xs_ms, tm.xs_tree_ms,
            tm.userdata_ms, tm.total_ms);
    if (create_cfg && (create_cfg->num_disks || create_cfg->num_nics)) {
        struct pv_dev_opts dopts = { .uuid = p->uuid };
        if (pv_devices_add(hv.xsh, (struct xc_interface_core *)hv.xch, domid,
                           create_cfg->disks, create_cfg->num_disks,
                           create_cfg->nics, create_cfg->num_nics, &dopts)) {
            fprintf(stderr, "Failed to create domain \"%s\": its devices "
                    "could not be set up; nothing was left behind.\n",
                    p->name ? p->name : "");
            pv_dom_destroy(&hv, domid);
            pv_hv_close(&hv);
            return XL_EXIT_FAIL;
        }
    }
    if (!f->paused && xc_domain_unpause((xc_interface *)hv.xch, domid) < 0) {
        fprintf(stderr, "xl: cannot unpause domain %u: %s\n", domid,
                strerror(errno));
        pv_dom_destroy(&hv, domid);
        pv_hv_close(&hv);
        return XL_EXIT_FAIL;
    }
    pv_hv_close(&hv);
    xl_phase("closed");

    if (f->foreground && !f->no_monitor)
        return pv_monitor_run(p, domid) ? 1 : 0;
    if (!f->no_monitor && pv_monitor_spawn(p, domid))
        fprintf(stderr, "xl: warning: domain %u is running without a "
                "monitor; on_poweroff/on_reboot actions will not happen\n",
                domid);
    xl_phase("monitor");
    if (f->console)
        return xl_console_exec(domid, "pv", 0);
    return 0;
}

/* ---- From the config model to builder params --------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* libxl's setdefault for the fields the PV builder uses, then a copy.
 * Returns 0 or prints why the config cannot be built here. */
int xl_params_from_config(const struct pv_domain_config *c,
                          struct pv_dom_params *p)
{
    const struct pv_domain_build_info *b = &c->b_info;
    int avail;

    pv_dom_params_init(p);
    switch (c->c_info.type) {
    case PV_DOMAIN_TYPE_PV: p->type = PV_DOM_PV; break;
    case PV_DOMAIN_TYPE_PVH: p->type = PV_DOM_PVH; break;
    default:
        fprintf(stderr, "xl create: type=\"hvm\" is not supported by the "
                "PV/PVH domain builder\n");
        return -1;
    }
    if (c->num_pcidevs || c->num_vfbs ||
        c->num_vkbs || c->num_channels || c->num_p9s || c->num_vtpms ||
        c->num_usbctrls || c->num_usbdevs || c->num_dtdevs ||
        c->num_pvcallsifs) {
        fprintf(stderr, "xl create: %s: devices (pci=, vfb=, channel=, ...) "
                "other than disk= and vif= are not supported by this build "
                "yet; nothing was created\n",
                c->c_info.name ? c->c_info.name : "domain");
        return -1;
    }
    if (p->type == PV_DOM_PVH && pv_defbool_val(b->pvh.pvshim)) {
        fprintf(stderr, "xl create: pvshim= is not supported; the PVH "
                "builder boots the kernel directly (nothing was created)\n");
        return -1;
    }
    if (b->bootloader || (c->b_info.pv.bootloader)) {
        fprintf(stderr, "xl create: bootloader= is not supported; use "
                "direct kernel boot (kernel=)\n");
        return -1;
    }
    p->name = dup_or_null(c->c_info.name);
    memcpy(p->uuid, c->c_info.uuid, 16);
    /* pool_name wins over poolid, as in libxl; a bare poolid resolves as
     * the number it is */
    if (c->c_info.pool_name)
        p->pool_name = strdup(c->c_info.pool_name);
    else if (c->c_info.poolid && asprintf(&p->pool_name, "%u",
                                          c->c_info.poolid) < 0)
        p->pool_name = NULL;
    if ((c->c_info.pool_name || c->c_info.poolid) && !p->pool_name)
        return -1;
    p->kernel = dup_or_null(b->kernel);
    p->ramdisk = dup_or_null(b->ramdisk);
    p->cmdline = dup_or_null(b->cmdline);
    if ((c->c_info.name && !p->name) || (b->kernel && !p->kernel) ||
        (b->ramdisk && !p->ramdisk) || (b->cmdline && !p->cmdline))
        return -1;
    p->max_vcpus = b->max_vcpus > 0 ? (unsigned)b->max_vcpus : 1;
    avail = pv_bitmap_count(&b->avail_vcpus);
    p->avail_vcpus = avail > 0 ? (unsigned)avail : p->max_vcpus;
    if (p->avail_vcpus > p->max_vcpus)
        p->avail_vcpus = p->max_vcpus;
    /* libxl__domain_build_info_setdefault: 32 MB when nothing is said */
    p->max_kb = b->max_memkb != PV_MEMKB_DEFAULT ? b->max_memkb : 32 * 1024;
    p->target_kb = b->target_memkb != PV_MEMKB_DEFAULT ? b->target_memkb
                                                       : p->max_kb;
    p->on_poweroff = (enum pv_dom_action)c->on_poweroff;
    p->on_reboot = (enum pv_dom_action)c->on_reboot;
    p->on_crash = (enum pv_dom_action)c->on_crash;
    p->on_watchdog = (enum pv_dom_action)c->on_watchdog;
    p->json = pv_domain_config_to_json(c);
    if (!p->json) {
        fprintf(stderr, "Failed to convert domain configuration to JSON\n");
        return -1;
    }
    return 0;
}

int xl_create_real(struct pv_domain_config *cfg,
                   const struct xl_create_opts *o)
{
    struct xl_create_flags fl = {
        .paused = o->paused,
        .console = o->console_autoconnect,
        .foreground = !o->daemonize && o->monitor,
        .no_monitor = !o->monitor,
        .quiet = o->quiet,
    };
    struct pv_dom_params p;
    int rc;

    if (xl_params_from_config(cfg, &p)) {
        pv_dom_params_dispose(&p);
        return XL_EXIT_FAIL;
    }
    create_cfg = cfg;
    rc = xl_create_from_params(&p, &fl);
    create_cfg = NULL;
    pv_dom_params_dispose(&p);
    return rc;
}
