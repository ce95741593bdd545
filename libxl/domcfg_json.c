/* JSON output of the config model, byte-compatible with libxl 4.17.
 *
 * libxl's generator (gentypes.py, *_gen_json) walks each struct's fields in
 * IDL order and skips a field that is at its init value: scalars equal to
 * init (0 when none), NULL strings, empty bitmaps/lists, nil uuid, zero MAC,
 * default defbools, empty arrays.  Aggregates (structs, keyed unions) are
 * always printed, even when empty.  A keyed union prints only the selected
 * variant under "<key>.<variant>".  Enums print as lower-case names,
 * defbools as "True"/"False", bitmaps as the list of set bits, 64-bit
 * numbers via their decimal text.  yajl beautified with a 4-space indent,
 * as libxl_yajl_gen_alloc configures it. */
#include "libxl/domcfg_json.h"
#include "libxl/domcfg_desc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(expr) do { s = (expr); if (s != yajl_gen_status_ok) goto out; } while (0)

static yajl_gen_status gen_str(yajl_gen g, const char *str)
{
    return yajl_gen_string(g, (const unsigned char *)str, strlen(str));
}

static yajl_gen_status gen_u64(yajl_gen g, uint64_t v)
{
    char num[24];
    int len = snprintf(num, sizeof(num), "%" PRIu64, v);

    return yajl_gen_number(g, num, (size_t)len);
}

static yajl_gen_status gen_bitmap(yajl_gen g, const struct pv_bitmap *b)
{
    yajl_gen_status s;
    unsigned i;

    CHECK(yajl_gen_array_open(g));
    for (i = 0; i < b->size * 8; i++)
        if (pv_bitmap_test(b, i))
            CHECK(yajl_gen_integer(g, i));
    CHECK(yajl_gen_array_close(g));
out:
    return s;
}

static bool field_is_default(const struct pv_field_desc *f, const void *p)
{
    const char *q = (const char *)p + f->off;

    switch (f->kind) {
    case PVK_STRUCT: case PVK_VARIANT: case PVK_EMPTYVARIANT:
        return false;
    case PVK_KEY:
        return true;    /* never printed itself */
    case PVK_STRING:
        return *(char *const *)q == NULL;
    case PVK_UUID:
        return pv_uuid_is_nil((const uint8_t *)q);
    case PVK_MAC: {
        static const uint8_t zero[6];
        return !memcmp(q, zero, 6);
    }
    case PVK_BITMAP:
        return pv_bitmap_is_empty((const struct pv_bitmap *)q);
    case PVK_STRLIST: case PVK_KVLIST:
        return pv_string_list_length(*(char **const *)q) == 0;
    case PVK_ARRAY: case PVK_U32ARRAY: case PVK_BITMAPARRAY:
        return *(void *const *)q == NULL ||
               *(const int *)((const char *)p + f->num_off) == 0;
    default:
        return pv_field_int_value(f, p) == f->init;
    }
}

static yajl_gen_status gen_struct(yajl_gen g, const struct pv_struct_desc *d,
                                  const void *p);

static yajl_gen_status gen_value(yajl_gen g, const struct pv_field_desc *f,
                                 const void *p)
{
    const char *q = (const char *)p + f->off;
    yajl_gen_status s = yajl_gen_status_ok;
    char buf[40];
    int i, n;

    switch (f->kind) {
    case PVK_STRING:
        return gen_str(g, *(char *const *)q);
    case PVK_INT: case PVK_DEVID:
        return yajl_gen_integer(g, *(const int *)q);
    case PVK_BOOL:
        return yajl_gen_bool(g, *(const bool *)q);
    case PVK_U8: case PVK_U32: case PVK_DOMID:
        return yajl_gen_integer(g, (long long)pv_field_int_value(f, p));
    case PVK_U64: case PVK_MEMKB:
        return gen_u64(g, pv_field_int_value(f, p));
    case PVK_DEFBOOL:
        return gen_str(g, *(const int *)q > 0 ? "True" : "False");
    case PVK_ENUM: {
        const char *name = pv_enum_to_string(f->en, *(const int *)q);
        /* libxl prints an out-of-range value as null */
        return name ? gen_str(g, name) : yajl_gen_null(g);
    }
    case PVK_UUID:
        pv_uuid_format((const uint8_t *)q, buf);
        return gen_str(g, buf);
    case PVK_MAC: {
        const uint8_t *m = (const uint8_t *)q;
        snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
                 m[0], m[1], m[2], m[3], m[4], m[5]);
        return gen_str(g, buf);
    }
    case PVK_BITMAP:
        return gen_bitmap(g, (const struct pv_bitmap *)q);
    case PVK_STRLIST: {
        char *const *l = *(char **const *)q;
        CHECK(yajl_gen_array_open(g));
        for (i = 0; l && l[i]; i++)
            CHECK(gen_str(g, l[i]));
        CHECK(yajl_gen_array_close(g));
        break;
    }
    case PVK_KVLIST: {
        char *const *l = *(char **const *)q;
        CHECK(yajl_gen_map_open(g));
        for (i = 0; l && l[i]; i += 2) {
            CHECK(gen_str(g, l[i]));
            CHECK(l[i + 1] ? gen_str(g, l[i + 1]) : yajl_gen_null(g));
        }
        CHECK(yajl_gen_map_close(g));
        break;
    }
    case PVK_STRUCT: case PVK_VARIANT:
        return gen_struct(g, f->sub, q);
    case PVK_EMPTYVARIANT:
        CHECK(yajl_gen_map_open(g));
        CHECK(yajl_gen_map_close(g));
        break;
    case PVK_ARRAY: {
        const char *arr = *(char *const *)q;
        n = *(const int *)((const char *)p + f->num_off);
        CHECK(yajl_gen_array_open(g));
        for (i = 0; i < n; i++)
            CHECK(gen_struct(g, f->sub, arr + (size_t)i * f->sub->size));
        CHECK(yajl_gen_array_close(g));
        break;
    }
    case PVK_U32ARRAY: {
        const uint32_t *arr = *(uint32_t *const *)q;
        n = *(const int *)((const char *)p + f->num_off);
        CHECK(yajl_gen_array_open(g));
        for (i = 0; i < n; i++)
            CHECK(yajl_gen_integer(g, arr[i]));
        CHECK(yajl_gen_array_close(g));
        break;
    }
    case PVK_BITMAPARRAY: {
        const struct pv_bitmap *arr = *(struct pv_bitmap *const *)q;
        n = *(const int *)((const char *)p + f->num_off);
        CHECK(yajl_gen_array_open(g));
        for (i = 0; i < n; i++)
            CHECK(gen_bitmap(g, &arr[i]));
        CHECK(yajl_gen_array_close(g));
        break;
    }
    case PVK_KEY:
        break;
    }
out:
    return s;
}

static yajl_gen_status gen_struct(yajl_gen g, const struct pv_struct_desc *d,
                                  const void *p)
{
    const struct pv_field_desc *key = NULL;
    yajl_gen_status s;
    char name[96];
    int i;

    CHECK(yajl_gen_map_open(g));
    for (i = 0; i < d->n_fields; i++) {
        const struct pv_field_desc *f = &d->fields[i];

        if (f->kind == PVK_KEY) {
            key = f;
            continue;
        }
        if (f->kind == PVK_VARIANT || f->kind == PVK_EMPTYVARIANT) {
            if (!key || pv_field_int_value(key, p) != f->init)
                continue;
            snprintf(name, sizeof(name), "%s.%s", key->name, f->name);
            CHECK(gen_str(g, name));
            CHECK(gen_value(g, f, p));
            continue;
        }
        if (field_is_default(f, p))
            continue;
        CHECK(gen_str(g, f->name));
        CHECK(gen_value(g, f, p));
    }
    CHECK(yajl_gen_map_close(g));
out:
    return s;
}

yajl_gen pv_json_gen_alloc(void)
{
    yajl_gen g = yajl_gen_alloc(NULL);

    if (!g)
        return NULL;
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "    ");
    return g;
}

yajl_gen_status pv_json_gen_struct(yajl_gen g, const struct pv_struct_desc *d,
                                   const void *p)
{
    return gen_struct(g, d, p);
}

char *pv_struct_to_json(const struct pv_struct_desc *d, const void *p)
{
    yajl_gen g = pv_json_gen_alloc();
    const unsigned char *buf;
    size_t len;
    char *out = NULL;

    if (!g)
        return NULL;
    if (gen_struct(g, d, p) != yajl_gen_status_ok)
        goto out_free;
    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
        goto out_free;
    out = strndup((const char *)buf, len);
out_free:
    yajl_gen_free(g);
    return out;
}

char *pv_domain_config_to_json(const struct pv_domain_config *c)
{
    return pv_struct_to_json(&pv_desc_domain_config, c);
}

char *pv_device_disk_to_json(const struct pv_device_disk *d)
{
    return pv_struct_to_json(&pv_desc_device_disk, d);
}

char *pv_device_nic_to_json(const struct pv_device_nic *n)
{
    return pv_struct_to_json(&pv_desc_device_nic, n);
}

yajl_gen_status pv_json_gen_domain_info(yajl_gen g, int domid,
                                        const struct pv_domain_config *c)
{
    yajl_gen_status s;

    CHECK(yajl_gen_map_open(g));
    CHECK(gen_str(g, "domid"));
    CHECK(domid >= 0 ? yajl_gen_integer(g, domid) : yajl_gen_null(g));
    CHECK(gen_str(g, "config"));
    CHECK(gen_struct(g, &pv_desc_domain_config, c));
    CHECK(yajl_gen_map_close(g));
out:
    return s;
}
