/* PV/PVH domain lifecycle: build, xenstore tree, userdata, destroy, control.
 *
 * Design invariants:
 *  - We talk to Xen only through libxenctrl/libxenguest/libxenstore and lay
 *    out xenstore and /var/lib/xen exactly as libxl 4.17 does, so Debian's xl
 *    and ours see, list and destroy each other's domains.
 *  - pv_dom_create() is all-or-nothing: on any failure it removes what it
 *    made (xenstore nodes, userdata files, the domain) before returning, so
 *    the host looks as it did before the call.
 *  - The builder works on struct pv_dom_params only; the config model
 *    (libxl/domcfg.h) is converted into it in one place (xl/domain_create.c).
 */
#ifndef PV_DOM_H
#define PV_DOM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "libxl/domcfg.h"

struct xc_interface_core;
struct xs_handle;

enum pv_dom_type { PV_DOM_PV = 0, PV_DOM_PVH };

/* on_poweroff / on_reboot / on_crash / on_watchdog, libxl's names. */
enum pv_dom_action {
    PV_ACT_DESTROY = 1,
    PV_ACT_RESTART,
    PV_ACT_RESTART_RENAME,
    PV_ACT_PRESERVE,
    PV_ACT_COREDUMP_DESTROY,
    PV_ACT_COREDUMP_RESTART,
    PV_ACT_SOFT_RESET,
};

struct pv_domain_build_info;

struct pv_dom_params {
    char *name;
    uint8_t uuid[16];
    enum pv_dom_type type;
    char *kernel;
    char *ramdisk;          /* NULL: none */
    char *cmdline;          /* already combined from cmdline/root/extra */
    unsigned max_vcpus;
    unsigned avail_vcpus;   /* vcpus online at boot (<= max_vcpus) */
    uint64_t target_kb;     /* memory= */
    uint64_t max_kb;        /* maxmem= (>= target) */
    enum pv_dom_action on_poweroff, on_reboot, on_crash, on_watchdog;
    char *json;             /* libxl-json userdata to persist (NULL: minimal) */
    /* pool= (c_info.pool_name): resolved to a cpupool id by pv_dom_create
     * at every build, as libxl's setdefault does, so a restart finds the
     * pool by name again.  NULL: Pool-0. */
    char *pool_name;
    /* Affinity and scheduler params a restart applies again, as xl's
     * restart re-runs the whole create (borrowed, never freed here: the
     * create owns it, and the monitor its own deep copy; NULL: none). */
    const struct pv_domain_build_info *b_info;
};

void pv_dom_params_init(struct pv_dom_params *p);
void pv_dom_params_dispose(struct pv_dom_params *p);
/* Deep copy (the monitor keeps one for restarts). */
int pv_dom_params_copy(struct pv_dom_params *dst, const struct pv_dom_params *src);

/* "cmdline" wins; otherwise "root=ROOT EXTRA" as xl's parse_config does. */
char *pv_dom_combine_cmdline(const char *cmdline, const char *root,
                             const char *extra);

const char *pv_dom_action_name(enum pv_dom_action a);
int pv_dom_action_parse(const char *s, enum pv_dom_action *out);

/* Handles to the hypervisor and xenstore, opened once per command. */
struct pv_hv {
    struct xc_interface_core *xch;
    struct xs_handle *xsh;
};
int pv_hv_open(struct pv_hv *hv);

/* The calling process's scheduling class: SCHED_BATCH while it mostly
 * waits for xenstored's replies to bursts of requests (xl create), or
 * back to the normal class (the monitor, an interactive console).  Best
 * effort: a refusal changes only how fast things go. */
void pv_sched_batch(int on);
void pv_hv_close(struct pv_hv *hv);

/* Host-wide lock (the file xl uses, /var/lock/xl), held around the steps
 * libxl serialises.  Returns an fd >= 0 or -1. */
int pv_host_lock(void);
void pv_host_unlock(int fd);

/* Timing of the create steps, for bench/create and -v. */
struct pv_dom_timing {
    double create_ms, build_ms, xs_ms, userdata_ms, total_ms;
    double xs_tree_ms;      /* of xs_ms: the transaction (rest: introduce) */
};

/* Create a domain (paused).  On success *DOMID is set and 0 returned; on
 * failure nothing is left behind, a message has been logged and the return
 * is PV_CREATE_INVAL when the params name something that does not exist
 * (libxl's ERROR_INVAL: an unknown pool), else PV_CREATE_FAIL. */
#define PV_CREATE_FAIL  (-3)
#define PV_CREATE_INVAL (-6)
int pv_dom_create(struct pv_hv *hv, const struct pv_dom_params *p,
                  uint32_t *domid, struct pv_dom_timing *t);

/* Remove xenstore nodes, userdata and the domain itself; tolerant of parts
 * already gone (a half-built domain, one made by Debian's xl). */
int pv_dom_destroy(struct pv_hv *hv, uint32_t domid);

/* Domain name <-> id.  Lookup accepts a name or a number; returns 0, or -1
 * if there is no such domain. */
int pv_dom_lookup(struct pv_hv *hv, const char *qualifier, uint32_t *domid);
char *pv_dom_name(struct pv_hv *hv, uint32_t domid);   /* malloc'd or NULL */
int pv_dom_exists(struct pv_hv *hv, uint32_t domid);
int pv_dom_rename(struct pv_hv *hv, uint32_t domid, const char *new_name);

/* Userdata files /var/lib/xen/userdata-d.<domid>.<uuid>.<key>. */
extern const char *pv_userdata_dir;     /* overridable for tests */
char *pv_userdata_path(uint32_t domid, const uint8_t uuid[16], const char *key);
int pv_userdata_store(uint32_t domid, const uint8_t uuid[16], const char *key,
                      const char *data, size_t len);
/* Read the file for KEY; returns malloc'd contents or NULL. */
char *pv_userdata_load(uint32_t domid, const char *key);
void pv_userdata_remove_all(uint32_t domid);

/* uuid helpers (pv_uuid_format/parse/generate/is_nil) are the config
 * model's, libxl/domcfg.h. */

/* Minimal libxl-shaped domain config JSON for params (used when the config
 * model did not supply one). */
char *pv_dom_params_json(const struct pv_dom_params *p, uint32_t domid);

/* Control: shutdown/reboot through control/shutdown as libxl does. */
int pv_dom_shutdown(struct pv_hv *hv, uint32_t domid, const char *req);
int pv_dom_mem_set(struct pv_hv *hv, uint32_t domid, uint64_t target_kb);
int pv_dom_mem_max(struct pv_hv *hv, uint32_t domid, uint64_t max_kb);
int pv_dom_vcpu_set(struct pv_hv *hv, uint32_t domid, unsigned n);

/* Wait for the domain to shut down (unless UNTIL_DEATH) or die.  Returns 1
 * if it shut down with *REASON (SHUTDOWN_*), 0 if it is gone, -1 on
 * error/timeout.  TIMEOUT_MS < 0 waits forever. */
int pv_dom_wait(struct pv_hv *hv, uint32_t domid, int timeout_ms,
                int until_death, int *reason);

/* The per-domain monitor: detach from the terminal, log to
 * /var/log/xen/xl-NAME.log and run the on_* actions until the domain is gone.
 * Returns in the parent (0) once the child is running. */
int pv_monitor_spawn(const struct pv_dom_params *p, uint32_t domid);
/* Run the monitor loop in the current process (create -F). */
int pv_monitor_run(struct pv_dom_params *p, uint32_t domid);

#endif
