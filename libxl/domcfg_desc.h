/* Descriptor tables generated from the X-macro field lists in domcfg.h.
 * Private to the config model (init/dispose, JSON, lookup by name); other
 * subsystems use the typed structs. */
#ifndef PV_DOMCFG_DESC_H
#define PV_DOMCFG_DESC_H

#include "libxl/domcfg.h"

enum pv_field_kind {
    PVK_STRING, PVK_INT, PVK_BOOL, PVK_U8, PVK_U32, PVK_U64, PVK_MEMKB,
    PVK_DOMID, PVK_DEVID, PVK_DEFBOOL, PVK_ENUM, PVK_UUID, PVK_MAC,
    PVK_BITMAP, PVK_STRLIST, PVK_KVLIST, PVK_STRUCT, PVK_ARRAY, PVK_U32ARRAY,
    PVK_BITMAPARRAY, PVK_KEY, PVK_VARIANT, PVK_EMPTYVARIANT,
};

struct pv_enum_desc {
    const char *name;
    int n;
    const int *values;
    const char *const *names;   /* lower case, as libxl prints them */
};

struct pv_field_desc {
    const char *name;
    enum pv_field_kind kind;
    size_t off;
    uint64_t init;                      /* bit pattern of the init value */
    const struct pv_struct_desc *sub;   /* STRUCT, ARRAY, VARIANT */
    const struct pv_enum_desc *en;      /* ENUM, KEY */
    size_t num_off;                     /* ARRAY, U32ARRAY, BITMAPARRAY */
};

struct pv_struct_desc {
    const char *name;
    size_t size;
    const struct pv_field_desc *fields;
    int n_fields;
};

#define PV_DECLARE_ENUM_DESC_(e) extern const struct pv_enum_desc pv_enum_desc_##e;
PV_ENUMS(PV_DECLARE_ENUM_DESC_)

/* The value of an integer-like field as a sign-extended 64-bit pattern
 * (comparable with pv_field_desc.init). */
uint64_t pv_field_int_value(const struct pv_field_desc *f, const void *p);
const struct pv_field_desc *pv_struct_field(const struct pv_struct_desc *d,
                                            const char *name);
const char *pv_enum_to_string(const struct pv_enum_desc *e, int v);
int pv_enum_from_string(const struct pv_enum_desc *e, const char *s, int *out);

#endif
