/* raw: the virtual disk is the host file, byte for byte. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blktap/image_int.h"

static int raw__open(struct image *img, const struct image_open_opts *o)
{
    struct stat st;

    if (o && o->snapshot)
        return image__err(-ENOTSUP, "'%s': raw images have no snapshots", img->filename);
    if (fstat(img->fd, &st) < 0)
        return image__err(-errno, "Could not stat '%s': %s", img->filename, strerror(errno));
    img->size = st.st_size;
    img->priv = img;    /* nothing private; non-NULL marks "opened" */
    return 0;
}

static void raw__close(struct image *img)
{
    img->priv = NULL;
}

static int raw__read(struct image *img, void *buf, uint64_t len, uint64_t off)
{
    int rc = image__full_pread(img->fd, buf, len, off);
    return rc ? image__err(rc, "'%s': read error at %llu: %s", img->filename,
                           (unsigned long long)off, strerror(-rc)) : 0;
}

static int raw__write(struct image *img, const void *buf, uint64_t len, uint64_t off)
{
    int rc = image__full_pwrite(img->fd, buf, len, off);
    return rc ? image__err(rc, "'%s': write error at %llu: %s", img->filename,
                           (unsigned long long)off, strerror(-rc)) : 0;
}

static int raw__flush(struct image *img)
{
    if (img->flags & IMAGE_O_NO_SYNC)
        return 0;
    if (fdatasync(img->fd) < 0)
        return image__err(-errno, "'%s': fsync failed: %s", img->filename, strerror(errno));
    return 0;
}

static int raw__zeroes(struct image *img, uint64_t off, uint64_t len, unsigned flags)
{
    int mode = (flags & IMAGE_ZERO_MAY_UNMAP) ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
                                              : FALLOC_FL_ZERO_RANGE;
    static const uint8_t zero[1 << 16];

    if (fallocate(img->fd, mode, off, len) == 0)
        return 0;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < sizeof(zero) ? len - done : sizeof(zero);
        int rc = raw__write(img, zero, n, off + done);
        if (rc)
            return rc;
        done += n;
    }
    return 0;
}

static int raw__discard(struct image *img, uint64_t off, uint64_t len)
{
    /* Advisory: a file system without hole punching keeps the data. */
    (void)fallocate(img->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
    return 0;
}

static int raw__block_status(struct image *img, uint64_t off, uint64_t len,
                             struct image_extent *ext)
{
    off_t data = lseek(img->fd, off, SEEK_DATA);

    ext->flags = IMAGE_EXT_ALLOCATED | IMAGE_EXT_OFFSET;
    ext->host_offset = off;
    ext->length = len;
    if (data < 0 && errno == ENXIO) {           /* hole up to EOF */
        ext->flags |= IMAGE_EXT_ZERO;
        return 0;
    }
    if (data < 0) {                             /* no SEEK_DATA: all data */
        ext->flags |= IMAGE_EXT_DATA;
        return 0;
    }
    if ((uint64_t)data > off) {
        ext->flags |= IMAGE_EXT_ZERO;
        if ((uint64_t)data - off < len)
            ext->length = data - off;
        return 0;
    }
    off_t hole = lseek(img->fd, off, SEEK_HOLE);
    ext->flags |= IMAGE_EXT_DATA;
    if (hole > (off_t)off && (uint64_t)hole - off < len)
        ext->length = hole - off;
    return 0;
}

static int raw__resize(struct image *img, uint64_t size, unsigned flags,
                       enum image_prealloc p)
{
    uint64_t old = img->size;

    if (ftruncate(img->fd, size) < 0)
        return image__err(-errno, "'%s': resize failed: %s", img->filename, strerror(errno));
    img->size = size;
    if (size > old && p == IMAGE_PREALLOC_FALLOC) {
        int r = posix_fallocate(img->fd, old, size - old);
        if (r)
            return image__err(-r, "'%s': preallocation failed: %s", img->filename, strerror(r));
    } else if (size > old && p == IMAGE_PREALLOC_FULL) {
        static const uint8_t zero[1 << 16];
        for (uint64_t off = old; off < size;) {
            uint64_t n = size - off < sizeof(zero) ? size - off : sizeof(zero);
            int rc = raw__write(img, zero, n, off);
            if (rc)
                return rc;
            off += n;
        }
    }
    return 0;
}

static void raw__info(struct image *img, struct image_info *info)
{
    (void)img;
    (void)info;
}

const struct image_ops raw_ops = {
    .name = "raw",
    .fmt = IMAGE_FMT_RAW,
    .open = raw__open,
    .close = raw__close,
    .read = raw__read,
    .write = raw__write,
    .flush = raw__flush,
    .zeroes = raw__zeroes,
    .discard = raw__discard,
    .block_status = raw__block_status,
    .resize = raw__resize,
    .info = raw__info,
};
