/* The per-domain monitor: a daemon that outlives `xl create`, waits for
 * the domain to shut down and carries out on_poweroff/on_reboot/on_crash/
 * on_watchdog, as xl's "xl-NAME" daemon does, logging to
 * /var/log/xen/xl-NAME.log.  It holds its own hypervisor/xenstore handles
 * (handles are not fork-safe) and keeps the build params for restarts. */
#include "libxl/devices.h"
#include "libxl/dom.h"
#include "libxl/dom_sched.h"
#include "libxl/dom_xs.h"
#include "libxl/late_spawn.h"
#include "libxl/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenstore.h>

#define XEN_LOG_DIR "/var/log/xen"
#define XEN_DUMP_DIR "/var/lib/xen/dump"

static void mlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mlog(const char *fmt, ...)
{
    va_list ap;
    char buf[1024];
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof(buf) - 2)
        n = sizeof(buf) - 2;
    buf[n++] = '\n';
    if (write(2, buf, n) < 0) {
        /* nowhere to report */
    }
}

/* libxl_domain_preserve: the old domain keeps running under a new name and
 * uuid, so the restarted one can take over name, uuid and /vm path. */
static int preserve_renamed(struct pv_hv *hv, uint32_t domid,
                            const struct pv_dom_params *p)
{
    char suffix[24], newname[256], us[37], vm[64], path[96];
    struct xs_permissions roperm[2] = {
        { .id = 0, .perms = XS_PERM_NONE }, { .id = domid, .perms = XS_PERM_READ },
    };
    uint8_t nu[16];
    time_t now = time(NULL);
    struct tm tm;
    char *oldvm;

    if (!gmtime_r(&now, &tm) ||
        !strftime(suffix, sizeof(suffix), "-%Y%m%dT%H%MZ", &tm) ||
        pv_uuid_generate(nu))
        return -1;
    snprintf(newname, sizeof(newname), "%s%s", p->name, suffix);
    mlog("Preserving domain %u %s with suffix%s", domid, p->name, suffix);
    if (xc_domain_sethandle((xc_interface *)hv->xch, domid, nu) < 0)
        return -1;
    pv_uuid_format(nu, us);
    snprintf(vm, sizeof(vm), "/vm/%s", us);
    snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
    oldvm = xs_read(hv->xsh, XBT_NULL, path, NULL);
    if (oldvm && !strncmp(oldvm, "/vm/", 4))
        xs_rm(hv->xsh, XBT_NULL, oldvm);
    free(oldvm);
    xs_mkdir(hv->xsh, XBT_NULL, vm);
    xs_set_permissions(hv->xsh, XBT_NULL, vm, roperm, 2);
    xs_write(hv->xsh, XBT_NULL, path, vm, strlen(vm));
    snprintf(path, sizeof(path), "%s/uuid", vm);
    xs_write(hv->xsh, XBT_NULL, path, us, strlen(us));
    return pv_dom_rename(hv, domid, newname);
}

static const char *reason_action(const struct pv_dom_params *p, int reason,
                                 enum pv_dom_action *a)
{
    switch (reason) {
    case SHUTDOWN_poweroff: *a = p->on_poweroff; return "poweroff";
    case SHUTDOWN_reboot:   *a = p->on_reboot; return "reboot";
    case SHUTDOWN_crash:    *a = p->on_crash; return "crash";
    case SHUTDOWN_watchdog: *a = p->on_watchdog; return "watchdog";
    case SHUTDOWN_soft_reset: *a = PV_ACT_RESTART; return "soft_reset";
    default:                *a = PV_ACT_DESTROY; return "unknown";
    }
}

int pv_monitor_run(struct pv_dom_params *p, uint32_t domid)
{
    struct pv_hv hv = { 0 };
    int rc = 0;

    /* While it waits a monitor holds one xenstore connection, its watch's,
     * as xl's monitor does: xenstored polls every connection for each
     * request it serves, so idle ones slow every other create. */
    hv.xch = (struct xc_interface_core *)xc_interface_open(NULL, NULL, 0);
    if (!hv.xch) {
        mlog("cannot open the hypervisor interface: %s", strerror(errno));
        return -1;
    }
    for (;;) {
        struct pv_dev_config devs = { 0 };
        enum pv_dom_action act;
        int reason = 0, r;
        const char *why;

        mlog("Waiting for domain %s (domid %u) to die [pid %ld]", p->name,
             domid, (long)getpid());
        if (hv.xsh) {
            xs_close(hv.xsh);
            hv.xsh = NULL;
        }
        r = pv_dom_wait(&hv, domid, -1, 0, &reason);
        if (r > 0 && !(hv.xsh = xs_open(0))) {
            mlog("cannot connect to xenstore: %s", strerror(errno));
            rc = -1;
            break;
        }
        if (r == 0) {
            mlog("Domain %u has been destroyed.", domid);
            break;
        }
        if (r < 0) {
            mlog("failed waiting for domain %u: %s", domid, strerror(errno));
            rc = -1;
            break;
        }
        mlog("Domain %u has shut down, reason code %d 0x%x", domid, reason,
             reason);
        if (reason == SHUTDOWN_suspend) {
            mlog("Domain has suspended.");
            break;
        }
        why = reason_action(p, reason, &act);
        mlog("Action for shutdown reason code %d (%s) is %s", reason, why,
             pv_dom_action_name(act));
        if (act == PV_ACT_COREDUMP_DESTROY || act == PV_ACT_COREDUMP_RESTART) {
            char core[512];

            snprintf(core, sizeof(core), XEN_DUMP_DIR "/%s", p->name);
            mkdir(XEN_DUMP_DIR, 0755);
            mlog("dumping core to %s", core);
            /* As xl: a failed dump is logged and the action goes on. */
            if (xc_domain_dumpcore((xc_interface *)hv.xch, domid, core) < 0)
                mlog("core dump failed (the guest may not publish its p2m "
                     "size, as Linux does)");
            act = act == PV_ACT_COREDUMP_DESTROY ? PV_ACT_DESTROY
                                                 : PV_ACT_RESTART;
        }
        if (act == PV_ACT_PRESERVE) {
            mlog("Done. Exiting now");
            break;
        }
        if (act != PV_ACT_DESTROY) {
            /* Restart under the name it has now (xl rename is honoured,
             * as libxl keeps the renamed config). */
            char *cur = pv_dom_name(&hv, domid);
            char *json = NULL;

            if (cur && *cur && strcmp(cur, p->name)) {
                free(p->name);
                p->name = cur;
            } else {
                free(cur);
            }
            /* The config as last updated -- hot-plugged devices in,
             * detached ones out -- as xl's restart retrieves it before
             * the old domain goes. */
            if (!pv_dev_config_load(hv.xch, domid, &devs, &json)) {
                free(p->json);
                p->json = json;
            } else {
                mlog("no stored config for domain %u: restarting it "
                     "without devices", domid);
            }
        }
        if (act == PV_ACT_RESTART_RENAME) {
            if (preserve_renamed(&hv, domid, p)) {
                mlog("failed to preserve domain %u; leaving it in place",
                     domid);
                pv_dev_config_dispose(&devs);
                rc = -1;
                break;
            }
        } else {
            mlog("Domain %u needs to be cleaned up: destroying the domain",
                 domid);
            pv_dom_destroy(&hv, domid);
        }
        if (act == PV_ACT_DESTROY) {
            mlog("Done. Exiting now");
            break;
        }
        /* restart: same config, same uuid, a new domid */
        {
            int lock = pv_host_lock();
            uint32_t nd;

            r = pv_dom_create(&hv, p, &nd, NULL);
            if (r == 0 && (devs.num_disks || devs.num_nics)) {
                struct pv_dev_opts o = { .uuid = p->uuid };

                r = pv_devices_add(hv.xsh, hv.xch, nd, devs.disks,
                                   devs.num_disks, devs.nics, devs.num_nics, &o);
                if (r) {
                    mlog("the devices of domain %s could not be set up",
                         p->name);
                    pv_dom_destroy(&hv, nd);
                }
            }
            pv_dev_config_dispose(&devs);
            if (r == 0)
                xc_domain_unpause((xc_interface *)hv.xch, nd);
            pv_host_unlock(lock);
            if (r) {
                mlog("restart of domain %s failed", p->name);
                rc = -1;
                break;
            }
            mlog("Done. Rebooted %s as domid %u", p->name, nd);
            domid = nd;
        }
    }
    pv_hv_close(&hv);
    return rc;
}

struct monitor_start {
    uint32_t domid;
    struct pv_dom_params p;
    struct pv_domain_build_info b_info;     /* p.b_info, when there is one */
};

/* Runs once `xl create` has exited (or exec'd the console): the
 * output goes to the log from then on, so a caller reading xl's stdout
 * sees EOF a moment after xl exits. */
static int monitor_main(void *arg)
{
    struct monitor_start *ms = arg;
    char logpath[512];
    int fd;

    /* the creator may have run as SCHED_BATCH (xl/create.c); a restart
     * the monitor carries out is not a burst to batch */
    pv_sched_batch(0);
    mkdir(XEN_LOG_DIR, 0755);
    snprintf(logpath, sizeof(logpath), XEN_LOG_DIR "/xl-%s.log", ms->p.name);
    fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, 0);
        if (fd > 0)
            close(fd);
    }
    /* not the creator's host lock, pipes or terminal */
    if (close_range(3, ~0U, 0) < 0) {
        int maxfd = (int)sysconf(_SC_OPEN_MAX);

        for (fd = 3; fd < maxfd && fd < 4096; fd++)
            close(fd);
    }
    pv_log_set_fd(2);
    if (chdir("/") < 0)
        return 1;
    return pv_monitor_run(&ms->p, ms->domid) ? 1 : 0;
}

/* The monitor shares xl's memory instead of copying it (late_spawn.h):
 * the command the user waits for pays neither a fork's page-table copy,
 * nor a wait for an intermediate child, nor the monitor's set-up on the
 * same CPU.  No shutdown is missed: pv_dom_wait sets its watch and then
 * looks at the domain's state, and a shut-down domain stays so until
 * someone acts on it. */
int pv_monitor_spawn(const struct pv_dom_params *src, uint32_t domid)
{
    struct monitor_start *ms = calloc(1, sizeof(*ms));

    /* Everything the monitor reads later is its own copy: xl's memory is
     * the monitor's once xl has exited, but not what xl freed before. */
    if (!ms || pv_dom_params_copy(&ms->p, src)) {
        PV_ERR((int)domid, "cannot start the domain monitor: out of memory");
        free(ms);
        return -1;
    }
    pv_domain_build_info_init(&ms->b_info);
    if (src->b_info) {
        if (pv_domain_build_info_copy(&ms->b_info, src->b_info)) {
            PV_ERR((int)domid, "cannot start the domain monitor: out of memory");
            goto fail;
        }
        ms->p.b_info = &ms->b_info;
    }
    ms->domid = domid;
    if (pv_late_spawn(monitor_main, ms) < 0) {
        PV_ERR((int)domid, "cannot start the domain monitor: %s",
               strerror(errno));
        goto fail;
    }
    return 0;   /* ms is the monitor's */

fail:
    pv_domain_build_info_dispose(&ms->b_info);
    pv_dom_params_dispose(&ms->p);
    free(ms);
    return -1;
}
