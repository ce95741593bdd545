/* Pipelined xenstore requests over xenstored's unix socket.
 *
 * libxenstore waits for each reply before sending the next request, so a
 * domain's ~80 nodes cost ~80 round trips through xenstored, the largest
 * part of creating a small domain.  The wire protocol (xen/io/xs_wire.h)
 * answers requests in order, so we queue many, send them in one write and
 * then read all the replies.  Only for dom0 toolstacks talking to a local
 * xenstored; callers fall back to libxenstore when xs_batch_open fails. */
#ifndef PV_XS_BATCH_H
#define PV_XS_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

struct xs_batch {
    int fd;
    uint32_t tx;            /* current transaction, 0 if none */
    char *out;              /* queued requests */
    size_t out_len, out_cap;
    unsigned n_queued;
    unsigned n_sent;        /* sent, replies not yet collected */
    int send_err;           /* why the last send failed, for collect */
    unsigned char *tolerate;    /* per queued request: ENOENT is fine */
    unsigned tol_cap;
    int oom;
    /* replies are read in bulk: one read() for many small answers */
    char in[4096];
    size_t in_off, in_len;
};

/* Connect to xenstored's socket; -1 if there is none (use libxenstore). */
int xs_batch_open(struct xs_batch *b);
void xs_batch_close(struct xs_batch *b);

/* One synchronous request; reply payload malloc'd into *REPLY (NUL
 * terminated, may be NULL).  Returns 0 or -1 with errno from xenstored. */
int xs_batch_call(struct xs_batch *b, uint32_t type, uint32_t tx,
                  const char *payload, size_t len, char **reply,
                  size_t *reply_len);

int xs_batch_tx_start(struct xs_batch *b);
/* Commit (or abort); -1 with errno EAGAIN when the commit conflicted. */
int xs_batch_tx_end(struct xs_batch *b, int abort);
/* The same in two halves, to start or end transactions on several
 * connections with one wait: queue on each, send each, collect each. */
void xs_batch_queue_tx_start(struct xs_batch *b);
int xs_batch_collect_tx_start(struct xs_batch *b);
void xs_batch_queue_tx_end(struct xs_batch *b, int abort);

/* Queue requests in the current transaction (nothing is sent yet). */
void xs_batch_write(struct xs_batch *b, const char *path, const char *val);
void xs_batch_mkdir(struct xs_batch *b, const char *path);
void xs_batch_rm(struct xs_batch *b, const char *path);   /* ENOENT ok */
void xs_batch_set_perms(struct xs_batch *b, const char *path,
                        const struct xs_permissions *perms, int n);
void xs_batch_read(struct xs_batch *b, const char *path); /* ENOENT ok */
/* The reply is the children's names, each NUL-terminated, and one more
 * NUL after the last (an empty string ends the list).  ENOENT ok. */
void xs_batch_directory(struct xs_batch *b, const char *path);

/* Send everything queued and read every reply.  Returns 0 if all succeeded
 * (ENOENT allowed where noted), else -1 with errno of the first failure.
 * If REPLIES is not NULL it receives the N payloads (malloc'd, NULL for
 * errors), in queue order; the caller frees them and the array. */
int xs_batch_flush(struct xs_batch *b, char ***replies, unsigned *n);

/* xs_batch_flush in two halves.  xenstored serves one request per
 * connection in each pass of its main loop, so requests sent on two
 * connections before either's replies are collected take about half the
 * passes.  Queue nothing between a send and its collect.  A failed send
 * is reported again (and cleared) by the collect. */
int xs_batch_send(struct xs_batch *b);
int xs_batch_collect(struct xs_batch *b, char ***replies, unsigned *n);

/* Watches on a connection of their own.  xl links libxenstore statically
 * and Xen builds libxenstore.a without its reader thread, so a poll() on
 * xs_fileno() never wakes; this connection's socket is polled directly.
 * xs_batch_open_watch also takes the xenbus device when xenstored has no
 * local socket (a xenstore stub domain).  Closing the connection removes
 * its watches. */
int xs_batch_open_watch(struct xs_batch *b);
/* Register PATH with TOKEN; 0 or -1 with errno.  Events that arrive
 * before the acknowledgement are dropped: callers look at the state they
 * watch after registering. */
int xs_batch_watch(struct xs_batch *b, const char *path, const char *token);
/* Wait up to TIMEOUT_MS (< 0: for ever) for the next watch event and
 * consume it: 1 on an event, 0 on timeout, -1 with errno on failure. */
int xs_batch_wait_event(struct xs_batch *b, int timeout_ms);

#endif
