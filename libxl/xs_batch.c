/* Pipelined xenstore requests (see xs_batch.h for why). */
#include "libxl/xs_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define BATCH_MAX_BYTES (64 * 1024)   /* well inside socket buffers */

int xs_batch_open(struct xs_batch *b)
{
    const char *env = getenv("XENSTORED_PATH");
    const char *paths[] = { env, "/var/run/xenstored/socket",
                            "/run/xenstored/socket" };
    unsigned i;

    memset(b, 0, sizeof(*b));
    b->fd = -1;
    if (getenv("PVSTACK_NO_XS_BATCH"))
        return -1;
    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!paths[i] || strlen(paths[i]) >= sizeof(sa.sun_path))
            continue;
        strcpy(sa.sun_path, paths[i]);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            b->fd = fd;
            return 0;
        }
        close(fd);
    }
    return -1;
}

void xs_batch_close(struct xs_batch *b)
{
    if (b->fd >= 0)
        close(b->fd);
    free(b->out);
    free(b->tolerate);
    memset(b, 0, sizeof(*b));
    b->fd = -1;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t r = write(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= r;
    }
    return 0;
}

/* LEN bytes of the reply stream, through the input buffer: a burst of 80
 * replies costs a few read() calls instead of two per reply. */
static int read_all(struct xs_batch *b, void *buf, size_t len)
{
    char *p = buf;

    while (len) {
        size_t n;

        if (b->in_off == b->in_len) {
            ssize_t r = read(b->fd, b->in, sizeof(b->in));

            if (r < 0 && errno == EINTR)
                continue;
            if (r == 0)
                errno = ECONNRESET;
            if (r <= 0)
                return -1;
            b->in_off = 0;
            b->in_len = (size_t)r;
        }
        n = b->in_len - b->in_off;
        if (n > len)
            n = len;
        memcpy(p, b->in + b->in_off, n);
        b->in_off += n;
        p += n;
        len -= n;
    }
    return 0;
}

static int errno_of(const char *name)
{
    static const struct { const char *n; int e; } t[] = {
        { "EINVAL", EINVAL }, { "EACCES", EACCES }, { "EEXIST", EEXIST },
        { "EISDIR", EISDIR }, { "ENOENT", ENOENT }, { "ENOMEM", ENOMEM },
        { "ENOSPC", ENOSPC }, { "EIO", EIO }, { "ENOTEMPTY", ENOTEMPTY },
        { "ENOSYS", ENOSYS }, { "EROFS", EROFS }, { "EBUSY", EBUSY },
        { "EAGAIN", EAGAIN }, { "EISCONN", EISCONN }, { "E2BIG", E2BIG },
        { "EPERM", EPERM },
    };
    unsigned i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (!strcmp(name, t[i].n))
            return t[i].e;
    return EIO;
}

/* One message of any type: header into *H, payload malloc'd and NUL
 * terminated into *BODY.  0, or -1 with errno. */
static int read_msg(struct xs_batch *b, struct xsd_sockmsg *h, char **body)
{
    *body = NULL;
    if (read_all(b, h, sizeof(*h)))
        return -1;
    if (h->len > XENSTORE_PAYLOAD_MAX) {
        errno = EPROTO;
        return -1;
    }
    *body = malloc(h->len + 1);
    if (!*body) {
        errno = ENOMEM;
        return -1;
    }
    if (read_all(b, *body, h->len)) {
        free(*body);
        *body = NULL;
        return -1;
    }
    (*body)[h->len] = 0;
    return 0;
}

/* Read one reply; returns 0 (payload in *out if wanted) or -1 with errno
 * (xenstored's error, or the I/O error). */
static int read_reply(struct xs_batch *b, char **out, size_t *out_len)
{
    struct xsd_sockmsg h;
    char *body;

    if (out)
        *out = NULL;
    do {
        if (read_msg(b, &h, &body))
            return -1;
        if (h.type == XS_WATCH_EVENT)   /* never asked for; skip it */
            free(body);
    } while (h.type == XS_WATCH_EVENT);
    if (h.type == XS_ERROR) {
        int e = errno_of(body);
        free(body);
        errno = e;
        return -2;      /* an answer, but a refusal */
    }
    if (out) {
        *out = body;
        if (out_len)
            *out_len = h.len;
    } else {
        free(body);
    }
    return 0;
}

int xs_batch_call(struct xs_batch *b, uint32_t type, uint32_t tx,
                  const char *payload, size_t len, char **reply,
                  size_t *reply_len)
{
    struct xsd_sockmsg h = { .type = type, .req_id = 0, .tx_id = tx,
                             .len = (uint32_t)len };
    int r;

    if (write_all(b->fd, (const char *)&h, sizeof(h)) ||
        write_all(b->fd, payload, len))
        return -1;
    r = read_reply(b, reply, reply_len);
    return r ? -1 : 0;
}

int xs_batch_tx_start(struct xs_batch *b)
{
    xs_batch_queue_tx_start(b);
    if (xs_batch_send(b))
        return -1;
    return xs_batch_collect_tx_start(b);
}

int xs_batch_tx_end(struct xs_batch *b, int abort)
{
    xs_batch_queue_tx_end(b, abort);
    return xs_batch_flush(b, NULL, NULL);
}

/* Append one request of TYPE with PAYLOAD (LEN bytes). */
static void queue(struct xs_batch *b, uint32_t type, int tolerant,
                  const char *payload, size_t len)
{
    struct xsd_sockmsg h = { .type = type, .req_id = b->n_queued,
                             .tx_id = b->tx, .len = (uint32_t)len };
    size_t need = b->out_len + sizeof(h) + len;

    if (b->oom)
        return;
    if (len > XENSTORE_PAYLOAD_MAX) {
        b->oom = 1;
        return;
    }
    if (need > b->out_cap) {
        size_t cap = b->out_cap ? b->out_cap * 2 : 8192;
        char *n;

        while (cap < need)
            cap *= 2;
        n = realloc(b->out, cap);
        if (!n) {
            b->oom = 1;
            return;
        }
        b->out = n;
        b->out_cap = cap;
    }
    if (b->n_queued >= b->tol_cap) {
        unsigned cap = b->tol_cap ? b->tol_cap * 2 : 128;
        unsigned char *n = realloc(b->tolerate, cap);

        if (!n) {
            b->oom = 1;
            return;
        }
        b->tolerate = n;
        b->tol_cap = cap;
    }
    memcpy(b->out + b->out_len, &h, sizeof(h));
    memcpy(b->out + b->out_len + sizeof(h), payload, len);
    b->out_len = need;
    b->tolerate[b->n_queued++] = tolerant;
}

/* "path\0" */
static void queue_path(struct xs_batch *b, uint32_t type, int tolerant,
                       const char *path)
{
    queue(b, type, tolerant, path, strlen(path) + 1);
}

void xs_batch_queue_tx_start(struct xs_batch *b)
{
    b->tx = 0;
    queue(b, XS_TRANSACTION_START, 0, "", 1);
}

int xs_batch_collect_tx_start(struct xs_batch *b)
{
    char **rep = NULL;
    unsigned n = 0;
    int ok;

    if (xs_batch_collect(b, &rep, &n))
        return -1;
    ok = n == 1 && rep[0] && *rep[0];
    if (ok)
        b->tx = (uint32_t)strtoul(rep[0], NULL, 10);
    if (rep) {
        unsigned i;

        for (i = 0; i < n; i++)
            free(rep[i]);
        free(rep);
    }
    if (!ok) {
        errno = EPROTO;
        return -1;
    }
    return 0;
}

void xs_batch_queue_tx_end(struct xs_batch *b, int abort)
{
    queue(b, XS_TRANSACTION_END, 0, abort ? "F" : "T", 2);
    b->tx = 0;
}

void xs_batch_write(struct xs_batch *b, const char *path, const char *val)
{
    size_t lp = strlen(path) + 1, lv = strlen(val);
    char *buf = malloc(lp + lv + 1);

    if (!buf) {
        b->oom = 1;
        return;
    }
    /* "path\0value": the value carries no terminator */
    memcpy(buf, path, lp);
    memcpy(buf + lp, val, lv);
    queue(b, XS_WRITE, 0, buf, lp + lv);
    free(buf);
}

void xs_batch_mkdir(struct xs_batch *b, const char *path)
{
    queue_path(b, XS_MKDIR, 0, path);
}

void xs_batch_rm(struct xs_batch *b, const char *path)
{
    queue_path(b, XS_RM, 1, path);
}

void xs_batch_read(struct xs_batch *b, const char *path)
{
    queue_path(b, XS_READ, 1, path);
}

void xs_batch_directory(struct xs_batch *b, const char *path)
{
    queue_path(b, XS_DIRECTORY, 1, path);
}

void xs_batch_set_perms(struct xs_batch *b, const char *path,
                        const struct xs_permissions *perms, int n)
{
    char buf[512];
    size_t off = strlen(path) + 1;
    int i;

    if (off > 256) {
        b->oom = 1;
        return;
    }
    memcpy(buf, path, off);
    /* "path\0n0\0r5\0": each perm as libxenstore's xs_perm_to_string */
    for (i = 0; i < n && off < sizeof(buf) - 16; i++) {
        char c = 'n';

        if ((perms[i].perms & XS_PERM_READ) && (perms[i].perms & XS_PERM_WRITE))
            c = 'b';
        else if (perms[i].perms & XS_PERM_READ)
            c = 'r';
        else if (perms[i].perms & XS_PERM_WRITE)
            c = 'w';
        off += snprintf(buf + off, sizeof(buf) - off, "%c%u", c,
                        perms[i].id) + 1;
    }
    queue(b, XS_SET_PERMS, 0, buf, off);
}

int xs_batch_send(struct xs_batch *b)
{
    int e = 0;

    if (b->n_sent) {
        /* The replies of the last send are unread: a caller's mistake.
         * Drop the new requests and leave those replies to the collect
         * that is due, so the connection stays in step. */
        b->out_len = 0;
        b->n_queued = 0;
        b->oom = 0;
        errno = EBUSY;
        return -1;
    }
    if (b->oom)
        e = ENOMEM;
    else if (b->out_len > BATCH_MAX_BYTES)
        e = E2BIG;
    else if (write_all(b->fd, b->out, b->out_len))
        e = errno;
    b->n_sent = e ? 0 : b->n_queued;
    b->send_err = e;
    b->out_len = 0;
    b->n_queued = 0;
    b->oom = 0;
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

int xs_batch_collect(struct xs_batch *b, char ***replies, unsigned *n_out)
{
    unsigned i, n = b->n_sent;
    char **rep = NULL;
    int first_err = 0, io_err = 0;

    if (replies)
        *replies = NULL;
    if (n_out)
        *n_out = 0;
    b->n_sent = 0;
    if (b->send_err) {
        errno = b->send_err;
        b->send_err = 0;
        return -1;
    }
    /* Without room for the payloads the replies are still read, so the
     * connection stays in step. */
    if (replies && !(rep = calloc(n ? n : 1, sizeof(*rep))))
        first_err = ENOMEM;
    for (i = 0; i < n && !io_err; i++) {
        int r = read_reply(b, rep ? &rep[i] : NULL, NULL);

        if (r == -1) {
            io_err = errno;
        } else if (r == -2 && !(b->tolerate[i] && errno == ENOENT) &&
                   !first_err) {
            first_err = errno;
        }
    }
    if (io_err || first_err || !replies) {
        if (rep) {
            for (i = 0; i < n; i++)
                free(rep[i]);
            free(rep);
        }
        if (io_err || first_err) {
            errno = io_err ? io_err : first_err;
            return -1;
        }
        return 0;
    }
    *replies = rep;
    *n_out = n;
    return 0;
}

int xs_batch_flush(struct xs_batch *b, char ***replies, unsigned *n_out)
{
    if (xs_batch_send(b)) {
        int e = errno;

        xs_batch_collect(b, replies, n_out);   /* clears the error */
        errno = e;
        return -1;
    }
    return xs_batch_collect(b, replies, n_out);
}

int xs_batch_open_watch(struct xs_batch *b)
{
    const char *dev = getenv("XENSTORED_PATH") ? NULL : "/dev/xen/xenbus";

    if (xs_batch_open(b) == 0)
        return 0;
    if (!dev || getenv("PVSTACK_NO_XS_BATCH"))
        return -1;
    b->fd = open(dev, O_RDWR | O_CLOEXEC);
    return b->fd < 0 ? -1 : 0;
}

int xs_batch_watch(struct xs_batch *b, const char *path, const char *token)
{
    size_t lp = strlen(path) + 1, lt = strlen(token) + 1;
    char buf[512];

    if (lp + lt > sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, lp);
    memcpy(buf + lp, token, lt);
    return xs_batch_call(b, XS_WATCH, 0, buf, lp + lt, NULL, NULL);
}

int xs_batch_wait_event(struct xs_batch *b, int timeout_ms)
{
    struct xsd_sockmsg h;
    char *body;

    /* bytes already buffered belong to a message that has arrived */
    if (b->in_off == b->in_len) {
        struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
        int r;

        do
            r = poll(&pfd, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r <= 0)
            return r;
    }
    if (read_msg(b, &h, &body))
        return -1;
    free(body);
    /* Only watch events come unasked on this connection; whatever it was,
     * the caller looks at the watched state again. */
    return 1;
}
