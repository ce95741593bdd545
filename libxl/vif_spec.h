/* Network interface specifications, xl-network-configuration(5):
 * "mac=..,bridge=..,ip=..,type=..,model=..,vifname=..,script=..,backend=..,
 * rate=RATE[@INTERVAL],mtu=..,devid=..,trusted|untrusted".  Same results as
 * Xen 4.17's parse_nic_config / xlu_vif_parse_rate. */
#ifndef PV_VIF_SPEC_H
#define PV_VIF_SPEC_H

#include <stdio.h>

#include "libxl/domcfg.h"

/* Apply one "key=value" token to NIC (which the caller initialised: xl
 * network-attach applies argv words one by one).  Errors and warnings go to
 * DIAG prefixed with SOURCE.  Returns 0 or -1. */
int pv_vif_spec_parse_token(const char *source, const char *token,
                            struct pv_device_nic *nic, FILE *diag);

/* Apply a whole comma-separated spec (an item of the cfg vif=[...] list). */
int pv_vif_spec_parse(const char *source, const char *spec,
                      struct pv_device_nic *nic, FILE *diag);

/* rate=BYTES[/s][@INTERVAL]: sets rate_bytes_per_interval and
 * rate_interval_usecs (default interval 50ms). */
int pv_vif_rate_parse(const char *source, const char *rate,
                      struct pv_device_nic *nic, FILE *diag);

/* The recognised keys (NULL-terminated), for did-you-mean hints. */
const char *const *pv_vif_spec_keys(void);

#endif
