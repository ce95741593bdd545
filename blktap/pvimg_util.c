/* Helpers every pvimg command family shares: option and size parsing,
 * qemu-style messages, JSON and progress output.  Kept apart from main() so
 * unit tests can link them. */
#include "blktap/pvimg.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void pvimg_err(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: ", PVIMG_PROG);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int pvimg_usage_err(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: ", PVIMG_PROG);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information\n", PVIMG_PROG);
    return 1;
}

/* ---- sizes ---------------------------------------------------------------- */

int pvimg_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s)
        return -EINVAL;
    /* qemu_strtosz: an integer, or a decimal fraction when a suffix follows;
     * negative numbers are refused. */
    const char *p = s;
    while (*p == ' ')
        p++;
    if (*p == '-')
        return -EINVAL;
    unsigned long long ival = strtoull(p, &end, 10);
    if (end == p || errno)
        return errno == ERANGE ? -ERANGE : -EINVAL;
    double frac = 0;
    if (*end == '.') {
        char *fend;
        frac = strtod(end, &fend);
        if (fend == end + 1)
            return -EINVAL;
        end = fend;
    }
    uint64_t mult = 1;
    switch (*end) {
    case 'b': case 'B': mult = 1; end++; break;
    case 'k': case 'K': mult = 1ULL << 10; end++; break;
    case 'm': case 'M': mult = 1ULL << 20; end++; break;
    case 'g': case 'G': mult = 1ULL << 30; end++; break;
    case 't': case 'T': mult = 1ULL << 40; end++; break;
    case 'p': case 'P': mult = 1ULL << 50; end++; break;
    case 'e': case 'E': mult = 1ULL << 60; end++; break;
    case '\0': break;
    default: return -EINVAL;
    }
    if (*end)
        return -EINVAL;
    if (frac != 0 && mult == 1)
        return -EINVAL;
    if (ival > UINT64_MAX / mult)
        return -ERANGE;
    double f = frac * (double)mult;
    uint64_t v = ival * mult;
    if (f >= (double)(UINT64_MAX - v))
        return -ERANGE;
    v += (uint64_t)f;
    if (v > INT64_MAX)
        return -ERANGE;
    *out = v;
    return 0;
}

int pvimg_parse_uint(const char *s, uint64_t *out)
{
    return pvimg_parse_size(s, out);
}

const char *pvimg_size_str(uint64_t v, char buf[32])
{
    static const char *suf[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    int e;
    /* the exponent switches to the next unit once the number reaches 1000 */
    frexp((double)v / (1000.0 / 1024.0), &e);
    int i = (e - 1) / 10;
    if (i < 0)
        i = 0;
    if (i > 6)
        i = 6;
    uint64_t div = 1ULL << (i * 10);
    snprintf(buf, 32, "%0.3g %s", (double)v / (double)div, suf[i]);
    return buf;
}

/* ---- -o options ------------------------------------------------------------- */

int pvimg_opts_parse(struct pvimg_opts *o, const char *s)
{
    const char *p = s;
    while (*p) {
        /* key */
        const char *eq = p;
        while (*eq && *eq != '=' && *eq != ',')
            eq++;
        char *key = strndup(p, (size_t)(eq - p));
        char *val = NULL;
        p = eq;
        if (*p == '=') {
            p++;
            size_t cap = strlen(p) + 1, n = 0;
            val = malloc(cap);
            while (*p) {
                if (*p == ',') {
                    if (p[1] == ',') {
                        val[n++] = ',';
                        p += 2;
                        continue;
                    }
                    break;
                }
                val[n++] = *p++;
            }
            val[n] = '\0';
        } else {
            val = strdup("on");
        }
        struct pvimg_opt *nv = realloc(o->v, sizeof(*nv) * (size_t)(o->n + 1));
        if (!nv || !key || !val) {
            free(key);
            free(val);
            return -ENOMEM;
        }
        o->v = nv;
        o->v[o->n].key = key;
        o->v[o->n].val = val;
        o->n++;
        if (*p == ',')
            p++;
    }
    return 0;
}

const char *pvimg_opts_get(const struct pvimg_opts *o, const char *key)
{
    const char *v = NULL;
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->v[i].key, key))
            v = o->v[i].val;
    return v;
}

void pvimg_opts_free(struct pvimg_opts *o)
{
    for (int i = 0; i < o->n; i++) {
        free(o->v[i].key);
        free(o->v[i].val);
    }
    free(o->v);
    o->v = NULL;
    o->n = 0;
}

static int parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no")) {
        *out = false;
        return 0;
    }
    return -EINVAL;
}

int pvimg_create_opts_syntax(enum image_format fmt, const struct pvimg_opts *o,
                             const char *filename)
{
    static const char *const raw_keys[] = { "size", "preallocation", NULL };
    static const char *const q_keys[] = { "size", "preallocation", "cluster_size", "compat",
        "lazy_refcounts", "refcount_bits", "compression_type", "backing_file", "backing_fmt",
        "extended_l2", NULL };
    const char *const *keys = fmt == IMAGE_FMT_RAW ? raw_keys : q_keys;
    for (int i = 0; i < o->n; i++) {
        const char *k = o->v[i].key;
        bool known = false;
        for (int j = 0; keys[j]; j++)
            known |= !strcmp(keys[j], k);
        if (!known) {
            pvimg_err("%s: Invalid parameter '%s'", filename, k);
            return -EINVAL;
        }
        uint64_t n;
        if ((!strcmp(k, "size") || !strcmp(k, "cluster_size")) &&
            pvimg_parse_size(o->v[i].val, &n) < 0) {
            pvimg_err("%s: Parameter '%s' expects a non-negative number below 2^64\n"
                      "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
                      "and exabytes, respectively.", filename, k);
            return -EINVAL;
        }
        if (!strcmp(k, "refcount_bits")) {
            char *end;
            (void)strtoull(o->v[i].val, &end, 10);
            if (*end || end == o->v[i].val) {
                pvimg_err("%s: Parameter 'refcount_bits' expects a number", filename);
                return -EINVAL;
            }
        }
    }
    return 0;
}

int pvimg_create_opts_apply(struct image_create_opts *co,
                            const struct pvimg_opts *o, const char *filename)
{
    bool qcow2 = co->format != IMAGE_FMT_RAW;
    for (int i = 0; i < o->n; i++) {
        const char *k = o->v[i].key, *v = o->v[i].val;
        uint64_t n;
        bool b;
        if (!strcmp(k, "size")) {
            if (pvimg_parse_size(v, &n) < 0) {
                pvimg_err("%s: Parameter 'size' expects a non-negative number below 2^64\n"
                          "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
                          "and exabytes, respectively.", filename);
                return -EINVAL;
            }
            co->size = n;
        } else if (!strcmp(k, "preallocation")) {
            if (image_prealloc_parse(v, &co->preallocation) < 0) {
                pvimg_err("%s: Parameter 'preallocation' does not accept value '%s'", filename, v);
                return -EINVAL;
            }
        } else if (qcow2 && !strcmp(k, "cluster_size")) {
            if (pvimg_parse_size(v, &n) < 0 || n < 512 || n > 2097152 || (n & (n - 1))) {
                pvimg_err("%s: Cluster size must be a power of two between 512 and 2048k",
                          filename);
                return -EINVAL;
            }
            co->cluster_size = (uint32_t)n;
        } else if (qcow2 && !strcmp(k, "compat")) {
            if (!strcmp(v, "0.10") || !strcmp(v, "v2"))
                co->compat = 2;
            else if (!strcmp(v, "1.1") || !strcmp(v, "v3"))
                co->compat = 3;
            else {
                pvimg_err("%s: Parameter 'version' does not accept value '%s'", filename, v);
                return -EINVAL;
            }
        } else if (qcow2 && !strcmp(k, "lazy_refcounts")) {
            if (parse_bool(v, &b) < 0) {
                pvimg_err("%s: Parameter 'lazy_refcounts' expects 'on' or 'off'", filename);
                return -EINVAL;
            }
            co->lazy_refcounts = b;
        } else if (qcow2 && !strcmp(k, "refcount_bits")) {
            char *end;
            unsigned long rb = strtoul(v, &end, 10);
            if (*end || !rb || rb > 64 || (rb & (rb - 1))) {
                pvimg_err("%s: Refcount width must be a power of two and may not exceed 64 bits",
                          filename);
                return -EINVAL;
            }
            co->refcount_bits = (int)rb;
        } else if (qcow2 && !strcmp(k, "compression_type")) {
            if (image_compression_parse(v, &co->compression_type) < 0) {
                pvimg_err("%s: Parameter 'compression-type' does not accept value '%s'",
                          filename, v);
                return -EINVAL;
            }
        } else if (qcow2 && !strcmp(k, "backing_file")) {
            co->backing_file = v;
        } else if (qcow2 && !strcmp(k, "backing_fmt")) {
            if (image_format_parse(v, &co->backing_format) < 0) {
                pvimg_err("%s: Unknown backing file format '%s'", filename, v);
                return -EINVAL;
            }
        } else if (qcow2 && !strcmp(k, "extended_l2")) {
            if (parse_bool(v, &b) < 0 || b) {
                pvimg_err("%s: Extended L2 entries are not supported", filename);
                return -EINVAL;
            }
        } else {
            pvimg_err("%s: Invalid parameter '%s'", filename, k);
            return -EINVAL;
        }
    }
    if (co->lazy_refcounts && co->compat == 2) {
        pvimg_err("%s: Lazy refcounts only supported with compatibility level 1.1 and above "
                  "(use version=v3 or greater)", filename);
        return -EINVAL;
    }
    if (co->compat == 2 && co->refcount_bits && co->refcount_bits != 16) {
        pvimg_err("%s: Different refcount widths than 16 bits require compatibility level "
                  "1.1 or above (use version=v3 or greater)", filename);
        return -EINVAL;
    }
    if (co->compat == 2 && co->compression_type != IMAGE_COMP_ZLIB) {
        pvimg_err("%s: Non-zlib compression type is only supported with compatibility "
                  "level 1.1 and above (use version=v3 or greater)", filename);
        return -EINVAL;
    }
    return 0;
}

/* ---- open --------------------------------------------------------------- */

int pvimg_fmt_parse(const char *name, enum image_format *out)
{
    if (!name) {
        *out = IMAGE_FMT_AUTO;
        return 0;
    }
    if (image_format_parse(name, out) < 0) {
        pvimg_err("Unknown file format '%s'", name);
        return -EINVAL;
    }
    return 0;
}

static bool has_qcow2_magic(const char *path)
{
    unsigned char m[4] = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        return true;    /* let the engine's message stand */
    size_t n = fread(m, 1, 4, f);
    fclose(f);
    return n == 4 && m[0] == 'Q' && m[1] == 'F' && m[2] == 'I' && m[3] == 0xfb;
}

int pvimg_open_opts(const char *path, struct image_open_opts *oo, struct image **out)
{
    int r = image__open(path, oo, out);
    if (r < 0) {
        const char *m = image__errmsg();
        if (!m || !*m)
            m = strerror(-r);
        if (r == -ENOENT && access(path, F_OK) != 0)
            pvimg_err("Could not open '%s': Could not open '%s': %s", path, path, strerror(ENOENT));
        else if (oo->format == IMAGE_FMT_QCOW2 && !has_qcow2_magic(path))
            pvimg_err("Could not open '%s': Image is not in qcow2 format", path);
        else if (!strncmp(m, "Could not open backing file of '", 32) && strstr(m + 32, "': "))
            /* qemu's wording names no file here: the top one is already in
             * the "Could not open" prefix */
            pvimg_err("Could not open '%s': Could not open backing file: %s", path,
                      strstr(m + 32, "': ") + 3);
        else
            pvimg_err("Could not open '%s': %s", path, m);
        return r;
    }
    if (oo->format == IMAGE_FMT_AUTO && (oo->flags & IMAGE_O_RDWR) &&
        image__format(*out) == IMAGE_FMT_RAW) {
        fflush(stdout);
        fprintf(stderr, "WARNING: Image format was not specified for '%s' and probing guessed raw.\n"
                "         Automatically detecting the format is dangerous for raw images, "
                "write operations on block 0 will be restricted.\n"
                "         Specify the 'raw' format explicitly to remove the restrictions.\n", path);
    }
    return r;
}

int pvimg_open(const char *path, const char *fmt, unsigned flags, struct image **out)
{
    struct image_open_opts oo = { .flags = flags };
    if (pvimg_fmt_parse(fmt, &oo.format) < 0)
        return -EINVAL;
    return pvimg_open_opts(path, &oo, out);
}

/* ---- progress ------------------------------------------------------------ */

void pvimg_progress_start(struct pvimg_progress *p, bool on)
{
    p->on = on;
    p->last = -1;
    pvimg_progress_set(p, 0);
}

void pvimg_progress_set(struct pvimg_progress *p, double pct)
{
    if (!p->on)
        return;
    if (pct > 100)
        pct = 100;
    /* qemu prints when the value moved by at least 1% (and at 0/100) */
    if (p->last >= 0 && pct - p->last < 1.0 && pct < 100)
        return;
    p->last = pct;
    printf("    (%3.2f/100%%)\r", pct);
    fflush(stdout);
}

void pvimg_progress_end(struct pvimg_progress *p)
{
    if (!p->on)
        return;
    if (p->last < 100)
        printf("    (%3.2f/100%%)\r", 100.0);
    printf("\n");
    fflush(stdout);
    p->on = false;
}

/* ---- JSON ---------------------------------------------------------------- */

void pvimg_json_strval(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void json_indent(struct pvimg_json *j)
{
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("    ", j->f);
}

void pvimg_json_key(struct pvimg_json *j, const char *key)
{
    if (j->need_comma[j->depth])
        fputc(',', j->f);
    j->need_comma[j->depth] = true;
    j->empty[j->depth] = false;
    json_indent(j);
    if (key) {
        pvimg_json_strval(j->f, key);
        fputs(": ", j->f);
    }
}

void pvimg_json_begin(struct pvimg_json *j, FILE *f, char open)
{
    memset(j, 0, sizeof(*j));
    j->f = f;
    fputc(open, f);
    j->depth = 1;
    j->empty[1] = true;
}

void pvimg_json_open(struct pvimg_json *j, const char *key, char open)
{
    pvimg_json_key(j, key);
    fputc(open, j->f);
    j->depth++;
    j->need_comma[j->depth] = false;
    j->empty[j->depth] = true;
}

void pvimg_json_close(struct pvimg_json *j, char close)
{
    /* qemu's pretty printer breaks the line even for an empty container */
    j->depth--;
    json_indent(j);
    fputc(close, j->f);
}

void pvimg_json_end(struct pvimg_json *j, char close)
{
    pvimg_json_close(j, close);
    fputc('\n', j->f);
}

void pvimg_json_str(struct pvimg_json *j, const char *key, const char *v)
{
    pvimg_json_key(j, key);
    pvimg_json_strval(j->f, v);
}

void pvimg_json_int(struct pvimg_json *j, const char *key, int64_t v)
{
    pvimg_json_key(j, key);
    fprintf(j->f, "%lld", (long long)v);
}

void pvimg_json_uint(struct pvimg_json *j, const char *key, uint64_t v)
{
    pvimg_json_key(j, key);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

void pvimg_json_bool(struct pvimg_json *j, const char *key, bool v)
{
    pvimg_json_key(j, key);
    fputs(v ? "true" : "false", j->f);
}

/* ---- misc ---------------------------------------------------------------- */

int pvimg_getopt(int argc, char **argv, const char *shortopts,
                 const struct option *longopts)
{
    int saved = opterr;
    opterr = 0;
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    opterr = saved;
    if (c == '?') {
        if (optopt && strchr(shortopts, optopt))
            pvimg_usage_err("option requires an argument -- '%c'", optopt);
        else if (optopt)
            pvimg_usage_err("unrecognized option '-%c'", optopt);
        else
            pvimg_usage_err("unrecognized option '%s'", argv[optind - 1]);
    } else if (c == ':') {
        pvimg_usage_err("option requires an argument -- '%c'", optopt);
        c = '?';
    }
    return c;
}

double pvimg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int pvimg_ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

