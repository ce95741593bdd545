/* bench/xenstore/commit_perms: what a transaction commit costs cxenstored
 * per running guest, and how much of it is the permission check of the
 * watches it fires (docs/benchmarks.md, "Why the growth with 20 other
 * domains...").
 *
 * Each round makes a fresh parent directory with the given permissions,
 * then, timed: starts a transaction, writes N children in one burst, reads
 * the N replies, commits.  A parent of "n0" gives its children libxl's kind
 * of permissions (no guest may read them); "r0" lets every guest read them,
 * which lets watch_permitted answer without reading the node and its parent
 * from TDB.  Run in the sandbox by bench/xenstore/run.sh, with 0 and then
 * 20 running guests.
 *
 * Usage: commit_perms [N [ROUNDS]]   (defaults 55, 11) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define MAX_ROUNDS 64

static char out[65536];
static size_t out_len;

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int xs_connect(void)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    if (fd < 0)
        die("socket");
    strcpy(a.sun_path, "/run/xenstored/socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
        die("connect /run/xenstored/socket");
    return fd;
}

static void queue(uint32_t type, uint32_t tx, const void *payload, size_t len)
{
    struct xsd_sockmsg h = { .type = type, .req_id = 1, .tx_id = tx,
                             .len = (uint32_t)len };

    if (out_len + sizeof(h) + len > sizeof(out)) {
        fprintf(stderr, "request burst too large\n");
        exit(1);
    }
    memcpy(out + out_len, &h, sizeof(h));
    out_len += sizeof(h);
    memcpy(out + out_len, payload, len);
    out_len += len;
}

/* two NUL-separated strings, the second without its NUL unless asked */
static void queue2(uint32_t type, uint32_t tx, const char *a, const char *b,
                   int b_nul)
{
    char buf[512];
    size_t la = strlen(a) + 1, lb = strlen(b) + (b_nul ? 1 : 0);

    memcpy(buf, a, la);
    memcpy(buf + la, b, lb);
    queue(type, tx, buf, la + lb);
}

static void flush(int fd)
{
    size_t done = 0;

    while (done < out_len) {
        ssize_t r = write(fd, out + done, out_len - done);
        if (r <= 0)
            die("write");
        done += (size_t)r;
    }
    out_len = 0;
}

static void read_all(int fd, void *p, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = read(fd, (char *)p + done, n - done);
        if (r <= 0)
            die("read");
        done += (size_t)r;
    }
}

/* one reply; its payload NUL-terminated in BODY (may be NULL) */
static void reply(int fd, char *body, size_t size)
{
    struct xsd_sockmsg h;
    char buf[4096];

    read_all(fd, &h, sizeof(h));
    if (h.len >= sizeof(buf)) {
        fprintf(stderr, "reply too large\n");
        exit(1);
    }
    read_all(fd, buf, h.len);
    buf[h.len] = 0;
    if (h.type == XS_ERROR) {
        fprintf(stderr, "xenstored: %s\n", buf);
        exit(1);
    }
    if (body && size) {
        size_t n = h.len < size - 1 ? h.len : size - 1;

        memcpy(body, buf, n);
        body[n] = 0;
    }
}

static double now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* One round: total ms, and the commit's own ms in *commit */
static double round_ms(int n, const char *perm, int id, double *commit)
{
    char parent[64], path[128], body[64];
    double t0, t1;
    uint32_t tx;
    int fd = xs_connect(), i;

    snprintf(parent, sizeof(parent), "/bench/r%d", id);
    queue2(XS_WRITE, 0, parent, "", 0);
    queue2(XS_SET_PERMS, 0, parent, perm, 1);
    flush(fd);
    reply(fd, NULL, 0);
    reply(fd, NULL, 0);

    t0 = now_ms();
    queue(XS_TRANSACTION_START, 0, "", 1);
    flush(fd);
    reply(fd, body, sizeof(body));
    tx = (uint32_t)strtoul(body, NULL, 10);
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/n%d", parent, i);
        queue2(XS_WRITE, tx, path, "value", 0);
    }
    flush(fd);
    for (i = 0; i < n; i++)
        reply(fd, NULL, 0);
    t1 = now_ms();
    queue(XS_TRANSACTION_END, tx, "T", 2);
    flush(fd);
    reply(fd, NULL, 0);
    *commit = now_ms() - t1;
    close(fd);
    return now_ms() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    static const char *const perms[] = { "n0", "r0" };
    int n = argc > 1 ? atoi(argv[1]) : 55;
    int rounds = argc > 2 ? atoi(argv[2]) : 11;
    unsigned k;
    int fd;

    if (n < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: commit_perms [N [ROUNDS<=%d]]\n", MAX_ROUNDS);
        return 2;
    }
    for (k = 0; k < 2; k++) {
        double total[MAX_ROUNDS], commit[MAX_ROUNDS];
        int r;

        for (r = 0; r < rounds; r++)
            total[r] = round_ms(n, perms[k], r * 2 + (int)k, &commit[r]);
        qsort(total, (size_t)rounds, sizeof(double), cmp_double);
        qsort(commit, (size_t)rounds, sizeof(double), cmp_double);
        printf("parent %s: %d writes + commit in a transaction: median %.2f ms"
               " (commit alone %.2f ms)\n",
               perms[k], n, total[rounds / 2], commit[rounds / 2]);
        fflush(stdout);
    }
    fd = xs_connect();
    queue(XS_RM, 0, "/bench", 7);
    flush(fd);
    reply(fd, NULL, 0);
    close(fd);
    return 0;
}
