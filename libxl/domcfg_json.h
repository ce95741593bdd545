/* libxl 4.17-compatible JSON for the config model (see domcfg_json.c for
 * the rules).  Returned strings are malloc'd; NULL on allocation failure. */
#ifndef PV_DOMCFG_JSON_H
#define PV_DOMCFG_JSON_H

#include <yajl/yajl_gen.h>

#include "libxl/domcfg.h"

char *pv_domain_config_to_json(const struct pv_domain_config *c);
char *pv_device_disk_to_json(const struct pv_device_disk *d);
char *pv_device_nic_to_json(const struct pv_device_nic *n);

/* Generic: any struct with its descriptor (pv_desc_NAME). */
char *pv_struct_to_json(const struct pv_struct_desc *d, const void *p);
/* A generator configured as libxl_yajl_gen_alloc does, and a way to emit a
 * struct into it (for wrappers such as xl list -l's {"domid":..}). */
yajl_gen pv_json_gen_alloc(void);
yajl_gen_status pv_json_gen_struct(yajl_gen g, const struct pv_struct_desc *d,
                                   const void *p);

/* {"domid": DOMID, "config": {...}} into G -- the object `xl list -l`
 * prints per domain (xl's printf_info_one_json); DOMID < 0 prints null. */
yajl_gen_status pv_json_gen_domain_info(yajl_gen g, int domid,
                                        const struct pv_domain_config *c);

#endif
