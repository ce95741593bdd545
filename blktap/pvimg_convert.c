/* pvimg convert and compare.
 *
 * convert splits the virtual disk into chunks that worker threads take in
 * turn (-m, default: one per CPU, at least 4 with -c): each worker reads
 * its chunk from the source chain, skipping ranges the source reports as
 * zero, classifies it in granules (-S, or clusters with -c) as data / zero
 * / skip, compresses cluster by cluster with -c, and writes the data
 * runs.  Reading and compressing run in parallel; the writes of a chunk
 * are serialised by one mutex: the engine is thread safe, but concurrent
 * allocating writes only contend on its metadata lock (measured: 2 writers
 * were 2x slower than 1), while a handoff per chunk costs nothing.
 * Compressed clusters are placed as chunks complete (as qemu-img -W),
 * which keeps every core compressing. */
#include "blktap/pvimg.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_OBJECT = 256, OPT_TARGET_IS_ZERO, OPT_SALVAGE, OPT_BITMAPS,
       OPT_SKIP_BROKEN, OPT_IMAGE_OPTS, OPT_TARGET_IMAGE_OPTS };

static bool buf_is_zero(const uint8_t *p, size_t len)
{
    size_t i = 0;
    /* word-at-a-time scan; bail at the first non-zero byte */
    for (; i < len && ((uintptr_t)(p + i) & 7); i++)
        if (p[i])
            return false;
    for (; i + 64 <= len; i += 64) {
        const uint64_t *w = (const uint64_t *)(p + i);
        if (w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7])
            return false;
    }
    for (; i < len; i++)
        if (p[i])
            return false;
    return true;
}

struct src {
    struct image *img;
    uint64_t start, size;       /* place in the concatenated disk */
};

enum gstate { G_DATA, G_ZERO, G_SKIP };

struct conv {
    struct src *src;
    int nsrc;
    struct image *dst;
    uint64_t total;
    uint64_t chunk;             /* bytes per job */
    uint64_t granule;           /* zero-detection unit */
    uint32_t cluster;           /* target cluster size */
    bool compress;
    bool zero_writes;           /* zeros must be written (-n or -B) */
    bool this_layer;            /* -B: copy only the source's top layer */
    bool sparse;                /* -S > 0 */

    pthread_mutex_t lock;
    pthread_mutex_t write_lock;
    uint64_t next;
    uint64_t done;
    int err;
    char errmsg[256];
    struct pvimg_progress prog;
};

static void conv_fail(struct conv *c, int r, const char *what)
{
    pthread_mutex_lock(&c->lock);
    if (!c->err) {
        c->err = r;
        const char *m = image__errmsg();
        snprintf(c->errmsg, sizeof(c->errmsg), "%s: %s", what, m && *m ? m : strerror(-r));
    }
    pthread_mutex_unlock(&c->lock);
}

/* Fill BUF with [off, off+len) of the concatenated sources and mark each
 * granule's state in ST.  Returns 0 or -errno. */
static int conv_read(struct conv *c, uint64_t off, uint64_t len, uint8_t *buf,
                     uint8_t *skipmap)
{
    uint64_t pos = off, endp = off + len;
    while (pos < endp) {
        int i = 0;
        while (i < c->nsrc - 1 && pos >= c->src[i].start + c->src[i].size)
            i++;
        struct src *s = &c->src[i];
        uint64_t loff = pos - s->start;
        uint64_t n = endp - pos;
        if (n > s->size - loff)
            n = s->size - loff;
        struct image_extent x;
        int r = image__block_status(s->img, loff, n,
                                    c->this_layer ? IMAGE_BS_THIS_LAYER : 0, &x);
        if (r < 0)
            return r;
        uint64_t xl = x.length < n ? x.length : n;
        if (xl == 0)
            return -EIO;
        uint8_t *p = buf + (pos - off);
        if (c->this_layer && !(x.flags & IMAGE_EXT_ALLOCATED)) {
            memset(p, 0, xl);
            memset(skipmap + (pos - off) / 512, 1, (xl + 511) / 512);
        } else if ((x.flags & IMAGE_EXT_ZERO) && !(x.flags & IMAGE_EXT_DATA)) {
            memset(p, 0, xl);
        } else if (!(x.flags & (IMAGE_EXT_DATA | IMAGE_EXT_ALLOCATED)) && !c->this_layer &&
                   !(x.flags & IMAGE_EXT_ZERO) && x.layer == NULL) {
            memset(p, 0, xl);
        } else {
            r = image__pread(s->img, p, xl, loff);
            if (r < 0)
                return r;
        }
        pos += xl;
    }
    return 0;
}

static enum gstate granule_state(struct conv *c, const uint8_t *buf, const uint8_t *skipmap,
                                 uint64_t goff, uint64_t glen)
{
    bool all_skip = true;
    for (uint64_t s = goff / 512; s < (goff + glen + 511) / 512; s++)
        if (!skipmap[s]) {
            all_skip = false;
            break;
        }
    if (all_skip)
        return G_SKIP;
    if (!c->sparse && !c->compress)
        return G_DATA;
    return buf_is_zero(buf + goff, glen) ? G_ZERO : G_DATA;
}

static int flush_run(struct conv *c, enum gstate st, const uint8_t *buf, uint64_t boff,
                     uint64_t off, uint64_t len)
{
    if (!len)
        return 0;
    if (st == G_DATA)
        return image__pwrite(c->dst, buf + boff, len, off);
    if (st == G_ZERO && c->zero_writes)
        return image__write_zeroes(c->dst, off, len, IMAGE_ZERO_MAY_UNMAP);
    return 0;
}

static void *conv_worker(void *arg)
{
    struct conv *c = arg;
    uint8_t *buf = NULL, *cbuf = NULL, *skipmap = NULL, *pad = NULL, *cst = NULL;
    size_t *clen = NULL, *coff = NULL;
    size_t cap = c->cluster * 2 + 4096;
    size_t per_chunk = (size_t)(c->chunk / c->cluster) + 1;
    buf = malloc(c->chunk);
    skipmap = malloc(c->chunk / 512 + 1);
    if (c->compress) {
        /* room for every cluster of a chunk, each at most cap */
        cbuf = malloc(cap * per_chunk);
        pad = malloc(c->cluster);
        cst = malloc(per_chunk);
        clen = malloc(per_chunk * sizeof(*clen));
        coff = malloc(per_chunk * sizeof(*coff));
    }
    if (!buf || !skipmap || (c->compress && (!cbuf || !pad || !cst || !clen || !coff))) {
        conv_fail(c, -ENOMEM, "Out of memory");
        goto out;
    }
    for (;;) {
        pthread_mutex_lock(&c->lock);
        uint64_t off = c->next;
        bool stop = c->err || off >= c->total;
        if (!stop)
            c->next += c->chunk;
        pthread_mutex_unlock(&c->lock);
        if (stop)
            break;
        uint64_t len = c->total - off < c->chunk ? c->total - off : c->chunk;
        memset(skipmap, 0, len / 512 + 1);
        int r = conv_read(c, off, len, buf, skipmap);
        if (r < 0) {
            conv_fail(c, r, "error while reading");
            break;
        }
        if (c->compress) {
            size_t ncl = (size_t)((len + c->cluster - 1) / c->cluster), used = 0;
            for (size_t k = 0; k < ncl && r == 0; k++) {
                uint64_t g = (uint64_t)k * c->cluster;
                uint64_t gl = len - g < c->cluster ? len - g : c->cluster;
                cst[k] = granule_state(c, buf, skipmap, g, gl);
                clen[k] = 0;
                if (cst[k] != G_DATA)
                    continue;
                const uint8_t *srcp = buf + g;
                if (gl < c->cluster) {
                    memcpy(pad, buf + g, gl);
                    memset(pad + gl, 0, c->cluster - gl);
                    srcp = pad;
                }
                long cl = image__compress_cluster(c->dst, cbuf + used, cap, srcp);
                if (cl < 0)
                    r = (int)cl;
                else {
                    clen[k] = (size_t)cl;
                    coff[k] = used;
                    used += (size_t)cl;
                }
            }
            pthread_mutex_lock(&c->write_lock);
            for (size_t k = 0; k < ncl && r == 0; k++) {
                uint64_t g = (uint64_t)k * c->cluster;
                uint64_t gl = len - g < c->cluster ? len - g : c->cluster;
                if (cst[k] != G_DATA)
                    r = flush_run(c, cst[k], buf, g, off + g, gl);
                else if (clen[k])
                    r = image__write_precompressed(c->dst, off + g, cbuf + coff[k], clen[k]);
                else
                    r = image__pwrite(c->dst, buf + g, gl, off + g);
            }
            pthread_mutex_unlock(&c->write_lock);
        } else {
            pthread_mutex_lock(&c->write_lock);
            enum gstate run = G_SKIP;
            uint64_t run_start = 0;
            for (uint64_t g = 0; g < len && r == 0; g += c->granule) {
                uint64_t gl = len - g < c->granule ? len - g : c->granule;
                enum gstate st = granule_state(c, buf, skipmap, g, gl);
                if (st != run) {
                    r = flush_run(c, run, buf, run_start, off + run_start, g - run_start);
                    run = st;
                    run_start = g;
                }
            }
            if (r == 0)
                r = flush_run(c, run, buf, run_start, off + run_start, len - run_start);
            pthread_mutex_unlock(&c->write_lock);
        }
        if (r < 0) {
            conv_fail(c, r, "error while writing");
            break;
        }
        pthread_mutex_lock(&c->lock);
        c->done += len;
        pvimg_progress_set(&c->prog, (double)c->done * 100.0 / (double)c->total);
        pthread_mutex_unlock(&c->lock);
    }
out:
    free(buf);
    free(cbuf);
    free(pad);
    free(cst);
    free(clen);
    free(coff);
    free(skipmap);
    return NULL;
}

/* "-l snapshot.name=X", "-l snapshot.id=X" or "-l X". */
static const char *snapshot_param(const char *s)
{
    if (!strncmp(s, "snapshot.name=", 14))
        return s + 14;
    if (!strncmp(s, "snapshot.id=", 12))
        return s + 12;
    return s;
}

int pvimg_convert(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, OPT_OBJECT },
        { "target-is-zero", no_argument, NULL, OPT_TARGET_IS_ZERO },
        { "salvage", no_argument, NULL, OPT_SALVAGE },
        { "bitmaps", no_argument, NULL, OPT_BITMAPS },
        { "skip-broken-bitmaps", no_argument, NULL, OPT_SKIP_BROKEN },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *ofmt = "raw", *backing = NULL, *backing_fmt = NULL;
    const char *snap = NULL;
    struct pvimg_opts opts = { 0 };
    bool compress = false, progress = false, quiet = false, no_create = false;
    bool target_zero = false;
    /* qemu-img convert writes the target with cache=unsafe unless told
     * otherwise: no fsync at the end (-t writeback to get one) */
    const char *cache = "unsafe";
    uint64_t sparse = 4096;
    long workers = 0;
    int c, rc = 1;
    struct conv cv = { .lock = PTHREAD_MUTEX_INITIALIZER,
                       .write_lock = PTHREAD_MUTEX_INITIALIZER };
    struct src *srcs = NULL;
    int nsrc = 0;
    pthread_t *th = NULL;

    while ((c = pvimg_getopt(argc, argv, ":hf:O:B:Cco:l:S:pt:T:qnm:WUrF:s:", lo)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': ofmt = optarg; break;
        case 'B': backing = optarg; break;
        case 'F': backing_fmt = optarg; break;
        case 'c': compress = true; break;
        case 'o':
            if (pvimg_opts_parse(&opts, optarg) < 0)
                goto out;
            break;
        case 'l': case 's': snap = snapshot_param(optarg); break;
        case 'S':
            if (pvimg_parse_size(optarg, &sparse) < 0 || (sparse && (sparse < 512 || sparse % 512))) {
                pvimg_err("Invalid buffer size for sparse output specified. Valid sizes are "
                          "multiples of 512 up to 16777216. Select 0 to disable sparse detection "
                          "(fully allocates output).");
                goto out;
            }
            break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 'n': no_create = true; break;
        case 'm': {
            char *end;
            workers = strtol(optarg, &end, 10);
            if (*end || workers < 1 || workers > 64) {
                pvimg_err("Invalid number of coroutines. Allowed number of coroutines is "
                          "between 1 and 64");
                goto out;
            }
            break;
        }
        case 't': cache = optarg; break;
        case 'T': case 'W': case 'U': case 'C': case 'r':
        case OPT_OBJECT: case OPT_SALVAGE: case OPT_BITMAPS: case OPT_SKIP_BROKEN:
            break;
        case OPT_TARGET_IS_ZERO: target_zero = true; break;
        case 'h':
            printf("usage: pvimg convert [-c] [-p] [-q] [-n] [-f fmt] [-O output_fmt] "
                   "[-B backing_file [-F backing_fmt]] [-o options] [-l snapshot_param] "
                   "[-S sparse_size] [-m num_workers] filename [filename2 [...]] output_filename\n");
            rc = 0;
            goto out;
        default: goto out;
        }
    }
    if (quiet)
        progress = false;
    nsrc = argc - optind - 1;
    if (nsrc < 1) {
        pvimg_err("Must specify image file name");
        goto out;
    }
    const char *out_file = argv[argc - 1];
    if (snap && nsrc > 1) {
        pvimg_err("No support for concatenating multiple snapshot");
        goto out;
    }
    srcs = calloc((size_t)nsrc, sizeof(*srcs));
    if (!srcs)
        goto out;
    uint64_t total = 0;
    for (int i = 0; i < nsrc; i++) {
        struct image_open_opts oo = { .snapshot = snap };
        if (pvimg_fmt_parse(fmt, &oo.format) < 0)
            goto out;
        if (pvimg_open_opts(argv[optind + i], &oo, &srcs[i].img) < 0)
            goto out;
        srcs[i].start = total;
        srcs[i].size = image__size(srcs[i].img);
        total += srcs[i].size;
    }

    struct image_create_opts co = { 0 };
    if (pvimg_fmt_parse(ofmt, &co.format) < 0)
        goto out;
    if (compress && co.format == IMAGE_FMT_RAW) {
        pvimg_err("Compression not supported for this file format");
        goto out;
    }
    if (pvimg_create_opts_apply(&co, &opts, out_file) < 0)
        goto out;
    co.size = total;
    if (backing) {
        if (co.format == IMAGE_FMT_RAW) {
            pvimg_err("%s: Backing file not supported for file format 'raw'", out_file);
            goto out;
        }
        co.backing_file = backing;
        if (backing_fmt && pvimg_fmt_parse(backing_fmt, &co.backing_format) < 0)
            goto out;
    }
    if (!no_create) {
        if (image__create(out_file, &co) < 0) {
            pvimg_err("%s: error while converting %s: %s", out_file, image_format_name(co.format),
                      image__errmsg());
            goto out;
        }
    }
    struct image_open_opts to = { .format = co.format, .flags = IMAGE_O_RDWR };
    if (!strcmp(cache, "unsafe"))
        to.flags |= IMAGE_O_NO_SYNC;
    else if (!strcmp(cache, "none") || !strcmp(cache, "directsync"))
        to.flags |= IMAGE_O_DIRECT;
    else if (strcmp(cache, "writeback") && strcmp(cache, "writethrough")) {
        pvimg_err("Invalid cache option: %s", cache);
        goto out;
    }
    if (!backing)
        to.flags |= IMAGE_O_NO_BACKING;
    if (pvimg_open_opts(out_file, &to, &cv.dst) < 0)
        goto out;
    if (no_create && image__size(cv.dst) < total) {
        pvimg_err("output file is smaller than input file");
        goto out;
    }

    cv.src = srcs;
    cv.nsrc = nsrc;
    cv.total = total;
    cv.compress = compress;
    cv.cluster = image__cluster_size(cv.dst);
    if (cv.cluster < 512)
        cv.cluster = 512;
    cv.sparse = sparse != 0;
    cv.granule = sparse ? sparse : 1ULL << 20;
    /* qcow2 allocates whole clusters: skipping a zero run inside one would
     * only leave a hole in an allocated cluster (qemu-img aligns the same
     * way, and its map would report such holes) */
    if (sparse && co.format == IMAGE_FMT_QCOW2 && cv.granule < cv.cluster)
        cv.granule = cv.cluster;
    cv.this_layer = backing != NULL;
    cv.zero_writes = (no_create && !target_zero) || backing != NULL;
    /* jobs: whole clusters, big enough to amortise the locking */
    uint64_t chunk = compress ? (uint64_t)cv.cluster * 16 : 2ULL << 20;
    if (compress && chunk > (4ULL << 20))
        chunk = 4ULL << 20;
    if (chunk < cv.cluster)
        chunk = cv.cluster;
    chunk = (chunk + cv.cluster - 1) / cv.cluster * cv.cluster;
    if (!compress && chunk % cv.granule)
        chunk = (chunk + cv.granule - 1) / cv.granule * cv.granule;
    cv.chunk = chunk;
    if (!workers) {
        workers = pvimg_ncpus();
        /* qemu-img compresses on up to 4 threads (QCOW2_MAX_THREADS)
         * whatever the CPU count; as many here, so that on a loaded
         * machine neither tool gets a larger share of it just by having
         * more runnable threads */
        if (compress && workers < 4)
            workers = 4;
    }
    th = calloc((size_t)workers, sizeof(*th));
    if (!th)
        goto out;
    pvimg_progress_start(&cv.prog, progress);
    long started = 0;
    for (; started < workers; started++)
        if (pthread_create(&th[started], NULL, conv_worker, &cv) != 0)
            break;
    if (started == 0)
        conv_worker(&cv);
    for (long i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (cv.err) {
        pvimg_progress_end(&cv.prog);
        pvimg_err("%s", cv.errmsg);
        goto out;
    }
    pvimg_progress_end(&cv.prog);
    int r = image__close(cv.dst);
    cv.dst = NULL;
    if (r < 0) {
        pvimg_err("error while writing: %s", image__errmsg());
        goto out;
    }
    rc = 0;
out:
    if (cv.dst)
        image__close(cv.dst);
    for (int i = 0; srcs && i < nsrc; i++)
        image__close(srcs[i].img);
    free(srcs);
    free(th);
    pvimg_opts_free(&opts);
    return rc;
}

/* ---- compare ---------------------------------------------------------------- */

/* First 512-byte sector where A and B differ, or -1. */
static int64_t first_diff(const uint8_t *a, const uint8_t *b, uint64_t len)
{
    for (uint64_t o = 0; o < len; o += 512) {
        uint64_t n = len - o < 512 ? len - o : 512;
        if (memcmp(a + o, b + o, n))
            return (int64_t)o;
    }
    return -1;
}

/* Does IMG read as zeros over [off, off+len)?  Returns the first non-zero
 * sector's offset, -1 if all zero, or -2 on error. */
static int64_t check_zero_tail(struct image *img, uint64_t off, uint64_t len, uint8_t *buf,
                               uint64_t bufsz)
{
    while (len) {
        struct image_extent x;
        if (image__block_status(img, off, len, 0, &x) < 0 || !x.length)
            return -2;
        uint64_t n = x.length;
        if (!((x.flags & IMAGE_EXT_ZERO) && !(x.flags & IMAGE_EXT_DATA))) {
            for (uint64_t o = 0; o < n; o += bufsz) {
                uint64_t m = n - o < bufsz ? n - o : bufsz;
                if (image__pread(img, buf, m, off + o) < 0)
                    return -2;
                for (uint64_t s = 0; s < m; s += 512) {
                    uint64_t k = m - s < 512 ? m - s : 512;
                    if (!buf_is_zero(buf + s, k))
                        return (int64_t)(off + o + s);
                }
            }
        }
        off += n;
        len -= n;
    }
    return -1;
}

int pvimg_compare(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, OPT_OBJECT },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt1 = NULL, *fmt2 = NULL;
    bool quiet = false, strict = false, progress = false;
    int c;
    while ((c = pvimg_getopt(argc, argv, ":hf:F:T:pqsU", lo)) != -1) {
        switch (c) {
        case 'f': fmt1 = optarg; break;
        case 'F': fmt2 = optarg; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 's': strict = true; break;
        case 'T': case 'U': case OPT_OBJECT: break;
        case 'h': printf("usage: pvimg compare [-f fmt] [-F fmt] [-p] [-q] [-s] filename1 filename2\n"); return 0;
        default: return 2;
        }
    }
    if (quiet)
        progress = false;
    if (optind != argc - 2) {
        pvimg_usage_err("Expecting two image file names");
        return 2;
    }
    if (!fmt2)
        fmt2 = fmt1;
    struct image *a = NULL, *b = NULL;
    int rc = 2;
    uint8_t *ba = NULL, *bb = NULL;
    if (pvimg_open(argv[optind], fmt1, 0, &a) < 0 || pvimg_open(argv[optind + 1], fmt2, 0, &b) < 0)
        goto out;
    const uint64_t bufsz = 1 << 20;
    ba = malloc(bufsz);
    bb = malloc(bufsz);
    if (!ba || !bb)
        goto out;
    uint64_t sa = image__size(a), sb = image__size(b);
    uint64_t common = sa < sb ? sa : sb;
    if (strict && sa != sb) {
        if (!quiet)
            printf("Strict mode: Image size mismatch!\n");
        rc = 1;
        goto out;
    }
    struct pvimg_progress prog;
    pvimg_progress_start(&prog, progress);
    for (uint64_t off = 0; off < common;) {
        struct image_extent xa, xb;
        uint64_t n = common - off < bufsz ? common - off : bufsz;
        if (image__block_status(a, off, n, 0, &xa) < 0 || image__block_status(b, off, n, 0, &xb) < 0) {
            pvimg_err("error while comparing: %s", image__errmsg());
            goto out;
        }
        uint64_t m = xa.length < xb.length ? xa.length : xb.length;
        if (m == 0 || m > n)
            m = n;
        bool za = (xa.flags & IMAGE_EXT_ZERO) && !(xa.flags & IMAGE_EXT_DATA);
        bool zb = (xb.flags & IMAGE_EXT_ZERO) && !(xb.flags & IMAGE_EXT_DATA);
        if (strict && (xa.flags & IMAGE_EXT_ALLOCATED) != (xb.flags & IMAGE_EXT_ALLOCATED)) {
            pvimg_progress_end(&prog);
            if (!quiet)
                printf("Strict mode: Offset %" PRIu64 " block status mismatch!\n", off);
            rc = 1;
            goto out;
        }
        if (!(za && zb)) {
            if (image__pread(a, ba, m, off) < 0 || image__pread(b, bb, m, off) < 0) {
                pvimg_err("error while reading: %s", image__errmsg());
                goto out;
            }
            int64_t d = first_diff(ba, bb, m);
            if (d >= 0) {
                pvimg_progress_end(&prog);
                if (!quiet)
                    printf("Content mismatch at offset %" PRIu64 "!\n", off + (uint64_t)d);
                rc = 1;
                goto out;
            }
        }
        off += m;
        pvimg_progress_set(&prog, (double)off * 100.0 / (double)(sa > sb ? sa : sb));
    }
    if (sa != sb) {
        struct image *big = sa > sb ? a : b;
        if (!quiet)
            printf("Warning: Image size mismatch!\n");
        int64_t d = check_zero_tail(big, common, (sa > sb ? sa : sb) - common, ba, bufsz);
        if (d == -2) {
            pvimg_err("error while reading: %s", image__errmsg());
            goto out;
        }
        if (d >= 0) {
            pvimg_progress_end(&prog);
            if (!quiet)
                printf("Content mismatch at offset %" PRId64 "!\n", d);
            rc = 1;
            goto out;
        }
    }
    pvimg_progress_end(&prog);
    if (!quiet)
        printf("Images are identical.\n");
    rc = 0;
out:
    free(ba);
    free(bb);
    image__close(a);
    image__close(b);
    return rc;
}
