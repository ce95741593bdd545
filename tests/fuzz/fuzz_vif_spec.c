/* libFuzzer target for the vif spec grammar (libxl/vif_spec.c): the input
 * is parsed as a cfg vif= item (comma-separated), then line by line as the
 * words of `xl network-attach`, then as a bare rate; accepted NICs are
 * printed as JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/domcfg_json.h"
#include "libxl/vif_spec.h"

static void emit(struct pv_device_nic *n)
{
    char *j = pv_device_nic_to_json(n);

    if (!j)
        abort();
    free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *save = NULL, *w;
    FILE *null = fopen("/dev/null", "w");
    struct pv_device_nic n;
    bool ok = true;

    if (!buf || !null)
        abort();
    memcpy(buf, data, size);
    buf[size] = 0;

    pv_device_nic_init(&n);
    if (!pv_vif_spec_parse("fuzz", buf, &n, null))
        emit(&n);
    pv_device_nic_dispose(&n);

    pv_device_nic_init(&n);
    /* an accepted rate always has a non-zero interval */
    if (!pv_vif_rate_parse("fuzz", buf, &n, null) && !n.rate_interval_usecs)
        abort();
    pv_device_nic_dispose(&n);

    pv_device_nic_init(&n);
    for (w = strtok_r(buf, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
        if (pv_vif_spec_parse_token("fuzz", w, &n, null)) {
            ok = false;     /* xl network-attach stops at the first */
            break;
        }
    if (ok)
        emit(&n);
    pv_device_nic_dispose(&n);
    fclose(null);
    free(buf);
    return 0;
}
