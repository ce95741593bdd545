/* A domain's xenstore tree, node for node and permission for permission as
 * libxl 4.17 writes it (libxl__domain_make, libxl__build_post,
 * libxl__device_console_add), so xenconsoled, the guest and Debian's xl find
 * what they expect.  libxl uses three transactions, one per step; the guest
 * cannot run before we unpause it, so the split does not matter to it, and
 * ours follows what costs the running xenstored least (plan_c, plan_ocaml):
 * transactions that never conflict, side by side on connections of their
 * own (write_tree_batched). */
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

/* A node's permissions on their own (the flips in write_dom_tree). */
static void xsb_set_perms(struct xsb *b, struct xs_permissions *perms, int n,
                          const char *path)
{
    if (b->failed)
        return;
    if (b->raw) {
        xs_batch_set_perms(b->raw, path, perms, n);
        return;
    }
    if (!xs_set_permissions(b->xsh, b->t, path, perms, n)) {
        b->failed = errno ? errno : EIO;
        b->what = "set permissions";
    }
}

/* Paths and permissions both halves of the tree use. */
struct tree {
    uint32_t d;
    struct xs_permissions roperm[2], rwperm[1], noperm[1];
    /* console 0: frontend dir and its read-only keys belong to the backend
     * domain, the guest may only read them */
    struct xs_permissions ro_front[2], front[2];
    char dom[64], vm[64], lx[64], us[37];
    char fe[96], be[128];
    int ro_inherit;     /* ro_front equals roperm: dom0 serves the console */
    int dom_listed;     /* /local/domain lists D: a stale directory to rm */
};

static void tree_init(struct tree *t, const struct pv_dom_params *p,
                      const struct pv_dom_xs_state *st)
{
    const uint32_t d = st->domid;

    memset(t, 0, sizeof(*t));
    t->d = d;
    t->roperm[0] = (struct xs_permissions){ .id = 0, .perms = XS_PERM_NONE };
    t->roperm[1] = (struct xs_permissions){ .id = d, .perms = XS_PERM_READ };
    t->rwperm[0] = (struct xs_permissions){ .id = d, .perms = XS_PERM_NONE };
    t->noperm[0] = (struct xs_permissions){ .id = 0, .perms = XS_PERM_NONE };
    t->ro_front[0] = (struct xs_permissions){ .id = st->console_domid,
                                              .perms = XS_PERM_NONE };
    t->ro_front[1] = (struct xs_permissions){ .id = d, .perms = XS_PERM_READ };
    t->front[0] = (struct xs_permissions){ .id = d, .perms = XS_PERM_NONE };
    t->front[1] = (struct xs_permissions){ .id = st->console_domid,
                                           .perms = XS_PERM_READ };
    t->ro_inherit = st->console_domid == 0;
    t->dom_listed = 1;  /* unknown: rm it, as libxl does */
    pv_uuid_format(p->uuid, t->us);
    snprintf(t->dom, sizeof(t->dom), "/local/domain/%u", d);
    snprintf(t->vm, sizeof(t->vm), "/vm/%s", t->us);
    snprintf(t->lx, sizeof(t->lx), "/libxl/%u", d);
    snprintf(t->fe, sizeof(t->fe), "%s/console", t->dom);
    snprintf(t->be, sizeof(t->be), "/local/domain/%u/backend/console/%u/0",
             st->console_domid, d);
}

/* The tree is written in parts, which the plans below group into
 * transactions.  The parts of /local/domain/D go in the order listed in
 * plan_c[0], in one transaction: each relies on the permissions the one
 * before left on D.  The other parts make only their own nodes. */
typedef void tree_part_fn(struct xsb *, const struct pv_dom_params *,
                          const struct pv_dom_xs_state *, struct tree *);

/* libxl__domain_make: start from a clean slate for this domid (no rm when
 * the listing of /local/domain had no such directory), with the guest's
 * own permissions for the directories part_guest_dirs makes. */
static void part_dom_dir(struct xsb *b, const struct pv_dom_params *p,
                         const struct pv_dom_xs_state *st, struct tree *t)
{
    (void)p;
    (void)st;
    if (t->dom_listed)
        xsb_rm(b, t->dom);
    xsb_mknod(b, t->rwperm, 1, "%s", t->dom);
}

/* DIR/NAME for each of the N names, each inheriting DIR's permissions. */
static void mknods_inherit(struct xsb *b, const char *dir,
                           const char *const *names, unsigned n)
{
    char path[256];
    unsigned i;

    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        xsb_mknod_inherit(b, path);
    }
}

/* The directories the guest owns.  A node made by mkdir or write inherits
 * its parent's permissions, so where libxl makes several sibling
 * directories and gives each the same permissions (mkdir, set, mkdir, set,
 * ...), the parent carries those permissions while the siblings are made,
 * and gets its own back after (part_control): the same nodes with the same
 * permissions in fewer requests.  Every request costs xenstored about half
 * a millisecond under TCG. */
static void part_guest_dirs(struct xsb *b, const struct pv_dom_params *p,
                            const struct pv_dom_xs_state *st, struct tree *t)
{
    static const char *const dom_rw[] = {
        "data", "drivers", "feature", "attr", "error",
    };

    (void)p;
    (void)st;
    mknods_inherit(b, t->dom, dom_rw, sizeof(dom_rw) / sizeof(dom_rw[0]));
}

/* control/: the keys the guest answers in are its own, so they are made
 * while D still has the guest's permissions; control comes with the first
 * of them, then control and D get the toolstack's permissions, which the
 * platform keys and every later part inherit. */
static void part_control(struct xsb *b, const struct pv_dom_params *p,
                         const struct pv_dom_xs_state *st, struct tree *t)
{
    static const char *const control_rw[] = {
        "shutdown", "feature-poweroff", "feature-reboot", "feature-suspend",
        "sysrq",
    };
    char path[256];

    (void)p;
    (void)st;
    snprintf(path, sizeof(path), "%s/control", t->dom);
    mknods_inherit(b, path, control_rw,
                   sizeof(control_rw) / sizeof(control_rw[0]));
    xsb_set_perms(b, t->roperm, 2, path);
    xsb_set_perms(b, t->roperm, 2, t->dom);
    xsb_write(b, "1", "%s/control/platform-feature-multiprocessor-suspend",
              t->dom);
    xsb_write(b, "1", "%s/control/platform-feature-xs_reset_watches", t->dom);
}

/* vm, name, domid and memory/ (libxl__domain_make, libxl__build_post). */
static void part_identity(struct xsb *b, const struct pv_dom_params *p,
                          const struct pv_dom_xs_state *st, struct tree *t)
{
    char num[32];

    (void)st;
    xsb_write(b, t->vm, "%s/vm", t->dom);
    xsb_write(b, p->name, "%s/name", t->dom);
    snprintf(num, sizeof(num), "%u", t->d);
    xsb_write(b, num, "%s/domid", t->dom);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)p->max_kb);
    xsb_write(b, num, "%s/memory/static-max", t->dom);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)p->target_kb);
    xsb_write(b, num, "%s/memory/target", t->dom);
    xsb_write(b, "0", "%s/memory/videoram", t->dom);
}

/* device/suspend/event-channel, store/ and cpu/. */
static void part_rings(struct xsb *b, const struct pv_dom_params *p,
                       const struct pv_dom_xs_state *st, struct tree *t)
{
    char num[32];
    unsigned i;

    /* device and device/suspend come with it, as the domain's */
    xsb_mknod(b, t->rwperm, 1, "%s/device/suspend/event-channel", t->dom);
    snprintf(num, sizeof(num), "%u", st->store_port);
    xsb_write(b, num, "%s/store/port", t->dom);
    snprintf(num, sizeof(num), "%lu", st->store_mfn);
    xsb_write(b, num, "%s/store/ring-ref", t->dom);
    for (i = 0; i < p->max_vcpus; i++)
        xsb_write(b, i < p->avail_vcpus ? "online" : "offline",
                  "%s/cpu/%u/availability", t->dom, i);
}

/* libxl__device_console_add for console 0: the frontend.  With dom0 as
 * console backend ro_front equals the domain directory's perms, so the
 * frontend and its keys simply inherit them, and the directory comes into
 * being with its first key: a node made implicitly is one request and one
 * watch firing at commit fewer (see docs/benchmarks.md). */
static void part_console(struct xsb *b, const struct pv_dom_params *p,
                         const struct pv_dom_xs_state *st, struct tree *t)
{
    char num[32], path[256];

    (void)p;
    if (!t->ro_inherit)
        xsb_mknod(b, t->ro_front, 2, "%s", t->fe);
    xsb_write(b, t->be, "%s/backend", t->fe);
    snprintf(num, sizeof(num), "%u", st->console_domid);
    snprintf(path, sizeof(path), "%s/backend-id", t->fe);
    xsb_write_perms(b, t->front, 2, num, path);
#define RO_FRONT(key, val) do { \
        snprintf(path, sizeof(path), "%s/" key, t->fe); \
        if (t->ro_inherit) \
            xsb_write(b, (val), "%s", path); \
        else \
            xsb_write_perms(b, t->ro_front, 2, (val), path); } while (0)
    RO_FRONT("limit", "1048576");
    RO_FRONT("type", "xenconsoled");
    RO_FRONT("output", "pty");
    RO_FRONT("tty", "");
    snprintf(num, sizeof(num), "%u", st->console_port);
    RO_FRONT("port", num);
    snprintf(num, sizeof(num), "%lu", st->console_mfn);
    RO_FRONT("ring-ref", num);
#undef RO_FRONT
}

/* /vm/<uuid> (libxl__domain_make, libxl__domain_build). */
static void part_vm(struct xsb *b, const struct pv_dom_params *p,
                    const struct pv_dom_xs_state *st, struct tree *t)
{
    xsb_rm(b, t->vm);
    xsb_mknod(b, t->roperm, 2, "%s", t->vm);
    xsb_write(b, p->name, "%s/name", t->vm);
    xsb_write(b, t->us, "%s/uuid", t->vm);
    if (p->type == PV_DOM_PV) {
        xsb_write(b, "linux", "%s/image/ostype", t->vm);
        xsb_write(b, p->kernel, "%s/image/kernel", t->vm);
    }
    xsb_write(b, st->start_time, "%s/start_time", t->vm);
    if (p->type == PV_DOM_PV) {
        if (p->ramdisk)
            xsb_write(b, p->ramdisk, "%s/image/ramdisk", t->vm);
        if (p->cmdline)
            xsb_write(b, p->cmdline, "%s/image/cmdline", t->vm);
    }
}

/* The console's backend keys, under BASE. */
static void console_backend_keys(struct xsb *b, const struct tree *t,
                                 const char *base)
{
    char num[32];

    snprintf(num, sizeof(num), "%u", t->d);
    xsb_write(b, num, "%s/frontend-id", base);
    xsb_write(b, "1", "%s/online", base);
    xsb_write(b, "1", "%s/state", base);
    xsb_write(b, "vt100", "%s/protocol", base);
}

/* /libxl/D, with libxl's private copy of the console's backend keys.
 * lx/device comes into being with the console's entry below it and
 * inherits lx's permissions, which are the ones libxl gives it. */
static void part_libxl(struct xsb *b, const struct pv_dom_params *p,
                       const struct pv_dom_xs_state *st, struct tree *t)
{
    char lp[128];

    (void)st;
    xsb_rm(b, t->lx);
    xsb_mknod(b, t->noperm, 1, "%s", t->lx);
    xsb_write(b, p->type == PV_DOM_PVH ? "pvh" : "pv", "%s/type", t->lx);
    /* libxl records the device model flavour even when none runs */
    xsb_write(b, "qemu_xen", "%s/dm-version", t->lx);
    snprintf(lp, sizeof(lp), "%s/device/console/0", t->lx);
    xsb_write(b, t->fe, "%s/frontend", lp);
    xsb_write(b, t->be, "%s/backend", lp);
    console_backend_keys(b, t, lp);
}

/* libxl__device_console_add: the backend. */
static void part_console_backend(struct xsb *b, const struct pv_dom_params *p,
                                 const struct pv_dom_xs_state *st,
                                 struct tree *t)
{
    (void)p;
    (void)st;
    xsb_rm(b, t->be);
    xsb_mknod(b, t->ro_front, 2, "%s", t->be);  /* backend perms = ro_front's */
    xsb_write(b, t->fe, "%s/frontend", t->be);
    console_backend_keys(b, t, t->be);
}

#define MAX_PARTS 8

/* A transaction of a plan: its parts, in order. */
struct tree_tx {
    tree_part_fn *parts[MAX_PARTS];
};

/* For the C xenstored.  A transaction conflicts when a node it read was
 * changed by another's commit, and making a node reads its parent, so
 * transactions side by side must make nodes under different parents.  It
 * serves a request of each connection per pass of its main loop, and a
 * pass costs about as much as a request, so the two halves balance. */
static const struct tree_tx plan_c[] = {
    { { part_dom_dir, part_guest_dirs, part_control, part_identity,
        part_rings, part_console } },
    { { part_vm, part_libxl, part_console_backend } },
};

/* For oxenstored, Debian's default.  Its cost is in each request (about
 * 0.7 ms under TCG, access log included), so there is little to gain from
 * more connections; what costs is a conflict.  A transaction's writes are
 * kept as the subtree under the deepest path all of them share; at commit
 * that subtree is merged if nobody changed it meanwhile, else the whole
 * transaction is replayed on the current tree.  plan_c's second half
 * shares only "/" and would be replayed whenever the first commits before
 * it.  Here the console backend goes with the domain's directory (both
 * under /local/domain), and /vm and /libxl are merged on their own. */
static const struct tree_tx plan_ocaml[] = {
    { { part_dom_dir, part_guest_dirs, part_control, part_identity,
        part_rings, part_console, part_console_backend } },
    { { part_vm } },
    { { part_libxl } },
};

static void write_parts(struct xsb *b, const struct tree_tx *tx,
                        const struct pv_dom_params *p,
                        const struct pv_dom_xs_state *st,
                        const struct tree *tr)
{
    struct tree t = *tr;    /* the xs_permissions arrays must be writable */
    unsigned i;

    for (i = 0; i < MAX_PARTS && tx->parts[i]; i++)
        tx->parts[i](b, p, st, &t);
}

static void free_replies(char **rep, unsigned n)
{
    unsigned i;

    if (!rep)
        return;
    for (i = 0; i < n; i++)
        free(rep[i]);
    free(rep);
}

/* Queue a read of every other domain's name (DIR is a directory reply of
 * /local/domain); note whether D itself is listed (a stale directory). */
static void queue_name_reads(struct xs_batch *b, const char *dir,
                             struct tree *t)
{
    const char *d;

    t->dom_listed = 0;
    for (d = dir; d && *d; d += strlen(d) + 1) {
        char path[64];

        if (strtoul(d, NULL, 10) == t->d) {
            t->dom_listed = 1;  /* a stale node of a dead namesake */
            continue;
        }
        snprintf(path, sizeof(path), "/local/domain/%s/name", d);
        xs_batch_read(b, path);
    }
}

/* The tree by PLAN: transaction I on connection I, each sent before any
 * reply is read, since xenstored serves a request of each connection per
 * pass of its main loop.  libxl__domain_make checks the name after Xen
 * made the domain, before its tree is committed; here connection N_TX
 * lists the domains while the transactions start and reads their names
 * while the transactions are written, so the check costs no pass of its
 * own, and all are abandoned if the name is taken.  A transaction whose
 * commit conflicts is redone alone (and the names are read again).  The
 * caller destroys the domain on failure, which also removes what did
 * commit.  Returns 0, -1, or PV_DOM_XS_NAME_TAKEN. */
static int write_tree_batched(struct xs_batch *conn, const struct tree_tx *plan,
                              int n_tx, const struct pv_dom_params *p,
                              const struct pv_dom_xs_state *st)
{
    struct xs_batch *names_conn = &conn[n_tx];
    struct tree t;
    int done[MAX_PARTS] = { 0 }, err[MAX_PARTS], tries, i, first = 0, taken = 0;

    tree_init(&t, p, st);
    for (tries = 0; tries < 50; tries++) {
        char **dir = NULL, **names = NULL;
        unsigned n_dir = 0, n_names = 0;
        int fail = 0, left = 0;

        xs_batch_directory(names_conn, "/local/domain");
        xs_batch_send(names_conn);
        for (i = 0; i < n_tx; i++) {
            err[i] = 0;
            if (done[i])
                continue;
            xs_batch_queue_tx_start(&conn[i]);
            xs_batch_send(&conn[i]);
        }
        if (xs_batch_collect(names_conn, &dir, &n_dir) || n_dir != 1) {
            first = first ? first : errno;
            PV_ERR((int)st->domid, "cannot list the domains in xenstore: %s",
                   strerror(errno));
            fail = 1;
        }
        for (i = 0; i < n_tx; i++)
            if (!done[i] && xs_batch_collect_tx_start(&conn[i])) {
                first = first ? first : errno;
                PV_ERR((int)st->domid, "xenstore transaction start failed: %s",
                       strerror(errno));
                fail = 1;
            }
        if (fail) {
            free_replies(dir, n_dir);
            goto abort;
        }
        queue_name_reads(names_conn, dir[0], &t);
        free_replies(dir, n_dir);
        for (i = 0; i < n_tx; i++) {
            struct xsb b = { .raw = &conn[i] };

            if (done[i])
                continue;
            write_parts(&b, &plan[i], p, st, &t);
            xs_batch_send(&conn[i]);
        }
        xs_batch_send(names_conn);
        for (i = 0; i < n_tx; i++)
            if (!done[i] && xs_batch_collect(&conn[i], NULL, NULL)) {
                first = first ? first : errno;
                PV_ERR((int)st->domid, "xenstore write failed: %s",
                       strerror(errno));
                fail = 1;
            }
        if (xs_batch_collect(names_conn, &names, &n_names)) {
            first = first ? first : errno;
            PV_ERR((int)st->domid, "cannot read the domains' names: %s",
                   strerror(errno));
            fail = 1;
        }
        for (i = 0; i < (int)n_names; i++)
            if (names[i] && !strcmp(names[i], p->name))
                taken = 1;
        free_replies(names, n_names);
        if (fail || taken)
            goto abort;
        for (i = 0; i < n_tx; i++) {
            if (done[i])
                continue;
            xs_batch_queue_tx_end(&conn[i], 0);
            xs_batch_send(&conn[i]);
        }
        for (i = 0; i < n_tx; i++) {
            if (done[i])
                continue;
            if (xs_batch_collect(&conn[i], NULL, NULL) == 0) {
                done[i] = 1;
            } else if ((err[i] = errno) != EAGAIN) {
                if (!fail)
                    PV_ERR((int)st->domid,
                           "xenstore transaction commit failed: %s",
                           strerror(err[i]));
                first = first ? first : err[i];
                fail = 1;
            } else {
                PV_DEBUG((int)st->domid,
                         "xenstore transaction %d conflicted, redoing it", i);
                left = 1;
            }
        }
        if (fail) {
            errno = first;
            return -1;
        }
        if (!left)
            return 0;
    }
    PV_ERR((int)st->domid, "xenstore transaction kept conflicting");
    errno = EAGAIN;
    return -1;

abort:
    /* whichever transactions did start are ended without effect */
    for (i = 0; i < n_tx; i++)
        if (!done[i] && conn[i].tx)
            xs_batch_tx_end(&conn[i], 1);
    if (taken)
        return PV_DOM_XS_NAME_TAKEN;
    errno = first ? first : EIO;
    return -1;
}

void pv_dom_xs_conns_close(struct pv_dom_xs_conns *conns)
{
    int i;

    for (i = 0; i < conns->n; i++)
        xs_batch_close(&conns->c[i]);
    conns->n = 0;
}

/* Open connections up to WANT (opening early lets xenstored accept them
 * while the domain is built). */
static int conns_open(struct pv_dom_xs_conns *conns, int want)
{
    while (conns->n < want) {
        if (xs_batch_open(&conns->c[conns->n])) {
            pv_dom_xs_conns_close(conns);
            return -1;
        }
        conns->n++;
    }
    return 0;
}

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int plan_conns(const struct pv_dom_xs_conns *conns)
{
    return conns->ocaml ? N_OF(plan_ocaml) + 1 : N_OF(plan_c) + 1;
}

int pv_dom_xs_write(struct xs_handle *xsh, const struct pv_dom_params *p,
                    const struct pv_dom_xs_state *st)
{
    struct pv_dom_xs_conns own = { .n = 0 };
    struct pv_dom_xs_conns *conns = st->conns ? st->conns : &own;
    struct xsb b = { .xsh = xsh };
    struct tree t;
    int tries;

    if (conns_open(conns, plan_conns(conns)) == 0) {
        int r = conns->ocaml ?
            write_tree_batched(conns->c, plan_ocaml, N_OF(plan_ocaml), p, st) :
            write_tree_batched(conns->c, plan_c, N_OF(plan_c), p, st);
        int e = errno;

        pv_dom_xs_conns_close(&own);
        errno = e;
        return r;
    }

    if (pv_dom_xs_name_taken(xsh, p->name, st->domid))
        return PV_DOM_XS_NAME_TAKEN;
    tree_init(&t, p, st);
    for (tries = 0; tries < 50; tries++) {
        b.t = xs_transaction_start(xsh);
        b.failed = 0;
        if (b.t == XBT_NULL) {
            PV_ERR((int)st->domid, "xenstore transaction start failed: %s",
                   strerror(errno));
            return -1;
        }
        write_parts(&b, &plan_c[0], p, st, &t);
        write_parts(&b, &plan_c[1], p, st, &t);
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

int pv_dom_xs_plan_queue(int ocaml, int i, struct xs_batch *b,
                         const struct pv_dom_params *p,
                         const struct pv_dom_xs_state *st, int dom_listed)
{
    const struct tree_tx *plan = ocaml ? plan_ocaml : plan_c;
    int n = ocaml ? N_OF(plan_ocaml) : N_OF(plan_c);
    struct xsb b_ = { .raw = b };
    struct tree t;

    if (i < 0 || i >= n)
        return -1;
    tree_init(&t, p, st);
    t.dom_listed = dom_listed;
    write_parts(&b_, &plan[i], p, st, &t);
    return n;
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

int pv_dom_xs_precheck(struct xs_handle *xsh, struct pv_dom_xs_conns *conns,
                       uint32_t poolid, uint32_t *store_domid,
                       uint32_t *console_domid)
{
    char **rep = NULL, pool[48], *name;
    unsigned n = 0;
    int named;

    snprintf(pool, sizeof(pool), "/local/pool/%u/name", poolid);
    conns->ocaml = 0;
    if (conns_open(conns, 1) == 0) {
        xs_batch_read(&conns->c[0], "/tool/xenstored/domid");
        xs_batch_read(&conns->c[0], "/tool/xenconsoled/domid");
        xs_batch_read(&conns->c[0], pool);
        /* oxenstored writes its own path there, the C one nothing */
        xs_batch_read(&conns->c[0], "/tool/xenstored");
        if (xs_batch_flush(&conns->c[0], &rep, &n) == 0 && n == 4) {
            *store_domid = rep[0] ? (uint32_t)strtoul(rep[0], NULL, 10) : 0;
            *console_domid = rep[1] ? (uint32_t)strtoul(rep[1], NULL, 10) : 0;
            named = rep[2] != NULL;
            conns->ocaml = rep[3] && strstr(rep[3], "oxenstored") != NULL;
            free_replies(rep, n);
            /* the rest now, so xenstored accepts them during the build */
            if (conns_open(conns, plan_conns(conns)))
                conns->ocaml = 0;   /* libxenstore from here on */
            return named ? 0 : -1;
        }
        free_replies(rep, n);
        pv_dom_xs_conns_close(conns);   /* libxenstore from here on */
    }
    *store_domid = tool_domid(xsh, "/tool/xenstored/domid");
    *console_domid = tool_domid(xsh, "/tool/xenconsoled/domid");
    name = xs_read(xsh, XBT_NULL, pool, NULL);
    named = name != NULL;
    free(name);
    return named ? 0 : -1;
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
