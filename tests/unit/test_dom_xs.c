/* The domain's xenstore tree as the plans of dom_xs.c write it: the plan
 * for oxenstored must give the same nodes, values and permissions as the
 * one for the C xenstored, and each must give them whatever order its
 * transactions commit in (xenstored merges or replays concurrent commits
 * in an order we don't choose, so a transaction that relied on another's
 * node would give a different tree only sometimes).  The requests are
 * taken from what xs_batch queues and applied to a model of xenstored's
 * tree: a node made by write or mkdir, and each missing parent it implies,
 * inherits its parent's permissions (as for a dom0 connection). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "libxl/dom_xs.h"

#define MAX_NODES 256

struct node {
    char path[160];
    char perms[64];
    char value[160];
};

struct tree {
    struct node n[MAX_NODES];
    int count;
};

static struct node *find(struct tree *t, const char *path)
{
    int i;

    for (i = 0; i < t->count; i++)
        if (!strcmp(t->n[i].path, path))
            return &t->n[i];
    return NULL;
}

static struct node *add(struct tree *t, const char *path, const char *perms,
                        const char *value)
{
    struct node *n;

    assert_true(t->count < MAX_NODES);
    n = &t->n[t->count++];
    snprintf(n->path, sizeof(n->path), "%s", path);
    snprintf(n->perms, sizeof(n->perms), "%s", perms);
    snprintf(n->value, sizeof(n->value), "%s", value);
    return n;
}

/* The node at PATH, made (with its missing parents) if need be. */
static struct node *make(struct tree *t, const char *path)
{
    char parent[160], *slash;
    struct node *n = find(t, path), *p;

    if (n)
        return n;
    snprintf(parent, sizeof(parent), "%s", path);
    slash = strrchr(parent, '/');
    assert_non_null(slash);
    if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    p = make(t, parent);
    return add(t, path, p->perms, "");
}

static void rm(struct tree *t, const char *path)
{
    size_t len = strlen(path);
    int i, j = 0;

    for (i = 0; i < t->count; i++) {
        const char *p = t->n[i].path;

        if (!strncmp(p, path, len) && (p[len] == '\0' || p[len] == '/'))
            continue;
        t->n[j++] = t->n[i];
    }
    t->count = j;
}

/* Apply every request queued on B to T. */
static void apply(struct tree *t, const struct xs_batch *b)
{
    size_t off = 0;

    while (off < b->out_len) {
        struct xsd_sockmsg h;
        const char *pl, *second;
        size_t plen;

        memcpy(&h, b->out + off, sizeof(h));
        pl = b->out + off + sizeof(h);
        plen = h.len;
        off += sizeof(h) + plen;
        assert_true(off <= b->out_len);
        second = pl + strlen(pl) + 1;
        switch (h.type) {
        case XS_WRITE: {
            char v[160];
            size_t vlen = plen - (size_t)(second - pl);

            assert_true(vlen < sizeof(v));
            memcpy(v, second, vlen);
            v[vlen] = '\0';
            snprintf(make(t, pl)->value, sizeof(v), "%s", v);
            break;
        }
        case XS_MKDIR:
            make(t, pl);
            break;
        case XS_RM:
            rm(t, pl);
            break;
        case XS_SET_PERMS: {
            struct node *n = find(t, pl);
            char perms[64] = "";
            const char *q;

            /* setting a missing node's permissions fails in xenstored */
            if (!n)
                fail_msg("set_perms on missing %s", pl);
            for (q = second; q < pl + plen; q += strlen(q) + 1) {
                if (*perms)
                    strcat(perms, ",");
                strcat(perms, q);
            }
            snprintf(n->perms, sizeof(n->perms), "%s", perms);
            break;
        }
        default:
            fail_msg("unexpected request type %u", h.type);
        }
    }
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct node *)a)->path,
                  ((const struct node *)b)->path);
}

/* What a dom0 host looks like, with or without (STALE) the nodes of a
 * dead domain 7 that nobody removed. */
static void host(struct tree *t, int stale)
{
    t->count = 0;
    add(t, "/", "n0", "");
    make(t, "/local/domain/0/name");
    snprintf(find(t, "/local/domain/0/name")->value, 160, "Domain-0");
    make(t, "/local/domain/0/backend/vbd");
    make(t, "/vm");
    if (stale) {
        make(t, "/local/domain/7/stale/key");
        snprintf(find(t, "/local/domain/7")->perms, 64, "b7");
        make(t, "/libxl/7/stale");
        make(t, "/local/domain/0/backend/console/7/0/stale");
    }
}

static struct pv_dom_params params;
static struct pv_dom_xs_state state;

static void setup_domain(void)
{
    static const uint8_t uuid[16] = { 0xfe, 0x5a, 0xe3, 0x34, 0xff, 0x91, 0x4a,
                                      0x43, 0xae, 0xf4, 0xea, 0x99, 0x9b, 0x28,
                                      0x83, 0x07 };

    pv_dom_params_init(&params);
    params.name = "guest";
    memcpy(params.uuid, uuid, sizeof(uuid));
    params.type = PV_DOM_PV;
    params.kernel = "/boot/vmlinuz";
    params.ramdisk = "/boot/initrd";
    params.cmdline = "console=hvc0";
    params.max_vcpus = 3;
    params.avail_vcpus = 2;
    params.target_kb = 32768;
    params.max_kb = 65536;
    memset(&state, 0, sizeof(state));
    state.domid = 7;
    state.store_port = 1;
    state.console_port = 2;
    state.store_mfn = 1000;
    state.console_mfn = 1001;
    snprintf(state.start_time, sizeof(state.start_time), "1795668018.79");
}

/* Transaction I of a plan applied to T; the plan's size. */
static int apply_tx(struct tree *t, int ocaml, int i, int stale)
{
    struct xs_batch b;
    int n;

    memset(&b, 0, sizeof(b));
    b.fd = -1;
    n = pv_dom_xs_plan_queue(ocaml, i, &b, &params, &state, stale);
    assert_true(n > 0);
    assert_int_equal(b.oom, 0);
    apply(t, &b);
    free(b.out);
    free(b.tolerate);
    return n;
}

static void compare(struct tree *want, struct tree *got, const char *what)
{
    int i;

    qsort(want->n, (size_t)want->count, sizeof(want->n[0]), by_path);
    qsort(got->n, (size_t)got->count, sizeof(got->n[0]), by_path);
    for (i = 0; i < want->count && i < got->count; i++)
        if (strcmp(want->n[i].path, got->n[i].path) ||
            strcmp(want->n[i].perms, got->n[i].perms) ||
            strcmp(want->n[i].value, got->n[i].value))
            fail_msg("%s: %s (%s) \"%s\", expected %s (%s) \"%s\"",
                     what, got->n[i].path, got->n[i].perms, got->n[i].value,
                     want->n[i].path, want->n[i].perms, want->n[i].value);
    if (want->count != got->count)
        fail_msg("%s: %d nodes, expected %d", what, got->count, want->count);
}

/* The C xenstored's plan in its first order. */
static void reference(struct tree *t, int stale)
{
    int n, i;

    host(t, stale);
    n = apply_tx(t, 0, 0, stale);
    for (i = 1; i < n; i++)
        apply_tx(t, 0, i, stale);
}

static void check_perm(struct tree *t, const char *path, const char *perms)
{
    struct node *n = find(t, path);

    if (!n)
        fail_msg("%s missing", path);
    if (strcmp(n->perms, perms))
        fail_msg("%s has %s, libxl gives %s", path, n->perms, perms);
}

/* A few nodes checked against libxl 4.17's permissions, so that the model
 * is trusted; the stale nodes are gone. */
static void the_c_plan_gives_libxls_permissions(void **state_)
{
    static struct tree t;

    (void)state_;
    setup_domain();
    reference(&t, 1);
    check_perm(&t, "/local/domain/7", "n0,r7");
    check_perm(&t, "/local/domain/7/data", "n7");
    check_perm(&t, "/local/domain/7/control", "n0,r7");
    check_perm(&t, "/local/domain/7/control/shutdown", "n7");
    check_perm(&t, "/local/domain/7/control/platform-feature-xs_reset_watches",
               "n0,r7");
    check_perm(&t, "/local/domain/7/device", "n0,r7");
    check_perm(&t, "/local/domain/7/device/suspend/event-channel", "n7");
    check_perm(&t, "/local/domain/7/memory/target", "n0,r7");
    check_perm(&t, "/local/domain/7/cpu/2/availability", "n0,r7");
    check_perm(&t, "/local/domain/7/console/backend-id", "n7,r0");
    check_perm(&t, "/local/domain/0/backend/console/7/0", "n0,r7");
    check_perm(&t, "/libxl/7", "n0");
    assert_null(find(&t, "/local/domain/7/stale"));
    assert_null(find(&t, "/libxl/7/stale"));
    assert_null(find(&t, "/local/domain/0/backend/console/7/0/stale"));
    assert_string_equal(find(&t, "/local/domain/7/cpu/2/availability")->value,
                        "offline");
}

/* Every order of each plan's transactions, on a host with and without a
 * stale tree (the rm of D is left out when the listing lacks it). */
static void each_plan_gives_that_tree_in_any_order(void **state_)
{
    static struct tree want, got;
    static const int orders[6][3] = {
        { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
        { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
    };
    int stale, ocaml, o, tried = 0;

    (void)state_;
    setup_domain();
    for (stale = 0; stale < 2; stale++) {
        reference(&want, stale);
        for (ocaml = 0; ocaml < 2; ocaml++) {
            struct xs_batch b;
            int n;

            memset(&b, 0, sizeof(b));
            n = pv_dom_xs_plan_queue(ocaml, 0, &b, &params, &state, stale);
            free(b.out);
            free(b.tolerate);
            assert_true(n >= 2 && n <= 3);
            for (o = 0; o < 6; o++) {
                char what[64];
                int k, m = 0;

                host(&got, stale);
                for (k = 0; k < 3; k++)
                    if (orders[o][k] < n) {
                        apply_tx(&got, ocaml, orders[o][k], stale);
                        m++;
                    }
                assert_int_equal(m, n);
                snprintf(what, sizeof(what), "%s plan, order %d%d%d, %s host",
                         ocaml ? "oxenstored" : "C xenstored", orders[o][0],
                         orders[o][1], orders[o][2], stale ? "stale" : "clean");
                compare(&want, &got, what);
                tried++;
            }
        }
    }
    assert_int_equal(tried, 24);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_c_plan_gives_libxls_permissions),
        cmocka_unit_test(each_plan_gives_that_tree_in_any_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
