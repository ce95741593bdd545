/* Read-only questions about domains: the list, one domain's state, names,
 * and resolving what a user typed ("3" or "web01") to a domain id.
 *
 * Facts come from the hypervisor (xc_domain_getinfolist) and names from
 * xenstore (/local/domain/D/name), exactly where libxl keeps them, so our
 * answers match Xen's xl for domains either toolstack created. */
#ifndef PV_DOMAIN_QUERY_H
#define PV_DOMAIN_QUERY_H

#include "libxl/ctx.h"

#include <stdbool.h>
#include <stdint.h>

/* Shutdown reasons as the hypervisor reports them (SHUTDOWN_* in
 * xen/sched.h); xl prints them with the letters "-rscwS". */
struct pv_dominfo {
    uint32_t domid;
    uint8_t uuid[16];
    uint32_t ssidref;
    bool dying, shutdown, paused, blocked, running;
    bool hvm;              /* HVM container: HVM or PVH guest */
    bool xs_domain;        /* the xenstore domain (never_stop) */
    unsigned shutdown_reason;   /* valid only when shutdown */
    uint64_t current_memkb, outstanding_memkb, max_memkb;
    uint64_t shared_memkb, paged_memkb;
    uint64_t cpu_time_ns;
    unsigned vcpu_max_id, vcpu_online;
    uint32_t cpupool;
};

/* Every domain, in domid order.  *OUT is malloc'd (free() it); *NR may be 0
 * only if the hypervisor reports none.  Needs ctx->xch. */
int pv_domain_list(struct pv_ctx *ctx, struct pv_dominfo **out, int *nr);
/* One domain; PV_ERROR_DOMAIN_NOTFOUND when DOMID does not exist. */
int pv_domain_info(struct pv_ctx *ctx, uint32_t domid, struct pv_dominfo *out);

/* The name in /local/domain/DOMID/name, malloc'd, or NULL when the domain
 * has none (or no such domain).  Needs ctx->xsh. */
char *pv_domain_name(struct pv_ctx *ctx, uint32_t domid);
/* The id of the domain named NAME; PV_ERROR_DOMAIN_NOTFOUND if none.
 * Needs both handles. */
int pv_domain_by_name(struct pv_ctx *ctx, const char *name, uint32_t *domid);
/* xl's rule for a <Domain> argument: all digits is an id (not checked for
 * existence), anything else a name.  PV_ERROR_INVAL for an empty string. */
int pv_domain_qualifier(struct pv_ctx *ctx, const char *q, uint32_t *domid);

/* Seconds since the epoch at which the domain was started, from
 * /vm/UUID/start_time as libxl records it; PV_ERROR_FAIL when unknown. */
int pv_domain_start_time(struct pv_ctx *ctx, uint32_t domid,
                         unsigned long *start);

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into BUF (at least 37 bytes). */
void pv_uuid_format(const uint8_t uuid[16], char *buf);

/* Name of the cpupool with id POOLID from /local/pool/ID/name (written by
 * xen-init-dom0 for Pool-0), malloc'd; NULL if unknown. */
char *pv_cpupool_name(struct pv_ctx *ctx, uint32_t poolid);

#endif
