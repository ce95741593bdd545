/* libFuzzer target for the image engine: open arbitrary bytes as an image
 * (probe, qcow2 header, extensions, tables, snapshots), read through block
 * status, open a snapshot view, then open read-write (dirty repair,
 * autoclear) and write, flush and close.  Nothing may crash, hang or
 * allocate without bound; errors are fine. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blktap/image.h"
#include "libxl/log.h"

static void exercise(struct image *im)
{
    static uint8_t buf[65536];
    uint64_t size = image__size(im), off = 0;
    struct image_info info;
    const struct image_snapshot *snaps;
    const struct image_hdr_ext *exts;
    unsigned n;

    image__get_info(im, &info);
    image__header_extensions(im, &exts, &n);
    image__snapshot_list(im, &snaps, &n);
    for (int i = 0; i < 64 && off < size; i++) {
        struct image_extent e;
        if (image__block_status(im, off, size - off, 0, &e))
            break;
        uint64_t len = e.length < sizeof(buf) ? e.length : sizeof(buf);
        if (image__pread(im, buf, len, off))
            break;
        off += e.length;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    char path[64];
    int fd;
    struct image *im;
    struct image_open_opts ro = { .flags = IMAGE_O_NO_BACKING | IMAGE_O_NO_SYNC };
    struct image_open_opts rw = { .flags = IMAGE_O_RDWR | IMAGE_O_NO_BACKING | IMAGE_O_NO_SYNC,
                                  .format = IMAGE_FMT_QCOW2 };

    if (!quiet) {
        pv_log_set_level(PV_LOG_ERROR + 1);
        quiet = 1;
    }
    fd = memfd_create("fuzz-image", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (image__open(path, &ro, &im) == 0) {
        const struct image_snapshot *snaps;
        unsigned n = 0;
        exercise(im);
        if (image__format(im) == IMAGE_FMT_QCOW2 && image__snapshot_list(im, &snaps, &n) == 0 &&
            n > 0) {
            struct image_open_opts so = ro;
            struct image *sv;
            so.snapshot = snaps[0].id;
            char *id = strdup(snaps[0].id);
            so.snapshot = id;
            if (image__open(path, &so, &sv) == 0) {
                exercise(sv);
                image__close(sv);
            }
            free(id);
        }
        image__close(im);
    }
    if (image__open(path, &rw, &im) == 0) {
        static const uint8_t pat[3000] = { 0x5a };
        uint64_t sz = image__size(im);
        if (sz > sizeof(pat)) {
            image__pwrite(im, pat, sizeof(pat), sz / 2);
            image__write_zeroes(im, 0, sz < 4096 ? sz : 4096, 0);
            image__flush(im);
        }
        exercise(im);
        image__close(im);
    }
    close(fd);
    return 0;
}
