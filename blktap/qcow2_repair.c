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

/* Persistent dirty bitmaps own clusters: the directory, each bitmap table
 * and the data clusters the tables point to.  They count only while
 * autoclear bit 0 says the bitmaps are valid (QEMU ignores them
 * otherwise, and its check calls their clusters leaks).  Everything read
 * lies inside the file, so memory stays bounded by its size. */
#define BME_OFFSET_MASK 0x00fffffffffffe00ull

static int ref_bitmaps(struct refs *r)
{
    struct qcow2 *q = r->q;
    const struct qcow2_ext *x = NULL;
    uint64_t fsize = r->n << q->cluster_bits, dir_size, dir_off, pos = 0;
    uint8_t *dir = NULL;
    uint64_t *tab = NULL;
    uint32_t nb;
    int rc = 0;

    if (!(q->h.autoclear_features & QCOW2_AUTOCLEAR_BITMAPS))
        return 0;
    for (unsigned i = 0; i < q->n_exts; i++)
        if (q->exts[i].magic == QCOW2_EXT_BITMAPS)
            x = &q->exts[i];
    if (!x)
        return 0;
    if (x->len < 24)
        return qcow2__corrupt(q, "bitmaps extension of %u bytes", x->len);
    nb = be32toh(*(uint32_t *)x->data);
    memcpy(&dir_size, x->data + 8, 8);
    memcpy(&dir_off, x->data + 16, 8);
    dir_size = be64toh(dir_size);
    dir_off = be64toh(dir_off);
    if (!nb)
        return 0;
    if (dir_size < 24 || dir_off > fsize || dir_size > fsize - dir_off)
        return qcow2__corrupt(q, "bitmap directory at 0x%llx (%llu bytes) is outside the file",
                              (unsigned long long)dir_off, (unsigned long long)dir_size);
    ref(r, dir_off, dir_size);
    if (!(dir = malloc(dir_size)))
        return image__err(-ENOMEM, "out of memory");
    if ((rc = qcow2__pread(q, dir, dir_size, dir_off)))
        goto out_free;
    for (uint32_t i = 0; i < nb; i++) {
        uint64_t toff, tbytes;
        uint32_t tsize, extra;
        uint16_t name;
        if (pos + 24 > dir_size) {
            rc = qcow2__corrupt(q, "bitmap directory entry %u runs off the directory", i);
            goto out_free;
        }
        memcpy(&toff, dir + pos, 8);
        memcpy(&tsize, dir + pos + 8, 4);
        memcpy(&name, dir + pos + 18, 2);
        memcpy(&extra, dir + pos + 20, 4);
        toff = be64toh(toff);
        tbytes = (uint64_t)be32toh(tsize) * 8;
        pos += (24 + (uint64_t)be32toh(extra) + be16toh(name) + 7) & ~7ull;
        if (toff > fsize || tbytes > fsize - toff) {
            rc = qcow2__corrupt(q, "bitmap table %u at 0x%llx is outside the file", i,
                                (unsigned long long)toff);
            goto out_free;
        }
        ref(r, toff, tbytes);
        if (!tbytes)
            continue;
        free(tab);
        if (!(tab = malloc(tbytes))) {
            rc = image__err(-ENOMEM, "out of memory");
            goto out_free;
        }
        if ((rc = qcow2__pread(q, tab, tbytes, toff)))
            goto out_free;
        for (uint64_t j = 0; j < tbytes / 8; j++) {
            uint64_t d = be64toh(tab[j]) & BME_OFFSET_MASK;
            if (d)
                ref(r, d, q->cluster_size);
        }
    }
out_free:
    free(tab);
    free(dir);
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
    if ((rc = ref_bitmaps(&r)))
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
    q->run_hint = 0;
    return rc;
}
