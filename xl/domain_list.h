/* `xl list -l` output, for the list command in xl/info.c. */
#ifndef XL_DOMAIN_LIST_H
#define XL_DOMAIN_LIST_H

#include <stdint.h>
#include <stdio.h>

struct pv_hv;

/* Print the JSON array of {"domid", "config"} for IDS (N of them) to OUT.
 * Weak so xl/info.c links without the domain builder. */
int xl_list_long(struct pv_hv *hv, const uint32_t *ids, int n, FILE *out)
    __attribute__((weak));

#endif
