/* The xenstore tree of a domain as libxl 4.17 lays it out (internal). */
#ifndef PV_DOM_XS_H
#define PV_DOM_XS_H

#include "libxl/dom.h"

#include <xenstore.h>

struct pv_dom_xs_state {
    uint32_t domid;
    uint32_t store_port, console_port;
    unsigned long store_mfn, console_mfn;
    uint32_t store_domid, console_domid;
    char start_time[32];
};

/* Write everything libxl writes for a PV domain without devices (domain
 * make, build post, the primary console) in one transaction, retried on
 * EAGAIN.  Returns 0 or -1 (errno kept). */
int pv_dom_xs_write(struct xs_handle *xsh, const struct pv_dom_params *p,
                    const struct pv_dom_xs_state *st);

/* Before a create: 1 if a domain is named NAME, else 0 with the domids of
 * xenstored's and xenconsoled's domains (/tool/.../domid, 0 if unset) in
 * *STORE_DOMID and *CONSOLE_DOMID.  Two pipelined bursts on one connection
 * (the domain list with both ids, then every name) where libxenstore
 * would take a round trip per node. */
int pv_dom_xs_precheck(struct xs_handle *xsh, const char *name,
                       uint32_t *store_domid, uint32_t *console_domid);

/* True if some domain other than SKIP is named NAME (xenstore's view). */
int pv_dom_xs_name_taken(struct xs_handle *xsh, const char *name,
                         uint32_t skip);

/* Remove the domain's xenstore nodes: devices' front/back ends recorded
 * under /libxl/D/device, /vm/<uuid>, /local/domain/D, /libxl/D. */
void pv_dom_xs_remove(struct xs_handle *xsh, uint32_t domid);

#endif
