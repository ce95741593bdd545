/* pvimg commit and rebase: moving data between the layers of a chain.
 *
 * Both work extent by extent with the engine's block status so they touch
 * only what a layer actually holds; data always reaches its new home (and is
 * flushed) before the layer that used to hold it is emptied or its backing
 * link is changed, so an interruption leaves a chain that still reads the
 * same. */
#include "blktap/pvimg.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_OBJECT = 256 };

#define COPY_BUF (1u << 20)

static bool same_file(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    if (!realpath(a, ra) || !realpath(b, rb))
        return !strcmp(a, b);
    return !strcmp(ra, rb);
}

int pvimg_commit(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, OPT_OBJECT },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *base_name = NULL;
    bool quiet = false, drop = false, progress = false;
    int c;
    while ((c = pvimg_getopt(argc, argv, ":f:ht:b:dpqr:", lo)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'b': base_name = optarg; drop = true; break;
        case 'd': drop = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 't': case 'r': case OPT_OBJECT: break;
        case 'h': printf("usage: pvimg commit [-q] [-f fmt] [-b base] [-d] [-p] filename\n"); return 0;
        default: return 1;
        }
    }
    if (quiet)
        progress = false;
    if (optind != argc - 1)
        return pvimg_usage_err("Expecting one image file name");
    const char *file = argv[optind];
    struct image *top = NULL, *base = NULL;
    uint8_t *buf = NULL;
    int rc = 1;
    if (pvimg_open(file, fmt, 0, &top) < 0)
        goto out;
    struct image *bl = image__backing(top);
    if (!bl) {
        pvimg_err("Image does not have a backing file");
        goto out;
    }
    /* find the base layer and its depth */
    int base_depth = 1;
    if (base_name) {
        for (; bl; bl = image__backing(bl), base_depth++)
            if (same_file(image__filename(bl), base_name))
                break;
        if (!bl) {
            pvimg_err("Did not find '%s' in the backing chain of '%s'", base_name, file);
            goto out;
        }
    }
    struct image_open_opts bo = { .format = image__format(bl),
                                  .flags = IMAGE_O_RDWR | IMAGE_O_NO_BACKING };
    if (pvimg_open_opts(image__filename(bl), &bo, &base) < 0)
        goto out;
    uint64_t size = image__size(top);
    if (image__size(base) < size && image__resize(base, size, 0, IMAGE_PREALLOC_OFF) < 0) {
        pvimg_err("Could not resize the base image: %s", image__errmsg());
        goto out;
    }
    buf = malloc(COPY_BUF);
    if (!buf)
        goto out;
    struct pvimg_progress prog;
    pvimg_progress_start(&prog, progress);
    for (uint64_t off = 0; off < size;) {
        struct image_extent x;
        uint64_t n = size - off < COPY_BUF ? size - off : COPY_BUF;
        if (image__block_status(top, off, n, 0, &x) < 0 || !x.length) {
            pvimg_err("error while committing: %s", image__errmsg());
            goto out;
        }
        uint64_t m = x.length < n ? x.length : n;
        bool above_base = (x.flags & IMAGE_EXT_ALLOCATED) && x.depth < base_depth;
        if (above_base) {
            int r;
            if ((x.flags & IMAGE_EXT_ZERO) && !(x.flags & IMAGE_EXT_DATA))
                r = image__write_zeroes(base, off, m, 0);
            else if ((r = image__pread(top, buf, m, off)) == 0)
                r = image__pwrite(base, buf, m, off);
            if (r < 0) {
                pvimg_err("error while committing: %s", image__errmsg());
                goto out;
            }
        }
        off += m;
        pvimg_progress_set(&prog, (double)off * 100.0 / (double)size);
    }
    /* the data must be durable in the base before the top lets go of it */
    if (image__flush(base) < 0) {
        pvimg_err("error while committing: %s", image__errmsg());
        goto out;
    }
    if (!drop) {
        /* Empty the top: opened without its backing, a discard leaves the
         * clusters unallocated (not zero-flagged), so the base shows through. */
        enum image_format tf = image__format(top);
        image__close(top);
        top = NULL;
        struct image_open_opts eo = { .format = tf, .flags = IMAGE_O_RDWR | IMAGE_O_NO_BACKING };
        if (pvimg_open_opts(file, &eo, &top) < 0)
            goto out;
        if (image__discard(top, 0, size) < 0) {
            pvimg_err("Could not empty %s: %s", file, image__errmsg());
            goto out;
        }
    }
    pvimg_progress_end(&prog);
    rc = 0;
out:
    if (image__close(base) < 0 && rc == 0) {
        pvimg_err("%s", image__errmsg());
        rc = 1;
    }
    if (image__close(top) < 0 && rc == 0) {
        pvimg_err("%s", image__errmsg());
        rc = 1;
    }
    free(buf);
    if (rc == 0 && !quiet)
        printf("Image committed.\n");
    return rc;
}

int pvimg_rebase(int argc, char **argv)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, OPT_OBJECT },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 },
    };
    const char *fmt = NULL, *nb = NULL, *nbfmt = NULL;
    bool quiet = false, unsafe = false, progress = false;
    int c;
    while ((c = pvimg_getopt(argc, argv, ":hf:F:b:upt:T:qU", lo)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'F': nbfmt = optarg; break;
        case 'b': nb = optarg; break;
        case 'u': unsafe = true; break;
        case 'p': progress = true; break;
        case 'q': quiet = true; break;
        case 't': case 'T': case 'U': case OPT_OBJECT: break;
        case 'h': printf("usage: pvimg rebase [-q] [-f fmt] [-p] [-u] [-b backing_file [-F backing_fmt]] filename\n"); return 0;
        default: return 1;
        }
    }
    if (quiet)
        progress = false;
    if (optind != argc - 1)
        return pvimg_usage_err("Expecting one image file name");
    if (!nb)
        return pvimg_usage_err("Must specify backing file (-b) or use unsafe mode (-u)");
    const char *file = argv[optind];
    if (!*nb)
        nb = NULL;
    enum image_format nf = IMAGE_FMT_AUTO;
    if (nbfmt && pvimg_fmt_parse(nbfmt, &nf) < 0)
        return 1;
    if (nb && !nbfmt) {
        pvimg_err("Could not change the backing file to '%s': backing format must be specified",
                  nb);
        return 1;
    }
    struct image *img = NULL, *newb = NULL;
    uint8_t *a = NULL, *b = NULL;
    char *nbpath = NULL;
    int rc = 1;
    if (pvimg_open(file, fmt, IMAGE_O_RDWR | (unsafe ? IMAGE_O_NO_BACKING : 0), &img) < 0)
        goto out;
    if (!unsafe) {
        if (nb) {
            nbpath = image__backing_path(file, nb);
            struct image_open_opts oo = { .format = nf };
            if (image__open(nbpath, &oo, &newb) < 0) {
                pvimg_err("Could not open new backing file '%s': %s", nbpath, image__errmsg());
                goto out;
            }
        }
        uint32_t cs = image__cluster_size(img);
        size_t bs = COPY_BUF < cs ? cs : COPY_BUF;
        a = malloc(bs);
        b = malloc(bs);
        if (!a || !b)
            goto out;
        uint64_t size = image__size(img), nbsize = newb ? image__size(newb) : 0;
        struct pvimg_progress prog;
        pvimg_progress_start(&prog, progress);
        for (uint64_t off = 0; off < size;) {
            struct image_extent x;
            uint64_t n = size - off < bs ? size - off : bs;
            if (image__block_status(img, off, n, IMAGE_BS_THIS_LAYER, &x) < 0 || !x.length) {
                pvimg_err("error while rebasing: %s", image__errmsg());
                goto out;
            }
            uint64_t m = x.length < n ? x.length : n;
            if (!(x.flags & IMAGE_EXT_ALLOCATED)) {
                /* what the old chain shows here must stay visible */
                if (image__pread(img, a, m, off) < 0) {
                    pvimg_err("error while reading image metadata: %s", image__errmsg());
                    goto out;
                }
                memset(b, 0, m);
                if (newb && off < nbsize) {
                    uint64_t k = nbsize - off < m ? nbsize - off : m;
                    if (image__pread(newb, b, k, off) < 0) {
                        pvimg_err("error while reading from new backing file: %s", image__errmsg());
                        goto out;
                    }
                }
                for (uint64_t o = 0; o < m; o += cs) {
                    uint64_t k = m - o < cs ? m - o : cs;
                    if (memcmp(a + o, b + o, k) && image__pwrite(img, a + o, k, off + o) < 0) {
                        pvimg_err("error while writing: %s", image__errmsg());
                        goto out;
                    }
                }
            }
            off += m;
            pvimg_progress_set(&prog, (double)off * 100.0 / (double)size);
        }
        pvimg_progress_end(&prog);
        if (image__flush(img) < 0) {
            pvimg_err("error while writing: %s", image__errmsg());
            goto out;
        }
    }
    if (image__set_backing(img, nb, nf) < 0) {
        pvimg_err("Could not change the backing file to '%s': %s", nb ? nb : "", image__errmsg());
        goto out;
    }
    rc = 0;
out:
    image__close(newb);
    if (image__close(img) < 0 && rc == 0) {
        pvimg_err("%s", image__errmsg());
        rc = 1;
    }
    free(a);
    free(b);
    free(nbpath);
    (void)quiet;
    return rc;
}
