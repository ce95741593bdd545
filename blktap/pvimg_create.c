/* pvimg create and resize. */
#include "blktap/pvimg.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_PREALLOC = 256, OPT_SHRINK, OPT_OBJECT };

static void size_error(void)
{
    pvimg_err("Invalid image size specified. You may use k, M, G, T, P or E suffixes for");
    pvimg_err("kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
}

/* "Formatting 'F', fmt=qcow2 ..." exactly as qemu-img prints its option list:
 * the format's create options in QEMU's list order, the user's spelling of
 * every value given, defaults for the rest. */
static void print_formatting(const char *file, const struct image_create_opts *co,
                             const struct pvimg_opts *o, const char *backing_fmt_arg)
{
    const char *v;
    printf("Formatting '%s', fmt=%s", file, image_format_name(co->format));
    if (co->format == IMAGE_FMT_RAW) {
        printf(" size=%" PRIu64, co->size);
        if ((v = pvimg_opts_get(o, "preallocation")))
            printf(" preallocation=%s", v);
        printf("\n");
        return;
    }
    uint64_t n = 65536;
    if ((v = pvimg_opts_get(o, "cluster_size")))
        pvimg_parse_size(v, &n);
    printf(" cluster_size=%" PRIu64, n);
    v = pvimg_opts_get(o, "extended_l2");
    printf(" extended_l2=%s", v ? v : "off");
    if ((v = pvimg_opts_get(o, "preallocation")))
        printf(" preallocation=%s", v);
    v = pvimg_opts_get(o, "compression_type");
    printf(" compression_type=%s", v ? v : "zlib");
    printf(" size=%" PRIu64, co->size);
    if ((v = pvimg_opts_get(o, "compat")))
        printf(" compat=%s", v);
    if (co->backing_file)
        printf(" backing_file=%s", co->backing_file);
    if (backing_fmt_arg)
        printf(" backing_fmt=%s", backing_fmt_arg);
    v = pvimg_opts_get(o, "lazy_refcounts");
    printf(" lazy_refcounts=%s", v ? v : "off");
    v = pvimg_opts_get(o, "refcount_bits");
    printf(" refcount_bits=%llu", v ? strtoull(v, NULL, 10) : 16ULL);
    printf("\n");
}

static void create_help(void)
{
    printf("Supported options:\n"
           "  backing_file=<str>     - File name of a base image\n"
           "  backing_fmt=<str>      - Image format of the base image\n"
           "  cluster_size=<size>    - qcow2 cluster size\n"
           "  compat=<str>           - Compatibility level (v2 [0.10], v3 [1.1])\n"
           "  compression_type=<str> - Compression method used for image cluster compression\n"
           "  lazy_refcounts=<bool (on/off)> - Postpone refcount updates\n"
           "  preallocation=<str>    - Preallocation mode (allowed values: off, metadata, falloc, full)\n"
           "  refcount_bits=<num>    - Width of a reference count entry in bits\n"
           "  size=<size>            - Virtual disk size\n");
}

int pvimg_create(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, OPT_OBJECT },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = "raw", *backing = NULL, *backing_fmt = NULL;
    struct pvimg_opts opts = { 0 };
    bool quiet = false, unsafe = false;
    int c, rc = 1;
    while ((c = pvimg_getopt(argc, argv, ":F:b:f:ho:qu", lo)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'b': backing = optarg; break;
        case 'F': backing_fmt = optarg; break;
        case 'q': quiet = true; break;
        case 'u': unsafe = true; break;
        case 'o':
            if (!strcmp(optarg, "help") || !strcmp(optarg, "?")) {
                create_help();
                rc = 0;
                goto out;
            }
            if (pvimg_opts_parse(&opts, optarg) < 0)
                goto out;
            break;
        case 'h':
            printf("usage: pvimg create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] "
                   "[-o options] filename [size]\n");
            rc = 0;
            goto out;
        default: goto out;
        }
    }
    if (optind >= argc) {
        pvimg_usage_err("Expecting image file name");
        goto out;
    }
    const char *file = argv[optind++];
    struct image_create_opts co = { 0 };
    bool have_size = false;
    if (pvimg_fmt_parse(fmt, &co.format) < 0)
        goto out;
    if (optind < argc) {
        have_size = true;
        uint64_t sz;
        if (pvimg_parse_size(argv[optind], &sz) < 0) {
            size_error();
            goto out;
        }
        co.size = sz;
        optind++;
    }
    if (optind != argc) {
        pvimg_usage_err("Unexpected argument: %s", argv[optind]);
        goto out;
    }
    if (pvimg_create_opts_syntax(co.format, &opts, file) < 0)
        goto out;
    if (backing)
        co.backing_file = backing;
    else if (pvimg_opts_get(&opts, "backing_file"))
        co.backing_file = pvimg_opts_get(&opts, "backing_file");
    if (pvimg_opts_get(&opts, "size")) {
        uint64_t sz = 0;
        pvimg_parse_size(pvimg_opts_get(&opts, "size"), &sz);
        co.size = sz;
    }
    if (backing_fmt && pvimg_fmt_parse(backing_fmt, &co.backing_format) < 0)
        goto out;
    if (!backing_fmt && pvimg_opts_get(&opts, "backing_fmt"))
        backing_fmt = pvimg_opts_get(&opts, "backing_fmt");
    co.backing_unsafe = unsafe;
    if (pvimg_opts_get(&opts, "size"))
        have_size = true;

    if (co.backing_file && co.format == IMAGE_FMT_RAW) {
        pvimg_err("%s: Backing file not supported for file format 'raw'", file);
        goto out;
    }
    if (co.backing_file && !backing_fmt) {
        /* qemu 7.2 refuses to guess: probing a raw backing file is unsafe */
        pvimg_err("%s: Backing file specified without backing format", file);
        struct image *b = NULL;
        struct image_open_opts oo = { .flags = IMAGE_O_NO_BACKING };
        if (image__open(co.backing_file, &oo, &b) == 0) {
            fprintf(stderr, "Detected format of %s.", image_format_name(image__format(b)));
            image__close(b);
        }
        goto out;
    }
    if (co.backing_file && !have_size) {
        if (unsafe) {
            pvimg_err("%s: Image creation needs a size parameter", file);
            goto out;
        }
        /* the overlay takes the size of its backing file */
        struct image *b = NULL;
        struct image_open_opts oo = { .flags = IMAGE_O_NO_BACKING };
        image_format_parse(backing_fmt, &oo.format);
        if (image__open(co.backing_file, &oo, &b) < 0) {
            pvimg_err("%s: Could not open backing image: %s", file, image__errmsg());
            goto out;
        }
        co.size = image__size(b);
        image__close(b);
    } else if (!co.backing_file && !have_size) {
        pvimg_err("%s: Image creation needs a size parameter", file);
        goto out;
    }
    if (!quiet) {
        print_formatting(file, &co, &opts, backing_fmt);
        fflush(stdout);
    }
    {
        /* qemu-img prints the option list before the driver checks values */
        const char *bf = co.backing_file;
        uint64_t sz = co.size;
        if (pvimg_create_opts_apply(&co, &opts, file) < 0)
            goto out;
        co.backing_file = bf;
        co.size = sz;
        if (backing_fmt && pvimg_fmt_parse(backing_fmt, &co.backing_format) < 0)
            goto out;
    }
    int r = image__create(file, &co);
    if (r < 0) {
        pvimg_err("%s: %s", file, image__errmsg());
        goto out;
    }
    rc = 0;
out:
    pvimg_opts_free(&opts);
    return rc;
}

int pvimg_resize(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "preallocation", required_argument, NULL, OPT_PREALLOC },
        { "shrink", no_argument, NULL, OPT_SHRINK },
        { "object", required_argument, NULL, OPT_OBJECT },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL;
    bool quiet = false, shrink = false;
    enum image_prealloc pa = IMAGE_PREALLOC_OFF;
    int c;
    /* a size like "-1G" looks like an option: qemu-img takes the last
     * argument as the size before parsing options */
    if (argc < 3)
        return pvimg_usage_err("Expecting image file name and size");
    char *size_arg = argv[--argc];
    while ((c = pvimg_getopt(argc, argv, ":f:hq", lo)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'q': quiet = true; break;
        case 'h': printf("usage: pvimg resize [-f fmt] [--preallocation=prealloc] [-q] [--shrink] filename [+ | -]size\n"); return 0;
        case OPT_PREALLOC:
            if (image_prealloc_parse(optarg, &pa) < 0) {
                pvimg_err("Invalid preallocation mode '%s'", optarg);
                return 1;
            }
            break;
        case OPT_SHRINK: shrink = true; break;
        default: return 1;
        }
    }
    if (optind != argc - 1)
        return pvimg_usage_err("Expecting image file name and size");
    const char *file = argv[optind];
    int rel = 0;
    if (size_arg[0] == '+' || size_arg[0] == '-') {
        rel = size_arg[0] == '+' ? 1 : -1;
        size_arg++;
    }
    uint64_t n;
    if (pvimg_parse_size(size_arg, &n) < 0) {
        pvimg_err("Invalid size specified.");
        return 1;
    }
    struct image *img;
    if (pvimg_open(file, fmt, IMAGE_O_RDWR | IMAGE_O_NO_BACKING, &img) < 0)
        return 1;
    uint64_t cur = image__size(img), want = n;
    if (rel > 0)
        want = cur + n;
    else if (rel < 0) {
        if (n > cur) {
            pvimg_err("New image size must be positive");
            image__close(img);
            return 1;
        }
        want = cur - n;
    }
    if (want < cur && !shrink) {
        pvimg_err("Use the --shrink option to perform a shrink operation.");
        pvimg_err("warning: Shrinking an image will delete all data beyond the shrunken "
                  "image's end. Before performing such an operation, make sure there is no "
                  "important data there.");
        image__close(img);
        return 1;
    }
    int r = image__resize(img, want, shrink ? IMAGE_RESIZE_SHRINK : 0, pa);
    if (r < 0) {
        pvimg_err("%s", image__errmsg());
        image__close(img);
        return 1;
    }
    if (image__close(img) < 0) {
        pvimg_err("%s", image__errmsg());
        return 1;
    }
    if (!quiet)
        printf("Image resized.\n");
    return 0;
}
