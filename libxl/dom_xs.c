/* A domain's xenstore tree, node for node and permission for permission as
 * libxl 4.17 writes it (libxl__domain_make, libxl__build_post,
 * libxl__device_console_add), so xenconsoled, the guest and Debian's xl find
 * what they expect.  libxl uses three transactions; the guest cannot run
 * before we unpause it, so one transaction is equivalent and saves xenstored
 * round trips. */
#include "libxl/dom_xs.h"
#include "libxl/log.h"
#include "libxl/xs_batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Batch of writes inside one transaction; the first failure sticks. */
struct xsb {
    struct xs_handle *xsh;
    struct xs_batch *raw;   /* pipelined: requests queued, checked at flush */
    xs_transaction_t t;
    int failed;
    const char *what;
};

static void xsb_write(struct xsb *b, const char *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void xsb_write(struct xsb *b, const char *val, const char *fmt, ...)
{
    char path[256];
    va_list ap;

    if (b->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    if (b->raw) {
        xs_batch_write(b->raw, path, val);
        return;
    }
    if (!xs_write(b->xsh, b->t, path, val, strlen(val))) {
        b->failed = errno ? errno : EIO;
        b->what = "write";
        PV_DEBUG(-1, "xs_write %s failed: %s", path, strerror(errno));
    }
}

/* Directory with explicit permissions (libxl__xs_mknod). */
static void xsb_mknod(struct xsb *b, struct xs_permissions *perms, int n,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void xsb_mknod(struct xsb *b, struct xs_permissions *perms, int n,
                      const char *fmt, ...)
{
    char path[256];
    va_list ap;

    if (b->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    if (b->raw) {
        xs_batch_mkdir(b->raw, path);
        xs_batch_set_perms(b->raw, path, perms, n);
        return;
    }
    if (!xs_mkdir(b->xsh, b->t, path) ||
        !xs_set_permissions(b->xsh, b->t, path, perms, n)) {
        b->failed = errno ? errno : EIO;
        b->what = "mknod";
        PV_DEBUG(-1, "xs mknod %s failed: %s", path, strerror(errno));
    }
}

static void xsb_mknod_inherit(struct xsb *b, const char *path)
{
    if (b->failed)
        return;
    if (b->raw) {
        xs_batch_mkdir(b->raw, path);
        return;
    }
    if (!xs_mkdir(b->xsh, b->t, path)) {
        b->failed = errno ? errno : EIO;
        b->what = "mkdir";
    }
}

/* Value node with explicit permissions (libxl__xs_writev_perms). */
static void xsb_write_perms(struct xsb *b, struct xs_permissions *perms, int n,
                            const char *val, const char *path)
{
    if (b->failed)
        return;
    if (b->raw) {
        xs_batch_write(b->raw, path, val);
        xs_batch_set_perms(b->raw, path, perms, n);
        return;
    }
    if (!xs_write(b->xsh, b->t, path, val, strlen(val)) ||
        !xs_set_permissions(b->xsh, b->t, path, perms, n)) {
        b->failed = errno ? errno : EIO;
        b->what = "write";
    }
}

/* Removal of a possibly stale subtree: ENOENT is the normal case. */
static void xsb_rm(struct xsb *b, const char *path)
{
    if (b->raw)
        xs_batch_rm(b->raw, path);
    else
        xs_rm(b->xsh, b->t, path);
}

static void write_tree(struct xsb *b, const struct pv_dom_params *p,
                       const struct pv_dom_xs_state *st)
{
    const uint32_t d = st->domid;
    struct xs_permissions roperm[2] = {
        { .id = 0, .perms = XS_PERM_NONE }, { .id = d, .perms = XS_PERM_READ },
    };
    struct xs_permissions rwperm[1] = { { .id = d, .perms = XS_PERM_NONE } };
    struct xs_permissions noperm[1] = { { .id = 0, .perms = XS_PERM_NONE } };
    /* console 0: frontend dir and its read-only keys belong to the backend
     * domain, the guest may only read them */
    struct xs_permissions ro_front[2] = {
        { .id = st->console_domid, .perms = XS_PERM_NONE },
        { .id = d, .perms = XS_PERM_READ },
    };
    struct xs_permissions front[2] = {
        { .id = d, .perms = XS_PERM_NONE },
        { .id = st->console_domid, .perms = XS_PERM_READ },
    };
    char dom[64], vm[64], lx[64], us[37], num[32], path[256];
    char fe[96], be[128];
    const int ro_inherit = st->console_domid == 0;
    unsigned i;

    pv_uuid_format(p->uuid, us);
    snprintf(dom, sizeof(dom), "/local/domain/%u", d);
    snprintf(vm, sizeof(vm), "/vm/%s", us);
    snprintf(lx, sizeof(lx), "/libxl/%u", d);

    /* libxl__domain_make: start from a clean slate for this domid */
    xsb_rm(b, dom);
    xsb_mknod(b, roperm, 2, "%s", dom);
    xsb_rm(b, vm);
    xsb_mknod(b, roperm, 2, "%s", vm);
    xsb_rm(b, lx);
    xsb_mknod(b, noperm, 1, "%s", lx);
    /* lx/device, and dom's cpu, memory, device and control directories,
     * come into being with the first node written below them and inherit
     * the parent's permissions, which are the ones libxl gives them: no
     * separate mkdir/set-permissions round trips. */

    xsb_write(b, vm, "%s/vm", dom);
    xsb_write(b, p->name, "%s/name", dom);
    xsb_write(b, p->name, "%s/name", vm);
    xsb_mknod(b, rwperm, 1, "%s/device/suspend/event-channel", dom);
    xsb_mknod(b, rwperm, 1, "%s/control/shutdown", dom);
    xsb_mknod(b, rwperm, 1, "%s/control/feature-poweroff", dom);
    xsb_mknod(b, rwperm, 1, "%s/control/feature-reboot", dom);
    xsb_mknod(b, rwperm, 1, "%s/control/feature-suspend", dom);
    xsb_mknod(b, rwperm, 1, "%s/control/sysrq", dom);
    xsb_mknod(b, rwperm, 1, "%s/data", dom);
    xsb_mknod(b, rwperm, 1, "%s/drivers", dom);
    xsb_mknod(b, rwperm, 1, "%s/feature", dom);
    xsb_mknod(b, rwperm, 1, "%s/attr", dom);
    xsb_mknod(b, rwperm, 1, "%s/error", dom);
    xsb_write(b, us, "%s/uuid", vm);
    xsb_write(b, "1", "%s/control/platform-feature-multiprocessor-suspend", dom);
    xsb_write(b, "1", "%s/control/platform-feature-xs_reset_watches", dom);
    xsb_write(b, p->type == PV_DOM_PVH ? "pvh" : "pv", "%s/type", lx);
    /* libxl records the device model flavour even when none runs */
    xsb_write(b, "qemu_xen", "%s/dm-version", lx);

    /* libxl__domain_build: /vm entries */
    if (p->type == PV_DOM_PV) {
        xsb_write(b, "linux", "%s/image/ostype", vm);
        xsb_write(b, p->kernel, "%s/image/kernel", vm);
    }
    xsb_write(b, st->start_time, "%s/start_time", vm);
    if (p->type == PV_DOM_PV) {
        if (p->ramdisk)
            xsb_write(b, p->ramdisk, "%s/image/ramdisk", vm);
        if (p->cmdline)
            xsb_write(b, p->cmdline, "%s/image/cmdline", vm);
    }

    /* libxl__build_post */
    snprintf(num, sizeof(num), "%llu", (unsigned long long)p->max_kb);
    xsb_write(b, num, "%s/memory/static-max", dom);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)p->target_kb);
    xsb_write(b, num, "%s/memory/target", dom);
    xsb_write(b, "0", "%s/memory/videoram", dom);
    snprintf(num, sizeof(num), "%u", d);
    xsb_write(b, num, "%s/domid", dom);
    snprintf(num, sizeof(num), "%u", st->store_port);
    xsb_write(b, num, "%s/store/port", dom);
    snprintf(num, sizeof(num), "%lu", st->store_mfn);
    xsb_write(b, num, "%s/store/ring-ref", dom);
    for (i = 0; i < p->max_vcpus; i++)
        xsb_write(b, i < p->avail_vcpus ? "online" : "offline",
                  "%s/cpu/%u/availability", dom, i);

    /* libxl__device_console_add for console 0, served by xenconsoled */
    snprintf(fe, sizeof(fe), "%s/console", dom);
    snprintf(be, sizeof(be), "/local/domain/%u/backend/console/%u/0",
             st->console_domid, d);
    snprintf(path, sizeof(path), "%s/device/console/0", lx);
    xsb_write(b, fe, "%s/frontend", path);
    xsb_write(b, be, "%s/backend", path);
    /* With dom0 as console backend ro_front equals the domain directory's
     * perms, so the frontend and its keys simply inherit them. */
    if (ro_inherit)
        xsb_mknod_inherit(b, fe);
    else
        xsb_mknod(b, ro_front, 2, "%s", fe);
    xsb_write(b, be, "%s/backend", fe);
    snprintf(num, sizeof(num), "%u", st->console_domid);
    snprintf(path, sizeof(path), "%s/backend-id", fe);
    xsb_write_perms(b, front, 2, num, path);
#define RO_FRONT(key, val) do { \
        snprintf(path, sizeof(path), "%s/" key, fe); \
        if (ro_inherit) \
            xsb_write(b, (val), "%s", path); \
        else \
            xsb_write_perms(b, ro_front, 2, (val), path); } while (0)
    RO_FRONT("limit", "1048576");
    RO_FRONT("type", "xenconsoled");
    RO_FRONT("output", "pty");
    RO_FRONT("tty", "");
    snprintf(num, sizeof(num), "%u", st->console_port);
    RO_FRONT("port", num);
    snprintf(num, sizeof(num), "%lu", st->console_mfn);
    RO_FRONT("ring-ref", num);
#undef RO_FRONT
    xsb_rm(b, be);
    xsb_mknod(b, ro_front, 2, "%s", be);    /* backend perms = ro_front's */
    xsb_write(b, fe, "%s/frontend", be);
    snprintf(num, sizeof(num), "%u", d);
    /* the backend keys, and libxl's private copy of them */
    for (i = 0; i < 2; i++) {
        const char *base = i ? "" : be;
        char lp[128];

        if (i) {
            snprintf(lp, sizeof(lp), "%s/device/console/0", lx);
            base = lp;
        }
        xsb_write(b, num, "%s/frontend-id", base);
        xsb_write(b, "1", "%s/online", base);
        xsb_write(b, "1", "%s/state", base);
        xsb_write(b, "vt100", "%s/protocol", base);
    }
}

/* The whole tree in one pipelined burst: transaction start, ~80 queued
 * requests sent together, commit.  Three waits on xenstored instead of
 * one per node. */
static int write_tree_batched(struct xs_batch *raw,
                              const struct pv_dom_params *p,
                              const struct pv_dom_xs_state *st)
{
    struct xsb b = { .raw = raw };
    int tries;

    for (tries = 0; tries < 50; tries++) {
        if (xs_batch_tx_start(raw)) {
            PV_ERR((int)st->domid, "xenstore transaction start failed: %s",
                   strerror(errno));
            return -1;
        }
        write_tree(&b, p, st);
        if (xs_batch_flush(raw, NULL, NULL)) {
            int e = errno;

            xs_batch_tx_end(raw, 1);
            errno = e;
            PV_ERR((int)st->domid, "xenstore write failed: %s", strerror(e));
            return -1;
        }
        if (xs_batch_tx_end(raw, 0) == 0)
            return 0;
        if (errno != EAGAIN) {
            PV_ERR((int)st->domid, "xenstore transaction commit failed: %s",
                   strerror(errno));
            return -1;
        }
    }
    PV_ERR((int)st->domid, "xenstore transaction kept conflicting");
    errno = EAGAIN;
    return -1;
}

int pv_dom_xs_write(struct xs_handle *xsh, const struct pv_dom_params *p,
                    const struct pv_dom_xs_state *st)
{
    struct xsb b = { .xsh = xsh };
    struct xs_batch raw;
    int tries;

    if (xs_batch_open(&raw) == 0) {
        int r = write_tree_batched(&raw, p, st);

        xs_batch_close(&raw);
        return r;
    }

    for (tries = 0; tries < 50; tries++) {
        b.t = xs_transaction_start(xsh);
        b.failed = 0;
        if (b.t == XBT_NULL) {
            PV_ERR((int)st->domid, "xenstore transaction start failed: %s",
                   strerror(errno));
            return -1;
        }
        write_tree(&b, p, st);
        if (b.failed) {
            xs_transaction_end(xsh, b.t, true);
            errno = b.failed;
            PV_ERR((int)st->domid, "xenstore %s failed: %s", b.what,
                   strerror(b.failed));
            return -1;
        }
        if (xs_transaction_end(xsh, b.t, false))
            return 0;
        if (errno != EAGAIN) {
            PV_ERR((int)st->domid, "xenstore transaction commit failed: %s",
                   strerror(errno));
            return -1;
        }
    }
    PV_ERR((int)st->domid, "xenstore transaction kept conflicting");
    errno = EAGAIN;
    return -1;
}

int pv_dom_xs_name_taken(struct xs_handle *xsh, const char *name, uint32_t skip)
{
    unsigned int n, i;
    char **doms = xs_directory(xsh, XBT_NULL, "/local/domain", &n);
    struct xs_batch raw;
    int taken = 0;

    if (!doms)
        return 0;
    /* All the names in one pipelined burst when xenstored's socket is
     * there: with many domains this was the step that grew. */
    if (xs_batch_open(&raw) == 0) {
        char **names = NULL;
        unsigned got = 0;

        for (i = 0; i < n; i++) {
            char path[64];

            snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
            xs_batch_read(&raw, path);
        }
        if (xs_batch_flush(&raw, &names, &got) == 0) {
            for (i = 0; i < got; i++) {
                if (names[i] && !strcmp(names[i], name) &&
                    strtoul(doms[i], NULL, 10) != skip)
                    taken = 1;
                free(names[i]);
            }
            free(names);
            xs_batch_close(&raw);
            free(doms);
            return taken;
        }
        xs_batch_close(&raw);
    }
    for (i = 0; i < n && !taken; i++) {
        char path[64], *v;
        unsigned long id = strtoul(doms[i], NULL, 10);

        if (id == skip)
            continue;
        snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
        v = xs_read(xsh, XBT_NULL, path, NULL);
        if (v && !strcmp(v, name))
            taken = 1;
        free(v);
    }
    free(doms);
    return taken;
}

static uint32_t tool_domid(struct xs_handle *xsh, const char *path)
{
    char *v = xs_read(xsh, XBT_NULL, path, NULL);
    uint32_t d = v ? (uint32_t)strtoul(v, NULL, 10) : 0;

    free(v);
    return d;
}

int pv_dom_xs_precheck(struct xs_handle *xsh, const char *name,
                       uint32_t *store_domid, uint32_t *console_domid)
{
    struct xs_batch raw;
    char **rep = NULL, **names = NULL;
    unsigned n = 0, got = 0, i;
    const char *d;
    int taken = 0;

    if (xs_batch_open(&raw))
        goto fallback;
    xs_batch_directory(&raw, "/local/domain");
    xs_batch_read(&raw, "/tool/xenstored/domid");
    xs_batch_read(&raw, "/tool/xenconsoled/domid");
    if (xs_batch_flush(&raw, &rep, &n) || n != 3)
        goto fallback_close;    /* e.g. E2BIG: a list too long for one reply */
    for (d = rep[0]; d && *d; d += strlen(d) + 1) {
        char path[64];

        snprintf(path, sizeof(path), "/local/domain/%s/name", d);
        xs_batch_read(&raw, path);
    }
    if (xs_batch_flush(&raw, &names, &got))
        goto fallback_close;
    for (i = 0; i < got; i++) {
        if (names[i] && !strcmp(names[i], name))
            taken = 1;
        free(names[i]);
    }
    free(names);
    *store_domid = rep[1] ? (uint32_t)strtoul(rep[1], NULL, 10) : 0;
    *console_domid = rep[2] ? (uint32_t)strtoul(rep[2], NULL, 10) : 0;
    for (i = 0; i < n; i++)
        free(rep[i]);
    free(rep);
    xs_batch_close(&raw);
    return taken;

fallback_close:
    if (rep) {
        for (i = 0; i < n; i++)
            free(rep[i]);
        free(rep);
    }
    xs_batch_close(&raw);
fallback:
    *store_domid = tool_domid(xsh, "/tool/xenstored/domid");
    *console_domid = tool_domid(xsh, "/tool/xenconsoled/domid");
    return pv_dom_xs_name_taken(xsh, name, ~0u);
}

static void rm_logged(struct xs_handle *xsh, xs_transaction_t t,
                      const char *path, uint32_t domid)
{
    if (!xs_rm(xsh, t, path) && errno != ENOENT)
        PV_WARN((int)domid, "xs_rm %s failed: %s", path, strerror(errno));
}

/* libxl__xs_path_cleanup: remove PATH, then each parent left empty, up to
 * (not including) /local/domain/N, so a backend domain's backend/console
 * directory disappears with its last device as it does under libxl. */
static void path_cleanup(struct xs_handle *xsh, const char *path,
                         uint32_t domid)
{
    char buf[256], *slash;

    rm_logged(xsh, XBT_NULL, path, domid);
    snprintf(buf, sizeof(buf), "%s", path);
    while ((slash = strrchr(buf, '/')) && slash != buf) {
        unsigned n;
        char **ents;
        int depth = 0;
        const char *c;

        *slash = 0;
        for (c = buf; *c; c++)
            depth += *c == '/';
        if (depth <= 3)     /* /local/domain/N */
            break;
        ents = xs_directory(xsh, XBT_NULL, buf, &n);
        if (!ents) {
            if (errno == ENOENT)
                continue;
            break;
        }
        free(ents);
        if (n)
            break;
        rm_logged(xsh, XBT_NULL, buf, domid);
    }
}

void pv_dom_xs_remove(struct xs_handle *xsh, uint32_t domid)
{
    char dom[64], lx[64], path[256];
    char **kinds, *vm;
    unsigned nk, k;

    snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
    snprintf(lx, sizeof(lx), "/libxl/%u", domid);

    /* Devices first: their backends live under the backend domain, outside
     * the guest's own subtree. */
    snprintf(path, sizeof(path), "%s/device", lx);
    kinds = xs_directory(xsh, XBT_NULL, path, &nk);
    for (k = 0; kinds && k < nk; k++) {
        char **devs;
        unsigned nd, j;

        snprintf(path, sizeof(path), "%s/device/%s", lx, kinds[k]);
        devs = xs_directory(xsh, XBT_NULL, path, &nd);
        for (j = 0; devs && j < nd; j++) {
            char *be, *fe;

            snprintf(path, sizeof(path), "%s/device/%s/%s/backend", lx,
                     kinds[k], devs[j]);
            be = xs_read(xsh, XBT_NULL, path, NULL);
            snprintf(path, sizeof(path), "%s/device/%s/%s/frontend", lx,
                     kinds[k], devs[j]);
            fe = xs_read(xsh, XBT_NULL, path, NULL);
            if (be)
                path_cleanup(xsh, be, domid);
            if (fe)
                path_cleanup(xsh, fe, domid);
            free(be);
            free(fe);
        }
        free(devs);
    }
    free(kinds);

    snprintf(path, sizeof(path), "%s/vm", dom);
    vm = xs_read(xsh, XBT_NULL, path, NULL);
    if (vm && !strncmp(vm, "/vm/", 4))
        rm_logged(xsh, XBT_NULL, vm, domid);
    free(vm);
    rm_logged(xsh, XBT_NULL, dom, domid);
    rm_logged(xsh, XBT_NULL, lx, domid);
}
