/* xl sched-credit and sched-credit2, with Xen 4.17 xl's options, output and
 * exit codes (tools/xl/xl_sched.c): listings go pool by pool, only pools
 * run by the command's scheduler; -d reads or sets one domain; -s reads or
 * sets a pool's scheduler parameters.  The libxl-level messages keep
 * libxl's wording after our log prefix; xl's own lines are xl's. */
#include "xl/domain_cmd.h"
#include "xl/xl.h"
#include "libxl/dom_sched.h"
#include "libxl/log.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

static xc_interface *XCH(struct pv_hv *hv) { return (xc_interface *)hv->xch; }

struct sched_ops {
    int sched;                      /* XEN_SCHEDULER_* */
    int (*pool_output)(struct pv_hv *hv, uint32_t poolid);
};

/* weight/cap of one domain through the pool's scheduler */
static int dom_get(struct pv_hv *hv, int sched, uint32_t domid,
                   int *weight, int *cap)
{
    int got = pv_sched_of_domain(hv, domid);

    if (got < 0) {
        PV_ERR((int)domid, "getinfolist failed: %s", strerror(errno));
        fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
        return 1;
    }
    if (got != XEN_SCHEDULER_CREDIT && got != XEN_SCHEDULER_CREDIT2 &&
        got != XEN_SCHEDULER_RTDS && got != XEN_SCHEDULER_NULL) {
        PV_ERR((int)domid, "Unknown scheduler");
        fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
        return 1;
    }
    if (got != sched) {
        fprintf(stderr, "libxl_domain_sched_params_get returned %s not %s.\n",
                pv_sched_name(got), pv_sched_name(sched));
        return 1;
    }
    if (sched == XEN_SCHEDULER_CREDIT) {
        struct xen_domctl_sched_credit s;

        if (xc_sched_credit_domain_get(XCH(hv), domid, &s)) {
            PV_ERR((int)domid, "Getting domain sched credit: %s",
                   strerror(errno));
            fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
            return 1;
        }
        *weight = s.weight;
        *cap = s.cap;
    } else {
        struct xen_domctl_sched_credit2 s;

        if (xc_sched_credit2_domain_get(XCH(hv), domid, &s)) {
            PV_ERR((int)domid, "Getting domain sched credit2: %s",
                   strerror(errno));
            fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
            return 1;
        }
        *weight = s.weight;
        *cap = s.cap;
    }
    return 0;
}

/* libxl_domain_sched_params_set with .sched given: no pool check, the
 * domctl itself refuses a domain of another scheduler. */
static int dom_set(struct pv_hv *hv, int sched, uint32_t domid, int weight,
                   int cap)
{
    const char *what = sched == XEN_SCHEDULER_CREDIT ? "credit" : "credit2";
    xc_domaininfo_t info;
    char err[160];
    int r;

    r = xc_domain_getinfolist(XCH(hv), domid, 1, &info);
    if (r < 0) {
        PV_ERR((int)domid, "Getting domain info list: %s", strerror(errno));
        goto fail;
    }
    if (r != 1 || info.domain != domid)
        goto fail;
    if (sched == XEN_SCHEDULER_CREDIT) {
        struct xen_domctl_sched_credit s;

        if (xc_sched_credit_domain_get(XCH(hv), domid, &s))
            goto get_failed;
        if (pv_sched_check_weight_cap(weight, cap, info.max_vcpu_id, err,
                                      sizeof(err)))
            goto range;
        if (weight != PV_SCHED_PARAM_DEFAULT)
            s.weight = (uint16_t)weight;
        if (cap != PV_SCHED_PARAM_DEFAULT)
            s.cap = (uint16_t)cap;
        if (xc_sched_credit_domain_set(XCH(hv), domid, &s) < 0)
            goto set_failed;
    } else {
        struct xen_domctl_sched_credit2 s;

        if (xc_sched_credit2_domain_get(XCH(hv), domid, &s))
            goto get_failed;
        if (pv_sched_check_weight_cap(weight, cap, info.max_vcpu_id, err,
                                      sizeof(err)))
            goto range;
        if (weight != PV_SCHED_PARAM_DEFAULT)
            s.weight = (uint16_t)weight;
        if (cap != PV_SCHED_PARAM_DEFAULT)
            s.cap = (uint16_t)cap;
        if (xc_sched_credit2_domain_set(XCH(hv), domid, &s) < 0)
            goto set_failed;
    }
    return 0;
get_failed:
    PV_ERR((int)domid, "Getting domain sched %s: %s", what, strerror(errno));
    goto fail;
set_failed:
    PV_ERR((int)domid, "Setting domain sched %s: %s", what, strerror(errno));
    goto fail;
range:
    PV_ERR((int)domid, "%s", err);
fail:
    fprintf(stderr, "libxl_domain_sched_params_set failed.\n");
    return 1;
}

static void print_header(void)
{
    printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
}

static int dom_output(struct pv_hv *hv, int sched, uint32_t domid)
{
    int weight, cap;
    char *name;

    if (dom_get(hv, sched, domid, &weight, &cap))
        return 1;
    name = pv_dom_name(hv, domid);
    printf("%-33s %4d %6d %4d\n", name ? name : "(null)", (int)domid, weight,
           cap);
    free(name);
    return 0;
}

static int credit_pool_output(struct pv_hv *hv, uint32_t poolid)
{
    struct xen_sysctl_credit_schedule s;
    char *name = pv_pool_name(hv, poolid);

    if (xc_sched_credit_params_get(XCH(hv), poolid, &s) < 0) {
        PV_ERR(-1, "getting Credit scheduler parameters: %s", strerror(errno));
        fprintf(stderr, "libxl_sched_credit_params_get failed.\n");
        printf("Cpupool %s: [sched params unavailable]\n",
               name ? name : "(null)");
    } else {
        printf("Cpupool %s: tslice=%dms ratelimit=%dus migration-delay=%dus\n",
               name ? name : "(null)", (int)s.tslice_ms, (int)s.ratelimit_us,
               (int)s.vcpu_migr_delay_us);
    }
    free(name);
    return 0;
}

static int credit2_pool_output(struct pv_hv *hv, uint32_t poolid)
{
    struct xen_sysctl_credit2_schedule s;
    char *name = pv_pool_name(hv, poolid);

    if (xc_sched_credit2_params_get(XCH(hv), poolid, &s) < 0) {
        PV_ERR(-1, "getting Credit2 scheduler parameters: %s",
               strerror(errno));
        fprintf(stderr, "libxl_sched_credit2_params_get failed.\n");
        printf("Cpupool %s: [sched params unavailable]\n",
               name ? name : "(null)");
    } else {
        printf("Cpupool %s: ratelimit=%dus\n", name ? name : "(null)",
               (int)s.ratelimit_us);
    }
    free(name);
    return 0;
}

static const struct sched_ops credit_ops = {
    XEN_SCHEDULER_CREDIT, credit_pool_output,
};
static const struct sched_ops credit2_ops = {
    XEN_SCHEDULER_CREDIT2, credit2_pool_output,
};

static int lookup_pool(struct pv_hv *hv, const char *q, uint32_t *poolid)
{
    if (pv_pool_lookup(hv, q, poolid)) {
        fprintf(stderr, "unknown cpupool '%s'\n", q);
        return 1;
    }
    return 0;
}

/* xl's sched_domain_output: every pool of this scheduler (or just -p's),
 * its parameters, then its domains.  Like xl, a domain that fails to print
 * ends the listing without failing the command. */
static int list_domains(struct pv_hv *hv, const struct sched_ops *ops,
                        const char *cpupool)
{
    xc_domaininfo_t *info = NULL;
    struct pv_pool *pools = NULL;
    uint32_t poolid = 0, next = 0;
    int n = 0, npools, p, i, r, rc = 0;

    if (cpupool && lookup_pool(hv, cpupool, &poolid))
        return 1;
    for (;;) {
        xc_domaininfo_t *grown = realloc(info, (n + 256) * sizeof(*info));

        if (!grown) {
            free(info);
            return 1;
        }
        info = grown;
        r = xc_domain_getinfolist(XCH(hv), next, 256, info + n);
        if (r < 0) {
            fprintf(stderr, "libxl_list_domain failed.\n");
            free(info);
            return 1;
        }
        n += r;
        if (r < 256)
            break;
        next = info[n - 1].domain + 1;
    }
    npools = pv_pool_list(hv, &pools);
    if (npools < 0) {
        fprintf(stderr, "error getting cpupool info\n");
        free(info);
        return 1;
    }
    for (p = 0; !rc && p < npools; p++) {
        if (pools[p].sched != ops->sched ||
            (cpupool && pools[p].id != poolid))
            continue;
        ops->pool_output(hv, pools[p].id);
        print_header();
        for (i = 0; i < n; i++) {
            if (info[i].cpupool != pools[p].id)
                continue;
            rc = dom_output(hv, ops->sched, info[i].domain);
            if (rc)
                break;
        }
    }
    pv_pool_list_free(pools, npools);
    free(info);
    return 0;
}

/* -d DOMAIN alone: header and the domain's line; with -w/-c: set them. */
static int one_domain(struct pv_hv *hv, const struct sched_ops *ops,
                      const char *dom, bool opt_w, int weight, bool opt_c,
                      int cap)
{
    uint32_t domid;

    if (xl_find_domain(hv, dom, &domid))
        return 1;
    if (!opt_w && !opt_c) {
        print_header();
        return dom_output(hv, ops->sched, domid);
    }
    return dom_set(hv, ops->sched, domid,
                   opt_w ? weight : PV_SCHED_PARAM_DEFAULT,
                   opt_c ? cap : PV_SCHED_PARAM_DEFAULT);
}

static int credit_params_set(struct pv_hv *hv, uint32_t poolid, bool opt_t,
                             int tslice, bool opt_r, int ratelimit, bool opt_m,
                             int migrdelay)
{
    struct xen_sysctl_credit_schedule s;
    char err[160];

    if (xc_sched_credit_params_get(XCH(hv), poolid, &s) < 0) {
        PV_ERR(-1, "getting Credit scheduler parameters: %s", strerror(errno));
        fprintf(stderr, "libxl_sched_credit_params_get failed.\n");
        return 1;
    }
    if (opt_t)
        s.tslice_ms = (unsigned)tslice;
    if (opt_r)
        s.ratelimit_us = (unsigned)ratelimit;
    if (opt_m)
        s.vcpu_migr_delay_us = (unsigned)migrdelay;
    if (pv_sched_check_credit_params((int)s.tslice_ms, (int)s.ratelimit_us,
                                     (int)s.vcpu_migr_delay_us, err,
                                     sizeof(err))) {
        PV_ERR(-1, "%s", err);
        goto fail;
    }
    if (xc_sched_credit_params_set(XCH(hv), poolid, &s) < 0) {
        PV_ERR(-1, "Setting Credit scheduler parameters: %s", strerror(errno));
        goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "libxl_sched_credit_params_set failed.\n");
    return 1;
}

int main_sched_credit(int argc, char **argv)
{
    static const struct option opts[] = {
        { "domain", required_argument, NULL, 'd' },
        { "weight", required_argument, NULL, 'w' },
        { "cap", required_argument, NULL, 'c' },
        { "schedparam", no_argument, NULL, 's' },
        { "tslice_ms", required_argument, NULL, 't' },
        { "ratelimit_us", required_argument, NULL, 'r' },
        { "migration_delay_us", required_argument, NULL, 'm' },
        { "cpupool", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dom = NULL, *cpupool = NULL;
    int weight = 256, cap = 0, tslice = 0, ratelimit = 0, migrdelay = 0;
    bool opt_w = false, opt_c = false, opt_t = false, opt_r = false;
    bool opt_s = false, opt_m = false;
    struct pv_hv hv;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "d:w:c:p:t:r:m:s", opts,
                            "sched-credit", 0, &rc)) != -1) {
        switch (opt) {
        case -2: return rc;
        case 'd': dom = optarg; break;
        case 'w': weight = (int)strtol(optarg, NULL, 10); opt_w = true; break;
        case 'c': cap = (int)strtol(optarg, NULL, 10); opt_c = true; break;
        case 't': tslice = (int)strtol(optarg, NULL, 10); opt_t = true; break;
        case 'r':
            ratelimit = (int)strtol(optarg, NULL, 10);
            opt_r = true;
            break;
        case 'm':
            migrdelay = (int)strtol(optarg, NULL, 10);
            opt_m = true;
            break;
        case 's': opt_s = true; break;
        case 'p': cpupool = optarg; break;
        }
    }
    if ((cpupool || opt_s) && (dom || opt_w || opt_c)) {
        fprintf(stderr, "Specifying a cpupool or schedparam is not "
                "allowed with domain options.\n");
        return 1;
    }
    if (!dom && (opt_w || opt_c)) {
        fprintf(stderr, "Must specify a domain.\n");
        return 1;
    }
    if (!opt_s && (opt_t || opt_r || opt_m)) {
        fprintf(stderr, "Must specify schedparam to set schedule "
                "parameter values.\n");
        return 1;
    }
    if (xl_open(&hv))
        return 1;
    if (opt_s) {
        uint32_t poolid = 0;

        rc = cpupool ? lookup_pool(&hv, cpupool, &poolid) : 0;
        if (!rc && !opt_t && !opt_r && !opt_m)
            rc = credit_pool_output(&hv, poolid);
        else if (!rc)
            rc = credit_params_set(&hv, poolid, opt_t, tslice, opt_r,
                                   ratelimit, opt_m, migrdelay);
    } else if (!dom) {
        rc = list_domains(&hv, &credit_ops, cpupool);
    } else {
        rc = one_domain(&hv, &credit_ops, dom, opt_w, weight, opt_c, cap);
    }
    pv_hv_close(&hv);
    return rc ? 1 : 0;
}

int main_sched_credit2(int argc, char **argv)
{
    static const struct option opts[] = {
        { "domain", required_argument, NULL, 'd' },
        { "weight", required_argument, NULL, 'w' },
        { "cap", required_argument, NULL, 'c' },
        { "schedparam", no_argument, NULL, 's' },
        { "ratelimit_us", required_argument, NULL, 'r' },
        { "cpupool", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dom = NULL, *cpupool = NULL;
    int weight = 256, cap = 0, ratelimit = 0, opt, rc;
    bool opt_w = false, opt_c = false, opt_s = false, opt_r = false;
    struct pv_hv hv;

    while ((opt = xl_getopt(argc, argv, "d:w:c:p:r:s", opts, "sched-credit2",
                            0, &rc)) != -1) {
        switch (opt) {
        case -2: return rc;
        case 'd': dom = optarg; break;
        case 'w': weight = (int)strtol(optarg, NULL, 10); opt_w = true; break;
        case 'c': cap = (int)strtol(optarg, NULL, 10); opt_c = true; break;
        case 's': opt_s = true; break;
        case 'r':
            ratelimit = (int)strtol(optarg, NULL, 10);
            opt_r = true;
            break;
        case 'p': cpupool = optarg; break;
        }
    }
    if (cpupool && (dom || opt_w || opt_c)) {
        fprintf(stderr, "Specifying a cpupool is not allowed with other "
                "options.\n");
        return 1;
    }
    if (!dom && (opt_w || opt_c)) {
        fprintf(stderr, "Must specify a domain.\n");
        return 1;
    }
    if (xl_open(&hv))
        return 1;
    if (opt_s) {
        uint32_t poolid = 0;

        rc = cpupool ? lookup_pool(&hv, cpupool, &poolid) : 0;
        if (!rc && !opt_r) {
            rc = credit2_pool_output(&hv, poolid);
        } else if (!rc) {
            struct xen_sysctl_credit2_schedule s = {
                .ratelimit_us = (unsigned)ratelimit,
            };
            char err[160];

            if (pv_sched_check_ratelimit(ratelimit, err, sizeof(err))) {
                PV_ERR(-1, "%s", err);
                rc = 1;
            } else if (xc_sched_credit2_params_set(XCH(&hv), poolid, &s) < 0) {
                PV_ERR(-1, "Setting Credit2 scheduler parameters: %s",
                       strerror(errno));
                rc = 1;
            }
            if (rc)
                fprintf(stderr, "libxl_sched_credit2_params_set failed.\n");
        }
    } else if (!dom) {
        rc = list_domains(&hv, &credit2_ops, cpupool);
    } else {
        rc = one_domain(&hv, &credit2_ops, dom, opt_w, weight, opt_c, cap);
    }
    pv_hv_close(&hv);
    return rc ? 1 : 0;
}
