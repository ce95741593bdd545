/* pvimg info, check, map and measure: the read-only inspection commands.
 * Human output is qemu-img 7.2's text, JSON output its key order. */
#include "blktap/pvimg.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blktap/qcow2_check.h"

enum { OPT_OUTPUT = 256, OPT_BACKING_CHAIN, OPT_START, OPT_MAXLEN, OPT_SIZE,
       OPT_OBJECT, OPT_IMAGE_OPTS, OPT_FORCE_SHARE };

static int parse_output(const char *arg, bool *json)
{
    if (!strcmp(arg, "json"))
        *json = true;
    else if (!strcmp(arg, "human"))
        *json = false;
    else {
        pvimg_err("--output must be used with human or json as argument.");
        return -1;
    }
    return 0;
}

/* ---- info ----------------------------------------------------------------- */

static void snapshot_header(void)
{
    printf("%-10s%-17s%8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK",
           "ICOUNT");
}

void pvimg_snapshot_line(const struct image_snapshot *s);
void pvimg_snapshot_line(const struct image_snapshot *s)
{
    char date[32], clk[32], sz[32], ic[32] = "";
    time_t t = (time_t)s->date_sec;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    uint64_t secs = s->vm_clock_nsec / 1000000000ULL;
    snprintf(clk, sizeof(clk), "%02d:%02d:%02d.%03d", (int)(secs / 3600),
             (int)((secs / 60) % 60), (int)(secs % 60),
             (int)((s->vm_clock_nsec / 1000000) % 1000));
    if (s->icount >= 0)
        snprintf(ic, sizeof(ic), "%" PRId64, s->icount);
    printf("%-9s %-16s %8s%20s%13s%11s\n", s->id, s->name,
           pvimg_size_str(s->vm_state_size, sz), date, clk, ic);
}

void pvimg_snapshot_table(struct image *img);
void pvimg_snapshot_table(struct image *img)
{
    const struct image_snapshot *list;
    unsigned n;
    if (image__snapshot_list(img, &list, &n) < 0 || n == 0)
        return;
    printf("Snapshot list:\n");
    snapshot_header();
    for (unsigned i = 0; i < n; i++)
        pvimg_snapshot_line(&list[i]);
}

static const char *const bitmap_flag_names[] = { "in-use", "auto" };

static void info_human(struct image *img, const struct image_info *in, const char *name)
{
    char a[32], b[32];
    printf("image: %s\n", name);
    printf("file format: %s\n", image_format_name(in->format));
    printf("virtual size: %s (%" PRIu64 " bytes)\n", pvimg_size_str(in->virtual_size, a),
           in->virtual_size);
    printf("disk size: %s\n", pvimg_size_str(in->actual_size, b));
    if (in->format == IMAGE_FMT_QCOW2)
        printf("cluster_size: %" PRIu32 "\n", in->cluster_size);
    if (in->backing_file) {
        char *full = image__backing_path(name, in->backing_file);
        printf("backing file: %s", in->backing_file);
        if (full && strcmp(full, in->backing_file))
            printf(" (actual path: %s)", full);
        printf("\n");
        free(full);
    }
    if (in->backing_format)
        printf("backing file format: %s\n", in->backing_format);
    if (in->dirty)
        printf("cleanly shut down: no\n");
    pvimg_snapshot_table(img);
    if (in->format == IMAGE_FMT_QCOW2) {
        printf("Format specific information:\n");
        printf("    compat: %s\n", in->compat);
        printf("    compression type: %s\n", image_compression_name(in->compression_type));
        if (in->version >= 3)
            printf("    lazy refcounts: %s\n", in->lazy_refcounts ? "true" : "false");
        struct qcow2_bitmap_info *bm = NULL;
        unsigned nbm = 0;
        if (qcow2_read_bitmaps(image__fd(img), &bm, &nbm) == 0 && nbm) {
            printf("    bitmaps:\n");
            for (unsigned i = 0; i < nbm; i++) {
                printf("        [%u]:\n            flags:\n", i);
                for (unsigned f = 0, k = 0; f < 2; f++)
                    if (bm[i].flags & (1u << f))
                        printf("                [%u]: %s\n", k++, bitmap_flag_names[f]);
                printf("            name: %s\n", bm[i].name);
                printf("            granularity: %llu\n", 1ULL << bm[i].granularity_bits);
            }
        }
        free(bm);
        printf("    refcount bits: %d\n", in->refcount_bits);
        if (in->version >= 3) {
            printf("    corrupt: %s\n", in->corrupt ? "true" : "false");
            printf("    extended l2: %s\n", in->extended_l2 ? "true" : "false");
        }
    }
}

static void snapshot_json(struct pvimg_json *j, const struct image_snapshot *s)
{
    pvimg_json_open(j, NULL, '{');
    if (s->icount >= 0)
        pvimg_json_int(j, "icount", s->icount);
    pvimg_json_uint(j, "vm-clock-nsec", s->vm_clock_nsec % 1000000000ULL);
    pvimg_json_str(j, "name", s->name);
    pvimg_json_uint(j, "date-sec", s->date_sec);
    pvimg_json_uint(j, "date-nsec", s->date_nsec);
    pvimg_json_uint(j, "vm-clock-sec", s->vm_clock_nsec / 1000000000ULL);
    pvimg_json_str(j, "id", s->id);
    pvimg_json_uint(j, "vm-state-size", s->vm_state_size);
    pvimg_json_close(j, '}');
}

static void info_json(struct pvimg_json *j, struct image *img,
                      const struct image_info *in, const char *name)
{
    const struct image_snapshot *list = NULL;
    unsigned nsn = 0;
    if (in->format == IMAGE_FMT_QCOW2)
        image__snapshot_list(img, &list, &nsn);
    /* key order: QEMU's QDict bucket order (see check_json) */
    if (in->backing_format)
        pvimg_json_str(j, "backing-filename-format", in->backing_format);
    if (nsn) {
        pvimg_json_open(j, "snapshots", '[');
        for (unsigned i = 0; i < nsn; i++)
            snapshot_json(j, &list[i]);
        pvimg_json_close(j, ']');
    }
    pvimg_json_uint(j, "virtual-size", in->virtual_size);
    pvimg_json_str(j, "filename", name);
    if (in->format == IMAGE_FMT_QCOW2)
        pvimg_json_uint(j, "cluster-size", in->cluster_size);
    pvimg_json_str(j, "format", image_format_name(in->format));
    pvimg_json_uint(j, "actual-size", in->actual_size);
    if (in->format == IMAGE_FMT_QCOW2) {
        pvimg_json_open(j, "format-specific", '{');
        pvimg_json_str(j, "type", "qcow2");
        pvimg_json_open(j, "data", '{');
        pvimg_json_str(j, "compat", in->compat);
        pvimg_json_str(j, "compression-type", image_compression_name(in->compression_type));
        if (in->version >= 3)
            pvimg_json_bool(j, "lazy-refcounts", in->lazy_refcounts);
        struct qcow2_bitmap_info *bm = NULL;
        unsigned nbm = 0;
        if (qcow2_read_bitmaps(image__fd(img), &bm, &nbm) == 0 && nbm) {
            pvimg_json_open(j, "bitmaps", '[');
            for (unsigned i = 0; i < nbm; i++) {
                pvimg_json_open(j, NULL, '{');
                pvimg_json_open(j, "flags", '[');
                for (unsigned f = 0; f < 2; f++)
                    if (bm[i].flags & (1u << f))
                        pvimg_json_str(j, NULL, bitmap_flag_names[f]);
                pvimg_json_close(j, ']');
                pvimg_json_str(j, "name", bm[i].name);
                pvimg_json_uint(j, "granularity", 1ULL << bm[i].granularity_bits);
                pvimg_json_close(j, '}');
            }
            pvimg_json_close(j, ']');
        }
        free(bm);
        pvimg_json_int(j, "refcount-bits", in->refcount_bits);
        if (in->version >= 3) {
            pvimg_json_bool(j, "corrupt", in->corrupt);
            pvimg_json_bool(j, "extended-l2", in->extended_l2);
        }
        pvimg_json_close(j, '}');
        pvimg_json_close(j, '}');
    }
    if (in->backing_file) {
        char *full = image__backing_path(name, in->backing_file);
        pvimg_json_str(j, "full-backing-filename", full ? full : in->backing_file);
        pvimg_json_str(j, "backing-filename", in->backing_file);
        free(full);
    }
    pvimg_json_bool(j, "dirty-flag", in->dirty);
}

int pvimg_info(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, OPT_OUTPUT },
        { "backing-chain", no_argument, NULL, OPT_BACKING_CHAIN },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL;
    bool json = false, chain = false;
    int c;
    while ((c = pvimg_getopt(argc, argv, ":f:hU", lo)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'h': printf("usage: pvimg info [-f fmt] [--output=ofmt] [--backing-chain] filename\n"); return 0;
        case 'U': break;
        case OPT_OUTPUT: if (parse_output(optarg, &json) < 0) return 1; break;
        case OPT_BACKING_CHAIN: chain = true; break;
        default: return 1;
        }
    }
    if (optind != argc - 1)
        return pvimg_usage_err("Expecting one image file name");

    if (chain) {
        /* qemu-img opens every image of the chain before printing anything */
        char *nm = strdup(argv[optind]), *fh = NULL;
        const char *cf = fmt;
        for (int depth = 0; nm && depth <= IMAGE_CHAIN_HARD_MAX; depth++) {
            struct image *im;
            struct image_info ii;
            if (pvimg_open(nm, cf, IMAGE_O_NO_BACKING, &im) < 0) {
                free(nm);
                free(fh);
                return 1;
            }
            char *next = image__get_info(im, &ii) == 0 ? image__backing_path(nm, ii.backing_file) : NULL;
            free(fh);
            fh = (next && ii.backing_format) ? strdup(ii.backing_format) : NULL;
            cf = fh;
            image__close(im);
            free(nm);
            nm = next;
        }
        free(nm);
        free(fh);
    }
    char *name = strdup(argv[optind]);
    const char *cur_fmt = fmt;
    char *fmt_hold = NULL;
    int rc = 0, n = 0;
    struct pvimg_json j;
    if (json && chain)
        pvimg_json_begin(&j, stdout, '[');
    while (name) {
        struct image *img = NULL;
        struct image_info in;
        if (pvimg_open(name, cur_fmt, IMAGE_O_NO_BACKING, &img) < 0) {
            rc = 1;
            break;
        }
        if (image__get_info(img, &in) < 0) {
            pvimg_err("%s: %s", name, image__errmsg());
            image__close(img);
            rc = 1;
            break;
        }
        if (json) {
            if (chain) {
                pvimg_json_open(&j, NULL, '{');
                info_json(&j, img, &in, name);
                pvimg_json_close(&j, '}');
            } else {
                pvimg_json_begin(&j, stdout, '{');
                info_json(&j, img, &in, name);
                pvimg_json_end(&j, '}');
            }
        } else {
            if (n++)
                printf("\n");
            info_human(img, &in, name);
        }
        char *next = chain ? image__backing_path(name, in.backing_file) : NULL;
        free(fmt_hold);
        fmt_hold = in.backing_format ? strdup(in.backing_format) : NULL;
        cur_fmt = fmt_hold;
        image__close(img);
        free(name);
        name = next;
        if (++n > IMAGE_CHAIN_HARD_MAX) {
            pvimg_err("Backing chain is too long (loop?)");
            rc = 1;
            break;
        }
    }
    if (json && chain && rc == 0)
        pvimg_json_end(&j, ']');
    free(name);
    free(fmt_hold);
    return rc;
}

/* ---- check ---------------------------------------------------------------- */

static void check_human(const struct qcow2_check_result *r, bool quiet)
{
    if (quiet)
        return;
    if (!(r->corruptions || r->leaks || r->check_errors)) {
        printf("No errors were found on the image.\n");
    } else {
        if (r->corruptions)
            printf("\n%" PRId64 " errors were found on the image.\n"
                   "Data may be corrupted, or further writes to the image may corrupt it.\n",
                   r->corruptions);
        if (r->leaks)
            printf("\n%" PRId64 " leaked clusters were found on the image.\n"
                   "This means waste of disk space, but no harm to data.\n", r->leaks);
        if (r->check_errors)
            printf("\n%" PRId64 " internal errors have occurred during the check.\n",
                   r->check_errors);
    }
    if (r->total_clusters && r->allocated_clusters)
        printf("%" PRId64 "/%" PRId64 " = %0.2f%% allocated, %0.2f%% fragmented, "
               "%0.2f%% compressed clusters\n", r->allocated_clusters, r->total_clusters,
               r->allocated_clusters * 100.0 / r->total_clusters,
               r->fragmented_clusters * 100.0 / r->allocated_clusters,
               r->compressed_clusters * 100.0 / r->allocated_clusters);
    if (r->image_end_offset)
        printf("Image end offset: %" PRId64 "\n", r->image_end_offset);
}

/* Key order is the iteration order of QEMU's QDict (hash buckets), which is
 * what scripts diffing qemu-img output see. */
static void check_json(const struct qcow2_check_result *r, const char *name)
{
    struct pvimg_json j;
    pvimg_json_begin(&j, stdout, '{');
    if (r->image_end_offset)
        pvimg_json_int(&j, "image-end-offset", r->image_end_offset);
    if (r->compressed_clusters)
        pvimg_json_int(&j, "compressed-clusters", r->compressed_clusters);
    if (r->total_clusters)
        pvimg_json_int(&j, "total-clusters", r->total_clusters);
    if (r->corruptions)
        pvimg_json_int(&j, "corruptions", r->corruptions);
    if (r->corruptions_fixed)
        pvimg_json_int(&j, "corruptions-fixed", r->corruptions_fixed);
    pvimg_json_int(&j, "check-errors", r->check_errors);
    if (r->leaks)
        pvimg_json_int(&j, "leaks", r->leaks);
    if (r->leaks_fixed)
        pvimg_json_int(&j, "leaks-fixed", r->leaks_fixed);
    if (r->allocated_clusters)
        pvimg_json_int(&j, "allocated-clusters", r->allocated_clusters);
    pvimg_json_str(&j, "filename", name);
    pvimg_json_str(&j, "format", "qcow2");
    if (r->fragmented_clusters)
        pvimg_json_int(&j, "fragmented-clusters", r->fragmented_clusters);
    pvimg_json_end(&j, '}');
}

static bool is_qcow2_fd(int fd)
{
    unsigned char m[4];
    return pread(fd, m, 4, 0) == 4 && m[0] == 'Q' && m[1] == 'F' && m[2] == 'I' && m[3] == 0xfb;
}

int pvimg_check(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "repair", required_argument, NULL, 'r' },
        { "output", required_argument, NULL, OPT_OUTPUT },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL;
    bool json = false, quiet = false;
    int fix = 0, c;
    while ((c = pvimg_getopt(argc, argv, ":hf:r:T:qU", lo)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'h': printf("usage: pvimg check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] filename\n"); return 0;
        case 'r':
            if (!strcmp(optarg, "leaks"))
                fix = QCOW2_FIX_LEAKS;
            else if (!strcmp(optarg, "all"))
                fix = QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS;
            else
                return pvimg_usage_err("Unknown option value for -r (expecting 'leaks' or 'all'): %s",
                                       optarg);
            break;
        case 'T': case 'U': break;
        case 'q': quiet = true; break;
        case OPT_OUTPUT: if (parse_output(optarg, &json) < 0) return 1; break;
        default: return 1;
        }
    }
    if (optind != argc - 1)
        return pvimg_usage_err("Expecting one image file name");
    const char *name = argv[optind];
    enum image_format f;
    if (pvimg_fmt_parse(fmt, &f) < 0)
        return 1;
    int fd = open(name, (fix ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        pvimg_err("Could not open '%s': Could not open '%s': %s", name, name, strerror(errno));
        return 1;
    }
    bool q = is_qcow2_fd(fd);
    if (f == IMAGE_FMT_RAW || (f == IMAGE_FMT_AUTO && !q)) {
        close(fd);
        pvimg_err("This image format does not support checks");
        return 63;
    }
    if (!q) {
        close(fd);
        pvimg_err("Could not open '%s': Image is not in qcow2 format", name);
        return 1;
    }
    /* qemu-img check opens the backing chain too: a missing backing file
     * fails the open */
    {
        unsigned char h[20];
        if (pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h)) {
            uint64_t boff = 0;
            for (int i = 8; i < 16; i++)
                boff = boff << 8 | h[i];
            uint32_t blen = (uint32_t)h[16] << 24 | (uint32_t)h[17] << 16 | (uint32_t)h[18] << 8 | h[19];
            if (boff && blen && blen < 1024) {
                char bn[1024];
                if (pread(fd, bn, blen, (off_t)boff) == (ssize_t)blen) {
                    bn[blen] = '\0';
                    char *full = image__backing_path(name, bn);
                    if (full && access(full, F_OK) != 0) {
                        pvimg_err("Could not open '%s': Could not open backing file: "
                                  "Could not open '%s': %s", name, full, strerror(errno));
                        free(full);
                        close(fd);
                        return 1;
                    }
                    free(full);
                }
            }
        }
    }
    struct qcow2_check_result res;
    char why[256];
    fflush(stdout);
    int r = qcow2_check_fd(fd, fix, &res, stderr, why, sizeof(why));
    if (r < 0 && why[0]) {
        close(fd);
        if (res.open_failed) {
            /* could not even parse the header: qemu fails the open */
            pvimg_err("Could not open '%s': %s", name, why);
        } else {
            char *nl = strchr(why, '\n');
            if (nl)
                *nl = '\0';
            pvimg_err("%s", why);
            if (nl)
                fprintf(stderr, "%s\n", nl + 1);
            pvimg_err("Check failed: %s", strerror(-r));
        }
        return 1;
    }
    if (r == 0 && (res.corruptions_fixed || res.leaks_fixed)) {
        int64_t lf = res.leaks_fixed, cf = res.corruptions_fixed;
        if (!json && !quiet)
            printf("The following inconsistencies were found and repaired:\n\n"
                   "    %" PRId64 " leaked clusters\n"
                   "    %" PRId64 " corruptions\n\n"
                   "Double checking the fixed image now...\n", lf, cf);
        fflush(stdout);
        r = qcow2_check_fd(fd, 0, &res, stderr, why, sizeof(why));
        res.leaks_fixed = lf;
        res.corruptions_fixed = cf;
    }
    close(fd);
    if (r == 0) {
        if (json)
            check_json(&res, name);
        else
            check_human(&res, quiet);
    }
    fflush(stdout);
    if (r < 0 || res.check_errors) {
        if (r < 0)
            pvimg_err("Check failed: %s", strerror(-r));
        else
            pvimg_err("Check failed");
        return 1;
    }
    if (res.corruptions)
        return 2;
    if (res.leaks)
        return 3;
    return 0;
}

/* ---- map ------------------------------------------------------------------- */

struct map_ent {
    uint64_t start, length, offset;
    int depth;
    bool present, zero, data, has_offset;
    const char *file;
};

static bool map_mergeable(const struct map_ent *a, const struct map_ent *b)
{
    if (a->start + a->length != b->start || a->depth != b->depth ||
        a->present != b->present || a->zero != b->zero || a->data != b->data ||
        a->has_offset != b->has_offset)
        return false;
    if (a->has_offset && a->offset + a->length != b->offset)
        return false;
    if ((a->file == NULL) != (b->file == NULL))
        return false;
    return !a->file || !strcmp(a->file, b->file);
}

static int map_print(const struct map_ent *e, bool json, bool *first)
{
    if (!json && e->data && !e->has_offset) {
        pvimg_err("File contains external, encrypted or compressed clusters.");
        return -1;
    }
    if (json) {
        printf("%s{ \"start\": %" PRIu64 ", \"length\": %" PRIu64 ", \"depth\": %d, "
               "\"present\": %s, \"zero\": %s, \"data\": %s",
               *first ? "[" : ",\n", e->start, e->length, e->depth,
               e->present ? "true" : "false", e->zero ? "true" : "false",
               e->data ? "true" : "false");
        if (e->has_offset)
            printf(", \"offset\": %" PRIu64, e->offset);
        putchar('}');
    } else if (e->data && e->has_offset) {
        char a[24], b[24], c[24];
        snprintf(a, sizeof(a), "%#" PRIx64, e->start);
        snprintf(b, sizeof(b), "%#" PRIx64, e->length);
        snprintf(c, sizeof(c), "%#" PRIx64, e->offset);
        printf("%-16s%-16s%-16s%s\n", a, b, c, e->file);
    }
    *first = false;
    return 0;
}

/* For layers QEMU considers metadata-preallocated, split a data extent at
 * the host file's holes and flag those parts zero (qemu's BDRV_BLOCK_RECURSE). */
struct prealloc_cache {
    struct image *layer;
    int prealloc;
};

static bool layer_preallocated(struct image *layer, struct prealloc_cache *pc, int n)
{
    for (int i = 0; i < n; i++) {
        if (pc[i].layer == layer)
            return pc[i].prealloc > 0;
        if (!pc[i].layer) {
            pc[i].layer = layer;
            pc[i].prealloc = image__format(layer) == IMAGE_FMT_QCOW2
                             ? qcow2_metadata_preallocated(image__fd(layer)) : 0;
            return pc[i].prealloc > 0;
        }
    }
    return false;
}

/* Length of the run at host offset OFF (<= LEN) and whether it is a hole. */
static uint64_t host_run(int fd, uint64_t off, uint64_t len, bool *hole)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        *hole = false;
        return len;
    }
    if (off >= (uint64_t)st.st_size) {
        *hole = true;
        return len;
    }
    off_t d = lseek(fd, (off_t)off, SEEK_DATA);
    if (d < 0) {
        *hole = errno == ENXIO;
        return len;
    }
    if ((uint64_t)d > off) {
        *hole = true;
        return (uint64_t)d - off < len ? (uint64_t)d - off : len;
    }
    off_t h = lseek(fd, (off_t)off, SEEK_HOLE);
    *hole = false;
    if (h < 0 || (uint64_t)h <= off)
        return len;
    return (uint64_t)h - off < len ? (uint64_t)h - off : len;
}

static int chain_len(struct image *img)
{
    int n = 0;
    for (; img; img = image__backing(img))
        n++;
    return n;
}

int pvimg_map(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, OPT_OUTPUT },
        { "start-offset", required_argument, NULL, OPT_START },
        { "max-length", required_argument, NULL, OPT_MAXLEN },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL;
    bool json = false;
    uint64_t start = 0, maxlen = UINT64_MAX;
    int c;
    while ((c = pvimg_getopt(argc, argv, ":f:hU", lo)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'h': printf("usage: pvimg map [-f fmt] [--output=ofmt] filename\n"); return 0;
        case 'U': break;
        case OPT_OUTPUT: if (parse_output(optarg, &json) < 0) return 1; break;
        case OPT_START:
            if (pvimg_parse_size(optarg, &start) < 0) {
                pvimg_err("Invalid start offset specified! You may use k, M, G, T, P or E suffixes for ");
                return 1;
            }
            break;
        case OPT_MAXLEN:
            if (pvimg_parse_size(optarg, &maxlen) < 0) {
                pvimg_err("Invalid length specified! You may use k, M, G, T, P or E suffixes for ");
                return 1;
            }
            break;
        default: return 1;
        }
    }
    if (optind != argc - 1)
        return pvimg_usage_err("Expecting one image file name");
    struct image *img;
    if (pvimg_open(argv[optind], fmt, 0, &img) < 0)
        return 1;
    uint64_t size = image__size(img), end = size;
    if (maxlen != UINT64_MAX && start + maxlen < end)
        end = start + maxlen;
    int depth_max = chain_len(img) - 1;
    if (!json)
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
    struct map_ent cur = { 0 };
    struct prealloc_cache pcache[IMAGE_CHAIN_HARD_MAX] = { { 0 } };
    bool have = false, first = true;
    int rc = 0;
    for (uint64_t off = start; off < end;) {
        struct image_extent x;
        int r = image__block_status(img, off, end - off, 0, &x);
        if (r < 0 || x.length == 0) {
            pvimg_err("Could not get block status: %s", image__errmsg());
            rc = 1;
            break;
        }
        struct map_ent e = {
            .start = off, .length = x.length,
            .present = x.flags & IMAGE_EXT_ALLOCATED,
            .zero = x.flags & IMAGE_EXT_ZERO,
            .data = x.flags & IMAGE_EXT_DATA,
            .has_offset = x.flags & IMAGE_EXT_OFFSET,
            .offset = x.host_offset,
        };
        e.depth = e.present ? x.depth : depth_max;
        if (e.depth > depth_max)
            e.depth = depth_max;
        e.file = (e.has_offset && x.layer) ? image__filename(x.layer) : NULL;
        if (e.data && e.has_offset && x.layer &&
            layer_preallocated(x.layer, pcache, (int)(sizeof(pcache) / sizeof(pcache[0])))) {
            bool hole;
            e.length = host_run(image__fd(x.layer), e.offset, e.length, &hole);
            e.zero = hole;
            x.length = e.length;
        }
        if (have && map_mergeable(&cur, &e)) {
            cur.length += e.length;
        } else {
            if (have && map_print(&cur, json, &first) < 0) {
                rc = 1;
                break;
            }
            cur = e;
            have = true;
        }
        off += x.length;
    }
    if (rc == 0) {
        if (have && map_print(&cur, json, &first) < 0)
            rc = 1;
        else if (json)
            printf("%s]\n", first ? "[" : "");
    }
    image__close(img);
    return rc;
}

/* ---- measure --------------------------------------------------------------- */

int pvimg_measure(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "output", required_argument, NULL, OPT_OUTPUT },
        { "size", required_argument, NULL, OPT_SIZE },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *ofmt = NULL, *snap = NULL;
    struct pvimg_opts opts = { 0 };
    bool json = false, have_size = false;
    uint64_t size = 0;
    int c, rc = 1;
    while ((c = pvimg_getopt(argc, argv, ":hf:O:o:l:U", lo)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'O': ofmt = optarg; break;
        case 'o': if (pvimg_opts_parse(&opts, optarg) < 0) goto out; break;
        case 'l': snap = optarg; break;
        case 'U': break;
        case 'h': printf("usage: pvimg measure [--output=ofmt] [-O output_fmt] [-o options] "
                         "[--size N | [-f fmt] filename]\n"); rc = 0; goto out;
        case OPT_OUTPUT: if (parse_output(optarg, &json) < 0) goto out; break;
        case OPT_SIZE:
            if (pvimg_parse_size(optarg, &size) < 0) {
                pvimg_err("Invalid image size specified. You may use k, M, G, T, P or E suffixes for");
                pvimg_err("kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
                goto out;
            }
            have_size = true;
            break;
        default: goto out;
        }
    }
    const char *file = optind < argc ? argv[optind] : NULL;
    if (optind < argc - 1) {
        pvimg_usage_err("Expecting one image file name");
        goto out;
    }
    if (file && have_size) {
        pvimg_err("--size N cannot be used together with a filename.");
        goto out;
    }
    if (!file && !have_size) {
        pvimg_err("Either --size N or one filename must be specified.");
        goto out;
    }
    struct image_create_opts co = { 0 };
    if (pvimg_fmt_parse(ofmt ? ofmt : "raw", &co.format) < 0)
        goto out;
    if (pvimg_create_opts_apply(&co, &opts, file ? file : "") < 0)
        goto out;
    struct image *src = NULL;
    if (file) {
        struct image_open_opts oo = { .snapshot = snap };
        if (pvimg_fmt_parse(fmt, &oo.format) < 0 || pvimg_open_opts(file, &oo, &src) < 0)
            goto out;
        co.size = image__size(src);
    } else {
        co.size = size;
    }
    uint64_t req = 0, full = 0;
    /* qemu reports the (here always empty) persistent bitmaps when both
     * sides are qcow2 */
    bool bitmaps = src && image__format(src) == IMAGE_FMT_QCOW2 && co.format == IMAGE_FMT_QCOW2;
    int r = image__measure(&co, src, &req, &full);
    image__close(src);
    if (r < 0) {
        pvimg_err("%s", image__errmsg());
        goto out;
    }
    if (json) {
        struct pvimg_json j;
        pvimg_json_begin(&j, stdout, '{');
        if (bitmaps)
            pvimg_json_uint(&j, "bitmaps", 0);
        pvimg_json_uint(&j, "required", req);
        pvimg_json_uint(&j, "fully-allocated", full);
        pvimg_json_end(&j, '}');
    } else {
        printf("required size: %" PRIu64 "\n", req);
        printf("fully allocated size: %" PRIu64 "\n", full);
        if (bitmaps)
            printf("bitmaps size: 0\n");
    }
    rc = 0;
out:
    pvimg_opts_free(&opts);
    return rc;
}
