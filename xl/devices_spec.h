/* Hooks between the spec-parsing front of xl block-attach / network-attach
 * (xl/devices_spec.c, owned by the config model) and the code that really
 * attaches devices.  The real functions are weak: until a backend family
 * defines them, the commands still parse and print with -N and say plainly
 * that attaching is not built. */
#ifndef XL_DEVICES_SPEC_H
#define XL_DEVICES_SPEC_H

#include <stdint.h>

#include "libxl/domcfg.h"

/* Attach the parsed device to domain DOMID; return 0 or a non-zero exit
 * status (having printed why). */
int xl_block_attach_real(uint32_t domid, struct pv_device_disk *disk)
    __attribute__((weak));
int xl_network_attach_real(uint32_t domid, struct pv_device_nic *nic)
    __attribute__((weak));

/* Resolve a domain name or number to a domid (like libxl's
 * libxl_domain_qualifier_to_domid).  Optional: without it only numeric
 * domids are accepted. */
int xl_domain_qualifier_to_domid(const char *qualifier, uint32_t *domid)
    __attribute__((weak));

#endif
