/* qcow2 creation (QEMU's layout: header, refcount table, refcount blocks,
 * L1 table) and qemu-img measure's size arithmetic. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"

static const struct { uint8_t type, bit; const char *name; } feature_table[] = {
    { 0, 0, "dirty bit" },
    { 0, 1, "corrupt bit" },
    { 0, 2, "external data file" },
    { 0, 3, "compression type" },
    { 0, 4, "extended L2 entries" },
    { 1, 0, "lazy refcounts" },
    { 2, 0, "bitmaps" },
    { 2, 1, "raw external data" },
};

static int ilog2_exact(uint64_t v)
{
    return (v && !(v & (v - 1))) ? __builtin_ctzll(v) : -1;
}

static uint64_t div_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

static int check_opts(const struct image_create_opts *o, uint64_t size, unsigned *cbits,
                      unsigned *rorder, int *version)
{
    uint64_t cs = o->cluster_size ? o->cluster_size : 65536;
    int cb = ilog2_exact(cs), rb = ilog2_exact(o->refcount_bits ? o->refcount_bits : 16);

    *version = o->compat == 2 ? 2 : 3;
    if (cb < QCOW2_MIN_CLUSTER_BITS || cb > QCOW2_MAX_CLUSTER_BITS)
        return image__err(-EINVAL, "Cluster size must be a power of two between 512 and "
                          "2048k");
    if (rb < 0 || rb > 6)
        return image__err(-EINVAL, "Refcount width must be a power of two and may not "
                          "exceed 64 bits");
    if (*version == 2 && rb != 4)
        return image__err(-EINVAL, "Different refcount widths than 16 bits require "
                          "compatibility level 1.1 or above (use compat=1.1 or greater)");
    if (*version == 2 && o->lazy_refcounts)
        return image__err(-EINVAL, "Lazy refcounts only supported with compatibility level "
                          "1.1 and above (use compat=1.1 or greater)");
    if (*version == 2 && o->compression_type != IMAGE_COMP_ZLIB)
        return image__err(-EINVAL, "Compression type other than zlib requires compat=1.1 "
                          "or later");
    if (o->compression_type != IMAGE_COMP_ZLIB && o->compression_type != IMAGE_COMP_ZSTD)
        return image__err(-EINVAL, "Unknown compression type");
    if (size % 512)
        return image__err(-EINVAL, "Image size must be a multiple of 512 bytes");
    if (o->backing_file && strlen(o->backing_file) > QCOW2_MAX_BACKING_NAME)
        return image__err(-EINVAL, "Backing file name too long (limit %u bytes)",
                          QCOW2_MAX_BACKING_NAME);
    if (o->backing_file && o->preallocation != IMAGE_PREALLOC_OFF)
        return image__err(-EINVAL, "Backing file and preallocation can only be used at the "
                          "same time if extended_l2 is on");
    *cbits = cb;
    *rorder = rb;
    return 0;
}

/* Allocate every guest cluster (metadata preallocation), then make the
 * host file hold them as the mode asks. */
int qcow2__preallocate(struct image *img, uint64_t from, enum image_prealloc p)
{
    struct qcow2 *q = img->priv;
    uint64_t cs = q->cluster_size, first = div_up(from, cs), n = div_up(img->size, cs);
    uint64_t lo = UINT64_MAX, hi = 0;
    int rc = 0;

    if (p == IMAGE_PREALLOC_OFF)
        return 0;
    qcow2__lock(q);
    for (uint64_t vc = first; vc < n && !rc; vc++) {
        uint64_t l2e, host;
        if ((rc = qcow2__get_l2e(q, vc, &l2e)) || (l2e & QCOW2_L2E_OFFSET_MASK))
            continue;
        if ((rc = qcow2__alloc_clusters(q, 1, &host)))
            break;
        rc = qcow2__set_l2e(q, vc, host | QCOW2_OFLAG_COPIED);
        lo = host < lo ? host : lo;
        hi = host + cs > hi ? host + cs : hi;
    }
    if (!rc)
        rc = qcow2__flush_locked(q);
    qcow2__unlock(q);
    if (rc || hi == 0)
        return rc;
    if (p == IMAGE_PREALLOC_METADATA) {
        if (qcow2__file_size(q) < hi && ftruncate(q->fd, hi) < 0)
            return image__err(-errno, "'%s': cannot extend: %s", img->filename, strerror(errno));
    } else if (p == IMAGE_PREALLOC_FALLOC) {
        int r = posix_fallocate(q->fd, lo, hi - lo);
        if (r)
            return image__err(-r, "'%s': preallocation failed: %s", img->filename, strerror(r));
    } else {
        uint8_t *z = calloc(1, 1 << 20);
        if (!z)
            return image__err(-ENOMEM, "out of memory");
        /* Data clusters only: metadata in [lo, hi) is already written and
         * must not be overwritten, so go cluster by cluster. */
        for (uint64_t vc = first; vc < n && !rc; vc++) {
            uint64_t l2e;
            qcow2__lock(q);
            rc = qcow2__get_l2e(q, vc, &l2e);
            qcow2__unlock(q);
            if (!rc && (l2e & QCOW2_L2E_OFFSET_MASK) >= lo)
                rc = qcow2__pwrite(q, z, cs, l2e & QCOW2_L2E_OFFSET_MASK);
        }
        free(z);
    }
    return rc;
}

int qcow2__create(const char *path, const struct image_create_opts *o, uint64_t size)
{
    unsigned cbits, rorder;
    int version, fd = -1, rc;
    uint64_t cs, l1_entries, l1_cl, rt_cl = 1, rb_cl = 1, total, rb_entries;
    struct image fake = { .filename = (char *)path, .fd = -1 };
    struct qcow2 *q = NULL;
    uint8_t *buf = NULL;

    if ((rc = check_opts(o, size, &cbits, &rorder, &version)))
        return rc;
    cs = 1ull << cbits;
    l1_entries = div_up(size, cs * (cs / 8));
    if (l1_entries * 8 > QCOW2_MAX_L1_BYTES)
        return image__err(-EFBIG, "The image size is too large for file format 'qcow2' "
                          "(try using a larger cluster size)");
    l1_cl = div_up(l1_entries * 8, cs);
    rb_entries = cs * 8 >> rorder;
    for (;;) {
        total = 1 + rt_cl + rb_cl + l1_cl;
        uint64_t nrb = div_up(total, rb_entries), nrt = div_up(nrb * 8, cs);
        if (nrb == rb_cl && nrt == rt_cl)
            break;
        rb_cl = nrb;
        rt_cl = nrt;
    }

    q = calloc(1, sizeof(*q));
    buf = calloc(1, cs);
    if (!q || !buf) {
        rc = image__err(-ENOMEM, "out of memory");
        goto out;
    }
    q->img = &fake;
    q->cluster_size = cs;
    q->h.magic = QCOW2_MAGIC;
    q->h.version = version;
    q->h.cluster_bits = cbits;
    q->h.size = size;
    q->h.l1_size = l1_entries;
    q->h.refcount_table_offset = cs;
    q->h.refcount_table_clusters = rt_cl;
    q->h.l1_table_offset = (1 + rt_cl + rb_cl) * cs;
    q->h.refcount_order = rorder;
    q->h.header_length = version >= 3 ? 112 : QCOW2_V2_HDR_LEN;
    if (o->lazy_refcounts)
        q->h.compatible_features |= QCOW2_COMPAT_LAZY_REFCOUNTS;
    if (o->compression_type == IMAGE_COMP_ZSTD) {
        q->h.incompatible_features |= QCOW2_INCOMPAT_COMPRESSION;
        q->h.compression_type = IMAGE_COMP_ZSTD;
    }
    if (o->backing_file) {
        q->backing_file = (char *)o->backing_file;
        if (o->backing_format != IMAGE_FMT_AUTO)
            q->backing_format = (char *)image_format_name(o->backing_format);
    }
    if (version >= 3) {
        static uint8_t names[sizeof(feature_table) / sizeof(feature_table[0]) * 48];
        struct qcow2_ext *e = calloc(1, sizeof(*e));
        if (!e) {
            rc = image__err(-ENOMEM, "out of memory");
            goto out;
        }
        memset(names, 0, sizeof(names));
        for (unsigned i = 0; i < sizeof(feature_table) / sizeof(feature_table[0]); i++) {
            names[i * 48] = feature_table[i].type;
            names[i * 48 + 1] = feature_table[i].bit;
            strncpy((char *)names + i * 48 + 2, feature_table[i].name, 46);
        }
        e->magic = QCOW2_EXT_FEATURE_NAMES;
        e->len = sizeof(names);
        e->data = names;
        q->exts = e;
        q->n_exts = 1;
    }
    if ((rc = qcow2__encode_header_cluster(q, buf)))
        goto out;

    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = image__err(-errno, "Could not create '%s': %s", path, strerror(errno));
        goto out;
    }
    /* The header goes last: until it is written the file is not a qcow2
     * image at all, so a create killed half way never leaves a header that
     * points at refcount tables not yet written (which qemu-img check
     * calls corruption). */
    /* Refcount table. */
    for (uint64_t t = 0; t < rt_cl; t++) {
        memset(buf, 0, cs);
        for (uint64_t i = 0; i < cs / 8; i++) {
            uint64_t b = t * (cs / 8) + i;
            if (b < rb_cl) {
                uint64_t v = htobe64((1 + rt_cl + b) * cs);
                memcpy(buf + i * 8, &v, 8);
            }
        }
        if ((rc = image__full_pwrite(fd, buf, cs, (1 + t) * cs)))
            goto out_io;
    }
    /* Refcount blocks: every metadata cluster [0, total) has refcount 1. */
    q->refcount_bits = 1u << rorder;
    for (uint64_t b = 0; b < rb_cl; b++) {
        memset(buf, 0, cs);
        for (uint64_t i = 0; i < rb_entries; i++)
            if (b * rb_entries + i < total)
                qcow2__rb_set(q, buf, i, 1);
        if ((rc = image__full_pwrite(fd, buf, cs, (1 + rt_cl + b) * cs)))
            goto out_io;
    }
    /* Empty L1 table. */
    memset(buf, 0, cs);
    for (uint64_t c = 0; c < l1_cl; c++)
        if ((rc = image__full_pwrite(fd, buf, cs, q->h.l1_table_offset + c * cs)))
            goto out_io;
    if ((rc = qcow2__encode_header_cluster(q, buf)) ||
        (rc = image__full_pwrite(fd, buf, cs, 0)))
        goto out_io;
    if (fdatasync(fd) < 0) {
        rc = image__err(-errno, "'%s': fsync failed: %s", path, strerror(errno));
        goto out;
    }
    close(fd);
    fd = -1;
    if (o->preallocation != IMAGE_PREALLOC_OFF) {
        struct image_open_opts oo = { .format = IMAGE_FMT_QCOW2,
                                      .flags = IMAGE_O_RDWR | IMAGE_O_NO_BACKING };
        struct image *img;
        if ((rc = image__open(path, &oo, &img)))
            goto out;
        rc = qcow2__preallocate(img, 0, o->preallocation);
        int r = image__close(img);
        if (!rc)
            rc = r;
    }
    goto out;
out_io:
    image__err(rc, "Could not write '%s': %s", path, strerror(-rc));
out:
    if (fd >= 0)
        close(fd);
    if (q)
        free(q->exts);
    free(q);
    free(buf);
    return rc;
}

/* ---- measure (qemu-img measure's arithmetic) ----------------------------- */

static uint64_t refcount_metadata_size(uint64_t clusters, uint64_t cs, unsigned rorder)
{
    uint64_t per_table = cs / 8, per_block = cs * 8 >> rorder;
    uint64_t table = 0, blocks = 0, n = 0, last;

    do {
        last = n;
        blocks = div_up(clusters + table + blocks, per_block);
        table = div_up(blocks, per_table);
        n = clusters + blocks + table;
    } while (n != last);
    return (blocks + table) * cs;
}

static uint64_t prealloc_size(uint64_t total, uint64_t cs, unsigned rorder)
{
    uint64_t aligned = div_up(total, cs) * cs, meta = cs, nl2e, nl1e;

    nl2e = aligned / cs;
    nl2e = div_up(nl2e, cs / 8) * (cs / 8);
    meta += nl2e * 8;
    nl1e = nl2e * 8 / cs;
    nl1e = div_up(nl1e, cs / 8) * (cs / 8);
    meta += nl1e * 8;
    meta += refcount_metadata_size((meta + aligned) / cs, cs, rorder);
    return meta + aligned;
}

int qcow2__measure(const struct image_create_opts *o, struct image *src,
                   uint64_t *required, uint64_t *fully)
{
    unsigned cbits, rorder;
    int version, rc;
    uint64_t size = src ? src->size : o->size, cs, vsize, data = 0;

    if ((rc = check_opts(o, size - size % 512, &cbits, &rorder, &version)))
        return rc;
    cs = 1ull << cbits;
    vsize = div_up(size, cs) * cs;
    for (uint64_t off = 0; src && off < size;) {
        struct image_extent e;
        if ((rc = image__block_status(src, off, size - off, 0, &e)))
            return rc;
        uint64_t n = e.length;
        if ((e.flags & (IMAGE_EXT_DATA | IMAGE_EXT_ZERO)) == IMAGE_EXT_DATA) {
            n = div_up(off + n, cs) * cs - off;
            data += off % cs + n;
        }
        off += n;
    }
    if (o->preallocation == IMAGE_PREALLOC_FULL || o->preallocation == IMAGE_PREALLOC_FALLOC)
        data = vsize;
    *fully = prealloc_size(vsize, cs, rorder);
    *required = *fully - vsize + data;
    return 0;
}
