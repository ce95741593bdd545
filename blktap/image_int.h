/* Engine-internal view of an image handle and the per-format ops table
 * (kvmtool's disk_image_operations idea).  Formats fill one of these. */
#ifndef PV_BLKTAP_IMAGE_INT_H
#define PV_BLKTAP_IMAGE_INT_H

#include <sys/types.h>

#include "blktap/image.h"

struct image_ops {
    const char *name;
    enum image_format fmt;
    /* Called with img->fd open; reads the format's metadata. */
    int (*open)(struct image *img, const struct image_open_opts *o);
    void (*close)(struct image *img);
    /* This layer only: unallocated ranges go to image__read_backing(). */
    int (*read)(struct image *img, void *buf, uint64_t len, uint64_t off);
    int (*write)(struct image *img, const void *buf, uint64_t len, uint64_t off);
    int (*flush)(struct image *img);
    int (*zeroes)(struct image *img, uint64_t off, uint64_t len, unsigned flags);
    int (*discard)(struct image *img, uint64_t off, uint64_t len);
    /* This layer only; ext->depth is left to the core. */
    int (*block_status)(struct image *img, uint64_t off, uint64_t len,
                        struct image_extent *ext);
    int (*resize)(struct image *img, uint64_t size, unsigned flags,
                  enum image_prealloc p);
    void (*info)(struct image *img, struct image_info *info);
    long (*compress)(struct image *img, void *dst, size_t cap, const void *src);
    int (*write_precompressed)(struct image *img, uint64_t off,
                               const void *cdata, size_t clen);
    int (*write_compressed)(struct image *img, const void *buf, uint64_t len,
                            uint64_t off);
    int (*set_backing)(struct image *img, const char *file, enum image_format f);
    int (*snap_list)(struct image *img, const struct image_snapshot **l, unsigned *n);
    int (*snap_create)(struct image *img, const char *name);
    int (*snap_apply)(struct image *img, const char *id_or_name);
    int (*snap_delete)(struct image *img, const char *id_or_name);
    int (*header_exts)(struct image *img, const struct image_hdr_ext **e, unsigned *n);
    const char *(*feature_name)(struct image *img, int type, int bit);
};

struct image {
    const struct image_ops *ops;
    char *filename;
    int fd;
    bool read_only;
    unsigned flags;             /* IMAGE_O_* as opened */
    uint64_t size;              /* virtual size */
    struct image *backing;
    int depth;                  /* 0 for the top image */
    dev_t dev;
    ino_t ino;
    void *priv;
    /* Backing as recorded (formats set these in open). */
    const char *backing_name;
    enum image_format backing_fmt;
};

extern const struct image_ops raw_ops;
extern const struct image_ops qcow2_ops;

/* Set the thread's error message and log it; returns RC (negative errno). */
int image__err(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Read LEN bytes at OFF of this layer's unallocated area: from the backing
 * chain, zeros past its end or if there is none. */
int image__read_backing(struct image *img, void *buf, uint64_t len, uint64_t off);
/* Positioned full I/O helpers on a file descriptor. */
int image__full_pread(int fd, void *buf, uint64_t len, uint64_t off);
int image__full_pwrite(int fd, const void *buf, uint64_t len, uint64_t off);

int qcow2__create(const char *path, const struct image_create_opts *o, uint64_t size);
int qcow2__measure(const struct image_create_opts *o, struct image *src,
                   uint64_t *required, uint64_t *fully);

#endif
