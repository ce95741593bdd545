/* /etc/xen/xl.conf: the host-wide defaults xl applies to every domain
 * (Xen 4.17's parse_global_config).  Loading fills a struct pv_parse_opts
 * for pv_domain_config_from_cfg, plus the settings commands other than
 * create need. */
#ifndef PV_XLCONF_H
#define PV_XLCONF_H

#include <stdbool.h>
#include <stdio.h>

#include "libxl/domcfg_parse.h"

#define PV_XL_CONF_PATH "/etc/xen/xl.conf"

struct pv_xl_conf {
    struct pv_parse_opts parse; /* its strings point into this struct */
    int autoballoon;            /* 1 on, 0 off, -1 auto (xl's default) */
    char *lockfile;             /* default /var/lock/xl */
    char *output_format;        /* "json" (default) or "sxp" */
    char *vm_cpumask, *vm_pv_cpumask, *vm_hvm_cpumask;  /* as written */
    char *owned[5];             /* vifscript, bridge, gatewaydev, backend,
                                   blkdev_start */
};

void pv_xl_conf_init(struct pv_xl_conf *c);
/* Read PATH (a missing file is not an error: xl's defaults stay).
 * Returns 0, or -1 after reporting a grammar error or a bad value. */
int pv_xl_conf_load(struct pv_xl_conf *c, const char *path, FILE *diag);
void pv_xl_conf_dispose(struct pv_xl_conf *c);

/* Apply vm.cpumask and vm.pv.cpumask / vm.hvm.cpumask (PVH counts as HVM)
 * to D's vCPU hard affinity, as xl create does unless given -i: a domain
 * without hard affinity gets one (all CPUs) when a mask is not full, and
 * every vCPU's map is intersected with the masks.  An empty result is an
 * error.  Returns 0 or -1 (reported to DIAG). */
int pv_xl_conf_apply_affinity_masks(const struct pv_xl_conf *c,
                                    struct pv_domain_config *d, FILE *diag);

/* The same masks on one hard affinity MAP, as xl's vcpu-pin applies them
 * (PV true for a PV domain; PVH and HVM use vm.hvm.cpumask).  Returns 0,
 * 1 when MAP is left empty (xl: "vcpu hard affinity map is empty"), or -1
 * when a mask does not parse (reported to DIAG). */
int pv_xl_conf_mask_hard(const struct pv_xl_conf *c, bool pv,
                         struct pv_bitmap *map, FILE *diag);

#endif
