#include "libxl/domain_query.h"
#include "libxl/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOMINFO_BATCH 1024
#define PAGES_TO_KB(p) ((uint64_t)(p) * (XC_PAGE_SIZE / 1024))

static void dominfo_from_xc(const xc_domaininfo_t *xi, struct pv_dominfo *d)
{
    memset(d, 0, sizeof(*d));
    d->domid = xi->domain;
    memcpy(d->uuid, xi->handle, sizeof(d->uuid));
    d->ssidref = xi->ssidref;
    d->dying = !!(xi->flags & XEN_DOMINF_dying);
    d->shutdown = !!(xi->flags & XEN_DOMINF_shutdown);
    d->paused = !!(xi->flags & XEN_DOMINF_paused);
    d->blocked = !!(xi->flags & XEN_DOMINF_blocked);
    d->running = !!(xi->flags & XEN_DOMINF_running);
    d->hvm = !!(xi->flags & XEN_DOMINF_hvm_guest);
    d->xs_domain = !!(xi->flags & XEN_DOMINF_xs_domain);
    if (d->shutdown)
        d->shutdown_reason = (xi->flags >> XEN_DOMINF_shutdownshift) &
                             XEN_DOMINF_shutdownmask;
    d->current_memkb = PAGES_TO_KB(xi->tot_pages);
    d->outstanding_memkb = PAGES_TO_KB(xi->outstanding_pages);
    d->max_memkb = PAGES_TO_KB(xi->max_pages);
    d->shared_memkb = PAGES_TO_KB(xi->shr_pages);
    d->paged_memkb = PAGES_TO_KB(xi->paged_pages);
    d->cpu_time_ns = xi->cpu_time;
    d->vcpu_max_id = xi->max_vcpu_id;
    d->vcpu_online = xi->nr_online_vcpus;
    d->cpupool = xi->cpupool;
}

int pv_domain_list(struct pv_ctx *ctx, struct pv_dominfo **out, int *nr)
{
    xc_domaininfo_t *batch = NULL;
    struct pv_dominfo *list = NULL, *grown;
    uint32_t next = 0;
    int n = 0, r, i, rc;

    batch = calloc(DOMINFO_BATCH, sizeof(*batch));
    if (!batch) {
        rc = PV_ERROR_NOMEM;
        goto out;
    }
    while ((r = xc_domain_getinfolist(ctx->xch, next, DOMINFO_BATCH, batch)) > 0) {
        grown = realloc(list, (size_t)(n + r) * sizeof(*list));
        if (!grown) {
            rc = PV_ERROR_NOMEM;
            goto out;
        }
        list = grown;
        for (i = 0; i < r; i++)
            dominfo_from_xc(&batch[i], &list[n + i]);
        n += r;
        next = batch[r - 1].domain + 1;
    }
    if (r < 0) {
        PV_ERR(-1, "listing domains: %s", strerror(errno));
        rc = PV_ERROR_FAIL;
        goto out;
    }
    *out = list;
    *nr = n;
    list = NULL;
    rc = 0;
out:
    free(list);
    free(batch);
    return rc;
}

int pv_domain_info(struct pv_ctx *ctx, uint32_t domid, struct pv_dominfo *out)
{
    xc_domaininfo_t xi;
    int r;

    r = xc_domain_getinfolist(ctx->xch, domid, 1, &xi);
    if (r < 0) {
        PV_ERR((int)domid, "getting domain info: %s", strerror(errno));
        return PV_ERROR_FAIL;
    }
    /* getinfolist returns the first domain >= domid. */
    if (r == 0 || xi.domain != domid)
        return PV_ERROR_DOMAIN_NOTFOUND;
    dominfo_from_xc(&xi, out);
    return 0;
}

char *pv_domain_name(struct pv_ctx *ctx, uint32_t domid)
{
    char path[64];
    unsigned int len;

    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    return xs_read(ctx->xsh, XBT_NULL, path, &len);
}

int pv_domain_by_name(struct pv_ctx *ctx, const char *name, uint32_t *domid)
{
    struct pv_dominfo *list = NULL;
    int n = 0, i, rc;
    char *s;

    rc = pv_domain_list(ctx, &list, &n);
    if (rc)
        goto out;
    rc = PV_ERROR_DOMAIN_NOTFOUND;
    for (i = 0; i < n; i++) {
        s = pv_domain_name(ctx, list[i].domid);
        if (s && !strcmp(s, name)) {
            *domid = list[i].domid;
            rc = 0;
        }
        free(s);
        if (!rc)
            break;
    }
out:
    free(list);
    return rc;
}

int pv_domain_qualifier(struct pv_ctx *ctx, const char *q, uint32_t *domid)
{
    const char *p;
    unsigned long v;

    if (!q || !*q)
        return PV_ERROR_INVAL;
    for (p = q; *p; p++)
        if (!isdigit((unsigned char)*p))
            return pv_domain_by_name(ctx, q, domid);
    errno = 0;
    v = strtoul(q, NULL, 10);
    if (errno || v > UINT32_MAX)
        return PV_ERROR_INVAL;
    *domid = (uint32_t)v;
    return 0;
}

int pv_domain_start_time(struct pv_ctx *ctx, uint32_t domid,
                         unsigned long *start)
{
    char path[96];
    char *vm = NULL, *t = NULL, *end;
    unsigned int len;
    int rc = PV_ERROR_FAIL;

    snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
    vm = xs_read(ctx->xsh, XBT_NULL, path, &len);
    if (!vm)
        goto out;
    snprintf(path, sizeof(path), "%s/start_time", vm);
    t = xs_read(ctx->xsh, XBT_NULL, path, &len);
    if (!t)
        goto out;
    errno = 0;
    *start = strtoul(t, &end, 10);
    if (errno || end == t)
        goto out;
    rc = 0;
out:
    free(t);
    free(vm);
    return rc;
}

/* pv_uuid_format() is defined once, in libxl/domcfg.c. */

char *pv_cpupool_name(struct pv_ctx *ctx, uint32_t poolid)
{
    char path[64];
    unsigned int len;

    snprintf(path, sizeof(path), "/local/pool/%u/name", poolid);
    return xs_read(ctx->xsh, XBT_NULL, path, &len);
}
