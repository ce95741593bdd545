/* libFuzzer target for the whole config model: xl.cfg text -> grammar ->
 * pv_domain_config (every key's parser, the device specs, cpu lists,
 * vnuma) -> libxl JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "libxl/cfg.h"
#include "libxl/domcfg_json.h"
#include "libxl/domcfg_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *null = fopen("/dev/null", "w");
    struct pv_parse_opts o;
    struct pv_domain_config d;
    struct pv_cfg *cfg = NULL;

    if (!null)
        abort();
    pv_parse_opts_init(&o);
    o.no_random_uuid = true;
    o.topo.max_cpus = 64;
    o.topo.nr_nodes = 2;
    if (!pv_cfg_parse("fuzz.cfg", (const char *)data, size, null, &cfg)) {
        if (!pv_domain_config_from_cfg(cfg, &o, &d, null)) {
            char *j = pv_domain_config_to_json(&d);

            if (!j)
                abort();
            free(j);
            pv_domain_config_dispose(&d);
        }
        pv_cfg_free(cfg);
    }
    fclose(null);
    return 0;
}
