/* imgdrv: a small driver over the image engine for the interop and crash
 * tests (until pvimg covers them).  Not installed.
 *
 *   imgdrv create FILE SIZE [key=value...]   (fmt, cluster_size, compat,
 *          lazy_refcounts, refcount_bits, compression_type, preallocation,
 *          backing_file, backing_fmt)
 *   imgdrv convert SRC DST [key=value...] [-c]   engine-to-engine copy
 *   imgdrv dump IMG OUT.raw                  virtual disk to a raw file
 *   imgdrv write IMG OFF LEN SEED            pattern write + flush
 *   imgdrv zero IMG OFF LEN | discard IMG OFF LEN
 *   imgdrv resize IMG SIZE [shrink]
 *   imgdrv snap IMG create|apply|delete NAME | snap IMG list
 *   imgdrv map IMG
 *   imgdrv info IMG
 *   imgdrv crashwriter IMG JOURNAL SEED [snapshots]  write/flush forever
 *   imgdrv verify IMG JOURNAL               flushed writes read back?
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blktap/image.h"

static int fail(const char *what)
{
    fprintf(stderr, "imgdrv: %s: %s\n", what, image__errmsg());
    return 1;
}

static uint64_t num(const char *s)
{
    char *end;
    uint64_t v = strtoull(s, &end, 0);
    switch (*end) {
    case 'k': case 'K': v <<= 10; break;
    case 'M': v <<= 20; break;
    case 'G': v <<= 30; break;
    }
    return v;
}

static int parse_kv(struct image_create_opts *o, const char *kv)
{
    const char *v = strchr(kv, '=');
    if (!v)
        return -1;
    v++;
    if (!strncmp(kv, "fmt=", 4))
        return image_format_parse(v, &o->format);
    if (!strncmp(kv, "cluster_size=", 13))
        o->cluster_size = num(v);
    else if (!strncmp(kv, "compat=", 7))
        o->compat = !strcmp(v, "0.10") ? 2 : 3;
    else if (!strncmp(kv, "lazy_refcounts=", 15))
        o->lazy_refcounts = !strcmp(v, "on");
    else if (!strncmp(kv, "refcount_bits=", 14))
        o->refcount_bits = num(v);
    else if (!strncmp(kv, "compression_type=", 17))
        return image_compression_parse(v, &o->compression_type);
    else if (!strncmp(kv, "preallocation=", 14))
        return image_prealloc_parse(v, &o->preallocation);
    else if (!strncmp(kv, "backing_file=", 13))
        o->backing_file = v;
    else if (!strncmp(kv, "backing_fmt=", 12))
        return image_format_parse(v, &o->backing_format);
    else
        return -1;
    return 0;
}

static void pattern(uint8_t *b, uint64_t len, uint64_t off, uint64_t seed)
{
    /* Even seeds: compressible text-like data; odd: incompressible. */
    for (uint64_t i = 0; seed % 2 == 0 && i < len; i++)
        b[i] = 'a' + (((off + i) >> 5) * (seed + 1)) % 26;
    for (uint64_t i = 0; seed % 2 && i < len; i++) {
        uint64_t x = (off + i) / 8 * 0x9e3779b97f4a7c15ull ^ seed * 0xbf58476d1ce4e5b9ull;
        b[i] = (uint8_t)(x >> (8 * ((off + i) % 8)));
    }
}

static int open_img(const char *path, bool rw, struct image **img)
{
    struct image_open_opts o = { .flags = rw ? IMAGE_O_RDWR : 0 };
    return image__open(path, &o, img);
}

static int cmd_create(int argc, char **argv)
{
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2 };
    o.size = num(argv[1]);
    for (int i = 2; i < argc; i++)
        if (parse_kv(&o, argv[i])) {
            fprintf(stderr, "imgdrv: bad option %s\n", argv[i]);
            return 1;
        }
    return image__create(argv[0], &o) ? fail("create") : 0;
}

static int cmd_convert(int argc, char **argv)
{
    struct image_create_opts o = { .format = IMAGE_FMT_QCOW2 };
    struct image *src, *dst;
    bool compress = false;
    uint8_t *buf;
    uint32_t cs;
    int rc;

    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-c"))
            compress = true;
        else if (parse_kv(&o, argv[i]))
            return 1;
    }
    if (open_img(argv[0], false, &src))
        return fail("open source");
    o.size = image__size(src);
    if (image__create(argv[1], &o) || open_img(argv[1], true, &dst))
        return fail("create destination");
    cs = image__cluster_size(dst);
    if (!compress)
        cs = (2u << 20) / cs * cs;     /* big requests, as a copy tool would */
    buf = malloc(cs);
    for (uint64_t off = 0; off < o.size; off += cs) {
        uint64_t n = o.size - off < cs ? o.size - off : cs;
        struct image_extent e;
        if (image__block_status(src, off, n, 0, &e))
            return fail("block status");
        if ((e.flags & IMAGE_EXT_ZERO) && e.length == n)
            continue;
        if (image__pread(src, buf, n, off))
            return fail("read");
        bool zero = true;
        for (uint64_t i = 0; i < n && zero; i++)
            zero = buf[i] == 0;
        if (zero)
            continue;
        rc = compress ? image__write_compressed(dst, buf, n, off)
                      : image__pwrite(dst, buf, n, off);
        if (rc)
            return fail("write");
    }
    free(buf);
    image__close(src);
    return image__close(dst) ? fail("close") : 0;
}

static int cmd_dump(char **argv)
{
    struct image *img;
    uint8_t *buf = malloc(1 << 20);
    int fd;

    if (open_img(argv[0], false, &img))
        return fail("open");
    fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, image__size(img)) < 0)
        return 1;
    for (uint64_t off = 0; off < image__size(img); off += 1 << 20) {
        uint64_t n = image__size(img) - off < (1 << 20) ? image__size(img) - off : (1 << 20);
        if (image__pread(img, buf, n, off))
            return fail("read");
        bool zero = true;
        for (uint64_t i = 0; i < n && zero; i++)
            zero = buf[i] == 0;
        if (!zero && pwrite(fd, buf, n, off) != (ssize_t)n)
            return 1;
    }
    close(fd);
    free(buf);
    image__close(img);
    return 0;
}

static int cmd_write(char **argv, int what)
{
    struct image *img;
    uint64_t off = num(argv[1]), len = num(argv[2]);
    int rc;

    if (open_img(argv[0], true, &img))
        return fail("open");
    if (what == 0) {
        uint8_t *buf = malloc(len);
        pattern(buf, len, off, num(argv[3]));
        rc = image__pwrite(img, buf, len, off);
        free(buf);
    } else if (what == 1) {
        rc = image__write_zeroes(img, off, len, IMAGE_ZERO_MAY_UNMAP);
    } else {
        rc = image__discard(img, off, len);
    }
    if (rc)
        return fail("write");
    return image__close(img) ? fail("close") : 0;
}

static int cmd_snap(int argc, char **argv)
{
    struct image *img;
    int rc = 0;

    if (open_img(argv[0], true, &img))
        return fail("open");
    if (!strcmp(argv[1], "list")) {
        const struct image_snapshot *l;
        unsigned n;
        image__snapshot_list(img, &l, &n);
        for (unsigned i = 0; i < n; i++)
            printf("%s %s %" PRIu64 "\n", l[i].id, l[i].name, l[i].disk_size);
    } else if (argc < 3) {
        return 1;
    } else if (!strcmp(argv[1], "create")) {
        rc = image__snapshot_create(img, argv[2]);
    } else if (!strcmp(argv[1], "apply")) {
        rc = image__snapshot_apply(img, argv[2]);
    } else if (!strcmp(argv[1], "delete")) {
        rc = image__snapshot_delete(img, argv[2]);
    }
    if (rc)
        return fail("snapshot");
    return image__close(img) ? fail("close") : 0;
}

static int cmd_map(char **argv)
{
    struct image *img;

    if (open_img(argv[0], false, &img))
        return fail("open");
    for (uint64_t off = 0; off < image__size(img);) {
        struct image_extent e;
        if (image__block_status(img, off, image__size(img) - off, 0, &e))
            return fail("map");
        printf("%" PRIu64 " %" PRIu64 " depth=%d data=%d zero=%d alloc=%d\n", e.start,
               e.length, e.depth, !!(e.flags & IMAGE_EXT_DATA), !!(e.flags & IMAGE_EXT_ZERO),
               !!(e.flags & IMAGE_EXT_ALLOCATED));
        off += e.length;
    }
    image__close(img);
    return 0;
}

static int cmd_info(char **argv)
{
    struct image *img;
    struct image_info i;

    if (open_img(argv[0], false, &img))
        return fail("open");
    image__get_info(img, &i);
    printf("format=%s size=%" PRIu64 " cluster=%u compat=%s backing=%s bfmt=%s "
           "refbits=%d lazy=%d dirty=%d comp=%s snaps=%u\n", image_format_name(i.format),
           i.virtual_size, i.cluster_size, i.compat ? i.compat : "-",
           i.backing_file ? i.backing_file : "-", i.backing_format ? i.backing_format : "-",
           i.refcount_bits, i.lazy_refcounts, i.dirty,
           image_compression_name(i.compression_type), i.nb_snapshots);
    image__close(img);
    return 0;
}

/* Journal: "W OFF LEN SEED" written (to the page cache, which survives
 * SIGKILL) before each write is issued, "F" after each flush returned. */
static int cmd_crashwriter(char **argv)
{
    struct image *img;
    uint64_t seed = num(argv[2]), size;
    FILE *j;
    uint8_t *buf = malloc(1 << 20);
    bool snaps = argv[3] && !strcmp(argv[3], "snapshots");

    if (open_img(argv[0], true, &img))
        return fail("open");
    j = fopen(argv[1], "a");
    if (!j)
        return 1;
    size = image__size(img);
    srand(seed);
    for (uint64_t iter = 1;; iter++) {
        int nw = 1 + rand() % 8;
        for (int k = 0; k < nw; k++) {
            uint64_t len = (1 + rand() % 16) * 4096, s = seed * 1000003 + iter * 16 + k;
            uint64_t off = ((uint64_t)rand() * 4096) % (size - len);
            off &= ~4095ull;
            pattern(buf, len, off, s);
            fprintf(j, "W %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", off, len, s);
            fflush(j);
            if (image__pwrite(img, buf, len, off))
                return fail("write");
        }
        if (image__flush(img))
            return fail("flush");
        fputs("F\n", j);
        fflush(j);
        /* Snapshot create/delete in the middle of the writes, too (they
         * do not change the active disk, so the journal stays valid). */
        if (snaps && iter % 7 == 0) {
            char name[32];
            snprintf(name, sizeof(name), "s%" PRIu64, iter);
            if (image__snapshot_create(img, name))
                return fail("snapshot create");
            if (iter >= 21) {
                snprintf(name, sizeof(name), "s%" PRIu64, iter - 14);
                if (image__snapshot_delete(img, name))
                    return fail("snapshot delete");
            }
        }
    }
}

static int cmd_verify(char **argv)
{
    struct image *img;
    FILE *j = fopen(argv[1], "r");
    uint64_t off, len, seed, size, nflushed = 0;
    char tag[4];
    int bad = 0;
    uint8_t *model, *got, *state;   /* state: 0 untouched, 1 flushed, 2 unknown */
    struct { uint64_t off, len, seed; } *pend = NULL;
    size_t npend = 0, cap = 0;

    if (open_img(argv[0], false, &img))
        return fail("open");
    size = image__size(img);
    model = calloc(1, size);
    got = malloc(size);
    state = calloc(1, size);
    if (!j || !model || !got || !state)
        return 1;
    while (fscanf(j, "%3s", tag) == 1) {
        if (!strcmp(tag, "F")) {
            for (size_t i = 0; i < npend; i++) {
                pattern(model + pend[i].off, pend[i].len, pend[i].off, pend[i].seed);
                memset(state + pend[i].off, 1, pend[i].len);
            }
            nflushed += npend;
            npend = 0;
            continue;
        }
        if (fscanf(j, "%" SCNu64 " %" SCNu64 " %" SCNu64, &off, &len, &seed) != 3)
            break;
        if (off + len > size)
            break;
        if (npend == cap) {
            cap = cap ? cap * 2 : 16;
            pend = realloc(pend, cap * sizeof(*pend));
        }
        pend[npend].off = off;
        pend[npend].len = len;
        pend[npend++].seed = seed;
    }
    for (size_t i = 0; i < npend; i++)
        memset(state + pend[i].off, 2, pend[i].len);
    if (image__pread(img, got, size, 0))
        return fail("read");
    for (uint64_t i = 0; i < size; i++) {
        if (state[i] == 2)
            continue;
        if (got[i] != model[i] && bad++ < 5)
            fprintf(stderr, "imgdrv verify: mismatch at %" PRIu64 " (state %d)\n", i, state[i]);
    }
    image__close(img);
    free(pend);
    free(model);
    free(got);
    free(state);
    fclose(j);
    if (!bad)
        printf("verify: %" PRIu64 " flushed writes intact\n", nflushed);
    return bad ? 1 : 0;
}

#include <pthread.h>
#include <time.h>

struct bench_arg { struct image *img; uint64_t first, count, bs, step; bool write; int rc; };

static void *bench_worker(void *p)
{
    struct bench_arg *a = p;
    uint8_t *buf = malloc(a->bs);
    memset(buf, 0xa5, a->bs);
    for (uint64_t i = a->first; i < a->first + a->count && !a->rc; i++) {
        uint64_t off = (i * a->step) % (image__size(a->img) - a->bs + 1);
        a->rc = a->write ? image__pwrite(a->img, buf, a->bs, off)
                         : image__pread(a->img, buf, a->bs, off);
    }
    free(buf);
    return NULL;
}

/* bench IMG r|w BS COUNT STEP THREADS: like qemu-img bench, threads
 * standing in for queue depth; includes the final flush. */
static int cmd_bench(char **argv)
{
    struct image *img;
    uint64_t bs = num(argv[2]), count = num(argv[3]), step = num(argv[4]);
    int nt = (int)num(argv[5]);
    struct bench_arg a[64];
    pthread_t t[64];
    struct timespec t0, t1;

    if (nt < 1 || nt > 64 || open_img(argv[0], argv[1][0] == 'w', &img))
        return fail("open");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < nt; i++) {
        a[i] = (struct bench_arg){ img, count / nt * i, count / nt, bs, step,
                                   argv[1][0] == 'w', 0 };
        pthread_create(&t[i], NULL, bench_worker, &a[i]);
    }
    for (int i = 0; i < nt; i++) {
        pthread_join(t[i], NULL);
        if (a[i].rc)
            return fail("bench io");
    }
    if (image__close(img))
        return fail("close");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("Run completed in %.3f seconds (%.0f IOPS, %.1f MiB/s)\n", s, count / s,
           count * bs / s / 1048576);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: see tests/img/imgdrv.c\n");
        return 2;
    }
    const char *c = argv[1];
    argc -= 2;
    argv += 2;
    if (!strcmp(c, "create") && argc >= 2) return cmd_create(argc, argv);
    if (!strcmp(c, "convert") && argc >= 2) return cmd_convert(argc, argv);
    if (!strcmp(c, "dump") && argc >= 2) return cmd_dump(argv);
    if (!strcmp(c, "write") && argc >= 4) return cmd_write(argv, 0);
    if (!strcmp(c, "zero") && argc >= 3) return cmd_write(argv, 1);
    if (!strcmp(c, "discard") && argc >= 3) return cmd_write(argv, 2);
    if (!strcmp(c, "snap") && argc >= 2) return cmd_snap(argc, argv);
    if (!strcmp(c, "map")) return cmd_map(argv);
    if (!strcmp(c, "info")) return cmd_info(argv);
    if (!strcmp(c, "crashwriter") && argc >= 3) return cmd_crashwriter(argv);
    if (!strcmp(c, "verify") && argc >= 2) return cmd_verify(argv);
    if (!strcmp(c, "bench") && argc >= 6) return cmd_bench(argv);
    if (!strcmp(c, "resize") && argc >= 2) {
        struct image *img;
        if (open_img(argv[0], true, &img))
            return fail("open");
        if (image__resize(img, num(argv[1]), argc > 2 ? IMAGE_RESIZE_SHRINK : 0,
                          IMAGE_PREALLOC_OFF))
            return fail("resize");
        return image__close(img) ? fail("close") : 0;
    }
    fprintf(stderr, "imgdrv: bad command\n");
    return 2;
}
