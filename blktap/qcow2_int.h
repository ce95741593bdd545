/* qcow2 internals shared by the engine's qcow2_*.c files and the
 * check/repair module (blktap/qcow2_check.c).  Not a public API: the CLI
 * uses blktap/image.h.  Tables are kept host-endian in memory; conversion
 * to big endian happens only where they are read from or written to disk.
 *
 * Locking: q->lock protects everything below except fd/immutable geometry.
 * Functions named qcow2__*_locked expect it held; the check module takes it
 * with qcow2__lock()/qcow2__unlock() around its whole run. */
#ifndef PV_BLKTAP_QCOW2_INT_H
#define PV_BLKTAP_QCOW2_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "blktap/image.h"

#define QCOW2_MAGIC             0x514649fbu     /* "QFI\xfb" */
#define QCOW2_V2_HDR_LEN        72u
#define QCOW2_V3_HDR_LEN        104u
#define QCOW2_MIN_CLUSTER_BITS  9
#define QCOW2_MAX_CLUSTER_BITS  21
#define QCOW2_MAX_BACKING_NAME  1023u
/* Limits (as QEMU's) that bound every allocation driven by header fields. */
#define QCOW2_MAX_L1_BYTES      (32u << 20)
#define QCOW2_MAX_REFTABLE_BYTES (8u << 20)
#define QCOW2_MAX_SNAPSHOTS     65536u
#define QCOW2_MAX_SNAPTABLE_BYTES (64u << 20)
#define QCOW2_MAX_SNAP_EXTRA    1024u
#define QCOW2_MAX_EXT_AREA      (2u << 20)

/* Header extension types. */
#define QCOW2_EXT_END           0x00000000u
#define QCOW2_EXT_BACKING_FMT   0xe2792acau
#define QCOW2_EXT_FEATURE_NAMES 0x6803f857u
#define QCOW2_EXT_BITMAPS       0x23852875u
#define QCOW2_EXT_CRYPTO        0x0537be77u
#define QCOW2_EXT_DATA_FILE     0x44415441u

/* Feature bits. */
#define QCOW2_INCOMPAT_DIRTY    (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT  (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2    (1ull << 4)
#define QCOW2_INCOMPAT_KNOWN    (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT | \
                                 QCOW2_INCOMPAT_COMPRESSION)
#define QCOW2_COMPAT_LAZY_REFCOUNTS (1ull << 0)
#define QCOW2_AUTOCLEAR_BITMAPS (1ull << 0)
#define QCOW2_AUTOCLEAR_RAW_DATA (1ull << 1)

/* Table entry bits. */
#define QCOW2_OFLAG_COPIED      (1ull << 63)
#define QCOW2_OFLAG_COMPRESSED  (1ull << 62)
#define QCOW2_OFLAG_ZERO        (1ull << 0)
#define QCOW2_L1E_OFFSET_MASK   0x00fffffffffffe00ull
#define QCOW2_L2E_OFFSET_MASK   0x00fffffffffffe00ull
#define QCOW2_REFT_OFFSET_MASK  0xfffffffffffffe00ull
/* Refcount table entries: the offset; bits 0-8 are reserved. */
#define QCOW2_REFT_OFFSET_MASK 0xfffffffffffffe00ull
/* Bits that must be zero in a standard (uncompressed) L2 entry. */
#define QCOW2_L2E_STD_RESERVED  0x3f000000000001feull
#define QCOW2_L1E_RESERVED      0x7f000000000001ffull

/* Host-endian copy of the fixed header fields. */
struct qcow2_header {
    uint32_t magic;
    uint32_t version;
    uint64_t backing_file_offset;
    uint32_t backing_file_size;
    uint32_t cluster_bits;
    uint64_t size;
    uint32_t crypt_method;
    uint32_t l1_size;
    uint64_t l1_table_offset;
    uint64_t refcount_table_offset;
    uint32_t refcount_table_clusters;
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    /* v3 */
    uint64_t incompatible_features;
    uint64_t compatible_features;
    uint64_t autoclear_features;
    uint32_t refcount_order;
    uint32_t header_length;
    uint8_t compression_type;
};

/* One cached metadata cluster (L2 table or refcount block).  L2 tables are
 * cached as host-endian uint64_t[]; refcount blocks as on-disk bytes (their
 * entry width varies) accessed through qcow2__rb_get/qcow2__rb_set. */
struct qcow2_cache_entry {
    uint64_t offset;            /* host offset; 0 = empty slot */
    void *data;
    uint64_t lru;
    int pins;
    bool dirty;
};

struct qcow2_cache {
    struct qcow2_cache_entry *e;
    unsigned n;
    uint64_t tick;
    bool is_l2;                 /* convert byte order on load/store */
    uint32_t csize;
    void *tmp;                  /* byte-order conversion buffer */
};

struct qcow2_pending_free {
    uint64_t offset;            /* host byte offset */
    uint64_t len;               /* bytes; clusters touched are decremented */
};

struct qcow2_ext {
    uint32_t magic;
    uint32_t len;
    uint8_t *data;
};

struct qcow2 {
    struct image *img;
    int fd;
    bool read_only;
    bool no_sync;

    struct qcow2_header h;
    unsigned cluster_bits;
    uint32_t cluster_size;
    unsigned l2_bits;           /* log2 entries per L2 table */
    unsigned refcount_bits;     /* 1 << refcount_order */
    unsigned rb_bits;           /* log2 entries per refcount block */
    uint64_t refcount_max;
    unsigned csize_shift;       /* compressed descriptor: sectors field */
    uint64_t csize_mask;
    uint64_t coffset_mask;

    uint64_t *l1;               /* active L1, host-endian, l1_size entries */
    uint32_t l1_size;
    bool l1_dirty;
    uint64_t *reftable;         /* host-endian */
    uint64_t reftable_size;     /* entries */
    bool reftable_dirty;

    struct qcow2_cache l2c;
    struct qcow2_cache rbc;

    struct qcow2_ext *exts;     /* all but END, BACKING_FMT, in order */
    unsigned n_exts;
    struct image_hdr_ext *pub_exts;  /* view for image__header_extensions */
    char *backing_file;
    char *backing_format;

    struct image_snapshot *snaps;
    unsigned n_snaps;
    uint8_t **snap_extra;       /* per snapshot: extra data as stored */

    /* Allocation. */
    uint64_t free_hint;         /* first cluster index possibly free */
    /* Where multi-cluster runs start looking: past the last run.  A hole
     * too small for a run would otherwise pin free_hint and make every run
     * rescan everything after it (quadratic with 512 B clusters). */
    uint64_t run_hint;
    uint64_t alloc_floor;       /* repair: never allocate below this */
    uint64_t zero_from;         /* host bytes >= this read as zero */
    uint64_t comp_next;         /* next free byte for compressed data, 0 none */
    struct qcow2_pending_free *pfree;
    unsigned n_pfree, cap_pfree;
    bool rb_unsynced;           /* refblocks written since last fsync */
    bool dirty_marked;          /* we set the dirty bit (lazy refcounts) */
    bool lazy;                  /* lazy refcounts in effect */
    bool autoclear_cleared;

    /* Where corruption was first detected (qcow2__corrupt). */
    char corrupt_where[256];
    bool corrupt;

    /* Snapshot view (convert -l): l1 points to the snapshot's table. */
    bool snapshot_view;

    pthread_mutex_t lock;

    /* Added after the first API commit. */
    uint8_t hdr_raw[512];       /* first sector as read: unknown fields kept */
    uint64_t snaptable_len;     /* bytes of the snapshot table on disk */
    uint64_t host_end;          /* end of the host file incl. allocations */
    bool opened;                /* fully validated; may mark corrupt on disk */
};

/* ---- qcow2.c: core, header --------------------------------------------- */
void qcow2__lock(struct qcow2 *q);
void qcow2__unlock(struct qcow2 *q);
/* Record corruption detected at WHAT (printf format), mark the image
 * corrupt in memory (further writes refused) and return -EUCLEAN.  The
 * corrupt bit is written to disk only if the image is writable. */
int qcow2__corrupt(struct qcow2 *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Full-length positioned I/O on the host file; short I/O is -EIO. */
int qcow2__pread(struct qcow2 *q, void *buf, uint64_t len, uint64_t off);
int qcow2__pwrite(struct qcow2 *q, const void *buf, uint64_t len, uint64_t off);
int qcow2__fsync(struct qcow2 *q);
/* Rewrite header + extensions + backing name in cluster 0. */
int qcow2__write_header(struct qcow2 *q);
/* Write only the first 72..104 bytes (one sector: atomic on disk). */
int qcow2__write_header_fields(struct qcow2 *q);
/* Crash-safe ordered metadata flush; fsync barriers unless no_sync. */
int qcow2__flush_locked(struct qcow2 *q);
uint64_t qcow2__file_size(struct qcow2 *q);
/* Steps of the flush: refcount blocks + table (with barriers). */
int qcow2__flush_refcounts_locked(struct qcow2 *q);
int qcow2__write_l1_locked(struct qcow2 *q);
/* Before the first change: refuse if corrupt, clear autoclear bits, set
 * the dirty bit if lazy refcounts are in use. */
int qcow2__prepare_write_locked(struct qcow2 *q);
int qcow2__mark_dirty_locked(struct qcow2 *q);
int qcow2__encode_header_cluster(struct qcow2 *q, uint8_t *buf);
const char *qcow2__feature_name(struct image *img, int type, int bit);
/* Does [off, off+len) overlap metadata (header, L1, reftable, snapshot
 * table, snapshot L1 tables)?  Returns the name of what it overlaps. */
const char *qcow2__overlaps_metadata(struct qcow2 *q, uint64_t off, uint64_t len);

/* ---- qcow2_cache.c ----------------------------------------------------- */
int qcow2__cache_init(struct qcow2_cache *c, unsigned n, uint32_t csize, bool is_l2);
void qcow2__cache_free(struct qcow2_cache *c);
/* Load (or find) the cluster at off; pinned until qcow2__cache_put. */
int qcow2__cache_get(struct qcow2 *q, struct qcow2_cache *c, uint64_t off,
                     bool fresh, void **data);
void qcow2__cache_put(struct qcow2_cache *c, void *data, bool dirty);
int qcow2__cache_writeback(struct qcow2 *q, struct qcow2_cache *c);
void qcow2__cache_forget(struct qcow2_cache *c, uint64_t off);
bool qcow2__cache_has_dirty(struct qcow2_cache *c);

/* ---- qcow2_refcount.c ---------------------------------------------------- */
uint64_t qcow2__rb_get(struct qcow2 *q, const void *rb, uint64_t idx);
void qcow2__rb_set(struct qcow2 *q, void *rb, uint64_t idx, uint64_t v);
int qcow2__get_refcount(struct qcow2 *q, uint64_t cluster, uint64_t *rc);
/* Add ADDEND to the refcount of every cluster touched by [off, off+len).
 * Overflow and underflow are refused (-ERANGE / -EUCLEAN) before any change. */
int qcow2__update_refcount(struct qcow2 *q, uint64_t off, uint64_t len, int64_t addend);
int qcow2__set_refcount(struct qcow2 *q, uint64_t cluster, uint64_t v);
/* Allocate N contiguous clusters (refcount 1); *off is the host offset. */
int qcow2__alloc_clusters(struct qcow2 *q, uint64_t n, uint64_t *off);
/* Decrement later, after the tables that referenced the range are on disk. */
int qcow2__free_deferred(struct qcow2 *q, uint64_t off, uint64_t len);
int qcow2__apply_pending_frees(struct qcow2 *q);

/* ---- qcow2_cluster.c: L1/L2 mapping ----------------------------------- */
/* L2 entry for a guest cluster (0 if the L1 entry is unallocated). */
int qcow2__get_l2e(struct qcow2 *q, uint64_t vcluster, uint64_t *l2e);
/* Set the L2 entry, allocating or copying-on-write the L2 table. */
int qcow2__set_l2e(struct qcow2 *q, uint64_t vcluster, uint64_t l2e);
/* Validate an L1 entry / L2 entry read from disk. */
int qcow2__check_l1e(struct qcow2 *q, uint64_t idx, uint64_t l1e);
int qcow2__check_l2e(struct qcow2 *q, uint64_t vcluster, uint64_t l2e);
/* Drop the reference an L2 entry holds (deferred). */
int qcow2__release_l2e(struct qcow2 *q, uint64_t l2e);
int qcow2__resize_l1(struct qcow2 *q, uint32_t new_size);

/* Host offset of refcount block RTI (an allocated entry), validated on
 * first use as QEMU does: misaligned, on the header or past the end of the
 * file is corruption (qcow2__corrupt: -EUCLEAN, marked on disk if
 * writable). */
int qcow2__refblock_offset(struct qcow2 *q, uint64_t rti, uint64_t *off);

/* ---- qcow2_compress.c -------------------------------------------------- */
int qcow2__decompress(struct qcow2 *q, void *dst, const void *src, size_t slen);
long qcow2__compress(struct qcow2 *q, void *dst, size_t cap, const void *src);
/* Raw deflate of LEN bytes with back-references of at most 4096 bytes (what
 * QEMU reads).  Returns the length, 0 if it does not fit in CAP, or -errno. */
long qcow2__deflate(void *dst, size_t cap, const void *src, size_t len);
/* The deflate implementation in use: "isal" or "zlib" (PVIMG_DEFLATE). */
const char *qcow2__deflate_name(void);
/* Switch implementation ("isal", "zlib"); -ENOTSUP if not built in. */
int qcow2__deflate_use(const char *name);
/* Host byte offset and byte length of a compressed descriptor. */
void qcow2__cdesc(struct qcow2 *q, uint64_t l2e, uint64_t *off, uint64_t *len);

/* ---- qcow2_snapshot.c ------------------------------------------------------ */
int qcow2__snapshots_load(struct qcow2 *q);
void qcow2__snapshots_free(struct qcow2 *q);
/* Add ADDEND to refcounts of every L2 table and data cluster reachable from
 * L1 (l1_size entries, host-endian) and recompute COPIED if fix_copied. */
int qcow2__l1_tree_refcount(struct qcow2 *q, const uint64_t *l1, uint32_t l1_size,
                            int64_t addend);
int qcow2__fix_copied_flags(struct qcow2 *q);

/* ---- qcow2_repair.c ---------------------------------------------------------- */
/* Count every reference the metadata makes, per host cluster.  *counts has
 * *n entries (file size in clusters, or more).  Caller frees. */
int qcow2__count_references(struct qcow2 *q, uint32_t **counts, uint64_t *n);
/* Rewrite refcounts to match the references (dirty image on open). */
int qcow2__rebuild_refcounts(struct qcow2 *q);

#endif
