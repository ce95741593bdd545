/* The xenstore tree of a domain as libxl 4.17 lays it out (internal). */
#ifndef PV_DOM_XS_H
#define PV_DOM_XS_H

#include "libxl/dom.h"
#include "libxl/xs_batch.h"

#include <xenstore.h>

/* The xenstored connections one create keeps from its first xenstore
 * request to its tree: xenstored serves one request per connection in
 * each pass of its main loop, and each pass costs about as much as a
 * request (more with many domains connected), so the tree's transactions
 * and the name check go side by side: three connections for the C
 * xenstored, four for oxenstored (OCAML; dom_xs.c says why).  n is 0 without
 * xenstored's socket (libxenstore is used then). */
struct pv_dom_xs_conns {
    struct xs_batch c[4];
    int n;
    int ocaml;
};

void pv_dom_xs_conns_close(struct pv_dom_xs_conns *conns);

struct pv_dom_xs_state {
    uint32_t domid;
    uint32_t store_port, console_port;
    unsigned long store_mfn, console_mfn;
    uint32_t store_domid, console_domid;
    char start_time[32];
    struct pv_dom_xs_conns *conns;  /* NULL: open and close our own */
};

/* Write everything libxl writes for a PV domain without devices (domain
 * make, build post, the primary console), retried on EAGAIN, unless
 * another domain has the name (checked where libxl checks it: after Xen
 * made the domain, before its tree is committed).  Returns 0, -1 (errno
 * kept) or PV_DOM_XS_NAME_TAKEN (nothing written). */
#define PV_DOM_XS_NAME_TAKEN 1
int pv_dom_xs_write(struct xs_handle *xsh, const struct pv_dom_params *p,
                    const struct pv_dom_xs_state *st);

/* Before a create: the domids of xenstored's and xenconsoled's domains
 * (/tool/.../domid, 0 if unset) into *STORE_DOMID and *CONSOLE_DOMID, and
 * whether cpupool POOLID has a name in xenstore, without which libxl
 * refuses the create (libxl_cpupoolid_is_valid), Pool-0 included.  One
 * round trip on CONNS, which is opened here and left open for
 * pv_dom_xs_write (the caller closes it; without xenstored's socket it
 * stays closed and libxenstore is used).  0, or -1 if the pool has no
 * name. */
int pv_dom_xs_precheck(struct xs_handle *xsh, struct pv_dom_xs_conns *conns,
                       uint32_t poolid, uint32_t *store_domid,
                       uint32_t *console_domid);

/* For the unit tests: queue transaction I of the plan for oxenstored
 * (OCAML) or the C xenstored on B without sending it, as when the listing
 * of /local/domain did (DOM_LISTED) or did not show the domain's own
 * directory.  Returns the plan's number of transactions, or -1 if I is
 * out of range. */
int pv_dom_xs_plan_queue(int ocaml, int i, struct xs_batch *b,
                         const struct pv_dom_params *p,
                         const struct pv_dom_xs_state *st, int dom_listed);

/* True if some domain other than SKIP is named NAME (xenstore's view). */
int pv_dom_xs_name_taken(struct xs_handle *xsh, const char *name,
                         uint32_t skip);

/* Remove the domain's xenstore nodes: devices' front/back ends recorded
 * under /libxl/D/device, /vm/<uuid>, /local/domain/D, /libxl/D. */
void pv_dom_xs_remove(struct xs_handle *xsh, uint32_t domid);

#endif
