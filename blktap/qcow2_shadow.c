/* Shadow commits: structural changes (snapshot create/apply/delete) that
 * must change refcounts, COPIED flags and tables together.
 *
 * Refcount blocks and the COPIED flags of the active tables live in
 * different clusters, so updating them in place always leaves a window
 * where `qemu-img check` sees a flag that disagrees with a refcount.
 * Instead, every table that changes — L1, L2 tables whose flags change,
 * refcount blocks, the refcount table, the snapshot table — is written as
 * a new copy into fresh clusters past the end of the file, then one
 * sector write of the header switches l1_table_offset, l1_size, size,
 * refcount_table_*, nb_snapshots and snapshots_offset at once.  Before the
 * switch the old image is intact (the fresh clusters are beyond anything
 * it references); after it the new one is complete and consistent.  The
 * clusters the new state no longer references have refcount 0 in it. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"
#include "blktap/qcow2_shadow.h"

int qcow2__shadow_init(struct qcow2 *q, struct qcow2_shadow *sh)
{
    uint64_t fsize = qcow2__file_size(q), end = q->host_end > fsize ? q->host_end : fsize;

    memset(sh, 0, sizeof(*sh));
    sh->q = q;
    sh->fresh_start = (end + q->cluster_size - 1) >> q->cluster_bits;
    sh->next = sh->fresh_start;
    sh->counted = sh->fresh_start;
    sh->n_rb = q->reftable_size;
    sh->rb = calloc(sh->n_rb ? sh->n_rb : 1, sizeof(*sh->rb));
    sh->rb_new = calloc(sh->n_rb ? sh->n_rb : 1, sizeof(*sh->rb_new));
    if (!sh->rb || !sh->rb_new)
        return image__err(-ENOMEM, "out of memory");
    return 0;
}

void qcow2__shadow_free(struct qcow2_shadow *sh)
{
    for (uint64_t i = 0; i < sh->n_rb; i++)
        free(sh->rb[i]);
    free(sh->rb);
    free(sh->rb_new);
    for (unsigned i = 0; i < sh->n_w; i++)
        free(sh->w[i].buf);
    free(sh->w);
    memset(sh, 0, sizeof(*sh));
}

static int grow_rb_index(struct qcow2_shadow *sh, uint64_t rti)
{
    uint64_t n = sh->n_rb;

    if (rti < n)
        return 0;
    while (n <= rti)
        n = n ? n * 2 : 64;
    void **rb = realloc(sh->rb, n * sizeof(*rb));
    if (!rb)
        return image__err(-ENOMEM, "out of memory");
    sh->rb = rb;
    uint64_t *nw = realloc(sh->rb_new, n * sizeof(*nw));
    if (!nw)
        return image__err(-ENOMEM, "out of memory");
    sh->rb_new = nw;
    memset(sh->rb + sh->n_rb, 0, (n - sh->n_rb) * sizeof(*sh->rb));
    memset(sh->rb_new + sh->n_rb, 0, (n - sh->n_rb) * sizeof(*sh->rb_new));
    sh->n_rb = n;
    return 0;
}

/* The shadow copy of refcount block RTI, made on first use. */
static int rb_copy(struct qcow2_shadow *sh, uint64_t rti, void **out)
{
    struct qcow2 *q = sh->q;
    void *src;
    int rc;

    if ((rc = grow_rb_index(sh, rti)))
        return rc;
    if (!sh->rb[rti]) {
        sh->rb[rti] = calloc(1, q->cluster_size);
        if (!sh->rb[rti])
            return image__err(-ENOMEM, "out of memory");
        if (rti < q->reftable_size && q->reftable[rti]) {
            uint64_t off;
            if ((rc = qcow2__refblock_offset(q, rti, &off)) ||
                (rc = qcow2__cache_get(q, &q->rbc, off, false, &src)))
                return rc;
            memcpy(sh->rb[rti], src, q->cluster_size);
            qcow2__cache_put(&q->rbc, src, false);
        }
    }
    *out = sh->rb[rti];
    return 0;
}

int qcow2__shadow_get(struct qcow2_shadow *sh, uint64_t c, uint64_t *v)
{
    struct qcow2 *q = sh->q;
    uint64_t rti = c >> q->rb_bits;

    if (rti < sh->n_rb && sh->rb[rti]) {
        *v = qcow2__rb_get(q, sh->rb[rti], c & ((1ull << q->rb_bits) - 1));
        return 0;
    }
    if (c >= sh->fresh_start) {
        *v = 0;
        return 0;
    }
    return qcow2__get_refcount(q, c, v);
}

int qcow2__shadow_delta(struct qcow2_shadow *sh, uint64_t off, uint64_t len, int64_t d)
{
    struct qcow2 *q = sh->q;
    uint64_t v;
    void *rb = NULL;
    int rc;

    if (!len || !d)
        return 0;
    for (uint64_t c = off >> q->cluster_bits; c <= (off + len - 1) >> q->cluster_bits; c++) {
        if ((rc = rb_copy(sh, c >> q->rb_bits, &rb)))
            return rc;
        v = qcow2__rb_get(q, rb, c & ((1ull << q->rb_bits) - 1));
        if (d < 0 && v < (uint64_t)-d)
            return qcow2__corrupt(q, "refcount underflow for cluster at 0x%llx",
                                  (unsigned long long)(c << q->cluster_bits));
        if (d > 0 && q->refcount_max - v < (uint64_t)d)
            return image__err(-ERANGE, "'%s': refcount overflow: cluster 0x%llx cannot take "
                              "another reference (refcount_bits=%u)", q->img->filename,
                              (unsigned long long)(c << q->cluster_bits), q->refcount_bits);
        qcow2__rb_set(q, rb, c & ((1ull << q->rb_bits) - 1), v + d);
    }
    return 0;
}

uint64_t qcow2__shadow_alloc(struct qcow2_shadow *sh, uint64_t n)
{
    uint64_t c = sh->next;
    sh->next += n;
    return c << sh->q->cluster_bits;
}

/* BUF is taken over (freed by the shadow). */
int qcow2__shadow_write(struct qcow2_shadow *sh, uint64_t off, void *buf, uint64_t len)
{
    if (sh->n_w == sh->cap_w) {
        unsigned cap = sh->cap_w ? sh->cap_w * 2 : 16;
        struct qcow2_shadow_write *w = realloc(sh->w, cap * sizeof(*w));
        if (!w) {
            free(buf);
            return image__err(-ENOMEM, "out of memory");
        }
        sh->w = w;
        sh->cap_w = cap;
    }
    sh->w[sh->n_w].off = off;
    sh->w[sh->n_w].buf = buf;
    sh->w[sh->n_w].len = len;
    sh->n_w++;
    return 0;
}

/* Write an L2 table (host-endian T) to a fresh cluster; returns where. */
static int shadow_l2(struct qcow2_shadow *sh, const uint64_t *t, uint64_t *off)
{
    struct qcow2 *q = sh->q;
    uint64_t *be = malloc(q->cluster_size);

    if (!be)
        return image__err(-ENOMEM, "out of memory");
    for (uint64_t j = 0; j < q->cluster_size / 8; j++)
        be[j] = htobe64(t[j]);
    *off = qcow2__shadow_alloc(sh, 1);
    return qcow2__shadow_write(sh, *off, be, q->cluster_size);
}

/* Give the new active L1 (host-endian, N entries) exact COPIED flags under
 * the shadow refcounts: L2 tables whose entries' flags change are copied. */
int qcow2__shadow_fix_copied(struct qcow2_shadow *sh, uint64_t *l1, uint32_t n)
{
    struct qcow2 *q = sh->q;
    uint64_t cs = q->cluster_size, *t = malloc(cs), v;
    int rc = 0;

    if (!t)
        return image__err(-ENOMEM, "out of memory");
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint64_t l2off = l1[i] & QCOW2_L1E_OFFSET_MASK, *ct;
        bool change = false;
        if (!l2off)
            continue;
        if ((rc = qcow2__cache_get(q, &q->l2c, l2off, false, (void **)&ct)))
            break;
        memcpy(t, ct, cs);
        qcow2__cache_put(&q->l2c, ct, false);
        for (uint64_t j = 0; j < cs / 8 && !rc; j++) {
            uint64_t e = t[j], o = e & QCOW2_L2E_OFFSET_MASK;
            if ((e & QCOW2_OFLAG_COMPRESSED) || !o)
                continue;
            if ((rc = qcow2__shadow_get(sh, o >> q->cluster_bits, &v)))
                break;
            uint64_t ne = (e & ~QCOW2_OFLAG_COPIED) | (v == 1 ? QCOW2_OFLAG_COPIED : 0);
            if (ne != e) {
                t[j] = ne;
                change = true;
            }
        }
        if (rc)
            break;
        if (change) {
            /* The copy replaces the table on the active path only. */
            uint64_t noff = 0;
            if ((rc = qcow2__shadow_delta(sh, l2off, cs, -1)) || (rc = shadow_l2(sh, t, &noff)))
                break;
            l1[i] = noff | QCOW2_OFLAG_COPIED;
            continue;
        }
        if ((rc = qcow2__shadow_get(sh, l2off >> q->cluster_bits, &v)))
            break;
        l1[i] = l2off | (v == 1 ? QCOW2_OFLAG_COPIED : 0);
    }
    free(t);
    return rc;
}

/* Count the fresh clusters, place the shadow refcount blocks and table,
 * write everything, then switch the header (q->h as the caller set it,
 * plus the refcount table fields). */
int qcow2__shadow_commit(struct qcow2_shadow *sh, struct qcow2_header *nh)
{
    struct qcow2 *q = sh->q;
    uint64_t cs = q->cluster_size, rt_off = 0, rt_entries = 0, *rt = NULL;
    bool old_rt_released = false;
    int rc = 0;

    for (;;) {
        bool changed = false;
        while (sh->counted < sh->next) {
            if ((rc = qcow2__shadow_delta(sh, sh->counted << q->cluster_bits, cs, 1)))
                return rc;
            sh->counted++;
            changed = true;
        }
        for (uint64_t r = 0; r < sh->n_rb; r++) {
            if (!sh->rb[r] || sh->rb_new[r])
                continue;
            sh->rb_new[r] = qcow2__shadow_alloc(sh, 1);
            if (r < q->reftable_size && q->reftable[r] &&
                (rc = qcow2__shadow_delta(sh, q->reftable[r], cs, -1)))
                return rc;
            changed = true;
        }
        if (!old_rt_released) {
            if ((rc = qcow2__shadow_delta(sh, q->h.refcount_table_offset,
                                          (uint64_t)q->h.refcount_table_clusters * cs, -1)))
                return rc;
            old_rt_released = true;
            changed = true;
        }
        uint64_t need = q->reftable_size;
        if (need < sh->n_rb)
            for (uint64_t r = sh->n_rb; r > 0; r--)
                if (sh->rb[r - 1]) {
                    need = need > r ? need : r;
                    break;
                }
        if (need < ((sh->next - 1) >> q->rb_bits) + 1)
            need = ((sh->next - 1) >> q->rb_bits) + 1;
        if (!rt_off || rt_entries < need) {
            if (rt_off)
                return image__err(-EAGAIN, "refcount table placement did not converge");
            /* Room for the blocks this placement itself may need. */
            uint64_t want = need + 64, tcl = (want * 8 + cs - 1) / cs;
            rt_entries = tcl * cs / 8;
            rt_off = qcow2__shadow_alloc(sh, tcl);
            changed = true;
        }
        if (!changed)
            break;
    }
    if (rt_entries * 8 > QCOW2_MAX_REFTABLE_BYTES)
        return image__err(-EFBIG, "'%s': the refcount table would exceed %u MiB",
                          q->img->filename, QCOW2_MAX_REFTABLE_BYTES >> 20);
    rt = calloc(rt_entries, 8);
    if (!rt)
        return image__err(-ENOMEM, "out of memory");
    for (uint64_t r = 0; r < rt_entries; r++) {
        uint64_t e = r < q->reftable_size ? q->reftable[r] : 0;
        if (r < sh->n_rb && sh->rb_new[r])
            e = sh->rb_new[r];
        rt[r] = e;
    }
    /* Everything new, then one barrier, then the switch. */
    for (unsigned i = 0; i < sh->n_w && !rc; i++)
        rc = qcow2__pwrite(q, sh->w[i].buf, sh->w[i].len, sh->w[i].off);
    for (uint64_t r = 0; r < sh->n_rb && !rc; r++)
        if (sh->rb_new[r])
            rc = qcow2__pwrite(q, sh->rb[r], cs, sh->rb_new[r]);
    for (uint64_t r = 0; r < rt_entries; r++)
        rt[r] = htobe64(rt[r]);
    if (!rc)
        rc = qcow2__pwrite(q, rt, rt_entries * 8, rt_off);
    for (uint64_t r = 0; r < rt_entries; r++)
        rt[r] = be64toh(rt[r]);
    if (!rc)
        rc = qcow2__fsync(q);
    if (rc) {
        free(rt);
        return rc;
    }
    struct qcow2_header old = q->h;
    q->h = *nh;
    q->h.refcount_table_offset = rt_off;
    q->h.refcount_table_clusters = rt_entries * 8 / cs;
    if ((rc = qcow2__write_header_fields(q)) || (rc = qcow2__fsync(q))) {
        q->h = old;
        free(rt);
        return rc;
    }
    /* The new state is live: adopt its refcount table, drop caches that
     * may hold clusters it no longer owns. */
    free(q->reftable);
    q->reftable = rt;
    q->reftable_size = rt_entries;
    q->reftable_dirty = false;
    for (unsigned i = 0; i < q->rbc.n; i++)
        q->rbc.e[i].offset = 0;
    for (unsigned i = 0; i < q->l2c.n; i++)
        if (!q->l2c.e[i].pins)
            q->l2c.e[i].offset = 0;
    q->host_end = sh->next << q->cluster_bits;
    q->zero_from = q->host_end;
    q->free_hint = 0;
    q->run_hint = 0;
    q->comp_next = 0;
    return 0;
}
