/* pvimg bench: qemu-img bench's request generator and output.
 *
 * qemu-img keeps DEPTH requests in flight from one thread with AIO; the
 * engine's I/O is synchronous and thread safe, so here the requests in
 * flight are carried by worker threads (min(depth, CPUs): on the page cache
 * the work is CPU bound and more threads than cores only add contention).
 * Request i goes to offset + i * step, wrapping at the end of the image,
 * exactly as qemu-img orders them. */
#include "blktap/pvimg.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_PATTERN = 256, OPT_FLUSH_INTERVAL, OPT_NO_DRAIN, OPT_OBJECT, OPT_IMAGE_OPTS };

struct bench {
    struct image *img;
    bool write;
    uint64_t count, bufsize, step, offset, image_size;
    uint64_t flush_interval;
    int pattern;
    pthread_mutex_t lock;
    uint64_t next;
    int err;
};

static void *bench_worker(void *arg)
{
    struct bench *b = arg;
    uint8_t *buf = aligned_alloc(4096, (b->bufsize + 4095) / 4096 * 4096);
    if (!buf) {
        b->err = -ENOMEM;
        return NULL;
    }
    memset(buf, b->pattern, b->bufsize);
    for (;;) {
        pthread_mutex_lock(&b->lock);
        uint64_t i = b->next++;
        bool stop = i >= b->count || b->err;
        pthread_mutex_unlock(&b->lock);
        if (stop)
            break;
        uint64_t span = b->image_size - b->offset;
        uint64_t slots = span >= b->bufsize ? (span - b->bufsize) / b->step + 1 : 1;
        uint64_t off = b->offset + (i % slots) * b->step;
        int r = b->write ? image__pwrite(b->img, buf, b->bufsize, off)
                         : image__pread(b->img, buf, b->bufsize, off);
        if (r == 0 && b->flush_interval && (i + 1) % b->flush_interval == 0)
            r = image__flush(b->img);
        if (r < 0) {
            pthread_mutex_lock(&b->lock);
            if (!b->err)
                b->err = r;
            pthread_mutex_unlock(&b->lock);
            break;
        }
    }
    free(buf);
    return NULL;
}

static int parse_num(const char *s, uint64_t *out, const char *what)
{
    if (pvimg_parse_size(s, out) < 0) {
        pvimg_err("Invalid %s specified", what);
        return -1;
    }
    return 0;
}

int pvimg_bench(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "flush-interval", required_argument, NULL, OPT_FLUSH_INTERVAL },
        { "pattern", required_argument, NULL, OPT_PATTERN },
        { "no-drain", no_argument, NULL, OPT_NO_DRAIN },
        { "object", required_argument, NULL, OPT_OBJECT },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    struct bench b = { .count = 75000, .bufsize = 4096, .lock = PTHREAD_MUTEX_INITIALIZER };
    const char *fmt = NULL, *cache = "writeback";
    uint64_t depth = 64, v;
    bool quiet = false, step_set = false, no_drain = false;
    int c;
    while ((c = pvimg_getopt(argc, argv, ":hc:d:f:ni:o:qs:S:t:wU", lo)) != -1) {
        switch (c) {
        case 'c':
            if (parse_num(optarg, &b.count, "request count") < 0) return 1;
            break;
        case 'd':
            if (parse_num(optarg, &depth, "queue depth") < 0 || !depth) return 1;
            break;
        case 'f': fmt = optarg; break;
        case 'n': case 'i': case 'U': case OPT_OBJECT: break;
        case 'o':
            if (parse_num(optarg, &b.offset, "offset") < 0) return 1;
            break;
        case 'q': quiet = true; break;
        case 's':
            if (parse_num(optarg, &b.bufsize, "buffer size") < 0 || !b.bufsize) return 1;
            break;
        case 'S':
            if (parse_num(optarg, &b.step, "step size") < 0) return 1;
            step_set = true;
            break;
        case 't': cache = optarg; break;
        case 'w': b.write = true; break;
        case OPT_PATTERN:
            if (parse_num(optarg, &v, "pattern byte") < 0 || v > 0xff) {
                pvimg_err("Invalid pattern byte specified");
                return 1;
            }
            b.pattern = (int)v;
            break;
        case OPT_FLUSH_INTERVAL:
            if (parse_num(optarg, &b.flush_interval, "flush interval") < 0) return 1;
            break;
        case OPT_NO_DRAIN: no_drain = true; break;
        case 'h':
            printf("usage: pvimg bench [-c count] [-d depth] [-f fmt] [--flush-interval=flush_interval] "
                   "[-o offset] [--pattern=pattern] [-q] [-s buffer_size] [-S step_size] "
                   "[-t cache] [-w] filename\n");
            return 0;
        default: return 1;
        }
    }
    if (optind != argc - 1)
        return pvimg_usage_err("Expecting one image file name");
    if (b.flush_interval && b.flush_interval < depth) {
        pvimg_err("Flush interval can't be smaller than depth");
        return 1;
    }
    if (no_drain && !b.flush_interval) {
        pvimg_err("--no-drain requires --flush-interval");
        return 1;
    }
    if (!step_set)
        b.step = b.bufsize;
    unsigned flags = b.write ? IMAGE_O_RDWR : 0;
    if (!strcmp(cache, "none") || !strcmp(cache, "directsync"))
        flags |= IMAGE_O_DIRECT;
    else if (!strcmp(cache, "unsafe"))
        flags |= IMAGE_O_NO_SYNC;
    else if (strcmp(cache, "writeback") && strcmp(cache, "writethrough")) {
        pvimg_err("Invalid cache mode");
        return 1;
    }
    if (pvimg_open(argv[optind], fmt, flags, &b.img) < 0)
        return 1;
    b.image_size = image__size(b.img);
    if (b.offset + b.bufsize > b.image_size) {
        pvimg_err("Request would exceed the image size");
        image__close(b.img);
        return 1;
    }
    if (!quiet) {
        printf("Sending %" PRIu64 " %s requests, %" PRIu64 " bytes each, %" PRIu64
               " in parallel (starting at offset %" PRIu64 ", step size %" PRIu64 ")\n",
               b.count, b.write ? "write" : "read", b.bufsize, depth, b.offset, b.step);
        if (b.flush_interval)
            printf("Sending flush every %" PRIu64 " requests\n", b.flush_interval);
        fflush(stdout);
    }
    uint64_t nth = (uint64_t)pvimg_ncpus();
    if (nth > depth)
        nth = depth;
    pthread_t th[64];
    if (nth > 64)
        nth = 64;
    double t0 = pvimg_now();
    uint64_t started = 0;
    for (; started < nth; started++)
        if (pthread_create(&th[started], NULL, bench_worker, &b) != 0)
            break;
    if (!started)
        bench_worker(&b);
    for (uint64_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    double t1 = pvimg_now();
    int r = image__close(b.img);
    if (b.err || r < 0) {
        pvimg_err("Failed request: %s", strerror(-(b.err ? b.err : r)));
        return 1;
    }
    if (!quiet)
        printf("Run completed in %3.3f seconds.\n", t1 - t0);
    return 0;
}
