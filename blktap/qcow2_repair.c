/* Reference counting from scratch: used to repair the refcounts of an
 * image left dirty by a crash with lazy refcounts, and by the check module.
 * Memory is bounded by the host file size (one counter per cluster of the
 * file); references past the end of the file are corruption, not counted. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"

struct refs {
    struct qcow2 *q;
    uint32_t *c;
    uint64_t n;
    uint64_t outside;       /* references past the end of the file */
};

static void ref(struct refs *r, uint64_t off, uint64_t len)
{
    if (!len)
        return;
    for (uint64_t c = off >> r->q->cluster_bits;
         c <= (off + len - 1) >> r->q->cluster_bits; c++) {
        if (c >= r->n)
            r->outside++;
        else if (r->c[c] != UINT32_MAX)
            r->c[c]++;
    }
}

static int ref_tree(struct refs *r, uint64_t l1off, uint32_t l1n)
{
    struct qcow2 *q = r->q;
    uint64_t cs = q->cluster_size, *l1 = NULL, *l2 = NULL;
    int rc = 0;

    if (!l1n)
        return 0;
    ref(r, l1off, (uint64_t)l1n * 8);
    l1 = malloc((size_t)l1n * 8);
    l2 = malloc(cs);
    if (!l1 || !l2) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out_free;
    }
    if ((rc = qcow2__pread(q, l1, (uint64_t)l1n * 8, l1off)))
        goto out_free;
    for (uint32_t i = 0; i < l1n; i++) {
        uint64_t l2off = be64toh(l1[i]) & QCOW2_L1E_OFFSET_MASK;
        if (!l2off)
            continue;
        ref(r, l2off, cs);
        if ((l2off & (cs - 1)) || l2off + cs > r->n * cs)
            continue;
        /* A dirty cached copy is newer than the disk. */
        uint64_t *t;
        if ((rc = qcow2__cache_get(q, &q->l2c, l2off, false, (void **)&t)))
            goto out_free;
        memcpy(l2, t, cs);
        qcow2__cache_put(&q->l2c, t, false);
        for (uint64_t j = 0; j < cs / 8; j++) {
            uint64_t e = l2[j], off, len;
            if (e & QCOW2_OFLAG_COMPRESSED) {
                qcow2__cdesc(q, e, &off, &len);
                ref(r, off, len);
            } else if (e & QCOW2_L2E_OFFSET_MASK) {
                ref(r, e & QCOW2_L2E_OFFSET_MASK, cs);
            }
        }
    }
out_free:
    free(l1);
    free(l2);
    return rc;
}

int qcow2__count_references(struct qcow2 *q, uint32_t **counts, uint64_t *n)
{
    struct refs r = { .q = q };
    uint64_t fsize = qcow2__file_size(q);
    int rc;

    if (fsize < q->host_end)
        fsize = q->host_end;
    r.n = (fsize + q->cluster_size - 1) >> q->cluster_bits;
    r.c = calloc(r.n ? r.n : 1, sizeof(*r.c));
    if (!r.c)
        return image__err(-ENOMEM, "out of memory");
    ref(&r, 0, q->cluster_size);
    /* The active L1 is in memory and may be newer than the disk. */
    if (!q->snapshot_view)
        ref(&r, q->h.l1_table_offset, (uint64_t)q->l1_size * 8);
    {
        /* Walk the active tree from memory through a temporary table. */
        uint64_t cs = q->cluster_size;
        for (uint32_t i = 0; i < q->l1_size; i++) {
            uint64_t l2off = q->l1[i] & QCOW2_L1E_OFFSET_MASK, *t;
            if (!l2off)
                continue;
            ref(&r, l2off, cs);
            if ((l2off & (cs - 1)) || l2off + cs > r.n * cs)
                continue;
            if ((rc = qcow2__cache_get(q, &q->l2c, l2off, false, (void **)&t)))
                goto out_fail;
            for (uint64_t j = 0; j < cs / 8; j++) {
                uint64_t e = t[j], off, len;
                if (e & QCOW2_OFLAG_COMPRESSED) {
                    qcow2__cdesc(q, e, &off, &len);
                    ref(&r, off, len);
                } else if (e & QCOW2_L2E_OFFSET_MASK) {
                    ref(&r, e & QCOW2_L2E_OFFSET_MASK, cs);
                }
            }
            qcow2__cache_put(&q->l2c, t, false);
        }
    }
    ref(&r, q->h.refcount_table_offset, (uint64_t)q->h.refcount_table_clusters * q->cluster_size);
    for (uint64_t i = 0; i < q->reftable_size; i++)
        if (q->reftable[i])
            ref(&r, q->reftable[i], q->cluster_size);
    if (q->h.nb_snapshots)
        ref(&r, q->h.snapshots_offset, q->snaptable_len);
    for (unsigned i = 0; i < q->n_snaps; i++)
        if ((rc = ref_tree(&r, q->snaps[i].l1_offset, q->snaps[i].l1_size)))
            goto out_fail;
    *counts = r.c;
    *n = r.n;
    return 0;
out_fail:
    free(r.c);
    return rc;
}

int qcow2__rebuild_refcounts(struct qcow2 *q)
{
    uint32_t *counts = NULL;
    uint64_t n, rcv;
    int rc;

    for (unsigned i = 0; i < q->n_exts; i++)
        if (q->exts[i].magic == QCOW2_EXT_BITMAPS)
            /* Their clusters are not counted yet: rebuilding would free
             * them.  Better to refuse than to make the image worse. */
            return image__err(-ENOTSUP, "'%s': refcounts need repair after a crash but the "
                              "image has persistent bitmaps; repair it with 'qemu-img check "
                              "-r all' or open it read-only", q->img->filename);
    if ((rc = qcow2__count_references(q, &counts, &n)))
        return rc;
    /* New refcount blocks go past everything counted. */
    q->alloc_floor = n;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (uint64_t c = 0; c < n && !rc; c++) {
            if ((rc = qcow2__get_refcount(q, c, &rcv)))
                break;
            if ((pass == 0 && counts[c] > rcv) || (pass == 1 && counts[c] < rcv))
                rc = qcow2__set_refcount(q, c, counts[c]);
        }
    }
    free(counts);
    if (!rc)
        rc = qcow2__flush_locked(q);
    if (!rc && (rc = qcow2__fix_copied_flags(q)) == 0)
        rc = qcow2__flush_locked(q);
    q->alloc_floor = 0;
    q->free_hint = 0;
    return rc;
}
