/* qcow2 core: header, open-time validation, the ordered flush, info.
 *
 * CRASH SAFETY — the invariant this engine keeps:
 *
 *   Every cluster a table on disk points to has, on disk, a refcount at
 *   least as large as the number of on-disk references to it.
 *
 * A refcount that is too high is a leak (qemu-img check: "leaked
 * clusters", harmless); one that is too low lets a cluster be handed out
 * twice (corruption).  So increments must reach the disk before the
 * references, and decrements after the references are gone.  Metadata is
 * cached and written back in this order, with an fsync barrier (fdatasync)
 * between steps that depend on each other:
 *
 *   1. guest data of newly allocated clusters (pwrite, in the page cache;
 *      it needs no barrier for consistency: unflushed writes may be lost,
 *      and the cluster is already ours);
 *   2. refcount blocks holding increments (new clusters: data, L2 tables,
 *      refcount blocks themselves, which are self-describing), fsync;
 *   3. the refcount table, if new refcount blocks were hooked in, fsync;
 *   4. L2 tables (new, copied-on-write or updated), fsync;
 *   5. the L1 table, then the header fields (one sector: atomic), fsync;
 *   6. only now, decrements (clusters released by COW, discard, snapshot
 *      delete, replaced tables): applied to refcount blocks and written,
 *      fsync.  Until then a released cluster keeps its refcount and is
 *      never reused, so no on-disk table can point to a reused cluster.
 *
 * A crash between any two steps leaves new clusters with refcount 1 but
 * no reference (leaks) or released clusters with their old refcount
 * (leaks).  An L2 table evicted from the cache early goes through steps
 * 2-3 first.  Growing the refcount table writes the new table and the
 * refcount blocks covering it to fresh clusters, fsyncs, then switches
 * the header fields in one sector write.
 *
 * With lazy_refcounts (v3) the dirty bit is set, synced, before the first
 * allocation; barriers 2-4 are then skipped and the refcounts are rebuilt
 * on the next read-write open after a crash (qcow2_repair.c).
 *
 * Snapshot create/apply/delete change refcounts and COPIED flags, which
 * live in different clusters, together.  They are shadow commits
 * (qcow2_shadow.c): the new L1, the L2 tables whose flags change, the
 * refcount blocks and table and the snapshot table are written to fresh
 * clusters past the end of the file, synced, and one header-sector write
 * switches to them; before it the old image is untouched, after it the
 * new one is complete.  Growing the L1 table (resize) works the same way.
 *
 * Flush = steps 2..6 + fdatasync: after it returns, completed writes are
 * durable.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"

void qcow2__lock(struct qcow2 *q) { pthread_mutex_lock(&q->lock); }
void qcow2__unlock(struct qcow2 *q) { pthread_mutex_unlock(&q->lock); }

int qcow2__corrupt(struct qcow2 *q, const char *fmt, ...)
{
    char what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (!q->corrupt) {
        q->corrupt = true;
        snprintf(q->corrupt_where, sizeof(q->corrupt_where), "%s", what);
        /* As QEMU: flag the image so nobody writes on top of the damage.
         * Only when we opened it for writing, and best effort. */
        if (q->opened && !q->read_only && q->h.version >= 3 &&
            !(q->img->flags & IMAGE_O_CHECK)) {
            q->h.incompatible_features |= QCOW2_INCOMPAT_CORRUPT;
            qcow2__write_header_fields(q);
            qcow2__fsync(q);
        }
    }
    return image__err(-EUCLEAN, "'%s': image is corrupt: %s; further writes are refused "
                      "(run 'pvimg check -r all')", q->img->filename, what);
}

int qcow2__pread(struct qcow2 *q, void *buf, uint64_t len, uint64_t off)
{
    int rc = image__full_pread(q->fd, buf, len, off);
    return rc ? image__err(rc, "'%s': read error at offset %llu: %s", q->img->filename,
                           (unsigned long long)off, strerror(-rc)) : 0;
}

int qcow2__pwrite(struct qcow2 *q, const void *buf, uint64_t len, uint64_t off)
{
    int rc;

    rc = image__full_pwrite(q->fd, buf, len, off);
    if (rc)
        return image__err(rc, "'%s': write error at offset %llu: %s", q->img->filename,
                          (unsigned long long)off, strerror(-rc));
    return 0;
}

int qcow2__fsync(struct qcow2 *q)
{
    if (q->no_sync)
        return 0;
    if (fdatasync(q->fd) < 0)
        return image__err(-errno, "'%s': fsync failed: %s", q->img->filename, strerror(errno));
    return 0;
}

uint64_t qcow2__file_size(struct qcow2 *q)
{
    struct stat st;
    return fstat(q->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

const char *qcow2__overlaps_metadata(struct qcow2 *q, uint64_t off, uint64_t len)
{
    if (ranges_overlap(off, len, 0, q->cluster_size))
        return "the header";
    if (!q->snapshot_view &&
        ranges_overlap(off, len, q->h.l1_table_offset, (uint64_t)q->l1_size * 8))
        return "the active L1 table";
    if (ranges_overlap(off, len, q->h.refcount_table_offset,
                       (uint64_t)q->h.refcount_table_clusters * q->cluster_size))
        return "the refcount table";
    if (q->h.nb_snapshots && ranges_overlap(off, len, q->h.snapshots_offset, q->snaptable_len))
        return "the snapshot table";
    for (unsigned i = 0; i < q->n_snaps; i++)
        if (ranges_overlap(off, len, q->snaps[i].l1_offset, (uint64_t)q->snaps[i].l1_size * 8))
            return "a snapshot L1 table";
    return NULL;
}

/* ---- header encode / decode -------------------------------------------- */

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return be32toh(v); }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return be64toh(v); }
static void wr32(uint8_t *p, uint32_t v) { v = htobe32(v); memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { v = htobe64(v); memcpy(p, &v, 8); }

static void header_encode(const struct qcow2_header *h, uint8_t *b)
{
    wr32(b + 0, h->magic);
    wr32(b + 4, h->version);
    wr64(b + 8, h->backing_file_offset);
    wr32(b + 16, h->backing_file_size);
    wr32(b + 20, h->cluster_bits);
    wr64(b + 24, h->size);
    wr32(b + 32, h->crypt_method);
    wr32(b + 36, h->l1_size);
    wr64(b + 40, h->l1_table_offset);
    wr64(b + 48, h->refcount_table_offset);
    wr32(b + 56, h->refcount_table_clusters);
    wr32(b + 60, h->nb_snapshots);
    wr64(b + 64, h->snapshots_offset);
    if (h->version < 3)
        return;
    wr64(b + 72, h->incompatible_features);
    wr64(b + 80, h->compatible_features);
    wr64(b + 88, h->autoclear_features);
    wr32(b + 96, h->refcount_order);
    wr32(b + 100, h->header_length);
    if (h->header_length > 104)
        b[104] = h->compression_type;
}

static void header_decode(struct qcow2_header *h, const uint8_t *b)
{
    memset(h, 0, sizeof(*h));
    h->magic = rd32(b + 0);
    h->version = rd32(b + 4);
    h->backing_file_offset = rd64(b + 8);
    h->backing_file_size = rd32(b + 16);
    h->cluster_bits = rd32(b + 20);
    h->size = rd64(b + 24);
    h->crypt_method = rd32(b + 32);
    h->l1_size = rd32(b + 36);
    h->l1_table_offset = rd64(b + 40);
    h->refcount_table_offset = rd64(b + 48);
    h->refcount_table_clusters = rd32(b + 56);
    h->nb_snapshots = rd32(b + 60);
    h->snapshots_offset = rd64(b + 64);
    if (h->version < 3) {
        h->refcount_order = 4;
        h->header_length = QCOW2_V2_HDR_LEN;
        return;
    }
    h->incompatible_features = rd64(b + 72);
    h->compatible_features = rd64(b + 80);
    h->autoclear_features = rd64(b + 88);
    h->refcount_order = rd32(b + 96);
    h->header_length = rd32(b + 100);
    if (h->header_length > 104)
        h->compression_type = b[104];
}

/* The fixed header lives in the first sector: one write is atomic. */
int qcow2__write_header_fields(struct qcow2 *q)
{
    uint8_t b[512];
    uint32_t n = q->h.version >= 3 ? q->h.header_length : QCOW2_V2_HDR_LEN;

    if (n > sizeof(b))
        n = sizeof(b);
    memcpy(b, q->hdr_raw, n);
    header_encode(&q->h, b);
    memcpy(q->hdr_raw, b, n);
    return qcow2__pwrite(q, b, n, 0);
}

static void put_ext(uint8_t *buf, uint32_t *pos, uint32_t magic, const void *data, uint32_t len)
{
    wr32(buf + *pos, magic);
    wr32(buf + *pos + 4, len);
    if (len)
        memcpy(buf + *pos + 8, data, len);
    *pos += 8 + ((len + 7) & ~7u);
}

/* Encode cluster 0 into buf (cluster_size bytes): header, extensions in
 * the order QEMU writes them, backing name after the end marker. */
int qcow2__encode_header_cluster(struct qcow2 *q, uint8_t *buf)
{
    uint32_t hl = q->h.version >= 3 ? q->h.header_length : QCOW2_V2_HDR_LEN;
    uint32_t pos = hl, need = hl + 8;
    size_t blen = q->backing_file ? strlen(q->backing_file) : 0;

    bool skip_names = false;

    if (q->backing_format)
        need += 8 + ((strlen(q->backing_format) + 7) & ~7u);
    for (unsigned i = 0; i < q->n_exts; i++)
        need += 8 + ((q->exts[i].len + 7) & ~7u);
    if (need + blen > q->cluster_size) {
        /* The feature-name table is informative only: QEMU leaves it out
         * when small clusters leave no room, so do we. */
        for (unsigned i = 0; i < q->n_exts; i++)
            if (q->exts[i].magic == QCOW2_EXT_FEATURE_NAMES) {
                need -= 8 + ((q->exts[i].len + 7) & ~7u);
                skip_names = true;
            }
    }
    if (need + blen > q->cluster_size)
        return image__err(-ENOSPC, "'%s': header extensions and backing name do not fit "
                          "in the first cluster (%u bytes)", q->img->filename, q->cluster_size);
    memset(buf, 0, q->cluster_size);
    memcpy(buf, q->hdr_raw, hl);
    if (q->backing_format)
        put_ext(buf, &pos, QCOW2_EXT_BACKING_FMT, q->backing_format,
                strlen(q->backing_format));
    for (unsigned i = 0; i < q->n_exts; i++)
        if (!(skip_names && q->exts[i].magic == QCOW2_EXT_FEATURE_NAMES))
            put_ext(buf, &pos, q->exts[i].magic, q->exts[i].data, q->exts[i].len);
    put_ext(buf, &pos, QCOW2_EXT_END, NULL, 0);
    if (blen) {
        q->h.backing_file_offset = pos;
        q->h.backing_file_size = blen;
        memcpy(buf + pos, q->backing_file, blen);
    } else {
        q->h.backing_file_offset = 0;
        q->h.backing_file_size = 0;
    }
    header_encode(&q->h, buf);
    memcpy(q->hdr_raw, buf, hl);
    return 0;
}

int qcow2__write_header(struct qcow2 *q)
{
    uint8_t *buf = malloc(q->cluster_size);
    int rc;

    if (!buf)
        return image__err(-ENOMEM, "out of memory");
    rc = qcow2__encode_header_cluster(q, buf);
    if (!rc)
        rc = qcow2__pwrite(q, buf, q->cluster_size, 0);
    free(buf);
    return rc;
}

/* ---- the ordered flush ---------------------------------------------------- */

int qcow2__flush_refcounts_locked(struct qcow2 *q)
{
    int rc;

    if (qcow2__cache_has_dirty(&q->rbc)) {
        rc = qcow2__cache_writeback(q, &q->rbc);
        if (rc)
            return rc;
        q->rb_unsynced = true;
    }
    if (q->reftable_dirty) {
        if (q->rb_unsynced && !q->lazy && (rc = qcow2__fsync(q)))
            return rc;
        uint64_t bytes = (uint64_t)q->h.refcount_table_clusters * q->cluster_size;
        uint64_t *be = calloc(1, bytes);
        if (!be)
            return image__err(-ENOMEM, "out of memory");
        for (uint64_t i = 0; i < q->reftable_size; i++)
            be[i] = htobe64(q->reftable[i]);
        rc = qcow2__pwrite(q, be, bytes, q->h.refcount_table_offset);
        free(be);
        if (rc)
            return rc;
        q->reftable_dirty = false;
        q->rb_unsynced = true;
    }
    if (q->rb_unsynced && !q->lazy) {
        if ((rc = qcow2__fsync(q)))
            return rc;
    }
    q->rb_unsynced = false;
    return 0;
}

int qcow2__write_l1_locked(struct qcow2 *q)
{
    uint64_t *be;
    int rc;

    if (!q->l1_size)
        return 0;
    be = malloc((size_t)q->l1_size * 8);
    if (!be)
        return image__err(-ENOMEM, "out of memory");
    for (uint32_t i = 0; i < q->l1_size; i++)
        be[i] = htobe64(q->l1[i]);
    rc = qcow2__pwrite(q, be, (uint64_t)q->l1_size * 8, q->h.l1_table_offset);
    free(be);
    return rc;
}

int qcow2__flush_locked(struct qcow2 *q)
{
    bool l2_written = false;
    int rc;

    if (q->read_only || q->snapshot_view)
        return 0;
    /* Steps 2-3. */
    if ((rc = qcow2__flush_refcounts_locked(q)))
        return rc;
    /* Step 4. */
    if (qcow2__cache_has_dirty(&q->l2c)) {
        if ((rc = qcow2__cache_writeback(q, &q->l2c)))
            return rc;
        l2_written = true;
    }
    /* Step 5. */
    if (q->l1_dirty) {
        if (l2_written && !q->lazy && (rc = qcow2__fsync(q)))
            return rc;
        if ((rc = qcow2__write_l1_locked(q)))
            return rc;
        q->l1_dirty = false;
    }
    if ((rc = qcow2__fsync(q)))
        return rc;
    /* Step 6. */
    if (q->n_pfree) {
        if ((rc = qcow2__apply_pending_frees(q)))
            return rc;
        if ((rc = qcow2__cache_writeback(q, &q->rbc)))
            return rc;
        if ((rc = qcow2__fsync(q)))
            return rc;
    }
    return 0;
}

/* Lazy refcounts: the dirty bit must be on disk before refcounts lag. */
int qcow2__mark_dirty_locked(struct qcow2 *q)
{
    int rc;

    if (!q->lazy || q->dirty_marked)
        return 0;
    q->h.incompatible_features |= QCOW2_INCOMPAT_DIRTY;
    if ((rc = qcow2__write_header_fields(q)) || (rc = qcow2__fsync(q)))
        return rc;
    q->dirty_marked = true;
    return 0;
}

static int qcow2_mark_clean_locked(struct qcow2 *q)
{
    int rc;

    if (!q->dirty_marked)
        return 0;
    q->h.incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
    if ((rc = qcow2__write_header_fields(q)) || (rc = qcow2__fsync(q)))
        return rc;
    q->dirty_marked = false;
    return 0;
}

/* Before our first modification: autoclear bits we do not maintain must go
 * (the spec's rule), so a reader does not trust stale bitmaps. */
int qcow2__prepare_write_locked(struct qcow2 *q)
{
    int rc;

    if (q->corrupt)
        return image__err(-EUCLEAN, "'%s' is corrupt (%s); refusing to write",
                          q->img->filename, q->corrupt_where);
    if (q->h.version >= 3 && q->h.autoclear_features && !q->autoclear_cleared) {
        q->h.autoclear_features = 0;
        if ((rc = qcow2__write_header_fields(q)) || (rc = qcow2__fsync(q)))
            return rc;
    }
    q->autoclear_cleared = true;
    return qcow2__mark_dirty_locked(q);
}

static int qcow2_flush(struct image *img)
{
    struct qcow2 *q = img->priv;
    int rc;

    qcow2__lock(q);
    rc = qcow2__flush_locked(q);
    qcow2__unlock(q);
    return rc;
}

/* ---- open -------------------------------------------------------------- */

static const char *const known_feature_names[3][5] = {
    { "dirty bit", "corrupt bit", "external data file", "compression type",
      "extended L2 entries" },
    { "lazy refcounts" },
    { "bitmaps", "raw external data" },
};

const char *qcow2__feature_name(struct image *img, int type, int bit)
{
    struct qcow2 *q = img->priv;

    for (unsigned i = 0; i < q->n_exts; i++) {
        struct qcow2_ext *e = &q->exts[i];
        if (e->magic != QCOW2_EXT_FEATURE_NAMES)
            continue;
        for (uint32_t o = 0; o + 48 <= e->len; o += 48) {
            if (e->data[o] == type && e->data[o + 1] == bit) {
                static __thread char name[47];
                memcpy(name, e->data + o + 2, 46);
                name[46] = 0;
                return name;
            }
        }
    }
    if (type >= 0 && type < 3 && bit >= 0 && bit < 5)
        return known_feature_names[type][bit];
    return NULL;
}

static int parse_extensions(struct qcow2 *q, const uint8_t *c0)
{
    uint32_t end = q->h.backing_file_offset ? (uint32_t)q->h.backing_file_offset
                                            : q->cluster_size;
    uint32_t pos = q->h.version >= 3 ? q->h.header_length : QCOW2_V2_HDR_LEN;

    if (end > q->cluster_size)
        end = q->cluster_size;
    while (pos + 8 <= end) {
        uint32_t magic = rd32(c0 + pos), len = rd32(c0 + pos + 4);
        pos += 8;
        if (magic == QCOW2_EXT_END)
            return 0;
        if (len > end - pos)
            return qcow2__corrupt(q, "header extension 0x%08x at offset %u claims %u bytes, "
                                  "past the end of the header area (%u)", magic, pos - 8,
                                  len, end);
        if (magic == QCOW2_EXT_BACKING_FMT) {
            if (len > 1023 || q->backing_format)
                return qcow2__corrupt(q, "bad backing format extension (length %u)", len);
            q->backing_format = strndup((const char *)c0 + pos, len);
        } else {
            struct qcow2_ext *n = realloc(q->exts, (q->n_exts + 1) * sizeof(*n));
            if (!n)
                return image__err(-ENOMEM, "out of memory");
            q->exts = n;
            n[q->n_exts].magic = magic;
            n[q->n_exts].len = len;
            n[q->n_exts].data = malloc(len ? len : 1);
            if (!n[q->n_exts].data)
                return image__err(-ENOMEM, "out of memory");
            memcpy(n[q->n_exts].data, c0 + pos, len);
            q->n_exts++;
        }
        pos += (len + 7) & ~7u;
    }
    return 0;
}

static int validate_table(struct qcow2 *q, const char *what, uint64_t off, uint64_t bytes,
                          uint64_t max_bytes, uint64_t fsize)
{
    if (bytes > max_bytes)
        return qcow2__corrupt(q, "%s is too large (%llu bytes, limit %llu)", what,
                              (unsigned long long)bytes, (unsigned long long)max_bytes);
    if (!bytes)
        return 0;
    if (off & (q->cluster_size - 1))
        return qcow2__corrupt(q, "%s offset 0x%llx is not cluster aligned", what,
                              (unsigned long long)off);
    if (off == 0)
        return qcow2__corrupt(q, "%s overlaps the header (offset 0)", what);
    if (off > fsize || bytes > fsize - off)
        return qcow2__corrupt(q, "%s at 0x%llx (+%llu bytes) lies past the end of the "
                              "file (%llu bytes)", what, (unsigned long long)off,
                              (unsigned long long)bytes, (unsigned long long)fsize);
    return 0;
}

static int refuse_features(struct qcow2 *q)
{
    uint64_t unknown = q->h.incompatible_features & ~QCOW2_INCOMPAT_KNOWN;
    const char *name;

    if (unknown) {
        int bit = __builtin_ctzll(unknown);
        name = qcow2__feature_name(q->img, 0, bit);
        if (bit == 2 || bit == 4)
            return image__err(-ENOTSUP, "'%s': unsupported qcow2 feature: %s "
                              "(incompatible bit %d)", q->img->filename, name, bit);
        return image__err(-ENOTSUP, "'%s': unsupported qcow2 feature: incompatible bit %d%s%s%s",
                          q->img->filename, bit, name ? " (" : "", name ? name : "",
                          name ? ")" : "");
    }
    if (q->h.crypt_method)
        return image__err(-ENOTSUP, "'%s': encrypted images are not supported (crypt_method %u)",
                          q->img->filename, q->h.crypt_method);
    return 0;
}

static void geometry(struct qcow2 *q)
{
    q->cluster_bits = q->h.cluster_bits;
    q->cluster_size = 1u << q->cluster_bits;
    q->l2_bits = q->cluster_bits - 3;
    q->refcount_bits = 1u << q->h.refcount_order;
    q->rb_bits = q->cluster_bits + 3 - q->h.refcount_order;
    q->refcount_max = q->refcount_bits == 64 ? UINT64_MAX : (1ull << q->refcount_bits) - 1;
    q->csize_shift = 62 - (q->cluster_bits - 8);
    q->csize_mask = (1ull << (q->cluster_bits - 8)) - 1;
    q->coffset_mask = (1ull << q->csize_shift) - 1;
}

static void qcow2_close(struct image *img);

static int load_l1(struct qcow2 *q, uint64_t off, uint32_t n, uint64_t **out)
{
    uint64_t *t = calloc(n ? n : 1, 8);
    int rc;

    if (!t)
        return image__err(-ENOMEM, "out of memory");
    if (n && (rc = qcow2__pread(q, t, (uint64_t)n * 8, off))) {
        free(t);
        return rc;
    }
    for (uint32_t i = 0; i < n; i++)
        t[i] = be64toh(t[i]);
    *out = t;
    return 0;
}

static int qcow2_open(struct image *img, const struct image_open_opts *o)
{
    struct qcow2 *q;
    uint8_t *c0 = NULL;
    uint8_t first[512];
    uint64_t fsize, l1_need;
    int rc;

    q = calloc(1, sizeof(*q));
    if (!q)
        return image__err(-ENOMEM, "out of memory");
    pthread_mutex_init(&q->lock, NULL);
    q->img = img;
    q->fd = img->fd;
    q->read_only = img->read_only;
    q->no_sync = img->flags & IMAGE_O_NO_SYNC;
    img->priv = q;
    q->cluster_size = 512;     /* until parsed: messages and overlap checks */

    fsize = qcow2__file_size(q);
    q->host_end = fsize;
    memset(first, 0, sizeof(first));
    if ((rc = image__full_pread(q->fd, first, sizeof(first), 0)))
        goto out_fail;
    header_decode(&q->h, first);
    if (q->h.magic != QCOW2_MAGIC) {
        rc = image__err(-EINVAL, "'%s' is not a qcow2 image", img->filename);
        goto out_fail;
    }
    if (q->h.version != 2 && q->h.version != 3) {
        rc = image__err(-ENOTSUP, "'%s': unsupported qcow2 version %u", img->filename,
                        q->h.version);
        goto out_fail;
    }
    if (q->h.cluster_bits < QCOW2_MIN_CLUSTER_BITS || q->h.cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
        rc = image__err(-EINVAL, "'%s': cluster size 2^%u is out of range (512 B - 2 MiB)",
                        img->filename, q->h.cluster_bits);
        goto out_fail;
    }
    if (q->h.version >= 3) {
        if (q->h.header_length < QCOW2_V3_HDR_LEN || (q->h.header_length & 7) ||
            q->h.header_length > (1u << q->h.cluster_bits) || q->h.header_length > 512) {
            rc = image__err(-EINVAL, "'%s': invalid header length %u", img->filename,
                            q->h.header_length);
            goto out_fail;
        }
        if (q->h.refcount_order > 6) {
            rc = image__err(-EINVAL, "'%s': refcount_order %u is out of range (0-6)",
                            img->filename, q->h.refcount_order);
            goto out_fail;
        }
    }
    memcpy(q->hdr_raw, first, sizeof(q->hdr_raw));
    geometry(q);

    c0 = malloc(q->cluster_size);
    if (!c0) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out_fail;
    }
    if ((rc = image__full_pread(q->fd, c0, q->cluster_size, 0)))
        goto out_fail;
    if (q->h.backing_file_offset) {
        if (q->h.backing_file_size > QCOW2_MAX_BACKING_NAME) {
            rc = image__err(-EINVAL, "'%s': backing file name too long (%u bytes, limit %u)",
                            img->filename, q->h.backing_file_size, QCOW2_MAX_BACKING_NAME);
            goto out_fail;
        }
        if (q->h.backing_file_offset > q->cluster_size ||
            q->h.backing_file_size > q->cluster_size - q->h.backing_file_offset) {
            rc = image__err(-EINVAL, "'%s': invalid backing file offset 0x%llx",
                            img->filename, (unsigned long long)q->h.backing_file_offset);
            goto out_fail;
        }
        q->backing_file = strndup((const char *)c0 + q->h.backing_file_offset,
                                  q->h.backing_file_size);
    }
    if ((rc = parse_extensions(q, c0)))
        goto out_fail;
    if ((rc = refuse_features(q)))
        goto out_fail;
    if (q->h.incompatible_features & QCOW2_INCOMPAT_COMPRESSION) {
        if (q->h.header_length <= 104 || q->h.compression_type != IMAGE_COMP_ZSTD) {
            rc = image__err(-ENOTSUP, "'%s': unknown compression type %u", img->filename,
                            q->h.compression_type);
            goto out_fail;
        }
    } else if (q->h.compression_type != 0) {
        rc = image__err(-EINVAL, "'%s': compression type %u set without the compression "
                        "type feature bit", img->filename, q->h.compression_type);
        goto out_fail;
    }
    if ((q->h.incompatible_features & QCOW2_INCOMPAT_CORRUPT) && !q->read_only &&
        !(img->flags & IMAGE_O_CHECK)) {
        rc = image__err(-EUCLEAN, "'%s': the image is marked corrupt; open it read-only or "
                        "repair it with 'pvimg check -r all'", img->filename);
        goto out_fail;
    }

    /* Tables: bounded by the limits and by the file before any allocation. */
    if (q->h.size > (1ull << 62)) {
        rc = image__err(-EINVAL, "'%s': virtual size %llu is too large", img->filename,
                        (unsigned long long)q->h.size);
        goto out_fail;
    }
    l1_need = (q->h.size + (1ull << (q->cluster_bits + q->l2_bits)) - 1) >>
              (q->cluster_bits + q->l2_bits);
    if ((rc = validate_table(q, "L1 table", q->h.l1_table_offset, (uint64_t)q->h.l1_size * 8,
                             QCOW2_MAX_L1_BYTES, fsize)))
        goto out_fail;
    if (q->h.l1_size < l1_need) {
        rc = qcow2__corrupt(q, "L1 table is too small (%u entries) for the virtual size "
                            "(needs %llu)", q->h.l1_size, (unsigned long long)l1_need);
        goto out_fail;
    }
    if ((rc = validate_table(q, "refcount table", q->h.refcount_table_offset,
                             (uint64_t)q->h.refcount_table_clusters << q->cluster_bits,
                             QCOW2_MAX_REFTABLE_BYTES, fsize)))
        goto out_fail;
    if (!q->h.refcount_table_clusters) {
        rc = qcow2__corrupt(q, "the refcount table is empty");
        goto out_fail;
    }
    if (ranges_overlap(q->h.l1_table_offset, (uint64_t)q->h.l1_size * 8,
                       q->h.refcount_table_offset,
                       (uint64_t)q->h.refcount_table_clusters << q->cluster_bits)) {
        rc = qcow2__corrupt(q, "the L1 table (0x%llx) overlaps the refcount table (0x%llx)",
                            (unsigned long long)q->h.l1_table_offset,
                            (unsigned long long)q->h.refcount_table_offset);
        goto out_fail;
    }
    q->l1_size = q->h.l1_size;
    if ((rc = load_l1(q, q->h.l1_table_offset, q->l1_size, &q->l1)))
        goto out_fail;
    for (uint32_t i = 0; i < q->l1_size; i++)
        if ((rc = qcow2__check_l1e(q, i, q->l1[i])))
            goto out_fail;
    q->reftable_size = ((uint64_t)q->h.refcount_table_clusters << q->cluster_bits) / 8;
    if ((rc = load_l1(q, q->h.refcount_table_offset, q->reftable_size, &q->reftable)))
        goto out_fail;
    /* As QEMU: the low 9 bits of an entry are reserved and ignored (check
     * reports them), and a block is validated when it is first used, not
     * here.  A misaligned, header-overlapping or out-of-file refcount block
     * does not stop a read-only open (info, map, convert from it); the
     * first write that needs it marks the image corrupt and fails
     * (qcow2__refblock_offset). */
    for (uint64_t i = 0; i < q->reftable_size; i++)
        q->reftable[i] &= QCOW2_REFT_OFFSET_MASK;
    if ((rc = qcow2__snapshots_load(q)))
        goto out_fail;

    /* Caches: the whole L2 set of moderate disks, bounded at 32 MiB. */
    {
        uint64_t l2_tables = q->l1_size ? q->l1_size : 1;
        uint64_t cap = (32u << 20) >> q->cluster_bits;
        unsigned n = l2_tables < cap ? l2_tables : cap;
        if (n < 16)
            n = 16;
        if ((rc = qcow2__cache_init(&q->l2c, n, q->cluster_size, true)) ||
            (rc = qcow2__cache_init(&q->rbc, n < 64 ? 16 : n / 4, q->cluster_size, false)))
            goto out_fail;
    }
    q->zero_from = (fsize + q->cluster_size - 1) & ~(uint64_t)(q->cluster_size - 1);
    if (q->host_end < q->zero_from)
        q->host_end = q->zero_from;
    q->free_hint = 0;
    q->run_hint = 0;
    q->lazy = q->h.version >= 3 && (q->h.compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS);

    img->size = q->h.size;
    img->backing_name = q->backing_file;
    img->backing_fmt = IMAGE_FMT_AUTO;
    if (q->backing_format) {
        if (!strcmp(q->backing_format, "qcow2"))
            img->backing_fmt = IMAGE_FMT_QCOW2;
        else if (!strcmp(q->backing_format, "raw"))
            img->backing_fmt = IMAGE_FMT_RAW;
        else {
            rc = image__err(-ENOTSUP, "'%s': unsupported backing format '%s'", img->filename,
                            q->backing_format);
            goto out_fail;
        }
    }

    if ((q->h.incompatible_features & QCOW2_INCOMPAT_DIRTY) && !q->read_only &&
        !(img->flags & IMAGE_O_CHECK)) {
        /* A crash while lazy refcounts were in use: refcounts may be low. */
        if ((rc = qcow2__rebuild_refcounts(q)))
            goto out_fail;
        q->h.incompatible_features &= ~QCOW2_INCOMPAT_DIRTY;
        if ((rc = qcow2__write_header_fields(q)) || (rc = qcow2__fsync(q)))
            goto out_fail;
    }

    if (o && o->snapshot) {
        const struct image_snapshot *s = NULL;
        for (unsigned i = 0; i < q->n_snaps && !s; i++)
            if (!strcmp(q->snaps[i].id, o->snapshot))
                s = &q->snaps[i];
        for (unsigned i = 0; i < q->n_snaps && !s; i++)
            if (!strcmp(q->snaps[i].name, o->snapshot))
                s = &q->snaps[i];
        if (!s) {
            rc = image__err(-ENOENT, "'%s': snapshot '%s' not found", img->filename,
                            o->snapshot);
            goto out_fail;
        }
        free(q->l1);
        q->l1 = NULL;
        if ((rc = load_l1(q, s->l1_offset, s->l1_size, &q->l1)))
            goto out_fail;
        q->l1_size = s->l1_size;
        q->snapshot_view = true;
        if (s->disk_size)
            img->size = s->disk_size;
        for (uint32_t i = 0; i < q->l1_size; i++)
            if ((rc = qcow2__check_l1e(q, i, q->l1[i])))
                goto out_fail;
    }
    free(c0);
    q->opened = true;
    return 0;
out_fail:
    free(c0);
    qcow2_close(img);
    img->priv = NULL;
    return rc;
}

static void qcow2_close(struct image *img)
{
    struct qcow2 *q = img->priv;

    if (!q)
        return;
    if (!q->read_only && !q->corrupt && q->h.magic == QCOW2_MAGIC && q->l2c.e) {
        qcow2__lock(q);
        if (qcow2__flush_locked(q) == 0)
            qcow2_mark_clean_locked(q);
        qcow2__unlock(q);
    }
    qcow2__cache_free(&q->l2c);
    qcow2__cache_free(&q->rbc);
    free(q->l1);
    free(q->reftable);
    for (unsigned i = 0; i < q->n_exts; i++)
        free(q->exts[i].data);
    free(q->exts);
    free(q->pub_exts);
    free(q->backing_file);
    free(q->backing_format);
    qcow2__snapshots_free(q);
    free(q->pfree);
    pthread_mutex_destroy(&q->lock);
    free(q);
    img->priv = NULL;
}

/* ---- info, extensions, backing -------------------------------------------- */

static void qcow2_info(struct image *img, struct image_info *info)
{
    struct qcow2 *q = img->priv;

    info->cluster_size = q->cluster_size;
    info->version = q->h.version;
    info->compat = q->h.version >= 3 ? "1.1" : "0.10";
    info->backing_file = q->backing_file;
    info->backing_format = q->backing_format;
    info->dirty = q->h.incompatible_features & QCOW2_INCOMPAT_DIRTY;
    info->corrupt = (q->h.incompatible_features & QCOW2_INCOMPAT_CORRUPT) != 0;
    info->lazy_refcounts = q->h.compatible_features & QCOW2_COMPAT_LAZY_REFCOUNTS;
    info->extended_l2 = q->h.incompatible_features & QCOW2_INCOMPAT_EXTL2;
    info->data_file = q->h.incompatible_features & QCOW2_INCOMPAT_DATA_FILE;
    info->refcount_bits = q->refcount_bits;
    info->compression_type = q->h.compression_type;
    info->incompatible_features = q->h.incompatible_features;
    info->compatible_features = q->h.compatible_features;
    info->autoclear_features = q->h.autoclear_features;
    info->nb_snapshots = q->n_snaps;
    info->header_length = q->h.version >= 3 ? q->h.header_length : QCOW2_V2_HDR_LEN;
}

static int qcow2_header_exts(struct image *img, const struct image_hdr_ext **e, unsigned *n)
{
    struct qcow2 *q = img->priv;
    unsigned k = 0;

    free(q->pub_exts);
    q->pub_exts = calloc(q->n_exts + 1, sizeof(*q->pub_exts));
    if (!q->pub_exts)
        return image__err(-ENOMEM, "out of memory");
    if (q->backing_format) {
        q->pub_exts[k].magic = QCOW2_EXT_BACKING_FMT;
        q->pub_exts[k].len = strlen(q->backing_format);
        q->pub_exts[k++].data = (const uint8_t *)q->backing_format;
    }
    for (unsigned i = 0; i < q->n_exts; i++) {
        q->pub_exts[k].magic = q->exts[i].magic;
        q->pub_exts[k].len = q->exts[i].len;
        q->pub_exts[k++].data = q->exts[i].data;
    }
    *e = q->pub_exts;
    *n = k;
    return 0;
}

static int qcow2_set_backing(struct image *img, const char *file, enum image_format fmt)
{
    struct qcow2 *q = img->priv;
    char *nf = NULL, *nfmt = NULL, *of = q->backing_file, *ofmt = q->backing_format;
    int rc;

    if (file && strlen(file) > QCOW2_MAX_BACKING_NAME)
        return image__err(-EINVAL, "backing file name too long (limit %u bytes)",
                          QCOW2_MAX_BACKING_NAME);
    if (file && !(nf = strdup(file)))
        return image__err(-ENOMEM, "out of memory");
    if (file && fmt != IMAGE_FMT_AUTO && !(nfmt = strdup(image_format_name(fmt)))) {
        free(nf);
        return image__err(-ENOMEM, "out of memory");
    }
    qcow2__lock(q);
    if ((rc = qcow2__prepare_write_locked(q)) || (rc = qcow2__flush_locked(q)))
        goto out_unlock;
    q->backing_file = nf;
    q->backing_format = nfmt;
    rc = qcow2__write_header(q);
    if (!rc)
        rc = qcow2__fsync(q);
    if (rc) {
        q->backing_file = of;
        q->backing_format = ofmt;
        of = nf;
        ofmt = nfmt;
    }
    free(of);
    free(ofmt);
    img->backing_name = q->backing_file;
out_unlock:
    qcow2__unlock(q);
    if (rc && nf != q->backing_file) {
        /* freed above on the failure swap */
    }
    return rc;
}

/* Ops implemented in other files. */
int qcow2__read(struct image *img, void *buf, uint64_t len, uint64_t off);
int qcow2__write(struct image *img, const void *buf, uint64_t len, uint64_t off);
int qcow2__zeroes(struct image *img, uint64_t off, uint64_t len, unsigned flags);
int qcow2__discard(struct image *img, uint64_t off, uint64_t len);
int qcow2__block_status(struct image *img, uint64_t off, uint64_t len,
                        struct image_extent *ext);
int qcow2__resize(struct image *img, uint64_t size, unsigned flags, enum image_prealloc p);
long qcow2__compress_op(struct image *img, void *dst, size_t cap, const void *src);
int qcow2__write_precompressed(struct image *img, uint64_t off, const void *c, size_t clen);
int qcow2__write_compressed(struct image *img, const void *buf, uint64_t len, uint64_t off);
int qcow2__snap_list(struct image *img, const struct image_snapshot **l, unsigned *n);
int qcow2__snap_create(struct image *img, const char *name);
int qcow2__snap_apply(struct image *img, const char *id);
int qcow2__snap_delete(struct image *img, const char *id);

const struct image_ops qcow2_ops = {
    .name = "qcow2",
    .fmt = IMAGE_FMT_QCOW2,
    .open = qcow2_open,
    .close = qcow2_close,
    .read = qcow2__read,
    .write = qcow2__write,
    .flush = qcow2_flush,
    .zeroes = qcow2__zeroes,
    .discard = qcow2__discard,
    .block_status = qcow2__block_status,
    .resize = qcow2__resize,
    .info = qcow2_info,
    .compress = qcow2__compress_op,
    .write_precompressed = qcow2__write_precompressed,
    .write_compressed = qcow2__write_compressed,
    .set_backing = qcow2_set_backing,
    .snap_list = qcow2__snap_list,
    .snap_create = qcow2__snap_create,
    .snap_apply = qcow2__snap_apply,
    .snap_delete = qcow2__snap_delete,
    .header_exts = qcow2_header_exts,
    .feature_name = qcow2__feature_name,
};
