/* Shadow commits (blktap/qcow2_shadow.c): build a new image state in fresh
 * clusters and switch to it with one header-sector write. */
#ifndef PV_BLKTAP_QCOW2_SHADOW_H
#define PV_BLKTAP_QCOW2_SHADOW_H

#include "blktap/qcow2_int.h"

struct qcow2_shadow_write {
    uint64_t off;
    void *buf;
    uint64_t len;
};

struct qcow2_shadow {
    struct qcow2 *q;
    uint64_t fresh_start;       /* first fresh cluster (past the file) */
    uint64_t next;              /* next fresh cluster */
    uint64_t counted;           /* fresh clusters given their refcount */
    void **rb;                  /* shadow refcount blocks by table index */
    uint64_t *rb_new;           /* where each shadow block goes */
    uint64_t n_rb;
    struct qcow2_shadow_write *w;
    unsigned n_w, cap_w;
};

int qcow2__shadow_init(struct qcow2 *q, struct qcow2_shadow *sh);
void qcow2__shadow_free(struct qcow2_shadow *sh);
int qcow2__shadow_get(struct qcow2_shadow *sh, uint64_t cluster, uint64_t *v);
int qcow2__shadow_delta(struct qcow2_shadow *sh, uint64_t off, uint64_t len, int64_t d);
uint64_t qcow2__shadow_alloc(struct qcow2_shadow *sh, uint64_t n);
int qcow2__shadow_write(struct qcow2_shadow *sh, uint64_t off, void *buf, uint64_t len);
int qcow2__shadow_fix_copied(struct qcow2_shadow *sh, uint64_t *l1, uint32_t n);
int qcow2__shadow_commit(struct qcow2_shadow *sh, struct qcow2_header *nh);

#endif
