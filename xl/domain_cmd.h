/* Helpers shared by the domain command files (xl/domain*.c). */
#ifndef XL_DOMAIN_CMD_H
#define XL_DOMAIN_CMD_H

#include "libxl/dom.h"

#include <stdint.h>

int xl_open(struct pv_hv *hv);
/* Prints xl's "invalid domain identifier" message on failure. */
int xl_find_domain(struct pv_hv *hv, const char *q, uint32_t *domid);
/* xl's parse_mem_size_kb: N[bkmgt], default MB; -1 if invalid. */
int64_t xl_parse_mem_kb(const char *mem);

#endif
