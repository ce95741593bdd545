/* Device xenstore plumbing: writing a node set with libxl's permissions,
 * removing it, waiting for backend states, and running a user's hotplug
 * script. */
#include "libxl/dev_internal.h"
#include "libxl/log.h"
#include "libxl/xs_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

extern char **environ;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *pv_xenbus_state_name(int state)
{
    static const char *const names[] = {
        "Unknown", "Initialising", "InitWait", "Initialised", "Connected",
        "Closing", "Closed", "Reconfiguring", "Reconfigured",
    };
    if (state < 0)
        return "missing";
    if (state < (int)(sizeof(names) / sizeof(names[0])))
        return names[state];
    return "invalid";
}

char *pv_dev_xs_read(struct xs_handle *xsh, const char *fmt, ...)
{
    char path[512];
    unsigned len;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return xs_read(xsh, XBT_NULL, path, &len);
}

int pv_dev_xs_write(struct xs_handle *xsh, const char *val, const char *fmt, ...)
{
    char path[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return xs_write(xsh, XBT_NULL, path, val, strlen(val)) ? 0 : -errno;
}

static bool xs_put(struct xs_handle *xsh, xs_transaction_t t, const char *dir,
                   const char *key, const char *val)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_write(xsh, t, path, val, strlen(val));
}

static bool xs_put_perms(struct xs_handle *xsh, xs_transaction_t t,
                         const char *dir, const char *key, const char *val,
                         struct xs_permissions *perms, int nperms)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_write(xsh, t, path, val, strlen(val)) &&
           xs_set_permissions(xsh, t, path, perms, nperms);
}

static bool xs_exists(struct xs_handle *xsh, xs_transaction_t t, const char *path)
{
    unsigned len;
    char *v = xs_read(xsh, t, path, &len);
    if (!v)
        return false;
    free(v);
    return true;
}

int pv_dev_nodes_write(struct xs_handle *xsh, const struct pv_dev_nodes *n)
{
    struct xs_permissions fe_perms[2] = {
        { .id = n->domid, .perms = XS_PERM_NONE },
        { .id = n->backend_domid, .perms = XS_PERM_READ },
    };
    /* The backend directory and read-only frontend keys: the backend domain
     * owns them, the guest may only read. */
    struct xs_permissions be_perms[2] = {
        { .id = n->backend_domid, .perms = XS_PERM_NONE },
        { .id = n->domid, .perms = XS_PERM_READ },
    };
    xs_transaction_t t;
    int i, e;

    for (;;) {
        t = xs_transaction_start(xsh);
        if (t == XBT_NULL)
            return -errno;
        if (xs_exists(xsh, t, n->libxl_path) || xs_exists(xsh, t, n->fe_path)) {
            xs_transaction_end(xsh, t, true);
            return -EEXIST;
        }
        if (!xs_put(xsh, t, n->libxl_path, "frontend", n->fe_path) ||
            !xs_put(xsh, t, n->libxl_path, "backend", n->be_path))
            goto fail;

        if (!xs_mkdir(xsh, t, n->fe_path) ||
            !xs_set_permissions(xsh, t, n->fe_path, fe_perms, 2) ||
            !xs_put(xsh, t, n->fe_path, "backend", n->be_path))
            goto fail;
        for (i = 0; i < n->nfront; i++)
            if (!xs_put_perms(xsh, t, n->fe_path, n->front[i].key,
                              n->front[i].val, fe_perms, 2))
                goto fail;
        for (i = 0; i < n->nro; i++)
            if (!xs_put_perms(xsh, t, n->fe_path, n->ro_front[i].key,
                              n->ro_front[i].val, be_perms, 2))
                goto fail;

        xs_rm(xsh, t, n->be_path);
        if (!xs_mkdir(xsh, t, n->be_path) ||
            !xs_set_permissions(xsh, t, n->be_path, be_perms, 2) ||
            !xs_put(xsh, t, n->be_path, "frontend", n->fe_path))
            goto fail;
        for (i = 0; i < n->nback; i++)
            if (!xs_put(xsh, t, n->be_path, n->back[i].key, n->back[i].val))
                goto fail;
        /* libxl keeps a copy of the backend keys it can trust. */
        for (i = 0; i < n->nback; i++)
            if (!xs_put(xsh, t, n->libxl_path, n->back[i].key, n->back[i].val))
                goto fail;
        if (xs_transaction_end(xsh, t, false))
            return 0;
        if (errno != EAGAIN)
            return -errno;
    }
fail:
    e = errno ? errno : EIO;
    xs_transaction_end(xsh, t, true);
    return -e;
}

/* Remove PATH and then each parent left empty, as libxl__xs_path_cleanup:
 * the last device of a domain takes backend/vbd/DOMID with it. */
static void path_cleanup(struct xs_handle *xsh, xs_transaction_t t,
                         const char *path)
{
    char buf[256], *slash;
    char **ents;
    unsigned num;

    snprintf(buf, sizeof(buf), "%s", path);
    xs_rm(xsh, t, buf);
    while ((slash = strrchr(buf, '/')) && slash != buf) {
        *slash = '\0';
        ents = xs_directory(xsh, t, buf, &num);
        if (!ents)
            break;
        free(ents);
        if (num)
            break;
        xs_rm(xsh, t, buf);
    }
}

int pv_dev_xs_remove(struct xs_handle *xsh, const char *fe, const char *be,
                     const char *libxl_path)
{
    xs_transaction_t t;

    for (;;) {
        t = xs_transaction_start(xsh);
        if (t == XBT_NULL)
            return -errno;
        if (fe)
            path_cleanup(xsh, t, fe);
        if (be)
            path_cleanup(xsh, t, be);
        if (libxl_path)
            xs_rm(xsh, t, libxl_path);
        if (xs_transaction_end(xsh, t, false))
            return 0;
        if (errno != EAGAIN)
            return -errno;
    }
}

static int read_state(struct xs_handle *xsh, const char *be)
{
    char *v = pv_dev_xs_read(xsh, "%s/state", be);
    int s = v ? atoi(v) : -1;
    free(v);
    return s;
}

int pv_dev_wait_backend(struct xs_handle *xsh, const char *be, int want,
                        int timeout_ms, int (*ready)(void *), void *arg,
                        int *state)
{
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : PV_DEV_TIMEOUT_MS);
    struct xs_batch w;
    char path[300], token[32];
    int s = -1, rc, watching;

    /* A private connection for the watch: libxenstore's own cannot be
     * polled when linked statically (see xs_batch.h). */
    snprintf(path, sizeof(path), "%s/state", be);
    snprintf(token, sizeof(token), "pvdev-%d", getpid());
    watching = xs_batch_open_watch(&w) == 0 &&
               xs_batch_watch(&w, path, token) == 0;
    for (;;) {
        long long left;

        s = read_state(xsh, be);
        if (s >= want && s < PV_XENBUS_CLOSING && (!ready || ready(arg))) {
            rc = 0;
            break;
        }
        if (s == PV_XENBUS_CLOSING || s == PV_XENBUS_CLOSED) {
            rc = -EIO;
            break;
        }
        left = deadline - now_ms();
        if (left <= 0) {
            rc = -ETIMEDOUT;
            break;
        }
        /* Wake on the watch; the READY condition (a sysfs file, a netdev)
         * has no event, so poll it every few ms meanwhile. */
        if (s >= want && ready)
            left = left < 5 ? left : 5;
        if (!watching || xs_batch_wait_event(&w, (int)(left < 100 ? left : 100)) < 0) {
            watching = 0;
            usleep(2000);
        }
    }
    xs_batch_close(&w);
    if (state)
        *state = s;
    return rc;
}

int pv_dev_backend_close(struct xs_handle *xsh, const char *be, int timeout_ms)
{
    char online[300], st[300], val[4];
    xs_transaction_t t;
    int s, rc;

    snprintf(online, sizeof(online), "%s/online", be);
    snprintf(st, sizeof(st), "%s/state", be);
    snprintf(val, sizeof(val), "%d", PV_XENBUS_CLOSING);
    for (;;) {
        t = xs_transaction_start(xsh);
        if (t == XBT_NULL)
            return -errno;
        if (!xs_exists(xsh, t, st)) {
            xs_transaction_end(xsh, t, true);
            return 0;       /* no backend left to close */
        }
        if (!xs_write(xsh, t, online, "0", 1) || !xs_write(xsh, t, st, val, 1)) {
            rc = -errno;
            xs_transaction_end(xsh, t, true);
            return rc;
        }
        if (xs_transaction_end(xsh, t, false))
            break;
        if (errno != EAGAIN)
            return -errno;
    }
    /* Closed (6) is past Closing, so wait for it directly. */
    {
        long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : PV_DEV_TIMEOUT_MS);
        while ((s = read_state(xsh, be)) != PV_XENBUS_CLOSED && s >= 0) {
            if (now_ms() >= deadline)
                return -ETIMEDOUT;
            usleep(2000);
        }
    }
    return 0;
}

static int backend_dev_gone(const char *kind, uint32_t domid, int devid)
{
    char p[128];

    snprintf(p, sizeof(p), "/sys/bus/xen-backend/devices/%s-%u-%d", kind,
             domid, devid);
    return access(p, F_OK) != 0;
}

int pv_dev_backend_force_close(struct xs_handle *xsh, const char *fe,
                               const char *be, const char *kind,
                               uint32_t domid, int devid, int timeout_ms)
{
    char online[300], st[300], val[4];
    int sysfs = access("/sys/bus/xen-backend", F_OK) == 0;
    long long deadline;
    xs_transaction_t t;
    char *cur;
    int s;

    snprintf(online, sizeof(online), "%s/online", be);
    snprintf(st, sizeof(st), "%s/state", be);
    snprintf(val, sizeof(val), "%d", PV_XENBUS_CLOSING);
    for (;;) {
        t = xs_transaction_start(xsh);
        if (t == XBT_NULL)
            return -errno;
        /* The frontend vanishing is what makes the backend driver let go
         * of a guest that can no longer answer (paused, shut down). */
        if (fe)
            path_cleanup(xsh, t, fe);
        cur = xs_read(xsh, t, st, NULL);
        if (cur) {
            xs_write(xsh, t, online, "0", 1);
            if (atoi(cur) != PV_XENBUS_CLOSED)
                xs_write(xsh, t, st, val, 1);
            free(cur);
        }
        if (xs_transaction_end(xsh, t, false))
            break;
        if (errno != EAGAIN)
            return -errno;
    }
    deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : PV_DEV_DESTROY_TIMEOUT_MS);
    for (;;) {
        if (sysfs) {
            /* a stat, not a xenstore round trip: cheap to poll */
            if (backend_dev_gone(kind, domid, devid))
                return 0;
        } else {
            s = read_state(xsh, be);
            if (s == PV_XENBUS_CLOSED || s < 0)
                return 0;
        }
        if (now_ms() >= deadline)
            return -ETIMEDOUT;
        usleep(sysfs ? 2000 : 10000);
    }
}

int pv_dev_run_script(uint32_t domid, const char *script, const char *action,
                      const char *extra, const char *kind, int devid,
                      const char *vifname, const char *netdev, int timeout_ms)
{
    char path[PATH_MAX], xbpath[128];
    char *env_add[12];
    char **envp = NULL;
    int n_add = 0, n_env = 0, i, status, rc;
    long long deadline;
    pid_t pid;

    pv_dev_script_path(script, path, sizeof(path));
    if (access(path, X_OK)) {
        rc = -errno;
        PV_ERR((int)domid, "hotplug script %s: %s", path, strerror(errno));
        return rc;
    }
    snprintf(xbpath, sizeof(xbpath), "backend/%s/%u/%d", kind, domid, devid);
    if (asprintf(&env_add[n_add++], "script=%s", path) < 0 ||
        asprintf(&env_add[n_add++], "XENBUS_TYPE=%s", kind) < 0 ||
        asprintf(&env_add[n_add++], "XENBUS_PATH=%s", xbpath) < 0 ||
        asprintf(&env_add[n_add++], "XENBUS_BASE_PATH=backend") < 0)
        return -ENOMEM;
    if (!strcmp(kind, "vif")) {
        if (asprintf(&env_add[n_add++], "netdev=%s", netdev ? netdev : "") < 0 ||
            asprintf(&env_add[n_add++], "vif=%s", vifname) < 0)
            return -ENOMEM;
    }
    while (environ[n_env])
        n_env++;
    envp = calloc(n_env + n_add + 1, sizeof(char *));
    if (!envp) {
        rc = -ENOMEM;
        goto out;
    }
    for (i = 0; i < n_env; i++)
        envp[i] = environ[i];
    for (i = 0; i < n_add; i++)
        envp[n_env + i] = env_add[i];

    PV_DEBUG((int)domid, "running hotplug script %s %s%s%s", path, action,
             extra ? " " : "", extra ? extra : "");
    pid = fork();
    if (pid < 0) {
        rc = -errno;
        goto out;
    }
    if (pid == 0) {
        char *argv[4] = { path, (char *)action, (char *)extra, NULL };
        int fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 0);
            close(fd);
        }
        execve(path, argv, envp);
        _exit(127);
    }
    deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : PV_DEV_TIMEOUT_MS);
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            rc = -errno;
            goto out;
        }
        if (now_ms() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            PV_ERR((int)domid, "hotplug script %s %s timed out", path, action);
            rc = -ETIMEDOUT;
            goto out;
        }
        usleep(2000);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
    } else {
        if (WIFEXITED(status))
            PV_ERR((int)domid, "hotplug script %s %s failed with exit status %d",
                   path, action, WEXITSTATUS(status));
        else
            PV_ERR((int)domid, "hotplug script %s %s killed by signal %d",
                   path, action, WTERMSIG(status));
        rc = -ECHILD;
    }
out:
    for (i = 0; i < n_add; i++)
        free(env_add[i]);
    free(envp);
    return rc;
}
