/* Refcounts: the two-level table, cluster allocation, deferred frees and
 * growth of the refcount table.  Increments are applied at once (and reach
 * the disk before any table referencing the cluster); decrements are queued
 * until the referencing tables are on disk (qcow2.c, step 6). */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"

uint64_t qcow2__rb_get(struct qcow2 *q, const void *rb, uint64_t idx)
{
    const uint8_t *p = rb;

    switch (q->refcount_bits) {
    case 64: { uint64_t v; memcpy(&v, p + idx * 8, 8); return be64toh(v); }
    case 32: { uint32_t v; memcpy(&v, p + idx * 4, 4); return be32toh(v); }
    case 16: return ((uint64_t)p[idx * 2] << 8) | p[idx * 2 + 1];
    case 8: return p[idx];
    default: {
        uint64_t bit = idx * q->refcount_bits;
        return (p[bit / 8] >> (bit % 8)) & ((1u << q->refcount_bits) - 1);
    }
    }
}

void qcow2__rb_set(struct qcow2 *q, void *rb, uint64_t idx, uint64_t v)
{
    uint8_t *p = rb;

    switch (q->refcount_bits) {
    case 64: { uint64_t b = htobe64(v); memcpy(p + idx * 8, &b, 8); break; }
    case 32: { uint32_t b = htobe32((uint32_t)v); memcpy(p + idx * 4, &b, 4); break; }
    case 16: p[idx * 2] = v >> 8; p[idx * 2 + 1] = v; break;
    case 8: p[idx] = v; break;
    default: {
        uint64_t bit = idx * q->refcount_bits;
        uint8_t mask = ((1u << q->refcount_bits) - 1) << (bit % 8);
        p[bit / 8] = (p[bit / 8] & ~mask) | ((v << (bit % 8)) & mask);
    }
    }
}

static uint64_t rb_entries(struct qcow2 *q) { return 1ull << q->rb_bits; }

int qcow2__refblock_offset(struct qcow2 *q, uint64_t rti, uint64_t *off)
{
    uint64_t o = q->reftable[rti];

    *off = o;
    if (o & (q->cluster_size - 1))
        return qcow2__corrupt(q, "refblock offset %#llx unaligned (reftable index: %#llx)",
                              (unsigned long long)o, (unsigned long long)rti);
    if (o < q->cluster_size)
        return qcow2__corrupt(q, "refcount block %llu overlaps the header",
                              (unsigned long long)rti);
    if (o >= q->host_end || q->cluster_size > q->host_end - o)
        return qcow2__corrupt(q, "refcount block %llu at 0x%llx is past the end of the file",
                              (unsigned long long)rti, (unsigned long long)o);
    return 0;
}

static int load_rb(struct qcow2 *q, uint64_t rti, void **rb)
{
    uint64_t off;
    int rc = qcow2__refblock_offset(q, rti, &off);

    return rc ? rc : qcow2__cache_get(q, &q->rbc, off, false, rb);
}

int qcow2__get_refcount(struct qcow2 *q, uint64_t cluster, uint64_t *rc)
{
    uint64_t rti = cluster >> q->rb_bits;
    void *rb;
    int r;

    *rc = 0;
    if (rti >= q->reftable_size || !q->reftable[rti])
        return 0;
    if ((r = load_rb(q, rti, &rb)))
        return r;
    *rc = qcow2__rb_get(q, rb, cluster & (rb_entries(q) - 1));
    qcow2__cache_put(&q->rbc, rb, false);
    return 0;
}

static int grow_reftable(struct qcow2 *q, uint64_t need_rti);

/* Give refcount block RTI a home.  A new block describes itself when it
 * can sit inside the range it covers (the range is all free: its counts
 * were implicitly zero). */
static int ensure_refblock(struct qcow2 *q, uint64_t rti)
{
    uint64_t first = rti << q->rb_bits, floor = q->alloc_floor, c, off;
    void *rb;
    int rc;

    if (rti >= q->reftable_size) {
        if ((rc = grow_reftable(q, rti)))
            return rc;
    }
    if (q->reftable[rti])
        return 0;
    c = first > floor ? first : floor;
    if (c == 0)
        c = 1;
    while (c < first + rb_entries(q) &&
           qcow2__overlaps_metadata(q, c << q->cluster_bits, q->cluster_size))
        c++;
    if (c < first + rb_entries(q)) {
        off = c << q->cluster_bits;
        if ((rc = qcow2__cache_get(q, &q->rbc, off, true, &rb)))
            return rc;
        qcow2__rb_set(q, rb, c - first, 1);
        qcow2__cache_put(&q->rbc, rb, true);
    } else {
        if ((rc = qcow2__alloc_clusters(q, 1, &off)))
            return rc;
        if ((rc = qcow2__cache_get(q, &q->rbc, off, true, &rb)))
            return rc;
        qcow2__cache_put(&q->rbc, rb, true);
    }
    q->reftable[rti] = off;
    q->reftable_dirty = true;
    if (off + q->cluster_size > q->host_end)
        q->host_end = off + q->cluster_size;
    return 0;
}

int qcow2__set_refcount(struct qcow2 *q, uint64_t cluster, uint64_t v)
{
    uint64_t rti = cluster >> q->rb_bits;
    void *rb;
    int rc;

    if (v > q->refcount_max)
        return image__err(-ERANGE, "'%s': refcount overflow (refcount_bits=%u)",
                          q->img->filename, q->refcount_bits);
    if (rti >= q->reftable_size || !q->reftable[rti]) {
        if (!v)
            return 0;
        if ((rc = ensure_refblock(q, rti)))
            return rc;
    }
    if ((rc = load_rb(q, rti, &rb)))
        return rc;
    qcow2__rb_set(q, rb, cluster & (rb_entries(q) - 1), v);
    qcow2__cache_put(&q->rbc, rb, true);
    if (!v) {
        if (cluster < q->free_hint)
            q->free_hint = cluster;
        if (cluster < q->run_hint)
            q->run_hint = cluster;
        /* A freed cluster holds old bytes: no longer known to read zero. */
        if (((cluster + 1) << q->cluster_bits) > q->zero_from)
            q->zero_from = (cluster + 1) << q->cluster_bits;
        qcow2__cache_forget(&q->l2c, cluster << q->cluster_bits);
    }
    return 0;
}

int qcow2__update_refcount(struct qcow2 *q, uint64_t off, uint64_t len, int64_t addend)
{
    uint64_t first, last, rc_now;
    int rc;

    if (!len || !addend)
        return 0;
    first = off >> q->cluster_bits;
    last = (off + len - 1) >> q->cluster_bits;
    for (uint64_t c = first; c <= last; c++) {
        if ((rc = qcow2__get_refcount(q, c, &rc_now)))
            return rc;
        if (addend < 0 && rc_now < (uint64_t)-addend)
            return qcow2__corrupt(q, "refcount underflow for cluster at 0x%llx (refcount %llu)",
                                  (unsigned long long)(c << q->cluster_bits),
                                  (unsigned long long)rc_now);
        if (addend > 0 && q->refcount_max - rc_now < (uint64_t)addend)
            return image__err(-ERANGE, "'%s': refcount overflow for cluster at 0x%llx "
                              "(refcount_bits=%u)", q->img->filename,
                              (unsigned long long)(c << q->cluster_bits), q->refcount_bits);
    }
    for (uint64_t c = first; c <= last; c++) {
        if ((rc = qcow2__get_refcount(q, c, &rc_now)))
            return rc;
        if ((rc = qcow2__set_refcount(q, c, rc_now + addend)))
            return rc;
    }
    return 0;
}

/* Large runs go past the end of the file, with the refcount blocks they
 * need right after them (a run longer than a refcount block's range can
 * never be found among self-describing blocks). */
static int alloc_at_end(struct qcow2 *q, uint64_t n, uint64_t *off)
{
    uint64_t cs = q->cluster_size, E, nrb, end, fsize;
    int rc;

    for (;;) {
        fsize = qcow2__file_size(q);
        E = ((q->host_end > fsize ? q->host_end : fsize) + cs - 1) / cs;
        if (E < q->alloc_floor)
            E = q->alloc_floor;
        nrb = 0;
        for (;;) {
            uint64_t k = 0;
            end = E + n + nrb;
            for (uint64_t r = E >> q->rb_bits; r <= (end - 1) >> q->rb_bits; r++)
                if (r >= q->reftable_size || !q->reftable[r])
                    k++;
            if (k == nrb)
                break;
            nrb = k;
        }
        if (((end - 1) >> q->rb_bits) < q->reftable_size)
            break;
        if ((rc = grow_reftable(q, (end - 1) >> q->rb_bits)))
            return rc;
    }
    uint64_t k = 0;
    for (uint64_t r = E >> q->rb_bits; r <= (end - 1) >> q->rb_bits; r++) {
        if (q->reftable[r])
            continue;
        void *rb;
        uint64_t boff = (E + n + k++) * cs;
        if ((rc = qcow2__cache_get(q, &q->rbc, boff, true, &rb)))
            return rc;
        qcow2__cache_put(&q->rbc, rb, true);
        q->reftable[r] = boff;
        q->reftable_dirty = true;
    }
    q->host_end = end * cs;
    for (uint64_t c = E; c < end; c++)
        if ((rc = qcow2__set_refcount(q, c, 1)))
            return rc;
    *off = E * cs;
    return 0;
}

int qcow2__alloc_clusters(struct qcow2 *q, uint64_t n, uint64_t *off)
{
    uint64_t c, first_free = UINT64_MAX, rcv;
    int rc;

    if (!n)
        return image__err(-EINVAL, "allocation of zero clusters");
    if (n > 1 && n >= (1ull << q->rb_bits) / 4)
        return alloc_at_end(q, n, off);
retry:
    c = q->free_hint > q->alloc_floor ? q->free_hint : q->alloc_floor;
    if (n > 1 && q->run_hint > c)
        c = q->run_hint;
    if (c == 0)
        c = 1;
    for (;;) {
        uint64_t i;
        for (i = 0; i < n; i++) {
            uint64_t ci = c + i, rti = ci >> q->rb_bits;
            if (rti < q->reftable_size && q->reftable[rti]) {
                if ((rc = qcow2__get_refcount(q, ci, &rcv)))
                    return rc;
            } else {
                rcv = 0;
            }
            if (!rcv && qcow2__overlaps_metadata(q, ci << q->cluster_bits, q->cluster_size))
                rcv = 1;    /* inconsistent image: never hand out metadata */
            if (rcv)
                break;
            if (first_free == UINT64_MAX)
                first_free = ci;
        }
        if (i == n)
            break;
        c += i + 1;
        if (c > (1ull << (56 - q->cluster_bits)))
            return image__err(-ENOSPC, "'%s': no free cluster below 64 PiB", q->img->filename);
    }
    /* Every refcount block for the run must exist; creating one may take a
     * cluster of the run, so look again. */
    for (uint64_t rti = c >> q->rb_bits; rti <= (c + n - 1) >> q->rb_bits; rti++) {
        if (rti >= q->reftable_size || !q->reftable[rti]) {
            if ((rc = ensure_refblock(q, rti)))
                return rc;
            first_free = UINT64_MAX;
            goto retry;
        }
    }
    for (uint64_t i = 0; i < n; i++)
        if ((rc = qcow2__set_refcount(q, c + i, 1)))
            return rc;
    q->free_hint = (n == 1 || first_free == c) ? c + n : first_free;
    if (n > 1)
        q->run_hint = c + n;
    *off = c << q->cluster_bits;
    if (*off + (n << q->cluster_bits) > q->host_end)
        q->host_end = *off + (n << q->cluster_bits);
    return 0;
}

int qcow2__free_deferred(struct qcow2 *q, uint64_t off, uint64_t len)
{
    if (q->n_pfree == q->cap_pfree) {
        unsigned cap = q->cap_pfree ? q->cap_pfree * 2 : 64;
        struct qcow2_pending_free *p = realloc(q->pfree, cap * sizeof(*p));
        if (!p)
            return image__err(-ENOMEM, "out of memory");
        q->pfree = p;
        q->cap_pfree = cap;
    }
    q->pfree[q->n_pfree].offset = off;
    q->pfree[q->n_pfree].len = len;
    q->n_pfree++;
    return 0;
}

int qcow2__apply_pending_frees(struct qcow2 *q)
{
    int rc = 0;
    unsigned i;

    for (i = 0; i < q->n_pfree && !rc; i++)
        rc = qcow2__update_refcount(q, q->pfree[i].offset, q->pfree[i].len, -1);
    if (rc) {
        memmove(q->pfree, q->pfree + i, (q->n_pfree - i) * sizeof(*q->pfree));
        q->n_pfree -= i;
        return rc;
    }
    q->n_pfree = 0;
    return 0;
}

/* Move the refcount table to the end of the file, larger, together with
 * the refcount blocks that describe it; switch the header in one sector
 * write after everything it points to is durable. */
static int grow_reftable(struct qcow2 *q, uint64_t need_rti)
{
    uint64_t cs = q->cluster_size, E, entries, tcl, nrb, end, *nt = NULL;
    uint64_t old_off = q->h.refcount_table_offset;
    uint64_t old_bytes = (uint64_t)q->h.refcount_table_clusters * cs;
    uint8_t *rbbuf = NULL;
    int rc;

    E = (q->host_end + cs - 1) / cs;
    if (E < q->alloc_floor)
        E = q->alloc_floor;
    entries = q->reftable_size * 2;
    if (entries < need_rti + 1)
        entries = need_rti + 1;
    for (;;) {
        tcl = (entries * 8 + cs - 1) / cs;
        nrb = 0;
        for (;;) {
            uint64_t n = 0;
            end = E + tcl + nrb;
            for (uint64_t r = E >> q->rb_bits; r <= (end - 1) >> q->rb_bits; r++)
                if (r >= q->reftable_size || !q->reftable[r])
                    n++;
            if (n == nrb)
                break;
            nrb = n;
        }
        if (((end - 1) >> q->rb_bits) < tcl * cs / 8)
            break;
        entries = ((end - 1) >> q->rb_bits) + 1 + entries / 2;
    }
    if (tcl * cs > QCOW2_MAX_REFTABLE_BYTES)
        return image__err(-EFBIG, "'%s': the refcount table would exceed %u MiB",
                          q->img->filename, QCOW2_MAX_REFTABLE_BYTES >> 20);
    entries = tcl * cs / 8;
    nt = calloc(entries, 8);
    rbbuf = calloc(1, cs);
    if (!nt || !rbbuf) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out_free;
    }
    memcpy(nt, q->reftable, q->reftable_size * 8);
    /* New refcount blocks at E+tcl.. in rti order. */
    {
        uint64_t k = 0;
        for (uint64_t r = E >> q->rb_bits; r <= (end - 1) >> q->rb_bits; r++)
            if (r >= q->reftable_size || !q->reftable[r])
                nt[r] = (E + tcl + k++) * cs;
    }
    /* Counts for [E, end): in new blocks (written here) or cached old ones. */
    for (uint64_t r = E >> q->rb_bits; r <= (end - 1) >> q->rb_bits; r++) {
        uint64_t lo = r << q->rb_bits, hi = lo + rb_entries(q);
        bool fresh = r >= q->reftable_size || !q->reftable[r];
        void *rb = rbbuf;
        if (fresh)
            memset(rbbuf, 0, cs);
        else if ((rc = load_rb(q, r, &rb)))
            goto out_free;
        for (uint64_t c = lo > E ? lo : E; c < hi && c < end; c++)
            qcow2__rb_set(q, rb, c - lo, 1);
        if (fresh) {
            if ((rc = qcow2__pwrite(q, rbbuf, cs, nt[r])))
                goto out_free;
        } else {
            qcow2__cache_put(&q->rbc, rb, true);
        }
    }
    if ((rc = qcow2__cache_writeback(q, &q->rbc)))
        goto out_free;
    for (uint64_t i = 0; i < entries; i++)
        nt[i] = htobe64(nt[i]);
    rc = qcow2__pwrite(q, nt, tcl * cs, E * cs);
    for (uint64_t i = 0; i < entries; i++)
        nt[i] = be64toh(nt[i]);
    if (rc || (rc = qcow2__fsync(q)))
        goto out_free;
    q->h.refcount_table_offset = E * cs;
    q->h.refcount_table_clusters = tcl;
    if ((rc = qcow2__write_header_fields(q)) || (rc = qcow2__fsync(q))) {
        q->h.refcount_table_offset = old_off;
        q->h.refcount_table_clusters = old_bytes / cs;
        goto out_free;
    }
    free(q->reftable);
    q->reftable = nt;
    nt = NULL;
    q->reftable_size = entries;
    q->reftable_dirty = false;
    if (end * cs > q->host_end)
        q->host_end = end * cs;
    rc = qcow2__free_deferred(q, old_off, old_bytes);
out_free:
    free(nt);
    free(rbbuf);
    return rc;
}
