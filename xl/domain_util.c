/* Helpers shared by the domain command files; no option parsing here, so
 * unit tests can link them without xl/main.c. */
#include "xl/domain_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int xl_open(struct pv_hv *hv)
{
    return pv_hv_open(hv) ? -1 : 0;
}

/* xl's find_domain(): an unknown qualifier is fatal with libxl's
 * ERROR_INVAL (-6) in the message. */
int xl_find_domain(struct pv_hv *hv, const char *q, uint32_t *domid)
{
    if (pv_dom_lookup(hv, q, domid)) {
        fprintf(stderr, "%s is an invalid domain identifier (rc=-6)\n", q);
        return -1;
    }
    return 0;
}

int64_t xl_parse_mem_kb(const char *mem)
{
    char *end;
    long long kb;

    errno = 0;
    kb = strtoll(mem, &end, 10);
    if (errno || end == mem || kb < 0 || strlen(end) > 1)
        return -1;
    switch (tolower((unsigned char)*end)) {
    case 't': kb <<= 10; /* fall through */
    case 'g': kb <<= 10; /* fall through */
    case '\0':
    case 'm': kb <<= 10; /* fall through */
    case 'k': break;
    case 'b': kb >>= 10; break;
    default: return -1;
    }
    return kb;
}

