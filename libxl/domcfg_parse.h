/* From parsed xl.cfg settings to the typed domain configuration: the
 * meaning of every key, as Xen 4.17's xl parse_config_data gives it.
 *
 * The result is what `xl -N create` prints: only what the config says (plus
 * the few things xl itself fills in: a random uuid, devids, max_memkb/
 * max_vcpus from memory/vcpus, on_* defaults, claim_mode and
 * run_hotplug_scripts from xl.conf).  Everything else stays at libxl's
 * "unspecified" init value for the domain builder's defaults.
 *
 * Unlike xl, which exits at the first bad value and silently ignores
 * numbers it cannot read, every problem is reported with file:line:col and
 * the offending value, all of them, and the result is an error. */
#ifndef PV_DOMCFG_PARSE_H
#define PV_DOMCFG_PARSE_H

#include <stdio.h>

#include "libxl/cfg.h"
#include "libxl/cpulist.h"
#include "libxl/domcfg.h"

/* Settings xl takes from /etc/xen/xl.conf, and facts about the host that
 * parsing needs.  pv_parse_opts_init gives xl's built-in defaults. */
struct pv_parse_opts {
    bool run_hotplug_scripts;       /* xl.conf run_hotplug_scripts (1) */
    bool claim_mode;                /* xl.conf claim_mode (1) */
    const char *blkdev_start;       /* xl.conf blkdev_start (NULL) */
    const char *default_vifscript;  /* xl.conf vif.default.script */
    const char *default_bridge;     /* xl.conf vif.default.bridge */
    const char *default_gatewaydev; /* xl.conf vif.default.gatewaydev */
    const char *default_vifbackend; /* xl.conf vif.default.backend */
    long max_grant_frames;          /* xl.conf, -1 = libxl default */
    long max_maptrack_frames;
    long max_grant_version;
    struct pv_cpu_topology topo;    /* host CPUs / NUMA nodes */
    int host_online_cpus;           /* for the vnuma vcpus check */
    bool no_random_uuid;            /* leave uuid nil when not given */
};

void pv_parse_opts_init(struct pv_parse_opts *o);

/* Fill OUT (initialised here) from CFG.  Diagnostics to DIAG.  Returns 0,
 * or -1 after reporting every error found (OUT is then disposed). */
int pv_domain_config_from_cfg(struct pv_cfg *cfg,
                              const struct pv_parse_opts *opts,
                              struct pv_domain_config *out, FILE *diag);

/* Every key the model understands (NULL-terminated), for the unknown-key
 * warning and its did-you-mean. */
extern const char *const pv_domcfg_known_keys[];

#endif
