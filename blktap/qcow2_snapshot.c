/* Internal snapshots: the snapshot table, and create/apply/delete.
 *
 * Each operation writes its new structures (L1 copy, snapshot table) to
 * fresh clusters, makes the refcount increments durable, then switches the
 * header fields in one sector write; what the old state referenced is
 * released through the deferred-free queue afterwards.  See qcow2.c for
 * the residual COPIED-flag window. */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"
#include "blktap/qcow2_shadow.h"

#define SNAP_FIXED 40u
#define SNAP_EXTRA_OURS 24u

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return be32toh(v); }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return be64toh(v); }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void wr32(uint8_t *p, uint32_t v) { v = htobe32(v); memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { v = htobe64(v); memcpy(p, &v, 8); }

static void snaps_free(struct image_snapshot *s, uint8_t **extra, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        free(s[i].id);
        free(s[i].name);
        if (extra)
            free(extra[i]);
    }
    free(s);
    free(extra);
}

void qcow2__snapshots_free(struct qcow2 *q)
{
    snaps_free(q->snaps, q->snap_extra, q->n_snaps);
    q->snaps = NULL;
    q->snap_extra = NULL;
    q->n_snaps = 0;
}

int qcow2__snapshots_load(struct qcow2 *q)
{
    uint64_t fsize = qcow2__file_size(q), off = q->h.snapshots_offset, pos = 0;
    unsigned n = q->h.nb_snapshots;
    int rc = 0;

    if (!n)
        return 0;
    if (n > QCOW2_MAX_SNAPSHOTS)
        return qcow2__corrupt(q, "too many snapshots (%u, limit %u)", n, QCOW2_MAX_SNAPSHOTS);
    if ((off & (q->cluster_size - 1)) || off == 0 || off >= fsize)
        return qcow2__corrupt(q, "snapshot table offset 0x%llx is invalid or past the end "
                              "of the file", (unsigned long long)off);
    q->snaps = calloc(n, sizeof(*q->snaps));
    q->snap_extra = calloc(n, sizeof(*q->snap_extra));
    if (!q->snaps || !q->snap_extra)
        return image__err(-ENOMEM, "out of memory");
    for (unsigned i = 0; i < n; i++) {
        uint8_t h[SNAP_FIXED];
        struct image_snapshot *s = &q->snaps[i];
        uint32_t extra, idl, nl;
        uint8_t *var;

        q->n_snaps = i + 1;     /* so a failure below frees this entry */

        if (pos + SNAP_FIXED > QCOW2_MAX_SNAPTABLE_BYTES || off + pos + SNAP_FIXED > fsize)
            return qcow2__corrupt(q, "snapshot table entry %u runs off the end of the file", i);
        if ((rc = qcow2__pread(q, h, SNAP_FIXED, off + pos)))
            return rc;
        s->l1_offset = rd64(h);
        s->l1_size = rd32(h + 8);
        idl = rd16(h + 12);
        nl = rd16(h + 14);
        s->date_sec = rd32(h + 16);
        s->date_nsec = rd32(h + 20);
        s->vm_clock_nsec = rd64(h + 24);
        s->vm_state_size = rd32(h + 32);
        extra = rd32(h + 36);
        s->icount = -1;
        if (extra > QCOW2_MAX_SNAP_EXTRA)
            return qcow2__corrupt(q, "snapshot %u has %u bytes of extra data (limit %u)",
                                  i, extra, QCOW2_MAX_SNAP_EXTRA);
        pos += SNAP_FIXED;
        if (pos + extra + idl + nl > QCOW2_MAX_SNAPTABLE_BYTES ||
            off + pos + extra + idl + nl > fsize)
            return qcow2__corrupt(q, "snapshot table entry %u runs off the end of the file", i);
        var = malloc(extra + idl + nl + 1);
        if (!var)
            return image__err(-ENOMEM, "out of memory");
        if ((rc = qcow2__pread(q, var, extra + idl + nl, off + pos))) {
            free(var);
            return rc;
        }
        s->extra_size = extra;
        q->snap_extra[i] = malloc(extra + 1);
        s->id = strndup((char *)var + extra, idl);
        s->name = strndup((char *)var + extra + idl, nl);
        if (!q->snap_extra[i] || !s->id || !s->name) {
            free(var);
            return image__err(-ENOMEM, "out of memory");
        }
        memcpy(q->snap_extra[i], var, extra);
        if (extra >= 8)
            s->vm_state_size = rd64(var);
        if (extra >= 16)
            s->disk_size = rd64(var + 8);
        else
            s->disk_size = q->h.size;
        if (extra >= 24)
            s->icount = (int64_t)rd64(var + 16);
        free(var);
        pos += extra + idl + nl;
        pos = (pos + 7) & ~7ull;
        if ((uint64_t)s->l1_size * 8 > QCOW2_MAX_L1_BYTES)
            return qcow2__corrupt(q, "snapshot %s has an L1 table of %u entries (too large)",
                                  s->id, s->l1_size);
        if (s->l1_size && ((s->l1_offset & (q->cluster_size - 1)) || s->l1_offset == 0 ||
                           s->l1_offset + (uint64_t)s->l1_size * 8 > fsize))
            return qcow2__corrupt(q, "snapshot %s L1 table at 0x%llx is misaligned or past "
                                  "the end of the file", s->id,
                                  (unsigned long long)s->l1_offset);
    }
    q->snaptable_len = pos;
    return 0;
}

int qcow2__snap_list(struct image *img, const struct image_snapshot **l, unsigned *n)
{
    struct qcow2 *q = img->priv;

    *l = q->snaps;
    *n = q->n_snaps;
    return 0;
}

static int find_snap(struct qcow2 *q, const char *key)
{
    for (unsigned i = 0; i < q->n_snaps; i++)
        if (!strcmp(q->snaps[i].id, key))
            return i;
    for (unsigned i = 0; i < q->n_snaps; i++)
        if (!strcmp(q->snaps[i].name, key))
            return i;
    return -1;
}

/* Walk the tree under L1.  MODE 1: increment now; -1: queue decrement;
 * 0: only check that an increment cannot overflow. */
static int tree_walk(struct qcow2 *q, const uint64_t *l1, uint32_t l1_size, int mode)
{
    uint64_t cs = q->cluster_size, *copy = malloc(cs), rcv;
    int rc = 0;

    if (!copy)
        return image__err(-ENOMEM, "out of memory");
    for (uint32_t i = 0; i < l1_size && !rc; i++) {
        uint64_t l2off = l1[i] & QCOW2_L1E_OFFSET_MASK;
        uint64_t *t;
        if (!l2off)
            continue;
        if ((rc = qcow2__check_l1e(q, i, l2off)))
            break;
        if ((rc = qcow2__cache_get(q, &q->l2c, l2off, false, (void **)&t)))
            break;
        memcpy(copy, t, cs);
        qcow2__cache_put(&q->l2c, t, false);
        for (uint64_t j = 0; j <= cs / 8 && !rc; j++) {
            uint64_t off, len;
            if (j == cs / 8) {      /* the L2 table itself, last */
                off = l2off;
                len = cs;
            } else {
                uint64_t e = copy[j];
                if (e & QCOW2_OFLAG_COMPRESSED) {
                    qcow2__cdesc(q, e, &off, &len);
                } else if (e & QCOW2_L2E_OFFSET_MASK) {
                    off = e & QCOW2_L2E_OFFSET_MASK;
                    len = cs;
                } else {
                    continue;
                }
            }
            if (mode > 0) {
                rc = qcow2__update_refcount(q, off, len, 1);
            } else if (mode < 0) {
                rc = qcow2__free_deferred(q, off, len);
            } else {
                for (uint64_t c = off >> q->cluster_bits;
                     !rc && c <= (off + len - 1) >> q->cluster_bits; c++) {
                    rc = qcow2__get_refcount(q, c, &rcv);
                    if (!rc && rcv >= q->refcount_max)
                        rc = image__err(-ERANGE, "'%s': refcount overflow: cluster 0x%llx "
                                        "cannot take another reference (refcount_bits=%u)",
                                        q->img->filename,
                                        (unsigned long long)(c << q->cluster_bits),
                                        q->refcount_bits);
                }
            }
        }
    }
    free(copy);
    return rc;
}

int qcow2__l1_tree_refcount(struct qcow2 *q, const uint64_t *l1, uint32_t l1_size,
                            int64_t addend)
{
    int rc = 0;

    if (addend > 0 && (rc = tree_walk(q, l1, l1_size, 0)))
        return rc;
    return tree_walk(q, l1, l1_size, addend > 0 ? 1 : -1);
}

int qcow2__fix_copied_flags(struct qcow2 *q)
{
    uint64_t rcv;
    int rc;

    for (uint32_t i = 0; i < q->l1_size; i++) {
        uint64_t l2off = q->l1[i] & QCOW2_L1E_OFFSET_MASK, *t;
        if (!l2off)
            continue;
        if ((rc = qcow2__get_refcount(q, l2off >> q->cluster_bits, &rcv)))
            return rc;
        uint64_t want = l2off | (rcv == 1 ? QCOW2_OFLAG_COPIED : 0);
        if (want != q->l1[i]) {
            q->l1[i] = want;
            q->l1_dirty = true;
        }
        if ((rc = qcow2__cache_get(q, &q->l2c, l2off, false, (void **)&t)))
            return rc;
        bool dirty = false;
        for (uint64_t j = 0; j < q->cluster_size / 8; j++) {
            uint64_t e = t[j], off = e & QCOW2_L2E_OFFSET_MASK;
            if ((e & QCOW2_OFLAG_COMPRESSED) || !off)
                continue;
            if ((rc = qcow2__get_refcount(q, off >> q->cluster_bits, &rcv)))
                break;
            uint64_t ne = (e & ~QCOW2_OFLAG_COPIED) | (rcv == 1 ? QCOW2_OFLAG_COPIED : 0);
            if (ne != e) {
                t[j] = ne;
                dirty = true;
            }
        }
        qcow2__cache_put(&q->l2c, t, dirty);
        if (rc)
            return rc;
    }
    return 0;
}

static int copy_list(struct qcow2 *q, unsigned extra_slots, struct image_snapshot **ps,
                     uint8_t ***pe)
{
    unsigned n = q->n_snaps + extra_slots;
    struct image_snapshot *s = calloc(n ? n : 1, sizeof(*s));
    uint8_t **e = calloc(n ? n : 1, sizeof(*e));

    if (!s || !e)
        goto out_nomem;
    for (unsigned i = 0; i < q->n_snaps; i++) {
        s[i] = q->snaps[i];
        s[i].id = strdup(q->snaps[i].id);
        s[i].name = strdup(q->snaps[i].name);
        e[i] = malloc(s[i].extra_size + 1);
        if (!s[i].id || !s[i].name || !e[i]) {
            snaps_free(s, e, i + 1);
            return image__err(-ENOMEM, "out of memory");
        }
        memcpy(e[i], q->snap_extra[i], s[i].extra_size);
    }
    *ps = s;
    *pe = e;
    return 0;
out_nomem:
    free(s);
    free(e);
    return image__err(-ENOMEM, "out of memory");
}

/* ---- shadow-committed snapshot operations ----------------------------- */

/* Reference changes of adding (D=+1) or removing (D=-1) the path from an
 * L1 table: one per L2 table and one per data cluster under each. */
static int tree_delta(struct qcow2_shadow *sh, const uint64_t *l1, uint32_t n, int64_t d)
{
    struct qcow2 *q = sh->q;
    uint64_t cs = q->cluster_size, *copy = malloc(cs);
    int rc = 0;

    if (!copy)
        return image__err(-ENOMEM, "out of memory");
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint64_t l2off = l1[i] & QCOW2_L1E_OFFSET_MASK, *t;
        if (!l2off)
            continue;
        if ((rc = qcow2__check_l1e(q, i, l2off)) ||
            (rc = qcow2__cache_get(q, &q->l2c, l2off, false, (void **)&t)))
            break;
        memcpy(copy, t, cs);
        qcow2__cache_put(&q->l2c, t, false);
        rc = qcow2__shadow_delta(sh, l2off, cs, d);
        for (uint64_t j = 0; j < cs / 8 && !rc; j++) {
            uint64_t e = copy[j], off, len;
            if (e & QCOW2_OFLAG_COMPRESSED) {
                qcow2__cdesc(q, e, &off, &len);
                rc = qcow2__shadow_delta(sh, off, len, d);
            } else if (e & QCOW2_L2E_OFFSET_MASK) {
                rc = qcow2__shadow_delta(sh, e & QCOW2_L2E_OFFSET_MASK, cs, d);
            }
        }
    }
    free(copy);
    return rc;
}

static int shadow_l1(struct qcow2_shadow *sh, const uint64_t *l1, uint32_t n, uint64_t *off)
{
    struct qcow2 *q = sh->q;
    uint64_t *be;

    *off = 0;
    if (!n)
        return 0;
    be = malloc((size_t)n * 8);
    if (!be)
        return image__err(-ENOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++)
        be[i] = htobe64(l1[i]);
    *off = qcow2__shadow_alloc(sh, ((uint64_t)n * 8 + q->cluster_size - 1) >> q->cluster_bits);
    return qcow2__shadow_write(sh, *off, be, (uint64_t)n * 8);
}

/* New snapshot table for list S (N entries) in fresh clusters; the old
 * table's clusters are released. */
static int shadow_table(struct qcow2_shadow *sh, struct image_snapshot *s, uint8_t **extra,
                        unsigned n, uint64_t *off, uint64_t *len)
{
    struct qcow2 *q = sh->q;
    uint64_t total = 0, pos = 0;
    uint8_t *buf;
    int rc;

    if (q->h.nb_snapshots && q->snaptable_len &&
        (rc = qcow2__shadow_delta(sh, q->h.snapshots_offset, q->snaptable_len, -1)))
        return rc;
    *off = 0;
    *len = 0;
    if (!n)
        return 0;
    for (unsigned i = 0; i < n; i++)
        total += (SNAP_FIXED + s[i].extra_size + strlen(s[i].id) + strlen(s[i].name) + 7) & ~7ull;
    if (total > QCOW2_MAX_SNAPTABLE_BYTES)
        return image__err(-EFBIG, "snapshot table would be too large");
    buf = calloc(1, total);
    if (!buf)
        return image__err(-ENOMEM, "out of memory");
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = buf + pos;
        size_t idl = strlen(s[i].id), nl = strlen(s[i].name);
        wr64(p, s[i].l1_offset);
        wr32(p + 8, s[i].l1_size);
        wr16(p + 12, idl);
        wr16(p + 14, nl);
        wr32(p + 16, s[i].date_sec);
        wr32(p + 20, s[i].date_nsec);
        wr64(p + 24, s[i].vm_clock_nsec);
        wr32(p + 32, s[i].vm_state_size > UINT32_MAX ? 0 : (uint32_t)s[i].vm_state_size);
        wr32(p + 36, s[i].extra_size);
        memcpy(p + SNAP_FIXED, extra[i], s[i].extra_size);
        memcpy(p + SNAP_FIXED + s[i].extra_size, s[i].id, idl);
        memcpy(p + SNAP_FIXED + s[i].extra_size + idl, s[i].name, nl);
        pos += (SNAP_FIXED + s[i].extra_size + idl + nl + 7) & ~7ull;
    }
    *off = qcow2__shadow_alloc(sh, (total + q->cluster_size - 1) >> q->cluster_bits);
    *len = total;
    return qcow2__shadow_write(sh, *off, buf, total);
}

static void adopt_list(struct qcow2 *q, struct image_snapshot *s, uint8_t **extra, unsigned n,
                       uint64_t tlen)
{
    snaps_free(q->snaps, q->snap_extra, q->n_snaps);
    q->snaps = s;
    q->snap_extra = extra;
    q->n_snaps = n;
    q->snaptable_len = tlen;
}

static uint64_t *l1_dup(const uint64_t *l1, uint32_t n, uint32_t cap)
{
    uint64_t *c = calloc(cap ? cap : 1, 8);
    if (c && n)
        memcpy(c, l1, (size_t)(n < cap ? n : cap) * 8);
    return c;
}

int qcow2__snap_create(struct image *img, const char *name)
{
    struct qcow2 *q = img->priv;
    struct image_snapshot *s = NULL;
    uint8_t **extra = NULL;
    uint64_t *nl1 = NULL, l1off, toff, tlen, maxid = 0;
    unsigned n = q->n_snaps;
    struct qcow2_shadow sh = { 0 };
    struct qcow2_header nh;
    struct timespec ts;
    char idbuf[24];
    int rc;

    if (!name || !*name || strlen(name) > 65535)
        return image__err(-EINVAL, "invalid snapshot name");
    qcow2__lock(q);
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(q->snaps[i].name, name)) {
            rc = image__err(-EEXIST, "'%s': a snapshot named '%s' already exists",
                            img->filename, name);
            goto out_unlock;
        }
        uint64_t v = strtoull(q->snaps[i].id, NULL, 10);
        if (v > maxid)
            maxid = v;
    }
    if (n >= QCOW2_MAX_SNAPSHOTS) {
        rc = image__err(-EFBIG, "'%s': too many snapshots", img->filename);
        goto out_unlock;
    }
    if ((rc = qcow2__prepare_write_locked(q)) || (rc = qcow2__flush_locked(q)) ||
        (rc = qcow2__shadow_init(q, &sh)))
        goto out_unlock;
    snprintf(idbuf, sizeof(idbuf), "%llu", (unsigned long long)maxid + 1);
    /* The current L1 table becomes the snapshot's; the active state gets
     * a new L1 (and copies of L2 tables whose COPIED flags change). */
    nl1 = l1_dup(q->l1, q->l1_size, q->l1_size);
    if (!nl1) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out_unlock;
    }
    if ((rc = tree_delta(&sh, q->l1, q->l1_size, 1)) ||
        (rc = qcow2__shadow_fix_copied(&sh, nl1, q->l1_size)) ||
        (rc = shadow_l1(&sh, nl1, q->l1_size, &l1off)))
        goto out_unlock;
    if ((rc = copy_list(q, 1, &s, &extra)))
        goto out_unlock;
    clock_gettime(CLOCK_REALTIME, &ts);
    s[n].id = strdup(idbuf);
    s[n].name = strdup(name);
    s[n].l1_offset = q->h.l1_table_offset;
    s[n].l1_size = q->l1_size;
    s[n].date_sec = ts.tv_sec;
    s[n].date_nsec = ts.tv_nsec / 1000 * 1000;   /* QEMU keeps microseconds */
    s[n].disk_size = img->size;
    /* What qemu-img 7.2 writes for a snapshot made outside a running VM:
     * the three extra fields (24 bytes) with icount 0, not the -1 ("none")
     * of a VM that records no instruction count; snapshot -l then shows
     * the same ICOUNT column for its snapshots and ours. */
    s[n].icount = 0;
    s[n].extra_size = SNAP_EXTRA_OURS;
    extra[n] = calloc(1, SNAP_EXTRA_OURS);
    if (!s[n].id || !s[n].name || !extra[n]) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out_free_list;
    }
    wr64(extra[n], 0);
    wr64(extra[n] + 8, img->size);
    wr64(extra[n] + 16, 0);
    if ((rc = shadow_table(&sh, s, extra, n + 1, &toff, &tlen)))
        goto out_free_list;
    nh = q->h;
    nh.l1_table_offset = q->l1_size ? l1off : q->h.l1_table_offset;
    nh.nb_snapshots = n + 1;
    nh.snapshots_offset = toff;
    if ((rc = qcow2__shadow_commit(&sh, &nh)))
        goto out_free_list;
    free(q->l1);
    q->l1 = nl1;
    nl1 = NULL;
    adopt_list(q, s, extra, n + 1, tlen);
    goto out_unlock;
out_free_list:
    snaps_free(s, extra, n + 1);
out_unlock:
    qcow2__shadow_free(&sh);
    free(nl1);
    qcow2__unlock(q);
    return rc;
}

int qcow2__snap_delete(struct image *img, const char *key)
{
    struct qcow2 *q = img->priv;
    struct image_snapshot *s = NULL, victim;
    uint8_t **extra = NULL;
    uint64_t toff, tlen, l1off, *sl1 = NULL, *nl1 = NULL;
    struct qcow2_shadow sh = { 0 };
    struct qcow2_header nh;
    unsigned n = q->n_snaps;
    int idx, rc;

    qcow2__lock(q);
    idx = find_snap(q, key);
    if (idx < 0) {
        rc = image__err(-ENOENT, "'%s': snapshot '%s' not found", img->filename, key);
        goto out_unlock;
    }
    if ((rc = qcow2__prepare_write_locked(q)) || (rc = qcow2__flush_locked(q)) ||
        (rc = qcow2__shadow_init(q, &sh)))
        goto out_unlock;
    victim = q->snaps[idx];
    sl1 = calloc(victim.l1_size ? victim.l1_size : 1, 8);
    nl1 = l1_dup(q->l1, q->l1_size, q->l1_size);
    if (!sl1 || !nl1) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out_unlock;
    }
    if (victim.l1_size &&
        (rc = qcow2__pread(q, sl1, (uint64_t)victim.l1_size * 8, victim.l1_offset)))
        goto out_unlock;
    for (uint32_t i = 0; i < victim.l1_size; i++)
        sl1[i] = be64toh(sl1[i]);
    if ((rc = tree_delta(&sh, sl1, victim.l1_size, -1)) ||
        (rc = qcow2__shadow_delta(&sh, victim.l1_offset, (uint64_t)victim.l1_size * 8, -1)) ||
        (rc = qcow2__shadow_fix_copied(&sh, nl1, q->l1_size)) ||
        (rc = shadow_l1(&sh, nl1, q->l1_size, &l1off)) ||
        (q->l1_size && (rc = qcow2__shadow_delta(&sh, q->h.l1_table_offset,
                                                 (uint64_t)q->l1_size * 8, -1))))
        goto out_unlock;
    if ((rc = copy_list(q, 0, &s, &extra)))
        goto out_unlock;
    free(s[idx].id);
    free(s[idx].name);
    free(extra[idx]);
    memmove(s + idx, s + idx + 1, (n - idx - 1) * sizeof(*s));
    memmove(extra + idx, extra + idx + 1, (n - idx - 1) * sizeof(*extra));
    if ((rc = shadow_table(&sh, s, extra, n - 1, &toff, &tlen)))
        goto out_free_list;
    nh = q->h;
    nh.l1_table_offset = q->l1_size ? l1off : q->h.l1_table_offset;
    nh.nb_snapshots = n - 1;
    nh.snapshots_offset = toff;
    if ((rc = qcow2__shadow_commit(&sh, &nh)))
        goto out_free_list;
    free(q->l1);
    q->l1 = nl1;
    nl1 = NULL;
    adopt_list(q, s, extra, n - 1, tlen);
    goto out_unlock;
out_free_list:
    snaps_free(s, extra, n - 1);
out_unlock:
    qcow2__shadow_free(&sh);
    free(sl1);
    free(nl1);
    qcow2__unlock(q);
    return rc;
}

int qcow2__snap_apply(struct image *img, const char *key)
{
    struct qcow2 *q = img->priv;
    struct image_snapshot *sn;
    uint64_t *nl1 = NULL, l1off;
    struct qcow2_shadow sh = { 0 };
    struct qcow2_header nh;
    uint32_t n1;
    int idx, rc;

    qcow2__lock(q);
    idx = find_snap(q, key);
    if (idx < 0) {
        rc = image__err(-ENOENT, "'%s': snapshot '%s' not found", img->filename, key);
        goto out_unlock;
    }
    sn = &q->snaps[idx];
    if ((rc = qcow2__prepare_write_locked(q)) || (rc = qcow2__flush_locked(q)) ||
        (rc = qcow2__shadow_init(q, &sh)))
        goto out_unlock;
    {
        uint64_t need = (sn->disk_size + (1ull << (q->cluster_bits + q->l2_bits)) - 1) >>
                        (q->cluster_bits + q->l2_bits);
        if (need * 8 > QCOW2_MAX_L1_BYTES) {
            rc = qcow2__corrupt(q, "snapshot %s has an impossible disk size", sn->id);
            goto out_unlock;
        }
        n1 = sn->l1_size > need ? sn->l1_size : (uint32_t)need;
    }
    nl1 = calloc(n1 ? n1 : 1, 8);
    if (!nl1) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out_unlock;
    }
    if (sn->l1_size && (rc = qcow2__pread(q, nl1, (uint64_t)sn->l1_size * 8, sn->l1_offset)))
        goto out_unlock;
    for (uint32_t i = 0; i < sn->l1_size; i++) {
        nl1[i] = be64toh(nl1[i]) & ~QCOW2_OFLAG_COPIED;
        if ((rc = qcow2__check_l1e(q, i, nl1[i])))
            goto out_unlock;
    }
    if ((rc = tree_delta(&sh, nl1, n1, 1)) ||
        (rc = tree_delta(&sh, q->l1, q->l1_size, -1)) ||
        (q->l1_size && (rc = qcow2__shadow_delta(&sh, q->h.l1_table_offset,
                                                 (uint64_t)q->l1_size * 8, -1))) ||
        (rc = qcow2__shadow_fix_copied(&sh, nl1, n1)) ||
        (rc = shadow_l1(&sh, nl1, n1, &l1off)))
        goto out_unlock;
    nh = q->h;
    nh.l1_table_offset = l1off;
    nh.l1_size = n1;
    nh.size = sn->disk_size;
    if ((rc = qcow2__shadow_commit(&sh, &nh)))
        goto out_unlock;
    free(q->l1);
    q->l1 = nl1;
    nl1 = NULL;
    q->l1_size = n1;
    img->size = q->h.size;
out_unlock:
    qcow2__shadow_free(&sh);
    free(nl1);
    qcow2__unlock(q);
    return rc;
}
