/* The pipelined xenstore client speaks xs_wire.h exactly as libxenstore
 * does: checked against a fake xenstored on a socketpair that records every
 * request and answers in order (refusing one path with ENOENT). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "libxl/xs_batch.h"

struct seen {
    struct xsd_sockmsg h;
    char body[512];
};

static struct seen seen[32];
static int n_seen;
static int expect;

static void *fake_xenstored(void *arg)
{
    int fd = *(int *)arg;
    int i;

    for (i = 0; i < expect; i++) {
        struct seen *s = &seen[n_seen++];
        struct xsd_sockmsg r = { 0 };
        const char *reply;

        if (read(fd, &s->h, sizeof(s->h)) != sizeof(s->h) ||
            s->h.len >= sizeof(s->body) ||
            read(fd, s->body, s->h.len) != (ssize_t)s->h.len)
            return NULL;
        r.req_id = s->h.req_id;
        r.tx_id = s->h.tx_id;
        if (s->h.type == XS_RM && !strcmp(s->body, "/gone")) {
            r.type = XS_ERROR;
            reply = "ENOENT";
        } else if (s->h.type == XS_WRITE && !strcmp(s->body, "/denied")) {
            r.type = XS_ERROR;
            reply = "EACCES";
        } else if (s->h.type == XS_READ) {
            r.type = XS_READ;
            reply = "value";
        } else {
            r.type = s->h.type;
            reply = "OK";
        }
        r.len = strlen(reply) + 1;
        if (write(fd, &r, sizeof(r)) < 0 || write(fd, reply, r.len) < 0)
            return NULL;
    }
    return NULL;
}

static pthread_t start(struct xs_batch *b, int sv[2], int n)
{
    pthread_t th;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    memset(b, 0, sizeof(*b));
    b->fd = sv[0];
    b->tx = 7;
    n_seen = 0;
    expect = n;
    assert_int_equal(pthread_create(&th, NULL, fake_xenstored, &sv[1]), 0);
    return th;
}

static void requests_are_encoded_as_libxenstore_does(void **state)
{
    struct xs_permissions perms[2] = {
        { .id = 0, .perms = XS_PERM_NONE }, { .id = 5, .perms = XS_PERM_READ },
    };
    struct xs_batch b;
    char **rep = NULL;
    unsigned n = 0;
    int sv[2];
    pthread_t th = start(&b, sv, 6);

    xs_batch_write(&b, "/a/b", "hello");
    xs_batch_mkdir(&b, "/a/c");
    xs_batch_set_perms(&b, "/a/c", perms, 2);
    xs_batch_rm(&b, "/gone");           /* ENOENT is tolerated for rm */
    xs_batch_read(&b, "/a/b");
    xs_batch_directory(&b, "/a");
    assert_int_equal(xs_batch_flush(&b, &rep, &n), 0);
    pthread_join(th, NULL);

    assert_int_equal(n_seen, 6);
    assert_int_equal(seen[0].h.type, XS_WRITE);
    assert_int_equal(seen[0].h.tx_id, 7);
    assert_int_equal(seen[0].h.len, 5 + 5);        /* "/a/b\0hello", no NUL */
    assert_memory_equal(seen[0].body, "/a/b\0hello", 10);
    assert_int_equal(seen[1].h.type, XS_MKDIR);
    assert_int_equal(seen[1].h.len, 5);
    assert_int_equal(seen[2].h.type, XS_SET_PERMS);
    assert_int_equal(seen[2].h.len, 5 + 3 + 3);     /* "/a/c\0n0\0r5\0" */
    assert_memory_equal(seen[2].body, "/a/c\0n0\0r5\0", 11);
    assert_int_equal(seen[3].h.type, XS_RM);
    assert_int_equal(seen[4].h.type, XS_READ);
    assert_int_equal(seen[5].h.type, XS_DIRECTORY);
    assert_int_equal(seen[5].h.len, 3);             /* "/a\0" */
    assert_memory_equal(seen[5].body, "/a", 3);
    assert_int_equal(n, 6);
    assert_null(rep[3]);
    assert_string_equal(rep[4], "value");
    for (unsigned i = 0; i < n; i++)
        free(rep[i]);
    free(rep);
    close(sv[1]);
    xs_batch_close(&b);
}

static void a_refused_write_fails_the_flush(void **state)
{
    struct xs_batch b;
    int sv[2];
    pthread_t th = start(&b, sv, 3);

    xs_batch_write(&b, "/ok", "1");
    xs_batch_write(&b, "/denied", "1");
    xs_batch_write(&b, "/ok2", "1");
    assert_int_equal(xs_batch_flush(&b, NULL, NULL), -1);
    assert_int_equal(errno, EACCES);
    pthread_join(th, NULL);
    assert_int_equal(n_seen, 3);      /* every reply was consumed */
    close(sv[1]);
    xs_batch_close(&b);
}

/* Replies arrive however the socket splits them: all of a burst in one
 * segment, or a byte at a time; two near-maximal payloads make the burst
 * larger than the client's input buffer. */
static int dribble;

static void *fake_bulk_xenstored(void *arg)
{
    static char out[3 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)];
    int fd = *(int *)arg;
    size_t len = 0, off;
    int i;

    for (i = 0; i < 3; i++) {
        struct xsd_sockmsg h, r = { 0 };
        char body[64];

        if (read(fd, &h, sizeof(h)) != sizeof(h) || h.len > sizeof(body) ||
            read(fd, body, h.len) != (ssize_t)h.len)
            return NULL;
        r.type = h.type;
        r.req_id = h.req_id;
        r.len = i < 2 ? 4000 : 2;
        memcpy(out + len, &r, sizeof(r));
        len += sizeof(r);
        if (i < 2)
            memset(out + len, i ? 'x' : 'a', r.len);
        else
            memcpy(out + len, "c", 2);
        len += r.len;
    }
    for (off = 0; off < len; off += dribble ? 1 : len)
        if (write(fd, out + off, dribble ? 1 : len) < 0)
            return NULL;
    return NULL;
}

static void replies_are_parsed_whatever_the_segmentation(void **state)
{
    for (dribble = 0; dribble < 2; dribble++) {
        struct xs_batch b;
        char **rep = NULL;
        unsigned n = 0, i;
        int sv[2];
        pthread_t th;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        memset(&b, 0, sizeof(b));
        b.fd = sv[0];
        assert_int_equal(pthread_create(&th, NULL, fake_bulk_xenstored,
                                        &sv[1]), 0);
        xs_batch_read(&b, "/a");
        xs_batch_read(&b, "/big");
        xs_batch_read(&b, "/c");
        assert_int_equal(xs_batch_flush(&b, &rep, &n), 0);
        pthread_join(th, NULL);
        assert_int_equal(n, 3);
        assert_int_equal(strlen(rep[0]), 4000);
        assert_int_equal(strspn(rep[0], "a"), 4000);
        assert_int_equal(strlen(rep[1]), 4000);
        assert_int_equal(strspn(rep[1], "x"), 4000);
        assert_string_equal(rep[2], "c");
        assert_int_equal(b.in_off, b.in_len);   /* nothing left unread */
        for (i = 0; i < n; i++)
            free(rep[i]);
        free(rep);
        close(sv[1]);
        xs_batch_close(&b);
    }
}

/* A fake xenstored for the watch connection: it answers XS_WATCH with an
 * event ahead of the acknowledgement (as a busy xenstored may), then sends
 * one event per byte the test writes to its control pipe, and two at once
 * for the byte '2'. */
static int watch_ctl[2];
static struct seen watch_req;

static void put_msg(int fd, uint32_t type, const char *body, size_t len,
                    char *buf, size_t *off)
{
    struct xsd_sockmsg h = { .type = type, .len = (uint32_t)len };

    memcpy(buf + *off, &h, sizeof(h));
    memcpy(buf + *off + sizeof(h), body, len);
    *off += sizeof(h) + len;
    (void)fd;
}

static void *fake_watch_xenstored(void *arg)
{
    int fd = *(int *)arg;
    static const char ev[] = "@releaseDomain\0tok";
    char buf[512], c;
    size_t off = 0;

    if (read(fd, &watch_req.h, sizeof(watch_req.h)) != sizeof(watch_req.h) ||
        watch_req.h.len >= sizeof(watch_req.body) ||
        read(fd, watch_req.body, watch_req.h.len) != (ssize_t)watch_req.h.len)
        return NULL;
    put_msg(fd, XS_WATCH_EVENT, ev, sizeof(ev), buf, &off);
    put_msg(fd, XS_WATCH, "OK", 3, buf, &off);
    if (write(fd, buf, off) != (ssize_t)off)
        return NULL;
    while (read(watch_ctl[0], &c, 1) == 1) {
        off = 0;
        put_msg(fd, XS_WATCH_EVENT, ev, sizeof(ev), buf, &off);
        if (c == '2')
            put_msg(fd, XS_WATCH_EVENT, ev, sizeof(ev), buf, &off);
        if (write(fd, buf, off) != (ssize_t)off)
            return NULL;
    }
    return NULL;
}

static void watch_events_wake_the_waiter_and_timeouts_expire(void **state)
{
    struct xs_batch b;
    pthread_t th;
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(pipe(watch_ctl), 0);
    memset(&b, 0, sizeof(b));
    b.fd = sv[0];
    assert_int_equal(pthread_create(&th, NULL, fake_watch_xenstored, &sv[1]), 0);

    assert_int_equal(xs_batch_watch(&b, "@releaseDomain", "tok"), 0);
    assert_int_equal(watch_req.h.type, XS_WATCH);
    assert_int_equal(watch_req.h.len, sizeof("@releaseDomain") + sizeof("tok"));
    assert_memory_equal(watch_req.body, "@releaseDomain\0tok", watch_req.h.len);
    /* the event ahead of the acknowledgement was dropped with it */
    assert_int_equal(xs_batch_wait_event(&b, 20), 0);

    assert_int_equal(write(watch_ctl[1], "1", 1), 1);
    assert_int_equal(xs_batch_wait_event(&b, 5000), 1);
    assert_int_equal(xs_batch_wait_event(&b, 20), 0);
    /* two events read in one go: each is its own wake-up */
    assert_int_equal(write(watch_ctl[1], "2", 1), 1);
    assert_int_equal(xs_batch_wait_event(&b, 5000), 1);
    assert_int_equal(xs_batch_wait_event(&b, 5000), 1);
    assert_int_equal(xs_batch_wait_event(&b, 20), 0);

    close(watch_ctl[1]);
    pthread_join(th, NULL);
    close(watch_ctl[0]);
    /* xenstored gone: an error, not a spurious event or a hang */
    close(sv[1]);
    assert_int_equal(xs_batch_wait_event(&b, 5000), -1);
    xs_batch_close(&b);
}

/* Serves connection A and connection B, but answers neither before it has
 * read every request of both: a client that waited for A's replies before
 * sending B's requests would stall it, and it reports that as a miss. */
struct pair_fake {
    int fd[2];
    int n[2];
    int missed;     /* B's requests did not come while A waited */
    uint32_t tx_seen[2];
};

static int read_req(int fd, struct seen *s, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    if (poll(&pfd, 1, timeout_ms) != 1)
        return -1;
    if (read(fd, &s->h, sizeof(s->h)) != sizeof(s->h) ||
        s->h.len >= sizeof(s->body) ||
        read(fd, s->body, s->h.len) != (ssize_t)s->h.len)
        return -1;
    return 0;
}

static void answer(int fd, const struct xsd_sockmsg *req, const char *reply)
{
    struct xsd_sockmsg r = { .type = req->type, .req_id = req->req_id,
                             .tx_id = req->tx_id,
                             .len = (uint32_t)strlen(reply) + 1 };

    if (write(fd, &r, sizeof(r)) < 0 || write(fd, reply, r.len) < 0)
        return;
}

static void *fake_pair_xenstored(void *arg)
{
    struct pair_fake *f = arg;
    struct seen req[2][8];
    int c, i;

    for (c = 0; c < 2; c++)
        for (i = 0; i < f->n[c]; i++)
            if (read_req(f->fd[c], &req[c][i], 2000)) {
                /* hang up, so the client's collect fails, not hangs */
                f->missed = 1;
                shutdown(f->fd[0], SHUT_RDWR);
                shutdown(f->fd[1], SHUT_RDWR);
                return NULL;
            }
    for (c = 0; c < 2; c++)
        for (i = 0; i < f->n[c]; i++) {
            const char *reply = "OK";

            f->tx_seen[c] = req[c][i].h.tx_id;
            if (req[c][i].h.type == XS_TRANSACTION_START)
                reply = c ? "12" : "11";
            answer(f->fd[c], &req[c][i].h, reply);
        }
    return NULL;
}

/* The fake's round is over: it saw both connections' requests before it
 * answered, carrying transactions TX_A and TX_B. */
static void round_done(struct pair_fake *f, pthread_t th, uint32_t tx_a,
                       uint32_t tx_b)
{
    pthread_join(th, NULL);
    assert_false(f->missed);
    assert_int_equal(f->tx_seen[0], tx_a);
    assert_int_equal(f->tx_seen[1], tx_b);
}

static void two_connections_are_both_sent_before_either_is_collected(void **st)
{
    struct xs_batch a, b;
    struct pair_fake f = { .n = { 1, 1 } };
    int sa[2], sb[2];
    pthread_t th;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sa), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sb), 0);
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.fd = sa[0];
    b.fd = sb[0];
    f.fd[0] = sa[1];
    f.fd[1] = sb[1];

    /* the transactions start with one wait */
    assert_int_equal(pthread_create(&th, NULL, fake_pair_xenstored, &f), 0);
    xs_batch_queue_tx_start(&a);
    xs_batch_queue_tx_start(&b);
    assert_int_equal(xs_batch_send(&a), 0);
    assert_int_equal(xs_batch_send(&b), 0);
    assert_int_equal(xs_batch_collect_tx_start(&a), 0);
    assert_int_equal(xs_batch_collect_tx_start(&b), 0);
    pthread_join(th, NULL);
    assert_false(f.missed);
    assert_int_equal(a.tx, 11);
    assert_int_equal(b.tx, 12);

    /* requests carry their own connection's transaction */
    f.n[0] = 2;
    f.n[1] = 1;
    assert_int_equal(pthread_create(&th, NULL, fake_pair_xenstored, &f), 0);
    xs_batch_write(&a, "/a/1", "x");
    xs_batch_write(&a, "/a/2", "y");
    xs_batch_write(&b, "/b/1", "z");
    assert_int_equal(xs_batch_send(&a), 0);
    assert_int_equal(xs_batch_send(&b), 0);
    /* a second send before the collect is refused and changes nothing */
    xs_batch_write(&a, "/a/3", "w");
    assert_int_equal(xs_batch_send(&a), -1);
    assert_int_equal(errno, EBUSY);
    assert_int_equal(xs_batch_collect(&a, NULL, NULL), 0);
    assert_int_equal(xs_batch_collect(&b, NULL, NULL), 0);
    round_done(&f, th, 11, 12);

    /* commits: the tx id goes on the end request, then is forgotten */
    f.n[0] = f.n[1] = 1;
    assert_int_equal(pthread_create(&th, NULL, fake_pair_xenstored, &f), 0);
    xs_batch_queue_tx_end(&a, 0);
    xs_batch_queue_tx_end(&b, 1);
    assert_int_equal(a.tx, 0);
    assert_int_equal(xs_batch_send(&a), 0);
    assert_int_equal(xs_batch_send(&b), 0);
    assert_int_equal(xs_batch_collect(&a, NULL, NULL), 0);
    assert_int_equal(xs_batch_collect(&b, NULL, NULL), 0);
    round_done(&f, th, 11, 12);

    close(sa[1]);
    close(sb[1]);
    xs_batch_close(&a);
    xs_batch_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(requests_are_encoded_as_libxenstore_does),
        cmocka_unit_test(a_refused_write_fails_the_flush),
        cmocka_unit_test(replies_are_parsed_whatever_the_segmentation),
        cmocka_unit_test(watch_events_wake_the_waiter_and_timeouts_expire),
        cmocka_unit_test(two_connections_are_both_sent_before_either_is_collected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
