/* Image engine core: format probing, the backing chain, argument checks and
 * dispatch to the per-format ops table.  Formats never walk the chain
 * themselves; they call image__read_backing() for what they do not hold. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"
#include "libxl/log.h"

static __thread char errbuf[512];

const char *image__errmsg(void)
{
    return errbuf;
}

int image__err(int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
    va_end(ap);
    PV_ERR(-1, "%s", errbuf);
    return rc;
}

int image__full_pread(int fd, void *buf, uint64_t len, uint64_t off)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t r = pread(fd, p, len > (1u << 30) ? (1u << 30) : len, off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0) {   /* past EOF reads as zeros: files may be sparse-short */
            memset(p, 0, len);
            return 0;
        }
        p += r;
        len -= r;
        off += r;
    }
    return 0;
}

/* Crash simulation (tests/img/crash_pvimg.sh), in the spirit of SQLite's
 * crash tests: PVIMG_KILL_AFTER_WRITES=N makes the process SIGKILL itself
 * just before its (N+1)-th write to an image file, so a test can stop
 * pvimg between any two writes, not only where a timer happens to land;
 * PVIMG_COUNT_WRITES=1 prints the number of writes at exit, to pick N.
 * Unset (always, outside tests) this costs one branch per write. */
static long kill_after = -1;
static unsigned long nwrites;
static bool count_writes;
static pthread_once_t crash_once = PTHREAD_ONCE_INIT;

static void crash_report(void)
{
    fprintf(stderr, "pvimg-writes: %lu\n", __atomic_load_n(&nwrites, __ATOMIC_RELAXED));
}

static void crash_setup(void)
{
    const char *k = getenv("PVIMG_KILL_AFTER_WRITES");
    const char *c = getenv("PVIMG_COUNT_WRITES");
    if (k && *k)
        kill_after = strtol(k, NULL, 10);
    if (c && *c == '1' && !atexit(crash_report))
        count_writes = true;
}

static void crash_point(void)
{
    pthread_once(&crash_once, crash_setup);
    if (kill_after < 0 && !count_writes)
        return;
    unsigned long n = __atomic_fetch_add(&nwrites, 1, __ATOMIC_RELAXED);
    if (kill_after >= 0 && n >= (unsigned long)kill_after)
        raise(SIGKILL);
}

int image__full_pwrite(int fd, const void *buf, uint64_t len, uint64_t off)
{
    const uint8_t *p = buf;

    crash_point();
    while (len) {
        ssize_t r = pwrite(fd, p, len > (1u << 30) ? (1u << 30) : len, off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            return -EIO;
        p += r;
        len -= r;
        off += r;
    }
    return 0;
}

/* ---- names ----------------------------------------------------------- */

const char *image_format_name(enum image_format fmt)
{
    switch (fmt) {
    case IMAGE_FMT_RAW: return "raw";
    case IMAGE_FMT_QCOW2: return "qcow2";
    default: return NULL;
    }
}

int image_format_parse(const char *name, enum image_format *out)
{
    if (!strcmp(name, "raw"))
        *out = IMAGE_FMT_RAW;
    else if (!strcmp(name, "qcow2"))
        *out = IMAGE_FMT_QCOW2;
    else
        return image__err(-EINVAL, "Unknown file format '%s'", name);
    return 0;
}

const char *image_prealloc_name(enum image_prealloc p)
{
    static const char *const n[] = { "off", "metadata", "falloc", "full" };
    return (unsigned)p < 4 ? n[p] : NULL;
}

int image_prealloc_parse(const char *s, enum image_prealloc *out)
{
    for (int i = 0; i < 4; i++) {
        if (!strcmp(s, image_prealloc_name(i))) {
            *out = i;
            return 0;
        }
    }
    return image__err(-EINVAL, "Invalid preallocation mode: '%s'", s);
}

const char *image_compression_name(enum image_compression c)
{
    return c == IMAGE_COMP_ZLIB ? "zlib" : c == IMAGE_COMP_ZSTD ? "zstd" : NULL;
}

int image_compression_parse(const char *s, enum image_compression *out)
{
    if (!strcmp(s, "zlib"))
        *out = IMAGE_COMP_ZLIB;
    else if (!strcmp(s, "zstd"))
        *out = IMAGE_COMP_ZSTD;
    else
        return image__err(-EINVAL, "Invalid compression type: '%s'", s);
    return 0;
}

static const struct image_ops *ops_for(enum image_format f)
{
    return f == IMAGE_FMT_QCOW2 ? &qcow2_ops : f == IMAGE_FMT_RAW ? &raw_ops : NULL;
}

int image__probe_fd(int fd, enum image_format *out)
{
    uint8_t m[4];
    ssize_t r = pread(fd, m, 4, 0);

    if (r < 0)
        return image__err(-errno, "cannot read image: %s", strerror(errno));
    if (r == 4 && m[0] == 'Q' && m[1] == 'F' && m[2] == 'I' && m[3] == 0xfb)
        *out = IMAGE_FMT_QCOW2;
    else
        *out = IMAGE_FMT_RAW;
    return 0;
}

/* ---- open/close ------------------------------------------------------- */

static void image_free(struct image *img)
{
    if (!img)
        return;
    if (img->ops && img->priv)
        img->ops->close(img);
    if (img->fd >= 0)
        close(img->fd);
    free(img->filename);
    free(img);
}

char *image__backing_path(const char *overlay, const char *name)
{
    char *dup, *dir, *out = NULL;

    if (!name)
        return NULL;
    if (name[0] == '/' || !strchr(overlay, '/'))
        return strdup(name);
    dup = strdup(overlay);
    if (!dup)
        return NULL;
    dir = dirname(dup);
    if (asprintf(&out, "%s/%s", dir, name) < 0)
        out = NULL;
    free(dup);
    return out;
}

static int open_one(const char *path, enum image_format fmt, unsigned flags,
                    const struct image_open_opts *o, int depth,
                    struct image *top, struct image **out)
{
    struct image *img;
    struct stat st;
    int oflags, rc;

    img = calloc(1, sizeof(*img));
    if (!img)
        return image__err(-ENOMEM, "out of memory");
    img->fd = -1;
    img->depth = depth;
    img->flags = flags;
    img->read_only = !(flags & IMAGE_O_RDWR);
    img->filename = strdup(path);
    if (!img->filename) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out_free;
    }
    oflags = (img->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    if (flags & IMAGE_O_DIRECT)
        oflags |= O_DIRECT;
    img->fd = open(path, oflags);
    if (img->fd < 0) {
        rc = image__err(-errno, "Could not open '%s': %s", path, strerror(errno));
        goto out_free;
    }
    if (fstat(img->fd, &st) < 0) {
        rc = image__err(-errno, "Could not stat '%s': %s", path, strerror(errno));
        goto out_free;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = image__err(-EISDIR, "'%s' is a directory", path);
        goto out_free;
    }
    img->dev = st.st_dev;
    img->ino = st.st_ino;
    for (struct image *i = top; i; i = i->backing) {
        if (i->dev == img->dev && i->ino == img->ino) {
            rc = image__err(-ELOOP, "Backing chain of '%s' loops back to '%s'",
                            top->filename, path);
            goto out_free;
        }
    }
    if (fmt == IMAGE_FMT_AUTO) {
        rc = image__probe_fd(img->fd, &fmt);
        if (rc)
            goto out_free;
    }
    img->ops = ops_for(fmt);
    if (!img->ops) {
        rc = image__err(-EINVAL, "'%s': unknown format", path);
        goto out_free;
    }
    rc = img->ops->open(img, depth == 0 ? o : NULL);
    if (rc) {
        img->priv = NULL;
        goto out_free;
    }
    *out = img;
    return 0;
out_free:
    image_free(img);
    return rc;
}

int image__open(const char *path, const struct image_open_opts *opts,
                struct image **out)
{
    struct image_open_opts dflt = { 0 };
    const struct image_open_opts *o = opts ? opts : &dflt;
    struct image *top = NULL, *cur;
    unsigned max = o->max_chain_depth ? o->max_chain_depth : IMAGE_CHAIN_DEFAULT_MAX;
    unsigned flags = o->flags;
    int rc;

    *out = NULL;
    if (max > IMAGE_CHAIN_HARD_MAX)
        max = IMAGE_CHAIN_HARD_MAX;
    if (o->snapshot)
        flags &= ~IMAGE_O_RDWR;
    rc = open_one(path, o->format, flags, o, 0, NULL, &top);
    if (rc)
        return rc;
    if (flags & IMAGE_O_NO_BACKING)
        goto done;
    cur = top;
    for (unsigned depth = 1;; depth++) {
        const char *bname = cur->backing_name;
        enum image_format bfmt = cur->backing_fmt;
        unsigned bflags = 0;
        char *bpath;

        if (cur == top && o->backing_file) {
            bname = o->backing_file;
            bfmt = o->backing_format;
        }
        if (!bname || !*bname)
            break;
        if (depth >= max) {
            rc = image__err(-ELOOP, "Backing chain of '%s' is deeper than %u images",
                            path, max);
            goto out_close;
        }
        bpath = (cur == top && o->backing_file) ? strdup(bname)
                                                 : image__backing_path(cur->filename, bname);
        if (!bpath) {
            rc = image__err(-ENOMEM, "out of memory");
            goto out_close;
        }
        if (depth == 1 && (flags & IMAGE_O_BACKING_RW))
            bflags |= IMAGE_O_RDWR;
        bflags |= flags & (IMAGE_O_DIRECT | IMAGE_O_NO_SYNC);
        rc = open_one(bpath, bfmt, bflags, NULL, depth, top, &cur->backing);
        if (rc) {
            char msg[sizeof(errbuf)];
            snprintf(msg, sizeof(msg), "%s", errbuf);
            image__err(rc, "Could not open backing file of '%s': %s", cur->filename, msg);
            free(bpath);
            goto out_close;
        }
        free(bpath);
        cur = cur->backing;
    }
done:
    *out = top;
    return 0;
out_close:
    image__close(top);
    return rc;
}

int image__close(struct image *img)
{
    int rc = 0;

    while (img) {
        struct image *next = img->backing;
        if (!img->read_only) {
            int r = img->ops->flush(img);
            if (r && !rc)
                rc = r;
        }
        image_free(img);
        img = next;
    }
    return rc;
}

/* ---- I/O ---------------------------------------------------------------- */

static int check_range(struct image *img, uint64_t len, uint64_t off)
{
    if (off > img->size || len > img->size - off)
        return image__err(-EINVAL, "'%s': request %llu+%llu beyond the end of the disk (%llu)",
                          img->filename, (unsigned long long)off,
                          (unsigned long long)len, (unsigned long long)img->size);
    return 0;
}

static int check_write(struct image *img, uint64_t len, uint64_t off)
{
    if (img->read_only)
        return image__err(-EROFS, "'%s' is open read-only", img->filename);
    return check_range(img, len, off);
}

int image__read_backing(struct image *img, void *buf, uint64_t len, uint64_t off)
{
    struct image *b = img->backing;
    uint64_t n = 0;

    if (b && off < b->size) {
        n = b->size - off < len ? b->size - off : len;
        int rc = b->ops->read(b, buf, n, off);
        if (rc)
            return rc;
    }
    if (n < len)
        memset((uint8_t *)buf + n, 0, len - n);
    return 0;
}

int image__pread(struct image *img, void *buf, uint64_t len, uint64_t off)
{
    int rc = check_range(img, len, off);
    return rc ? rc : len ? img->ops->read(img, buf, len, off) : 0;
}

int image__pwrite(struct image *img, const void *buf, uint64_t len, uint64_t off)
{
    int rc = check_write(img, len, off);
    return rc ? rc : len ? img->ops->write(img, buf, len, off) : 0;
}

int image__preadv(struct image *img, const struct iovec *iov, int iovcnt, uint64_t off)
{
    for (int i = 0; i < iovcnt; i++) {
        int rc = image__pread(img, iov[i].iov_base, iov[i].iov_len, off);
        if (rc)
            return rc;
        off += iov[i].iov_len;
    }
    return 0;
}

int image__pwritev(struct image *img, const struct iovec *iov, int iovcnt, uint64_t off)
{
    for (int i = 0; i < iovcnt; i++) {
        int rc = image__pwrite(img, iov[i].iov_base, iov[i].iov_len, off);
        if (rc)
            return rc;
        off += iov[i].iov_len;
    }
    return 0;
}

int image__flush(struct image *img)
{
    int rc = 0;

    for (; img; img = img->backing) {
        if (img->read_only)
            continue;
        int r = img->ops->flush(img);
        if (r && !rc)
            rc = r;
    }
    return rc;
}

int image__write_zeroes(struct image *img, uint64_t off, uint64_t len, unsigned flags)
{
    int rc = check_write(img, len, off);
    return rc ? rc : len ? img->ops->zeroes(img, off, len, flags) : 0;
}

int image__discard(struct image *img, uint64_t off, uint64_t len)
{
    int rc = check_write(img, len, off);
    return rc ? rc : len ? img->ops->discard(img, off, len) : 0;
}

int image__write_compressed(struct image *img, const void *buf, uint64_t len, uint64_t off)
{
    int rc = check_write(img, len, off);
    if (rc)
        return rc;
    if (!img->ops->write_compressed)
        return image__err(-ENOTSUP, "'%s': format %s has no compression",
                          img->filename, img->ops->name);
    return img->ops->write_compressed(img, buf, len, off);
}

long image__compress_cluster(struct image *img, void *dst, size_t cap, const void *src)
{
    if (!img->ops->compress)
        return image__err(-ENOTSUP, "'%s': format %s has no compression",
                          img->filename, img->ops->name);
    return img->ops->compress(img, dst, cap, src);
}

int image__write_precompressed(struct image *img, uint64_t off, const void *c, size_t clen)
{
    int rc = check_write(img, 1, off);
    if (rc)
        return rc;
    if (!img->ops->write_precompressed)
        return image__err(-ENOTSUP, "'%s': format %s has no compression",
                          img->filename, img->ops->name);
    return img->ops->write_precompressed(img, off, c, clen);
}

int image__block_status(struct image *img, uint64_t off, uint64_t len, unsigned flags,
                        struct image_extent *ext)
{
    struct image *cur = img;
    int rc = check_range(img, len, off);

    if (rc)
        return rc;
    if (!len)
        return image__err(-EINVAL, "block status of an empty range");
    for (int depth = 0;; depth++) {
        memset(ext, 0, sizeof(*ext));
        ext->start = off;
        ext->depth = depth;
        if (off >= cur->size) {
            /* Past the end of a shorter backing file: zeros. */
            ext->length = len;
            ext->flags = IMAGE_EXT_ZERO;
            return 0;
        }
        if (len > cur->size - off)
            len = cur->size - off;
        rc = cur->ops->block_status(cur, off, len, ext);
        if (rc)
            return rc;
        ext->start = off;
        ext->depth = depth;
        if (ext->flags & (IMAGE_EXT_ALLOCATED | IMAGE_EXT_ZERO)) {
            ext->layer = cur;
            return 0;
        }
        if (flags & IMAGE_BS_THIS_LAYER)
            return 0;
        len = ext->length;
        if (!cur->backing) {
            /* Unallocated in the whole chain: zeros, reported at the depth
             * of the last image as qemu-img map does. */
            ext->flags = IMAGE_EXT_ZERO;
            return 0;
        }
        cur = cur->backing;
    }
}

/* ---- size / info ---------------------------------------------------------- */

uint64_t image__size(struct image *img)
{
    return img->size;
}

int image__resize(struct image *img, uint64_t size, unsigned flags, enum image_prealloc p)
{
    if (img->read_only)
        return image__err(-EROFS, "'%s' is open read-only", img->filename);
    if (size < img->size && !(flags & IMAGE_RESIZE_SHRINK))
        return image__err(-EINVAL, "Use the --shrink option to perform a shrink operation.");
    return img->ops->resize(img, size, flags, p);
}

int image__get_info(struct image *img, struct image_info *info)
{
    struct stat st;

    memset(info, 0, sizeof(*info));
    info->format = img->ops->fmt;
    info->filename = img->filename;
    info->virtual_size = img->size;
    if (fstat(img->fd, &st) == 0) {
        info->file_length = st.st_size;
        info->actual_size = (uint64_t)st.st_blocks * 512;
    }
    img->ops->info(img, info);
    return 0;
}

const char *image__filename(struct image *img) { return img->filename; }
enum image_format image__format(struct image *img) { return img->ops->fmt; }
struct image *image__backing(struct image *img) { return img->backing; }
bool image__read_only(struct image *img) { return img->read_only; }
int image__fd(struct image *img) { return img->fd; }

uint32_t image__cluster_size(struct image *img)
{
    struct image_info i;

    if (img->ops->fmt != IMAGE_FMT_QCOW2)
        return 512;
    image__get_info(img, &i);
    return i.cluster_size;
}

struct qcow2 *image__qcow2(struct image *img)
{
    return img->ops->fmt == IMAGE_FMT_QCOW2 ? img->priv : NULL;
}

int image__header_extensions(struct image *img, const struct image_hdr_ext **e, unsigned *n)
{
    *e = NULL;
    *n = 0;
    return img->ops->header_exts ? img->ops->header_exts(img, e, n) : 0;
}

const char *image__feature_name(struct image *img, int type, int bit)
{
    return img->ops->feature_name ? img->ops->feature_name(img, type, bit) : NULL;
}

int image__set_backing(struct image *img, const char *file, enum image_format fmt)
{
    if (img->read_only)
        return image__err(-EROFS, "'%s' is open read-only", img->filename);
    if (!img->ops->set_backing)
        return image__err(-ENOTSUP, "'%s': format %s has no backing file",
                          img->filename, img->ops->name);
    return img->ops->set_backing(img, file, fmt);
}

/* ---- snapshots ------------------------------------------------------------ */

#define SNAP_OP(call)                                                        \
    do {                                                                     \
        if (!img->ops->snap_list)                                            \
            return image__err(-ENOTSUP, "'%s': format %s has no internal "   \
                              "snapshots", img->filename, img->ops->name);   \
        return call;                                                         \
    } while (0)

int image__snapshot_list(struct image *img, const struct image_snapshot **l, unsigned *n)
{
    SNAP_OP(img->ops->snap_list(img, l, n));
}

int image__snapshot_create(struct image *img, const char *name)
{
    if (img->read_only)
        return image__err(-EROFS, "'%s' is open read-only", img->filename);
    SNAP_OP(img->ops->snap_create(img, name));
}

int image__snapshot_apply(struct image *img, const char *id)
{
    if (img->read_only)
        return image__err(-EROFS, "'%s' is open read-only", img->filename);
    SNAP_OP(img->ops->snap_apply(img, id));
}

int image__snapshot_delete(struct image *img, const char *id)
{
    if (img->read_only)
        return image__err(-EROFS, "'%s' is open read-only", img->filename);
    SNAP_OP(img->ops->snap_delete(img, id));
}

/* ---- create ------------------------------------------------------------ */

static int create_raw(const char *path, const struct image_create_opts *o, uint64_t size)
{
    int fd, rc = 0;

    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return image__err(-errno, "Could not create '%s': %s", path, strerror(errno));
    if (ftruncate(fd, size) < 0) {
        rc = image__err(-errno, "Could not resize '%s': %s", path, strerror(errno));
        goto out_close;
    }
    if (o->preallocation == IMAGE_PREALLOC_FALLOC && size) {
        int r = posix_fallocate(fd, 0, size);
        if (r)
            rc = image__err(-r, "Could not preallocate '%s': %s", path, strerror(r));
    } else if (o->preallocation == IMAGE_PREALLOC_FULL && size) {
        static const uint8_t zero[1 << 16];
        for (uint64_t off = 0; off < size && !rc; off += sizeof(zero)) {
            uint64_t n = size - off < sizeof(zero) ? size - off : sizeof(zero);
            rc = image__full_pwrite(fd, zero, n, off);
        }
        if (rc)
            image__err(rc, "Could not preallocate '%s': %s", path, strerror(-rc));
    } else if (o->preallocation == IMAGE_PREALLOC_METADATA) {
        rc = image__err(-ENOTSUP, "Unsupported preallocation mode 'metadata' for raw");
    }
out_close:
    close(fd);
    return rc;
}

int image__create(const char *path, const struct image_create_opts *o)
{
    uint64_t size = o->size;
    enum image_format fmt = o->format == IMAGE_FMT_AUTO ? IMAGE_FMT_QCOW2 : o->format;
    struct image_create_opts copy = *o;
    int rc;

    if (o->backing_file && fmt != IMAGE_FMT_QCOW2)
        return image__err(-EINVAL, "Format %s does not support backing files",
                          image_format_name(fmt));
    if (o->backing_file && (!o->backing_unsafe || !size || o->backing_format == IMAGE_FMT_AUTO)) {
        struct image_open_opts bo = { .format = o->backing_format,
                                      .flags = IMAGE_O_NO_BACKING };
        struct image *b = NULL;
        char *bpath = image__backing_path(path, o->backing_file);

        if (!bpath)
            return image__err(-ENOMEM, "out of memory");
        rc = image__open(bpath, &bo, &b);
        free(bpath);
        if (rc) {
            char msg[sizeof(errbuf)];
            snprintf(msg, sizeof(msg), "%s", errbuf);
            return image__err(rc, "Could not open backing image: %s", msg);
        }
        if (!size)
            size = b->size;
        copy.backing_format = b->ops->fmt;
        if (o->backing_format != IMAGE_FMT_AUTO)
            copy.backing_format = o->backing_format;
        image__close(b);
    }
    if (fmt == IMAGE_FMT_RAW)
        return create_raw(path, &copy, size);
    return qcow2__create(path, &copy, size);
}

int image__measure(const struct image_create_opts *o, struct image *src,
                   uint64_t *required, uint64_t *fully)
{
    enum image_format fmt = o->format == IMAGE_FMT_AUTO ? IMAGE_FMT_QCOW2 : o->format;

    if (fmt == IMAGE_FMT_RAW) {
        /* qemu-img measure -O raw: the whole virtual size, sparse or not. */
        *required = *fully = src ? src->size : o->size;
        return 0;
    }
    return qcow2__measure(o, src, required, fully);
}
