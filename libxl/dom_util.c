/* Small helpers of the domain lifecycle: params, actions, uuids, handles,
 * the host lock. */
#include "libxl/dom.h"
#include "libxl/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenstore.h>

void pv_sched_batch(int on)
{
    struct sched_param sp = { 0 };

    sched_setscheduler(0, on ? SCHED_BATCH : SCHED_OTHER, &sp);
}

void pv_dom_params_init(struct pv_dom_params *p)
{
    memset(p, 0, sizeof(*p));
    p->max_vcpus = p->avail_vcpus = 1;
    p->target_kb = p->max_kb = 128 * 1024;
    p->on_poweroff = PV_ACT_DESTROY;
    p->on_reboot = PV_ACT_RESTART;
    p->on_crash = PV_ACT_DESTROY;
    p->on_watchdog = PV_ACT_DESTROY;
}

void pv_dom_params_dispose(struct pv_dom_params *p)
{
    free(p->name);
    free(p->kernel);
    free(p->ramdisk);
    free(p->cmdline);
    free(p->json);
    free(p->pool_name);
    memset(p, 0, sizeof(*p));
}

static int dup_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

int pv_dom_params_copy(struct pv_dom_params *dst, const struct pv_dom_params *src)
{
    *dst = *src;
    /* none of SRC's strings may stay in DST: a failure below disposes it */
    dst->name = dst->kernel = dst->ramdisk = dst->cmdline = NULL;
    dst->json = dst->pool_name = NULL;
    if (dup_opt(&dst->name, src->name) || dup_opt(&dst->kernel, src->kernel) ||
        dup_opt(&dst->ramdisk, src->ramdisk) ||
        dup_opt(&dst->cmdline, src->cmdline) || dup_opt(&dst->json, src->json) ||
        dup_opt(&dst->pool_name, src->pool_name)) {
        pv_dom_params_dispose(dst);
        return -1;
    }
    return 0;
}

char *pv_dom_combine_cmdline(const char *cmdline, const char *root,
                             const char *extra)
{
    char *out = NULL;

    if (cmdline) {
        if (root || extra)
            fprintf(stderr, "Warning: ignoring root= and extra= "
                    "in favour of cmdline=\n");
        return strdup(cmdline);
    }
    if (root && extra) {
        if (asprintf(&out, "root=%s %s", root, extra) < 0)
            return NULL;
        return out;
    }
    if (root) {
        if (asprintf(&out, "root=%s", root) < 0)
            return NULL;
        return out;
    }
    return extra ? strdup(extra) : NULL;
}

static const char *const action_names[] = {
    [PV_ACT_DESTROY] = "destroy",
    [PV_ACT_RESTART] = "restart",
    [PV_ACT_RESTART_RENAME] = "rename-restart",
    [PV_ACT_PRESERVE] = "preserve",
    [PV_ACT_COREDUMP_DESTROY] = "coredump-destroy",
    [PV_ACT_COREDUMP_RESTART] = "coredump-restart",
    [PV_ACT_SOFT_RESET] = "soft-reset",
};

const char *pv_dom_action_name(enum pv_dom_action a)
{
    if ((unsigned)a >= sizeof(action_names) / sizeof(action_names[0]) ||
        !action_names[a])
        return "unknown";
    return action_names[a];
}

int pv_dom_action_parse(const char *s, enum pv_dom_action *out)
{
    unsigned i;

    for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
        if (action_names[i] && !strcmp(s, action_names[i])) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

int pv_hv_open(struct pv_hv *hv)
{
    hv->xch = NULL;
    hv->xsh = NULL;
    hv->xch = (struct xc_interface_core *)xc_interface_open(NULL, NULL, 0);
    if (!hv->xch) {
        PV_ERR(-1, "cannot open the hypervisor interface (is this a Xen dom0, "
               "and are you root?): %s", strerror(errno));
        return -1;
    }
    hv->xsh = xs_open(0);
    if (!hv->xsh) {
        PV_ERR(-1, "cannot connect to xenstore: %s", strerror(errno));
        xc_interface_close((xc_interface *)hv->xch);
        hv->xch = NULL;
        return -1;
    }
    return 0;
}

void pv_hv_close(struct pv_hv *hv)
{
    if (hv->xsh)
        xs_close(hv->xsh);
    if (hv->xch)
        xc_interface_close((xc_interface *)hv->xch);
    hv->xsh = NULL;
    hv->xch = NULL;
}

/* The lock file of Debian's xl (XL_LOCK_FILE), with fcntl locks as xl takes
 * them, so our creates and theirs serialise against each other too. */
static const char *host_lock_path = "/var/lock/xl";

int pv_host_lock(void)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    int fd;

    fd = open(host_lock_path, O_WRONLY | O_CREAT | O_CLOEXEC, S_IWUSR);
    if (fd < 0 && errno == ENOENT) {
        /* a minimal host may lack /var/lock (Debian links it to /run/lock) */
        mkdir("/var/lock", 0755);
        fd = open(host_lock_path, O_WRONLY | O_CREAT | O_CLOEXEC, S_IWUSR);
    }
    if (fd < 0) {
        PV_ERR(-1, "cannot open the lockfile %s: %s", host_lock_path,
               strerror(errno));
        return -1;
    }
    while (fcntl(fd, F_SETLKW, &fl) < 0) {
        if (errno == EINTR)
            continue;
        PV_ERR(-1, "cannot acquire lock %s: %s", host_lock_path,
               strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void pv_host_unlock(int fd)
{
    if (fd >= 0)
        close(fd);  /* drops the fcntl lock */
}
