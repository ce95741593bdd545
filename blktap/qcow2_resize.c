/* Growing and shrinking the virtual disk.  A larger L1 table is written to
 * fresh clusters and switched to, together with the new size, in one
 * header-sector write. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"

int qcow2__preallocate(struct image *img, uint64_t from, enum image_prealloc p);

static int switch_l1(struct qcow2 *q, uint32_t n1, uint64_t new_size)
{
    uint64_t cs = q->cluster_size, newoff = 0, old_off = q->h.l1_table_offset;
    uint64_t old_bytes = (uint64_t)q->l1_size * 8, *nl1, *be;
    uint32_t old_n = q->h.l1_size;
    uint64_t old_size = q->h.size;
    int rc;

    if ((uint64_t)n1 * 8 > QCOW2_MAX_L1_BYTES)
        return image__err(-EFBIG, "'%s': the L1 table would exceed %u MiB (use a larger "
                          "cluster size)", q->img->filename, QCOW2_MAX_L1_BYTES >> 20);
    nl1 = calloc(n1, 8);
    be = calloc(n1, 8);
    if (!nl1 || !be) {
        free(nl1);
        free(be);
        return image__err(-ENOMEM, "out of memory");
    }
    memcpy(nl1, q->l1, (size_t)(q->l1_size < n1 ? q->l1_size : n1) * 8);
    for (uint32_t i = 0; i < n1; i++)
        be[i] = htobe64(nl1[i]);
    if ((rc = qcow2__flush_locked(q)) ||
        (rc = qcow2__alloc_clusters(q, ((uint64_t)n1 * 8 + cs - 1) / cs, &newoff)) ||
        (rc = qcow2__pwrite(q, be, (uint64_t)n1 * 8, newoff)) ||
        (rc = qcow2__flush_refcounts_locked(q)) || (rc = qcow2__fsync(q)))
        goto out_free;
    q->h.l1_table_offset = newoff;
    q->h.l1_size = n1;
    q->h.size = new_size;
    if ((rc = qcow2__write_header_fields(q)) || (rc = qcow2__fsync(q))) {
        q->h.l1_table_offset = old_off;
        q->h.l1_size = old_n;
        q->h.size = old_size;
        goto out_free;
    }
    free(q->l1);
    q->l1 = nl1;
    nl1 = NULL;
    q->l1_size = n1;
    if (old_bytes)
        rc = qcow2__free_deferred(q, old_off, old_bytes);
out_free:
    free(nl1);
    free(be);
    return rc;
}

int qcow2__resize_l1(struct qcow2 *q, uint32_t n1)
{
    return n1 <= q->l1_size ? 0 : switch_l1(q, n1, q->h.size);
}

static int shrink_locked(struct qcow2 *q, uint64_t size)
{
    uint64_t cs = q->cluster_size, first = (size + cs - 1) >> q->cluster_bits;
    uint64_t l2n = 1ull << q->l2_bits, end = 0, rcv;
    int rc;

    for (uint64_t l1i = first >> q->l2_bits; l1i < q->l1_size; l1i++) {
        uint64_t l2off = q->l1[l1i] & QCOW2_L1E_OFFSET_MASK;
        if (!l2off)
            continue;
        if (l1i << q->l2_bits >= first) {
            /* Whole table beyond the end: release its clusters and it. */
            uint64_t one = q->l1[l1i];
            if ((rc = qcow2__l1_tree_refcount(q, &one, 1, -1)))
                return rc;
            q->l1[l1i] = 0;
            q->l1_dirty = true;
            continue;
        }
        for (uint64_t vc = first; vc < (l1i + 1) * l2n; vc++) {
            uint64_t l2e;
            if ((rc = qcow2__get_l2e(q, vc, &l2e)))
                return rc;
            if (!l2e)
                continue;
            if ((rc = qcow2__set_l2e(q, vc, 0)) || (rc = qcow2__release_l2e(q, l2e)))
                return rc;
        }
    }
    q->h.size = size;
    if ((rc = qcow2__flush_locked(q)) || (rc = qcow2__write_header_fields(q)) ||
        (rc = qcow2__fsync(q)) || (rc = qcow2__flush_locked(q)))
        return rc;
    /* Give the tail of the file back: nothing past the last used cluster. */
    for (uint64_t c = q->host_end >> q->cluster_bits; c > 0; c--) {
        if ((rc = qcow2__get_refcount(q, c - 1, &rcv)))
            return rc;
        if (rcv) {
            end = c << q->cluster_bits;
            break;
        }
    }
    if (end && end < qcow2__file_size(q) && ftruncate(q->fd, end) == 0) {
        q->host_end = end;
        if (q->zero_from > end)
            q->zero_from = end;
        if (q->free_hint > (end >> q->cluster_bits))
            q->free_hint = end >> q->cluster_bits;
        if (q->run_hint > (end >> q->cluster_bits))
            q->run_hint = end >> q->cluster_bits;
    }
    return 0;
}

int qcow2__resize(struct image *img, uint64_t size, unsigned flags, enum image_prealloc p)
{
    struct qcow2 *q = img->priv;
    uint64_t old = img->size, cs = q->cluster_size;
    uint64_t need = (size + (1ull << (q->cluster_bits + q->l2_bits)) - 1) >>
                    (q->cluster_bits + q->l2_bits);
    int rc;

    if (size % 512)
        return image__err(-EINVAL, "The new size must be a multiple of 512");
    if (q->snapshot_view)
        return image__err(-EROFS, "'%s': a snapshot view is read-only", img->filename);
    if (size < old && q->n_snaps)
        return image__err(-ENOTSUP, "Can't resize an image which has snapshots");
    if (size < old && p != IMAGE_PREALLOC_OFF)
        return image__err(-ENOTSUP, "Preallocation can't be used for shrinking an image");
    (void)flags;
    qcow2__lock(q);
    if ((rc = qcow2__prepare_write_locked(q)))
        goto out_unlock;
    if (size < old) {
        rc = shrink_locked(q, size);
        if (!rc)
            img->size = size;
        goto out_unlock;
    }
    if (need > q->l1_size)
        rc = switch_l1(q, need, size);
    else {
        q->h.size = size;
        if (!(rc = qcow2__flush_locked(q)) && !(rc = qcow2__write_header_fields(q)))
            rc = qcow2__fsync(q);
    }
    if (rc)
        goto out_unlock;
    img->size = size;
    qcow2__unlock(q);
    /* The tail of a partial last cluster may hold bytes from before a
     * shrink; the grown area must read as zeros. */
    if (old % cs && size > old) {
        uint64_t end = (old + cs - 1) / cs * cs;
        if (end > size)
            end = size;
        rc = image__write_zeroes(img, old, end - old, 0);
    }
    if (!rc && p != IMAGE_PREALLOC_OFF)
        rc = qcow2__preallocate(img, old, p);
    return rc;
out_unlock:
    qcow2__unlock(q);
    return rc;
}
