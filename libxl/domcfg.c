/* Descriptor tables and generic operations for the domain config model.
 *
 * Everything here is generated from the X-macro lists in domcfg.h, so a
 * field added there is initialised, freed and printed without touching this
 * file. */
#include "libxl/domcfg_desc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- Enum tables -------------------------------------------------------- */
/* Names are kept as written in domcfg.h (upper case) in writable arrays and
 * lowered once at start-up: libxl prints every enum value in lower case. */
#define PV_ENUM_VAL_(v, n) n,
#define PV_ENUM_NAME_(v, n) #v,
#define PV_DEFINE_ENUM_DESC_(e) \
    static const int pv_enum_vals_##e[] = { PV_ENUM_##e(PV_ENUM_VAL_) }; \
    static char pv_enum_buf_##e[][32] = { PV_ENUM_##e(PV_ENUM_NAME_) }; \
    static const char *pv_enum_names_##e[sizeof(pv_enum_vals_##e) / sizeof(int)]; \
    const struct pv_enum_desc pv_enum_desc_##e = { \
        #e, sizeof(pv_enum_vals_##e) / sizeof(int), pv_enum_vals_##e, \
        pv_enum_names_##e };
PV_ENUMS(PV_DEFINE_ENUM_DESC_)

static void lower_names(char (*buf)[32], const char **names, int n)
{
    int i;
    char *c;

    for (i = 0; i < n; i++) {
        for (c = buf[i]; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        names[i] = buf[i];
    }
}

__attribute__((constructor)) static void pv_enum_names_init(void)
{
#define PV_LOWER_(e) \
    lower_names(pv_enum_buf_##e, pv_enum_names_##e, pv_enum_desc_##e.n);
    PV_ENUMS(PV_LOWER_)
#undef PV_LOWER_
}

const char *pv_enum_to_string(const struct pv_enum_desc *e, int v)
{
    int i;

    for (i = 0; i < e->n; i++)
        if (e->values[i] == v)
            return e->names[i];
    return NULL;
}

int pv_enum_from_string(const struct pv_enum_desc *e, const char *s, int *out)
{
    int i;

    for (i = 0; s && i < e->n; i++) {
        if (!strcasecmp(e->names[i], s)) {
            *out = e->values[i];
            return 0;
        }
    }
    return -1;
}

#define PV_DEFINE_ENUM_OPS_(e) \
    const char *pv_##e##_to_string(int v) \
    { return pv_enum_to_string(&pv_enum_desc_##e, v); } \
    int pv_##e##_from_string(const char *s, int *out) \
    { return pv_enum_from_string(&pv_enum_desc_##e, s, out); }
PV_ENUMS(PV_DEFINE_ENUM_OPS_)

/* ---- Struct descriptors ------------------------------------------------- */
#define PV_FD_(S, name, kind, init, aux) PV_FD_##kind(S, name, kind, init, aux)
#define PV_FD_SCALAR_(S, n, k, i) \
    { #n, PVK_##k, offsetof(struct pv_##S, n), (uint64_t)(i), NULL, NULL, 0 },
#define PV_FD_STRING(S, n, k, i, a)  PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_INT(S, n, k, i, a)     PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_BOOL(S, n, k, i, a)    PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_U8(S, n, k, i, a)      PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_U32(S, n, k, i, a)     PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_U64(S, n, k, i, a)     PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_MEMKB(S, n, k, i, a)   PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_DOMID(S, n, k, i, a)   PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_DEVID(S, n, k, i, a)   PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_DEFBOOL(S, n, k, i, a) PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_UUID(S, n, k, i, a)    PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_MAC(S, n, k, i, a)     PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_BITMAP(S, n, k, i, a)  PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_STRLIST(S, n, k, i, a) PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_KVLIST(S, n, k, i, a)  PV_FD_SCALAR_(S, n, k, i)
#define PV_FD_ENUM(S, n, k, i, a) \
    { #n, PVK_ENUM, offsetof(struct pv_##S, n), (uint64_t)(i), NULL, \
      &pv_enum_desc_##a, 0 },
#define PV_FD_KEY(S, n, k, i, a) \
    { #n, PVK_KEY, offsetof(struct pv_##S, n), (uint64_t)(i), NULL, \
      &pv_enum_desc_##a, 0 },
#define PV_FD_STRUCT(S, n, k, i, a) \
    { #n, PVK_STRUCT, offsetof(struct pv_##S, n), 0, &pv_desc_##a, NULL, 0 },
#define PV_FD_VARIANT(S, n, k, i, a) \
    { #n, PVK_VARIANT, offsetof(struct pv_##S, n), (uint64_t)(i), \
      &pv_desc_##a, NULL, 0 },
#define PV_FD_EMPTYVARIANT(S, n, k, i, a) \
    { #n, PVK_EMPTYVARIANT, 0, (uint64_t)(i), NULL, NULL, 0 },
#define PV_FD_ARRAY(S, n, k, i, a) \
    { #n, PVK_ARRAY, offsetof(struct pv_##S, n), 0, &pv_desc_##a, NULL, \
      offsetof(struct pv_##S, num_##n) },
#define PV_FD_U32ARRAY(S, n, k, i, a) \
    { #n, PVK_U32ARRAY, offsetof(struct pv_##S, n), 0, NULL, NULL, \
      offsetof(struct pv_##S, num_##n) },
#define PV_FD_BITMAPARRAY(S, n, k, i, a) \
    { #n, PVK_BITMAPARRAY, offsetof(struct pv_##S, n), 0, NULL, NULL, \
      offsetof(struct pv_##S, num_##n) },

#define PV_DEFINE_DESC_(s) \
    static const struct pv_field_desc pv_fields_##s[] = { \
        PV_FIELDS_##s(PV_FD_, s) }; \
    const struct pv_struct_desc pv_desc_##s = { \
        #s, sizeof(struct pv_##s), pv_fields_##s, \
        sizeof(pv_fields_##s) / sizeof(pv_fields_##s[0]) };
PV_STRUCTS(PV_DEFINE_DESC_)

const struct pv_field_desc *pv_struct_field(const struct pv_struct_desc *d,
                                            const char *name)
{
    int i;

    for (i = 0; i < d->n_fields; i++)
        if (!strcmp(d->fields[i].name, name))
            return &d->fields[i];
    return NULL;
}

uint64_t pv_field_int_value(const struct pv_field_desc *f, const void *p)
{
    const char *q = (const char *)p + f->off;

    switch (f->kind) {
    case PVK_INT: case PVK_DEVID: case PVK_ENUM: case PVK_KEY:
    case PVK_DEFBOOL:
        return (uint64_t)(int64_t)*(const int *)q;
    case PVK_BOOL:
        return *(const bool *)q;
    case PVK_U8:
        return *(const uint8_t *)q;
    case PVK_U32: case PVK_DOMID:
        return *(const uint32_t *)q;
    case PVK_U64: case PVK_MEMKB:
        return *(const uint64_t *)q;
    default:
        return 0;
    }
}

static void set_int_value(const struct pv_field_desc *f, void *p, uint64_t v)
{
    char *q = (char *)p + f->off;

    switch (f->kind) {
    case PVK_INT: case PVK_DEVID: case PVK_ENUM: case PVK_KEY:
    case PVK_DEFBOOL:
        *(int *)q = (int)(int64_t)v;
        break;
    case PVK_BOOL:
        *(bool *)q = v != 0;
        break;
    case PVK_U8:
        *(uint8_t *)q = (uint8_t)v;
        break;
    case PVK_U32: case PVK_DOMID:
        *(uint32_t *)q = (uint32_t)v;
        break;
    case PVK_U64: case PVK_MEMKB:
        *(uint64_t *)q = v;
        break;
    default:
        break;
    }
}

void pv_struct_init(const struct pv_struct_desc *d, void *p)
{
    int i;

    memset(p, 0, d->size);
    for (i = 0; i < d->n_fields; i++) {
        const struct pv_field_desc *f = &d->fields[i];

        if (f->kind == PVK_STRUCT || f->kind == PVK_VARIANT)
            pv_struct_init(f->sub, (char *)p + f->off);
        else if (f->init)
            set_int_value(f, p, f->init);
    }
}

void pv_struct_dispose(const struct pv_struct_desc *d, void *p)
{
    int i, j;

    if (!p)
        return;
    for (i = 0; i < d->n_fields; i++) {
        const struct pv_field_desc *f = &d->fields[i];
        char *q = (char *)p + f->off;

        switch (f->kind) {
        case PVK_STRING:
            free(*(char **)q);
            break;
        case PVK_BITMAP:
            pv_bitmap_dispose((struct pv_bitmap *)q);
            break;
        case PVK_STRLIST: case PVK_KVLIST:
            pv_string_list_free((char ***)q);
            break;
        case PVK_STRUCT: case PVK_VARIANT:
            pv_struct_dispose(f->sub, q);
            break;
        case PVK_ARRAY: {
            char *arr = *(char **)q;
            int n = *(int *)((char *)p + f->num_off);

            for (j = 0; j < n; j++)
                pv_struct_dispose(f->sub, arr + (size_t)j * f->sub->size);
            free(arr);
            break;
        }
        case PVK_U32ARRAY:
            free(*(uint32_t **)q);
            break;
        case PVK_BITMAPARRAY: {
            struct pv_bitmap *arr = *(struct pv_bitmap **)q;
            int n = *(int *)((char *)p + f->num_off);

            for (j = 0; j < n; j++)
                pv_bitmap_dispose(&arr[j]);
            free(arr);
            break;
        }
        default:
            break;
        }
    }
    pv_struct_init(d, p);
}

/* After a shallow copy: forget what SRC owns, so DST can be filled and,
 * on failure, disposed without touching SRC. */
static void detach_owned(const struct pv_struct_desc *d, void *p)
{
    int i;

    for (i = 0; i < d->n_fields; i++) {
        const struct pv_field_desc *f = &d->fields[i];
        char *q = (char *)p + f->off;

        switch (f->kind) {
        case PVK_STRING: case PVK_STRLIST: case PVK_KVLIST:
        case PVK_U32ARRAY:
            *(void **)q = NULL;
            break;
        case PVK_BITMAP:
            memset(q, 0, sizeof(struct pv_bitmap));
            break;
        case PVK_STRUCT: case PVK_VARIANT:
            detach_owned(f->sub, q);
            break;
        case PVK_ARRAY: case PVK_BITMAPARRAY:
            *(void **)q = NULL;
            *(int *)((char *)p + f->num_off) = 0;
            break;
        default:
            break;
        }
    }
}

static int copy_strlist(char ***dst, char *const *src)
{
    int n = pv_string_list_length(src), i;

    if (!src)
        return 0;
    *dst = calloc((size_t)n + 1, sizeof(**dst));
    if (!*dst)
        return -1;
    for (i = 0; i < n; i++)
        if (!((*dst)[i] = strdup(src[i])))
            return -1;      /* the list stays NULL-terminated for dispose */
    return 0;
}

/* Fill DST's owned fields (detached) from SRC's; -1 on the first failure,
 * with everything copied so far owned by DST. */
static int copy_owned(const struct pv_struct_desc *d, void *dst,
                      const void *src)
{
    int i, j;

    for (i = 0; i < d->n_fields; i++) {
        const struct pv_field_desc *f = &d->fields[i];
        char *q = (char *)dst + f->off;
        const char *s = (const char *)src + f->off;
        int n = (f->kind == PVK_ARRAY || f->kind == PVK_U32ARRAY ||
                 f->kind == PVK_BITMAPARRAY)
                ? *(const int *)((const char *)src + f->num_off) : 0;

        switch (f->kind) {
        case PVK_STRING:
            if (*(char *const *)s && !(*(char **)q = strdup(*(char *const *)s)))
                return -1;
            break;
        case PVK_BITMAP:
            if (pv_bitmap_copy((struct pv_bitmap *)q,
                               (const struct pv_bitmap *)s))
                return -1;
            break;
        case PVK_STRLIST: case PVK_KVLIST:
            if (copy_strlist((char ***)q, *(char *const *const *)s))
                return -1;
            break;
        case PVK_STRUCT: case PVK_VARIANT:
            if (copy_owned(f->sub, q, s))
                return -1;
            break;
        case PVK_ARRAY: {
            const char *from = *(char *const *)s;
            char *to;

            if (!n)
                break;
            to = malloc((size_t)n * f->sub->size);
            if (!to)
                return -1;
            memcpy(to, from, (size_t)n * f->sub->size);
            for (j = 0; j < n; j++)
                detach_owned(f->sub, to + (size_t)j * f->sub->size);
            *(char **)q = to;
            *(int *)((char *)dst + f->num_off) = n;
            for (j = 0; j < n; j++)
                if (copy_owned(f->sub, to + (size_t)j * f->sub->size,
                               from + (size_t)j * f->sub->size))
                    return -1;
            break;
        }
        case PVK_U32ARRAY:
            if (!n)
                break;
            if (!(*(uint32_t **)q = malloc((size_t)n * sizeof(uint32_t))))
                return -1;
            memcpy(*(uint32_t **)q, *(uint32_t *const *)s,
                   (size_t)n * sizeof(uint32_t));
            break;
        case PVK_BITMAPARRAY: {
            const struct pv_bitmap *from = *(struct pv_bitmap *const *)s;
            struct pv_bitmap *to;

            if (!n)
                break;
            to = calloc((size_t)n, sizeof(*to));
            if (!to)
                return -1;
            *(struct pv_bitmap **)q = to;
            *(int *)((char *)dst + f->num_off) = n;
            for (j = 0; j < n; j++)
                if (pv_bitmap_copy(&to[j], &from[j]))
                    return -1;
            break;
        }
        default:
            break;
        }
    }
    return 0;
}

int pv_struct_copy(const struct pv_struct_desc *d, void *dst, const void *src)
{
    memcpy(dst, src, d->size);
    detach_owned(d, dst);
    if (copy_owned(d, dst, src)) {
        pv_struct_dispose(d, dst);
        return -1;
    }
    return 0;
}

void *pv_array_append(void *arrayp, int *nump, const struct pv_struct_desc *d)
{
    char **arr = arrayp;
    char *n;

    n = realloc(*arr, (size_t)(*nump + 1) * d->size);
    if (!n)
        return NULL;
    *arr = n;
    n += (size_t)*nump * d->size;
    pv_struct_init(d, n);
    (*nump)++;
    return n;
}

/* ---- Bitmaps ------------------------------------------------------------ */
int pv_bitmap_alloc(struct pv_bitmap *b, unsigned nbits)
{
    uint32_t bytes = (nbits + 7) / 8;

    if (!bytes)
        bytes = 1;
    b->map = calloc(bytes, 1);
    if (!b->map) {
        b->size = 0;
        return -1;
    }
    b->size = bytes;
    return 0;
}

void pv_bitmap_dispose(struct pv_bitmap *b)
{
    free(b->map);
    b->map = NULL;
    b->size = 0;
}

int pv_bitmap_set(struct pv_bitmap *b, unsigned bit)
{
    if (bit / 8 >= b->size) {
        uint32_t nsize = bit / 8 + 1;
        uint8_t *n = realloc(b->map, nsize);

        if (!n)
            return -1;
        memset(n + b->size, 0, nsize - b->size);
        b->map = n;
        b->size = nsize;
    }
    b->map[bit / 8] |= (uint8_t)(1u << (bit % 8));
    return 0;
}

void pv_bitmap_reset(struct pv_bitmap *b, unsigned bit)
{
    if (bit / 8 < b->size)
        b->map[bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

bool pv_bitmap_test(const struct pv_bitmap *b, unsigned bit)
{
    return bit / 8 < b->size && (b->map[bit / 8] >> (bit % 8)) & 1;
}

int pv_bitmap_count(const struct pv_bitmap *b)
{
    int n = 0;
    uint32_t i;

    for (i = 0; i < b->size; i++)
        n += __builtin_popcount(b->map[i]);
    return n;
}

bool pv_bitmap_is_empty(const struct pv_bitmap *b)
{
    return pv_bitmap_count(b) == 0;
}

int pv_bitmap_copy(struct pv_bitmap *dst, const struct pv_bitmap *src)
{
    pv_bitmap_dispose(dst);
    if (!src->size)
        return 0;
    dst->map = malloc(src->size);
    if (!dst->map)
        return -1;
    memcpy(dst->map, src->map, src->size);
    dst->size = src->size;
    return 0;
}

/* ---- String lists ------------------------------------------------------- */
int pv_string_list_length(char *const *list)
{
    int n = 0;

    while (list && list[n])
        n++;
    return n;
}

int pv_string_list_append(char ***list, const char *s)
{
    int n = pv_string_list_length(*list);
    char **l = realloc(*list, (size_t)(n + 2) * sizeof(char *));

    if (!l)
        return -1;
    *list = l;
    l[n] = s ? strdup(s) : NULL;
    if (s && !l[n]) {
        l[n] = NULL;
        return -1;
    }
    l[n + 1] = NULL;
    return 0;
}

void pv_string_list_free(char ***list)
{
    char **l = *list;
    int i;

    /* The model never stores a NULL value in a KV list (an empty value
     * is ""), so one walk to the terminator frees both kinds. */
    for (i = 0; l && l[i]; i++)
        free(l[i]);
    free(l);
    *list = NULL;
}

/* ---- UUID and MAC ------------------------------------------------------- */
static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* libxl_uuid_from_string: 8-4-4-4-12 hex digits, nothing else. */
int pv_uuid_parse(const char *s, uint8_t uuid[16])
{
    static const int dash_at[] = { 8, 13, 18, 23 };
    int i, j = 0, d = 0;

    if (!s || strlen(s) != 36)
        return -1;
    for (i = 0; i < 36; i++) {
        if (d < 4 && i == dash_at[d]) {
            if (s[i] != '-')
                return -1;
            d++;
            continue;
        }
        if (hexval((unsigned char)s[i]) < 0)
            return -1;
    }
    for (i = 0; i < 36; ) {
        if (s[i] == '-') {
            i++;
            continue;
        }
        uuid[j++] = (uint8_t)(hexval((unsigned char)s[i]) << 4 |
                              hexval((unsigned char)s[i + 1]));
        i += 2;
    }
    return 0;
}

void pv_uuid_format(const uint8_t u[16], char out[37])
{
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
             u[10], u[11], u[12], u[13], u[14], u[15]);
}

bool pv_uuid_is_nil(const uint8_t uuid[16])
{
    int i;

    for (i = 0; i < 16; i++)
        if (uuid[i])
            return false;
    return true;
}

/* Random (version 4) UUID, as libxl_uuid_generate (libuuid) makes. */
int pv_uuid_generate(uint8_t uuid[16])
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t r;

    if (fd < 0)
        return -1;
    r = read(fd, uuid, 16);
    close(fd);
    if (r != 16)
        return -1;
    uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
    uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
    return 0;
}

/* xlu's parse_mac / libxl__parse_mac: six hex octets separated by ':' (or
 * any single separator), each exactly two digits. */
int pv_mac_parse(const char *s, uint8_t mac[6])
{
    int i, hi, lo;

    for (i = 0; i < 6; i++) {
        hi = hexval((unsigned char)s[0]);
        lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);
        if (hi < 0 || lo < 0)
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (i < 5) {
            if (*s != ':' && *s != '-')
                return -1;
            s++;
        }
    }
    return *s ? -1 : 0;
}
