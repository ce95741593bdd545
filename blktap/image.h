/* Disk image engine: one handle type for every format, one ops table per
 * format behind it (blktap/raw.c, blktap/qcow2*.c), kvmtool style.
 *
 * Conventions
 * - Every int-returning call returns 0 on success or a negative errno:
 *     -EINVAL   bad argument / option
 *     -EUCLEAN  the image is corrupt (message says what and where)
 *     -ENOTSUP  a feature we do not implement (message names it)
 *     -ELOOP    backing chain loops or is deeper than the cap
 *     -EROFS    write to a read-only handle
 *     -ENOSPC, -EIO, ... from the host file
 *   On failure a human-readable message is left in image__errmsg() (per
 *   thread) and also logged through libxl/log.h at error level.
 * - Offsets and lengths are bytes of the virtual disk.  I/O need not be
 *   aligned; the engine does any read-modify-write itself.
 * - A handle may be used from several threads at once: reads and writes to
 *   different clusters proceed in parallel; metadata changes serialise
 *   internally.  Snapshot, resize and backing changes must not run
 *   concurrently with I/O on the same handle (the caller serialises them).
 * - After image__flush() returns 0, every write that completed before it
 *   was called survives a crash of the process or the host.
 *
 * Stability: this header is the contract with the pvimg CLI and the block
 * backend.  Changes are additive only.
 */
#ifndef PV_BLKTAP_IMAGE_H
#define PV_BLKTAP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct image;           /* opaque handle: one per open file in a chain */

/* ---- formats ---------------------------------------------------------- */

enum image_format {
    IMAGE_FMT_AUTO = 0,     /* probe (open) / "same as detected" */
    IMAGE_FMT_RAW,
    IMAGE_FMT_QCOW2,
};

/* "raw", "qcow2"; NULL for AUTO. */
const char *image_format_name(enum image_format fmt);
/* Parse "raw"/"qcow2"; -EINVAL (with message) otherwise. */
int image_format_parse(const char *name, enum image_format *out);
/* Probe the format of an open file descriptor by its content. */
int image__probe_fd(int fd, enum image_format *out);

/* Last error message of the calling thread ("" if none). */
const char *image__errmsg(void);

/* ---- open / close ------------------------------------------------------- */

/* Default and hard limit of the backing chain depth (image itself = 1). */
#define IMAGE_CHAIN_DEFAULT_MAX 64
#define IMAGE_CHAIN_HARD_MAX    1024

enum {
    IMAGE_O_RDWR        = 1u << 0,  /* default read-only */
    IMAGE_O_NO_BACKING  = 1u << 1,  /* do not open the backing chain:
                                       unallocated clusters read as zero
                                       (rebase -u, info, check) */
    IMAGE_O_BACKING_RW  = 1u << 2,  /* open the first backing file
                                       read-write too (commit) */
    IMAGE_O_CHECK       = 1u << 3,  /* open for check/repair: do not repair
                                       a dirty image on open, accept the
                                       corrupt bit (read-only unless RDWR) */
    IMAGE_O_DIRECT      = 1u << 4,  /* O_DIRECT on the host file */
    IMAGE_O_UNSAFE_IGNORE_CORRUPT = 1u << 5, /* open images with the corrupt
                                       bit read-only without complaint */
    IMAGE_O_NO_SYNC     = 1u << 6,  /* flush does not fsync (benchmarks,
                                       scratch images; never for guests) */
};

struct image_open_opts {
    enum image_format format;       /* AUTO: probe */
    unsigned flags;                 /* IMAGE_O_* */
    /* Override the backing file recorded in the image (NULL: use it). */
    const char *backing_file;
    enum image_format backing_format; /* AUTO: header extension or probe */
    unsigned max_chain_depth;       /* 0: IMAGE_CHAIN_DEFAULT_MAX */
    /* Expose internal snapshot ID-or-name instead of the active state;
       implies read-only (convert -l). */
    const char *snapshot;
};

/* opts may be NULL (read-only, probe, follow backing chain). */
int image__open(const char *path, const struct image_open_opts *opts,
                struct image **out);
/* Flushes (if writable) and closes the whole chain.  Returns the flush
 * result; the handle is freed in every case.  NULL is a no-op. */
int image__close(struct image *img);

/* ---- I/O ---------------------------------------------------------------- */

int image__pread(struct image *img, void *buf, uint64_t len, uint64_t off);
int image__pwrite(struct image *img, const void *buf, uint64_t len,
                  uint64_t off);
int image__preadv(struct image *img, const struct iovec *iov, int iovcnt,
                  uint64_t off);
int image__pwritev(struct image *img, const struct iovec *iov, int iovcnt,
                   uint64_t off);
/* Write every dirty cache and fsync in crash-safe order (see qcow2.c). */
int image__flush(struct image *img);

enum {
    IMAGE_ZERO_MAY_UNMAP = 1u << 0, /* may free the clusters (no prealloc) */
};
/* Make the range read as zeros; uses the qcow2 zero flag (v3) where it can. */
int image__write_zeroes(struct image *img, uint64_t off, uint64_t len,
                        unsigned flags);
/* Drop the range: afterwards it reads as zero (or backing data for an
 * overlay without the zero flag, as QEMU).  Advisory on raw. */
int image__discard(struct image *img, uint64_t off, uint64_t len);

/* Compressed write of whole clusters (convert -c).  off must be cluster
 * aligned; len a multiple of the cluster size, except the last cluster of
 * the disk may be short.  The target clusters must be unallocated.
 * A cluster that does not shrink is stored uncompressed (as QEMU).
 * -ENOTSUP on raw. */
int image__write_compressed(struct image *img, const void *buf,
                            uint64_t len, uint64_t off);

/* Compression alone, for callers that compress in worker threads and write
 * in order: compress one cluster (src of cluster_size bytes, zero-padded
 * when short) into dst (capacity dst_cap).  Returns the compressed length,
 * or 0 if it does not shrink, or a negative errno. */
long image__compress_cluster(struct image *img, void *dst, size_t dst_cap,
                             const void *src);
/* Store a cluster compressed by image__compress_cluster (clen > 0). */
int image__write_precompressed(struct image *img, uint64_t off,
                               const void *cdata, size_t clen);

/* ---- block status (map) -------------------------------------------------- */

enum {
    IMAGE_EXT_DATA       = 1u << 0, /* reads data (not known zero) */
    IMAGE_EXT_ZERO       = 1u << 1, /* reads as zero */
    IMAGE_EXT_ALLOCATED  = 1u << 2, /* allocated in the layer at depth */
    IMAGE_EXT_OFFSET     = 1u << 3, /* host_offset valid (raw data) */
    IMAGE_EXT_COMPRESSED = 1u << 4,
};

struct image_extent {
    uint64_t start;         /* virtual offset, == the off asked for */
    uint64_t length;        /* > 0, <= len asked for */
    unsigned flags;         /* IMAGE_EXT_* */
    uint64_t host_offset;   /* in layer's file, if IMAGE_EXT_OFFSET */
    int depth;              /* 0 = this image, 1 = its backing, ...;
                               unallocated in the whole chain: the depth
                               of the last image (as qemu-img map) */
    struct image *layer;    /* the image allocating it, NULL if none */
};

enum {
    IMAGE_BS_THIS_LAYER = 1u << 0,  /* do not descend into the backing:
                                       unallocated ranges report depth 0,
                                       flags 0 (as convert -B / commit) */
};

/* Describe the longest run starting at off (<= len) with uniform status. */
int image__block_status(struct image *img, uint64_t off, uint64_t len,
                        unsigned flags, struct image_extent *ext);

/* ---- size ---------------------------------------------------------------- */

uint64_t image__size(struct image *img);

enum image_prealloc {
    IMAGE_PREALLOC_OFF = 0,
    IMAGE_PREALLOC_METADATA,
    IMAGE_PREALLOC_FALLOC,
    IMAGE_PREALLOC_FULL,
};
const char *image_prealloc_name(enum image_prealloc p);
int image_prealloc_parse(const char *s, enum image_prealloc *out);

enum {
    IMAGE_RESIZE_SHRINK = 1u << 0,  /* allow new_size < current */
};
/* Grow or (with IMAGE_RESIZE_SHRINK) shrink.  qcow2 refuses to shrink an
 * image with internal snapshots (as QEMU). */
int image__resize(struct image *img, uint64_t new_size, unsigned flags,
                  enum image_prealloc prealloc);

/* ---- info -------------------------------------------------------------- */

enum image_compression {
    IMAGE_COMP_ZLIB = 0,
    IMAGE_COMP_ZSTD = 1,
};
const char *image_compression_name(enum image_compression c);
int image_compression_parse(const char *s, enum image_compression *out);

struct image_info {
    enum image_format format;
    const char *filename;           /* as opened */
    uint64_t virtual_size;
    uint64_t file_length;           /* st_size of the host file */
    uint64_t actual_size;           /* st_blocks * 512 */
    /* qcow2 only (zero/NULL for raw): */
    uint32_t cluster_size;
    int version;                    /* 2 or 3 */
    const char *compat;             /* "0.10" or "1.1" */
    const char *backing_file;       /* NULL: none */
    const char *backing_format;     /* NULL: not recorded */
    bool dirty;                     /* incompatible bit 0 */
    bool corrupt;                   /* incompatible bit 1 */
    bool lazy_refcounts;            /* compatible bit 0 */
    bool extended_l2;
    bool data_file;                 /* external data file (unsupported) */
    int refcount_bits;
    enum image_compression compression_type;
    uint64_t incompatible_features;
    uint64_t compatible_features;
    uint64_t autoclear_features;
    unsigned nb_snapshots;
    uint32_t header_length;
};
/* Strings point into the handle and live until close. */
int image__get_info(struct image *img, struct image_info *info);

const char *image__filename(struct image *img);
enum image_format image__format(struct image *img);
/* Next image of the chain (NULL if none or not opened). */
struct image *image__backing(struct image *img);
/* Cluster size for qcow2, 512 for raw: the natural I/O granule. */
uint32_t image__cluster_size(struct image *img);
bool image__read_only(struct image *img);

/* Header extensions as stored (qcow2), unknown ones included, in file
 * order; valid until close or the next header rewrite. */
struct image_hdr_ext {
    uint32_t magic;
    uint32_t len;
    const uint8_t *data;
};
int image__header_extensions(struct image *img,
                             const struct image_hdr_ext **exts, unsigned *n);
/* Feature-name table lookup: "dirty bit" etc., NULL if not named. */
const char *image__feature_name(struct image *img, int type, int bit);

/* The path of backing file NAME as qemu resolves it: relative to the
 * directory of OVERLAY, the image that names it, unless absolute.  NULL if
 * NAME is NULL or memory runs out; the caller frees the result. */
char *image__backing_path(const char *overlay, const char *name);

/* Rewrite the backing file name/format in the header only (rebase -u, and
 * the last step of a safe rebase).  file NULL removes the backing. */
int image__set_backing(struct image *img, const char *file,
                       enum image_format fmt);

/* ---- internal snapshots (qcow2) --------------------------------------- */

struct image_snapshot {
    char *id;                       /* unique ID string, e.g. "1" */
    char *name;                     /* tag */
    uint64_t l1_offset;
    uint32_t l1_size;
    uint32_t date_sec, date_nsec;
    uint64_t vm_clock_nsec;
    uint64_t vm_state_size;
    uint64_t disk_size;             /* virtual size at snapshot time */
    int64_t icount;                 /* -1: not recorded */
    uint32_t extra_size;            /* bytes of extra data as stored */
};

/* Array owned by the handle; valid until the next snapshot call/close. */
int image__snapshot_list(struct image *img,
                         const struct image_snapshot **list, unsigned *n);
/* name: the tag (required, unique); the ID is assigned as QEMU does. */
int image__snapshot_create(struct image *img, const char *name);
/* Revert the active state to the snapshot (ID or name, ID first). */
int image__snapshot_apply(struct image *img, const char *id_or_name);
int image__snapshot_delete(struct image *img, const char *id_or_name);

/* ---- create ------------------------------------------------------------ */

struct image_create_opts {
    enum image_format format;       /* RAW or QCOW2 (AUTO = qcow2) */
    uint64_t size;                  /* 0 with a backing file: its size */
    uint32_t cluster_size;          /* 0: 65536; power of two 512..2M */
    int compat;                     /* 0: v3 ("1.1"); 2: "0.10"; 3: "1.1" */
    bool lazy_refcounts;            /* v3 only */
    int refcount_bits;              /* 0: 16; 1..64 power of two */
    enum image_compression compression_type;
    enum image_prealloc preallocation;
    const char *backing_file;
    enum image_format backing_format; /* AUTO: probe the backing file */
    /* Do not open the backing file (size must then be given) */
    bool backing_unsafe;
};
/* Create (or truncate) PATH.  Fails if it is a directory. */
int image__create(const char *path, const struct image_create_opts *o);

/* Space needed to convert SRC (or an empty disk of o->size if src NULL)
 * into an image with options O: qemu-img measure semantics. */
int image__measure(const struct image_create_opts *o, struct image *src,
                   uint64_t *required, uint64_t *fully_allocated);

/* ---- raw access for the check/repair module ------------------------------ */

/* The qcow2 internals (struct qcow2, see blktap/qcow2_int.h) of a qcow2
 * handle, NULL for other formats.  For blktap/qcow2_check.c only. */
struct qcow2;
struct qcow2 *image__qcow2(struct image *img);
/* Host file descriptor of this layer. */
int image__fd(struct image *img);

#endif
