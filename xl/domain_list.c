/* `xl list -l`: the stored configuration of each domain as JSON, in the
 * shape of xl 4.17's list_domains_details:
 *   [ { "domid": D, "config": <libxl-json userdata> }, ... ]
 * Domains without a stored config (one being built, say) are left
 * out, as xl leaves out those libxl_retrieve_domain_configuration fails on.
 * The stored text is parsed and regenerated so the indentation is xl's
 * whichever toolstack wrote it. */
#include "xl/domain_list.h"
#include "libxl/dom.h"
#include "libxl/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <xenstore.h>
#include <yajl/yajl_tree.h>

#define GSTR(g, s) yajl_gen_string((g), (const unsigned char *)(s), strlen(s))

/* NAME, if set, replaces c_info.name: like libxl_retrieve_domain_
 * configuration, the live name (after xl rename) wins over the stored. */
static void gen_value_named(yajl_gen g, yajl_val v, const char *name,
                            int depth, int in_cinfo);

static void gen_value_named(yajl_gen g, yajl_val v, const char *name,
                            int depth, int in_cinfo)
{
    size_t i;

    switch (v->type) {
    case yajl_t_string:
        GSTR(g, v->u.string);
        break;
    case yajl_t_number:
        yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
        break;
    case yajl_t_object:
        yajl_gen_map_open(g);
        for (i = 0; i < v->u.object.len; i++) {
            const char *k = v->u.object.keys[i];

            GSTR(g, k);
            if (name && in_cinfo && !strcmp(k, "name"))
                GSTR(g, name);
            else
                gen_value_named(g, v->u.object.values[i], name, depth + 1,
                                depth == 0 && !strcmp(k, "c_info"));
        }
        yajl_gen_map_close(g);
        break;
    case yajl_t_array:
        yajl_gen_array_open(g);
        for (i = 0; i < v->u.array.len; i++)
            gen_value_named(g, v->u.array.values[i], name, depth + 1, 0);
        yajl_gen_array_close(g);
        break;
    case yajl_t_true: yajl_gen_bool(g, 1); break;
    case yajl_t_false: yajl_gen_bool(g, 0); break;
    default: yajl_gen_null(g); break;
    }
}

int xl_list_long(struct pv_hv *hv, const uint32_t *ids, int n, FILE *out)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    struct xs_handle *xsh = xs_open(0);
    const unsigned char *buf;
    size_t len;
    int i;

    if (!g)
        return -1;
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "    ");
    yajl_gen_array_open(g);
    for (i = 0; i < n; i++) {
        char *json = pv_userdata_load(ids[i], "libxl-json");
        char err[256];
        yajl_val v;

        if (!json)
            continue;
        v = yajl_tree_parse(json, err, sizeof(err));
        free(json);
        if (!v) {
            PV_WARN((int)ids[i], "stored configuration is not valid JSON: %s",
                    err);
            continue;
        }
        {
            char path[64], *name = NULL;

            snprintf(path, sizeof(path), "/local/domain/%u/name", ids[i]);
            if (xsh)
                name = xs_read(xsh, XBT_NULL, path, NULL);
            yajl_gen_map_open(g);
            GSTR(g, "domid");
            yajl_gen_integer(g, ids[i]);
            GSTR(g, "config");
            gen_value_named(g, v, name, 0, 0);
            yajl_gen_map_close(g);
            free(name);
        }
        yajl_tree_free(v);
    }
    yajl_gen_array_close(g);
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        fwrite(buf, 1, len, out);
        fputs("\n", out);
    }
    yajl_gen_free(g);
    if (xsh)
        xs_close(xsh);
    (void)hv;
    return 0;
}
