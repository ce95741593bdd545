/* Write-back cache of metadata clusters (L2 tables, refcount blocks).
 * Small and fully associative with LRU replacement: a few dozen to a few
 * hundred entries, so a linear scan is cheaper than any index.  Dirty L2
 * tables are only written after the refcount blocks they depend on (see
 * the crash-safety comment in qcow2.c). */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"

int qcow2__cache_init(struct qcow2_cache *c, unsigned n, uint32_t csize, bool is_l2)
{
    memset(c, 0, sizeof(*c));
    c->e = calloc(n, sizeof(*c->e));
    if (!c->e)
        return image__err(-ENOMEM, "out of memory");
    c->n = n;
    c->is_l2 = is_l2;
    c->csize = csize;
    for (unsigned i = 0; i < n; i++) {
        c->e[i].data = malloc(csize);
        if (!c->e[i].data)
            return image__err(-ENOMEM, "out of memory");
    }
    c->tmp = malloc(csize);
    if (!c->tmp)
        return image__err(-ENOMEM, "out of memory");
    return 0;
}

void qcow2__cache_free(struct qcow2_cache *c)
{
    if (c->e)
        for (unsigned i = 0; i < c->n; i++)
            free(c->e[i].data);
    free(c->e);
    free(c->tmp);
    memset(c, 0, sizeof(*c));
}

static int entry_write(struct qcow2 *q, struct qcow2_cache *c, struct qcow2_cache_entry *e)
{
    const void *src = e->data;
    int rc;

    if (c->is_l2) {
        const uint64_t *t = e->data;
        uint64_t *be = c->tmp;
        for (uint32_t i = 0; i < c->csize / 8; i++)
            be[i] = htobe64(t[i]);
        src = be;
    }
    rc = qcow2__pwrite(q, src, c->csize, e->offset);
    if (!rc) {
        e->dirty = false;
        if (e->offset + c->csize > q->host_end)
            q->host_end = e->offset + c->csize;
    }
    return rc;
}

int qcow2__cache_writeback(struct qcow2 *q, struct qcow2_cache *c)
{
    for (unsigned i = 0; i < c->n; i++) {
        struct qcow2_cache_entry *e = &c->e[i];
        if (e->offset && e->dirty) {
            int rc = entry_write(q, c, e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

bool qcow2__cache_has_dirty(struct qcow2_cache *c)
{
    for (unsigned i = 0; i < c->n; i++)
        if (c->e[i].offset && c->e[i].dirty)
            return true;
    return false;
}

void qcow2__cache_forget(struct qcow2_cache *c, uint64_t off)
{
    for (unsigned i = 0; i < c->n; i++) {
        if (c->e[i].offset == off && !c->e[i].pins) {
            c->e[i].offset = 0;
            c->e[i].dirty = false;
        }
    }
}

int qcow2__cache_get(struct qcow2 *q, struct qcow2_cache *c, uint64_t off, bool fresh,
                     void **data)
{
    struct qcow2_cache_entry *victim = NULL;
    int rc;

    for (unsigned i = 0; i < c->n; i++) {
        struct qcow2_cache_entry *e = &c->e[i];
        if (e->offset == off) {
            e->pins++;
            e->lru = ++c->tick;
            if (fresh) {
                memset(e->data, 0, c->csize);
                e->dirty = true;
            }
            *data = e->data;
            return 0;
        }
        if (e->pins)
            continue;
        if (!victim || !e->offset || (victim->offset && e->lru < victim->lru))
            victim = e;
    }
    if (!victim)
        return image__err(-EBUSY, "'%s': metadata cache exhausted", q->img->filename);
    if (victim->offset && victim->dirty) {
        /* An L2 table may only reach the disk after the refcounts of the
         * clusters it points to. */
        if (c->is_l2 && (rc = qcow2__flush_refcounts_locked(q)))
            return rc;
        if ((rc = entry_write(q, c, victim)))
            return rc;
    }
    victim->offset = 0;
    if (fresh) {
        memset(victim->data, 0, c->csize);
        victim->dirty = true;
    } else {
        if ((rc = qcow2__pread(q, victim->data, c->csize, off)))
            return rc;
        if (c->is_l2) {
            uint64_t *t = victim->data;
            for (uint32_t i = 0; i < c->csize / 8; i++)
                t[i] = be64toh(t[i]);
        }
        victim->dirty = false;
    }
    victim->offset = off;
    victim->pins = 1;
    victim->lru = ++c->tick;
    *data = victim->data;
    return 0;
}

void qcow2__cache_put(struct qcow2_cache *c, void *data, bool dirty)
{
    for (unsigned i = 0; i < c->n; i++) {
        if (c->e[i].data == data && c->e[i].offset) {
            c->e[i].pins--;
            if (dirty)
                c->e[i].dirty = true;
            return;
        }
    }
}
