/* qcow2 guest I/O: L1/L2 lookup and update, allocating writes with
 * copy-on-write, zero clusters, discard, compressed clusters, block status.
 *
 * Concurrency: the mapping is looked up under q->lock; data of clusters we
 * own exclusively (COPIED) is then read or written without the lock, so
 * I/O to different clusters proceeds in parallel.  Allocating writes keep
 * the lock until the L2 entry is set, so two writers never allocate the
 * same guest cluster twice. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"

enum ctype { C_UNALLOC, C_ZERO_PLAIN, C_ZERO_ALLOC, C_NORMAL, C_COMPRESSED };

static uint64_t l2_entries(struct qcow2 *q) { return 1ull << q->l2_bits; }

static enum ctype classify(struct qcow2 *q, uint64_t l2e)
{
    if (l2e & QCOW2_OFLAG_COMPRESSED)
        return C_COMPRESSED;
    if (q->h.version >= 3 && (l2e & QCOW2_OFLAG_ZERO))
        return (l2e & QCOW2_L2E_OFFSET_MASK) ? C_ZERO_ALLOC : C_ZERO_PLAIN;
    if (l2e & QCOW2_L2E_OFFSET_MASK)
        return C_NORMAL;
    return C_UNALLOC;
}

int qcow2__check_l1e(struct qcow2 *q, uint64_t idx, uint64_t l1e)
{
    uint64_t off = l1e & QCOW2_L1E_OFFSET_MASK;

    if (!off)
        return 0;
    if (off & (q->cluster_size - 1))
        return qcow2__corrupt(q, "L2 table offset 0x%llx in L1 entry %llu is not cluster "
                              "aligned", (unsigned long long)off, (unsigned long long)idx);
    if (off < q->cluster_size)
        return qcow2__corrupt(q, "L2 table of L1 entry %llu overlaps the header",
                              (unsigned long long)idx);
    if (off + q->cluster_size > q->host_end)
        return qcow2__corrupt(q, "L2 table at 0x%llx (L1 entry %llu) lies past the end of "
                              "the file", (unsigned long long)off, (unsigned long long)idx);
    const char *what = qcow2__overlaps_metadata(q, off, q->cluster_size);
    if (what)
        return qcow2__corrupt(q, "L2 table at 0x%llx (L1 entry %llu) overlaps %s",
                              (unsigned long long)off, (unsigned long long)idx, what);
    return 0;
}

int qcow2__check_l2e(struct qcow2 *q, uint64_t vc, uint64_t l2e)
{
    enum ctype t = classify(q, l2e);
    uint64_t off = l2e & QCOW2_L2E_OFFSET_MASK;

    if (t == C_UNALLOC && (l2e & QCOW2_OFLAG_COPIED))
        return qcow2__corrupt(q, "L2 entry of guest offset 0x%llx has the COPIED flag but "
                              "no host offset", (unsigned long long)(vc << q->cluster_bits));
    if (t != C_NORMAL && t != C_ZERO_ALLOC)
        return 0;
    if (off & (q->cluster_size - 1))
        return qcow2__corrupt(q, "data cluster offset 0x%llx of guest offset 0x%llx is not "
                              "cluster aligned", (unsigned long long)off,
                              (unsigned long long)(vc << q->cluster_bits));
    if (off < q->cluster_size)
        return qcow2__corrupt(q, "data cluster of guest offset 0x%llx overlaps the header",
                              (unsigned long long)(vc << q->cluster_bits));
    return 0;
}

static int l2_table_ok(struct qcow2 *q, uint64_t l1i, uint64_t l2off)
{
    return qcow2__check_l1e(q, l1i, l2off);
}

int qcow2__get_l2e(struct qcow2 *q, uint64_t vc, uint64_t *l2e)
{
    uint64_t l1i = vc >> q->l2_bits, l2off;
    uint64_t *t;
    int rc;

    *l2e = 0;
    if (l1i >= q->l1_size)
        return 0;
    l2off = q->l1[l1i] & QCOW2_L1E_OFFSET_MASK;
    if (!l2off)
        return 0;
    if ((rc = l2_table_ok(q, l1i, l2off)))
        return rc;
    if ((rc = qcow2__cache_get(q, &q->l2c, l2off, false, (void **)&t)))
        return rc;
    *l2e = t[vc & (l2_entries(q) - 1)];
    qcow2__cache_put(&q->l2c, t, false);
    return qcow2__check_l2e(q, vc, *l2e);
}

int qcow2__set_l2e(struct qcow2 *q, uint64_t vc, uint64_t l2e)
{
    uint64_t l1i = vc >> q->l2_bits, l1e, l2off, newoff, rcv;
    uint64_t *t, *old;
    int rc;

    if (l1i >= q->l1_size)
        return image__err(-EINVAL, "'%s': guest cluster %llu beyond the L1 table",
                          q->img->filename, (unsigned long long)vc);
    l1e = q->l1[l1i];
    l2off = l1e & QCOW2_L1E_OFFSET_MASK;
    if (l2off && !(l1e & QCOW2_OFLAG_COPIED)) {
        if ((rc = l2_table_ok(q, l1i, l2off)) ||
            (rc = qcow2__get_refcount(q, l2off >> q->cluster_bits, &rcv)))
            return rc;
        if (rcv == 1) {
            q->l1[l1i] = l2off | QCOW2_OFLAG_COPIED;
            q->l1_dirty = true;
            l1e = q->l1[l1i];
        }
    }
    if (l2off && (l1e & QCOW2_OFLAG_COPIED)) {
        if ((rc = l2_table_ok(q, l1i, l2off)) ||
            (rc = qcow2__cache_get(q, &q->l2c, l2off, false, (void **)&t)))
            return rc;
        t[vc & (l2_entries(q) - 1)] = l2e;
        qcow2__cache_put(&q->l2c, t, true);
        return 0;
    }
    /* New table, or copy-on-write of a table shared with a snapshot. */
    if ((rc = qcow2__alloc_clusters(q, 1, &newoff)))
        return rc;
    if (l2off) {
        old = malloc(q->cluster_size);
        if (!old)
            return image__err(-ENOMEM, "out of memory");
        if ((rc = qcow2__cache_get(q, &q->l2c, l2off, false, (void **)&t))) {
            free(old);
            return rc;
        }
        memcpy(old, t, q->cluster_size);
        qcow2__cache_put(&q->l2c, t, false);
        rc = qcow2__cache_get(q, &q->l2c, newoff, true, (void **)&t);
        if (!rc) {
            memcpy(t, old, q->cluster_size);
            t[vc & (l2_entries(q) - 1)] = l2e;
            qcow2__cache_put(&q->l2c, t, true);
            rc = qcow2__free_deferred(q, l2off, q->cluster_size);
        }
        free(old);
        if (rc)
            return rc;
    } else {
        if ((rc = qcow2__cache_get(q, &q->l2c, newoff, true, (void **)&t)))
            return rc;
        t[vc & (l2_entries(q) - 1)] = l2e;
        qcow2__cache_put(&q->l2c, t, true);
    }
    q->l1[l1i] = newoff | QCOW2_OFLAG_COPIED;
    q->l1_dirty = true;
    return 0;
}

void qcow2__cdesc(struct qcow2 *q, uint64_t l2e, uint64_t *off, uint64_t *len)
{
    uint64_t coff = l2e & q->coffset_mask;
    uint64_t nsec = ((l2e >> q->csize_shift) & q->csize_mask) + 1;

    *off = coff;
    *len = nsec * 512 - (coff & 511);
}

int qcow2__release_l2e(struct qcow2 *q, uint64_t l2e)
{
    uint64_t off, len;

    switch (classify(q, l2e)) {
    case C_NORMAL:
    case C_ZERO_ALLOC:
        return qcow2__free_deferred(q, l2e & QCOW2_L2E_OFFSET_MASK, q->cluster_size);
    case C_COMPRESSED:
        qcow2__cdesc(q, l2e, &off, &len);
        return qcow2__free_deferred(q, off, len);
    default:
        return 0;
    }
}

/* ---- reads ------------------------------------------------------------- */

static int read_compressed(struct qcow2 *q, uint64_t l2e, uint8_t *cluster)
{
    uint64_t off, len;
    uint8_t *cbuf;
    int rc;

    qcow2__cdesc(q, l2e, &off, &len);
    if (len > 2ull * q->cluster_size + 512)
        return qcow2__corrupt(q, "compressed cluster at 0x%llx is too long",
                              (unsigned long long)off);
    cbuf = malloc(len);
    if (!cbuf)
        return image__err(-ENOMEM, "out of memory");
    rc = qcow2__pread(q, cbuf, len, off);
    if (!rc)
        rc = qcow2__decompress(q, cluster, cbuf, len);
    free(cbuf);
    return rc;
}

/* Fill BUF with the current content of guest cluster VC at [in, in+n). */
static int read_cluster_part(struct qcow2 *q, uint64_t vc, uint64_t l2e, void *buf,
                             uint64_t in, uint64_t n)
{
    uint64_t voff = (vc << q->cluster_bits) + in;
    uint8_t *tmp;
    int rc;

    switch (classify(q, l2e)) {
    case C_UNALLOC:
        return image__read_backing(q->img, buf, n, voff);
    case C_ZERO_PLAIN:
    case C_ZERO_ALLOC:
        memset(buf, 0, n);
        return 0;
    case C_NORMAL:
        return qcow2__pread(q, buf, n, (l2e & QCOW2_L2E_OFFSET_MASK) + in);
    case C_COMPRESSED:
        tmp = malloc(q->cluster_size);
        if (!tmp)
            return image__err(-ENOMEM, "out of memory");
        rc = read_compressed(q, l2e, tmp);
        if (!rc)
            memcpy(buf, tmp + in, n);
        free(tmp);
        return rc;
    }
    return -EINVAL;
}

int qcow2__read(struct image *img, void *buf, uint64_t len, uint64_t off)
{
    struct qcow2 *q = img->priv;
    uint8_t *p = buf;
    uint64_t cs = q->cluster_size;
    int rc = 0;

    while (len) {
        uint64_t vc = off >> q->cluster_bits, in = off & (cs - 1);
        uint64_t n = cs - in < len ? cs - in : len, l2e, next;
        enum ctype t;

        qcow2__lock(q);
        rc = qcow2__get_l2e(q, vc, &l2e);
        t = classify(q, l2e);
        /* Extend over following clusters of the same kind (contiguous on
         * the host for data) to issue one big read. */
        while (!rc && t != C_COMPRESSED && n < len) {
            uint64_t e;
            if ((rc = qcow2__get_l2e(q, vc + ((in + n) >> q->cluster_bits), &e)))
                break;
            if (classify(q, e) != t)
                break;
            if (t == C_NORMAL && (e & QCOW2_L2E_OFFSET_MASK) !=
                (l2e & QCOW2_L2E_OFFSET_MASK) + (((in + n) >> q->cluster_bits) << q->cluster_bits))
                break;
            next = len - n < cs ? len - n : cs;
            n += next;
        }
        qcow2__unlock(q);
        if (rc)
            return rc;
        if (t == C_NORMAL)
            rc = qcow2__pread(q, p, n, (l2e & QCOW2_L2E_OFFSET_MASK) + in);
        else
            rc = read_cluster_part(q, vc, l2e, p, in, n);
        if (rc)
            return rc;
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* ---- writes ------------------------------------------------------------- */

static int write_data(struct qcow2 *q, uint64_t host, const void *buf, uint64_t n,
                      uint64_t vc)
{
    uint64_t start = host & ~(uint64_t)(q->cluster_size - 1);
    const char *what = qcow2__overlaps_metadata(q, start, host + n - start);
    if (what)
        return qcow2__corrupt(q, "data cluster at 0x%llx of guest offset 0x%llx overlaps %s",
                              (unsigned long long)host,
                              (unsigned long long)(vc << q->cluster_bits), what);
    return qcow2__pwrite(q, buf, n, host);
}

/* Write [in, in+n) of guest cluster VC into a cluster we will own. */
static int write_alloc_locked(struct qcow2 *q, uint64_t vc, uint64_t l2e, const void *buf,
                              uint64_t in, uint64_t n)
{
    enum ctype t = classify(q, l2e);
    uint64_t cs = q->cluster_size, host;
    bool reuse = false, zero_src;
    uint8_t *cbuf = NULL;
    int rc;

    if ((rc = qcow2__prepare_write_locked(q)))
        return rc;
    if (t == C_ZERO_ALLOC) {
        uint64_t rcv;
        host = l2e & QCOW2_L2E_OFFSET_MASK;
        if ((rc = qcow2__get_refcount(q, host >> q->cluster_bits, &rcv)))
            return rc;
        reuse = rcv == 1;
    }
    if (!reuse && (rc = qcow2__alloc_clusters(q, 1, &host)))
        return rc;
    zero_src = t == C_ZERO_PLAIN || t == C_ZERO_ALLOC ||
               (t == C_UNALLOC && (!q->img->backing ||
                                   (vc << q->cluster_bits) >= q->img->backing->size));
    if (n == cs || (zero_src && !reuse && host >= q->zero_from)) {
        rc = write_data(q, host + in, buf, n, vc);
    } else {
        cbuf = malloc(cs);
        if (!cbuf)
            return image__err(-ENOMEM, "out of memory");
        if (zero_src)
            memset(cbuf, 0, cs);
        else
            rc = read_cluster_part(q, vc, l2e, cbuf, 0, cs);
        if (!rc) {
            memcpy(cbuf + in, buf, n);
            rc = write_data(q, host, cbuf, cs, vc);
        }
        free(cbuf);
    }
    if (rc)
        return rc;
    if ((rc = qcow2__set_l2e(q, vc, host | QCOW2_OFLAG_COPIED)))
        return rc;
    return reuse ? 0 : qcow2__release_l2e(q, l2e);
}

int qcow2__write(struct image *img, const void *buf, uint64_t len, uint64_t off)
{
    struct qcow2 *q = img->priv;
    const uint8_t *p = buf;
    uint64_t cs = q->cluster_size;
    int rc = 0;

    while (len) {
        uint64_t vc = off >> q->cluster_bits, in = off & (cs - 1);
        uint64_t n = cs - in < len ? cs - in : len, l2e, rcv;

        qcow2__lock(q);
        if (q->corrupt)
            rc = qcow2__prepare_write_locked(q);
        if (!rc)
            rc = qcow2__get_l2e(q, vc, &l2e);
        if (!rc && classify(q, l2e) == C_NORMAL && !(l2e & QCOW2_OFLAG_COPIED)) {
            /* v2 images and tables after snapshot delete may lack COPIED. */
            rc = qcow2__get_refcount(q, (l2e & QCOW2_L2E_OFFSET_MASK) >> q->cluster_bits, &rcv);
            if (!rc && rcv == 1 && !(rc = qcow2__prepare_write_locked(q))) {
                l2e |= QCOW2_OFLAG_COPIED;
                rc = qcow2__set_l2e(q, vc, l2e);
            }
        }
        if (rc) {
            qcow2__unlock(q);
            return rc;
        }
        enum ctype t = classify(q, l2e);
        if (t == C_NORMAL && (l2e & QCOW2_OFLAG_COPIED)) {
            /* Overwrite in place, merged over host-contiguous clusters. */
            uint64_t host = l2e & QCOW2_L2E_OFFSET_MASK, e;
            for (uint64_t j = 1; !rc && n < len && j < 512; j++) {
                if ((rc = qcow2__get_l2e(q, vc + j, &e)) || classify(q, e) != C_NORMAL ||
                    !(e & QCOW2_OFLAG_COPIED) || (e & QCOW2_L2E_OFFSET_MASK) != host + j * cs)
                    break;
                n += len - n < cs ? len - n : cs;
            }
            qcow2__unlock(q);
            rc = write_data(q, host + in, p, n, vc);
        } else if (in == 0 && n == cs && (t == C_UNALLOC || t == C_ZERO_PLAIN)) {
            /* Allocating write of whole clusters: one contiguous run, one
             * pwrite.  No copy-on-write is needed for whole clusters. */
            uint64_t k = 1, host, e;
            uint64_t kmax = (1ull << q->rb_bits) / 8;
            kmax = kmax < 1 ? 1 : kmax > 512 ? 512 : kmax;
            while (!rc && (k + 1) * cs <= len && k < kmax) {
                if ((rc = qcow2__get_l2e(q, vc + k, &e)))
                    break;
                enum ctype te = classify(q, e);
                if (te != C_UNALLOC && te != C_ZERO_PLAIN)
                    break;
                k++;
            }
            if (!rc)
                rc = qcow2__prepare_write_locked(q);
            if (!rc)
                rc = qcow2__alloc_clusters(q, k, &host);
            for (uint64_t j = 0; !rc && j < k; j++)
                rc = qcow2__set_l2e(q, vc + j, (host + j * cs) | QCOW2_OFLAG_COPIED);
            n = k * cs;
            if (!rc && host >= q->zero_from) {
                /* Fresh clusters read as zeros until written, which is a
                 * valid view for a write still in flight: let other I/O
                 * run while the data goes out. */
                qcow2__unlock(q);
                rc = write_data(q, host, p, n, vc);
            } else {
                if (!rc)
                    rc = write_data(q, host, p, n, vc);
                qcow2__unlock(q);
            }
        } else {
            rc = write_alloc_locked(q, vc, l2e, p, in, n);
            qcow2__unlock(q);
        }
        if (rc)
            return rc;
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* ---- zeroes / discard ---------------------------------------------------- */

static int zero_or_discard(struct image *img, uint64_t off, uint64_t len, unsigned flags,
                           bool discard)
{
    struct qcow2 *q = img->priv;
    uint64_t cs = q->cluster_size;
    static const uint8_t zero[4096];
    int rc = 0;

    while (len) {
        uint64_t vc = off >> q->cluster_bits, in = off & (cs - 1);
        uint64_t n = cs - in < len ? cs - in : len, l2e, ne;
        bool backing = img->backing && (vc << q->cluster_bits) < img->backing->size;
        enum ctype t;

        qcow2__lock(q);
        rc = qcow2__prepare_write_locked(q);
        if (!rc)
            rc = qcow2__get_l2e(q, vc, &l2e);
        if (rc) {
            qcow2__unlock(q);
            return rc;
        }
        t = classify(q, l2e);
        if (n == cs || (vc << q->cluster_bits) + cs > img->size) {
            /* Whole cluster (or the partial last cluster of the disk). */
            if (discard)
                ne = (backing && q->h.version >= 3) ? QCOW2_OFLAG_ZERO : 0;
            else if (q->h.version < 3)
                ne = backing ? UINT64_MAX : 0;  /* v2: must write zeros */
            else if (!(flags & IMAGE_ZERO_MAY_UNMAP) && t == C_NORMAL &&
                     (l2e & QCOW2_OFLAG_COPIED))
                ne = (l2e & QCOW2_L2E_OFFSET_MASK) | QCOW2_OFLAG_ZERO | QCOW2_OFLAG_COPIED;
            else if (!(flags & IMAGE_ZERO_MAY_UNMAP) && t == C_ZERO_ALLOC)
                ne = l2e;
            else
                ne = QCOW2_OFLAG_ZERO;
            if (ne != UINT64_MAX && ne != l2e) {
                if (!(t == C_UNALLOC && ne == 0)) {
                    rc = qcow2__set_l2e(q, vc, ne);
                    if (!rc && (ne & QCOW2_L2E_OFFSET_MASK) != (l2e & QCOW2_L2E_OFFSET_MASK))
                        rc = qcow2__release_l2e(q, l2e);
                }
            }
            qcow2__unlock(q);
            if (rc)
                return rc;
            if (ne != UINT64_MAX)
                goto next;
        } else {
            qcow2__unlock(q);
            if (discard)
                goto next;  /* partial discard is advisory */
            if ((t == C_ZERO_PLAIN || t == C_ZERO_ALLOC || t == C_UNALLOC) && !backing)
                goto next;
        }
        for (uint64_t done = 0; done < n;) {
            uint64_t k = n - done < sizeof(zero) ? n - done : sizeof(zero);
            if ((rc = qcow2__write(img, zero, k, off + done)))
                return rc;
            done += k;
        }
next:
        off += n;
        len -= n;
    }
    return 0;
}

int qcow2__zeroes(struct image *img, uint64_t off, uint64_t len, unsigned flags)
{
    return zero_or_discard(img, off, len, flags, false);
}

int qcow2__discard(struct image *img, uint64_t off, uint64_t len)
{
    return zero_or_discard(img, off, len, IMAGE_ZERO_MAY_UNMAP, true);
}

/* ---- block status --------------------------------------------------------- */

int qcow2__block_status(struct image *img, uint64_t off, uint64_t len,
                        struct image_extent *ext)
{
    struct qcow2 *q = img->priv;
    uint64_t cs = q->cluster_size, vc = off >> q->cluster_bits, in = off & (cs - 1);
    uint64_t n = cs - in < len ? cs - in : len, l2e, e;
    enum ctype t;
    int rc;

    qcow2__lock(q);
    rc = qcow2__get_l2e(q, vc, &l2e);
    t = classify(q, l2e);
    /* Bounded work per call: callers merge adjacent extents. */
    for (uint64_t k = 1; !rc && n < len && k < (1u << 16); k++) {
        uint64_t l1i = (vc + k) >> q->l2_bits;
        if (t == C_UNALLOC && ((vc + k) & (l2_entries(q) - 1)) == 0 &&
            (l1i >= q->l1_size || !(q->l1[l1i] & QCOW2_L1E_OFFSET_MASK))) {
            /* A whole unallocated L2 range: skip it in one step. */
            uint64_t span = l2_entries(q) << q->cluster_bits;
            n = len - n < span ? len : n + span;
            k += l2_entries(q) - 1;
            continue;
        }
        if ((rc = qcow2__get_l2e(q, vc + k, &e)) || classify(q, e) != t)
            break;
        if ((t == C_NORMAL || t == C_ZERO_ALLOC) &&
            (e & QCOW2_L2E_OFFSET_MASK) != (l2e & QCOW2_L2E_OFFSET_MASK) + k * cs)
            break;
        n += len - n < cs ? len - n : cs;
    }
    qcow2__unlock(q);
    if (rc)
        return rc;
    ext->length = n;
    ext->host_offset = (l2e & QCOW2_L2E_OFFSET_MASK) + in;
    switch (t) {
    case C_UNALLOC: ext->flags = 0; break;
    case C_ZERO_PLAIN: ext->flags = IMAGE_EXT_ZERO | IMAGE_EXT_ALLOCATED; break;
    case C_ZERO_ALLOC:
        ext->flags = IMAGE_EXT_ZERO | IMAGE_EXT_ALLOCATED | IMAGE_EXT_OFFSET;
        break;
    case C_NORMAL: ext->flags = IMAGE_EXT_DATA | IMAGE_EXT_ALLOCATED | IMAGE_EXT_OFFSET; break;
    case C_COMPRESSED:
        ext->flags = IMAGE_EXT_DATA | IMAGE_EXT_ALLOCATED | IMAGE_EXT_COMPRESSED;
        break;
    }
    if (!(ext->flags & IMAGE_EXT_OFFSET))
        ext->host_offset = 0;
    return 0;
}

/* ---- compressed clusters ------------------------------------------------- */

/* Place CLEN compressed bytes: packed after the previous compressed
 * cluster when it fits (each host cluster touched gets one reference per
 * compressed cluster in it, as the format counts them). */
static int alloc_compressed(struct qcow2 *q, uint64_t clen, uint64_t *host)
{
    uint64_t cs = q->cluster_size, o;
    int rc;

    if (q->comp_next & (cs - 1)) {
        uint64_t cur = q->comp_next & ~(cs - 1), rem = cs - (q->comp_next & (cs - 1));
        uint64_t rcv;
        /* Still ours?  (A flush may have released it meanwhile.) */
        if ((rc = qcow2__get_refcount(q, cur >> q->cluster_bits, &rcv)))
            return rc;
        if (rcv) {
            if (clen <= rem) {
                if ((rc = qcow2__update_refcount(q, cur, 1, 1)))
                    return rc;
                *host = q->comp_next;
                q->comp_next += clen;
                return 0;
            }
            uint64_t extra = (clen - rem + cs - 1) / cs;
            if ((rc = qcow2__alloc_clusters(q, extra, &o)))
                return rc;
            if (o == cur + cs) {
                if ((rc = qcow2__update_refcount(q, cur, 1, 1)))
                    return rc;
                *host = q->comp_next;
                q->comp_next += clen;
                return 0;
            }
            /* Not adjacent: give them back (nothing references them). */
            for (uint64_t i = 0; i < extra; i++)
                if ((rc = qcow2__set_refcount(q, (o >> q->cluster_bits) + i, 0)))
                    return rc;
        }
    }
    if ((rc = qcow2__alloc_clusters(q, (clen + cs - 1) / cs, &o)))
        return rc;
    *host = o;
    q->comp_next = o + clen;
    return 0;
}

long qcow2__compress_op(struct image *img, void *dst, size_t cap, const void *src)
{
    return qcow2__compress(img->priv, dst, cap, src);
}

int qcow2__write_precompressed(struct image *img, uint64_t off, const void *c, size_t clen)
{
    struct qcow2 *q = img->priv;
    uint64_t vc = off >> q->cluster_bits, l2e, host, nsec, desc;
    int rc;

    if (off & (q->cluster_size - 1))
        return image__err(-EINVAL, "compressed write at unaligned offset %llu",
                          (unsigned long long)off);
    if (!clen || clen >= q->cluster_size)
        return image__err(-EINVAL, "compressed cluster of %zu bytes", clen);
    qcow2__lock(q);
    if ((rc = qcow2__prepare_write_locked(q)) || (rc = qcow2__get_l2e(q, vc, &l2e)) ||
        (rc = alloc_compressed(q, clen, &host)))
        goto out_unlock;
    if ((rc = qcow2__pwrite(q, c, clen, host)))
        goto out_unlock;
    nsec = ((host + clen - 1) >> 9) - (host >> 9);
    desc = QCOW2_OFLAG_COMPRESSED | (nsec << q->csize_shift) | host;
    if ((rc = qcow2__set_l2e(q, vc, desc)))
        goto out_unlock;
    rc = qcow2__release_l2e(q, l2e);
out_unlock:
    qcow2__unlock(q);
    return rc;
}

int qcow2__write_compressed(struct image *img, const void *buf, uint64_t len, uint64_t off)
{
    struct qcow2 *q = img->priv;
    uint64_t cs = q->cluster_size;
    const uint8_t *p = buf;
    uint8_t *src = NULL, *dst = NULL;
    int rc = 0;

    if (off & (cs - 1))
        return image__err(-EINVAL, "compressed write at unaligned offset %llu",
                          (unsigned long long)off);
    src = malloc(cs);
    dst = malloc(cs);
    if (!src || !dst) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out_free;
    }
    while (len && !rc) {
        uint64_t n = len < cs ? len : cs;
        long clen;
        if (n < cs && off + n != img->size) {
            rc = image__err(-EINVAL, "compressed write of a partial cluster");
            break;
        }
        memcpy(src, p, n);
        memset(src + n, 0, cs - n);
        clen = qcow2__compress(q, dst, cs, src);
        if (clen < 0)
            rc = clen;
        else if (clen == 0)
            rc = qcow2__write(img, p, n, off);
        else
            rc = qcow2__write_precompressed(img, off, dst, clen);
        p += n;
        off += n;
        len -= n;
    }
out_free:
    free(src);
    free(dst);
    return rc;
}
