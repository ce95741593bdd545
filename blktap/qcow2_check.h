/* qcow2 consistency check and repair, compatible with `qemu-img check`.
 *
 * The checker works on the on-disk format alone (an fd), not through the
 * engine's caches: it must be able to judge images the engine refuses, and it
 * must never trust the structures it is checking.  Verdicts, counts and the
 * messages printed to the log follow QEMU's qcow2_check_refcounts() so that
 * scripts written against qemu-img see the same thing from pvimg. */
#ifndef BLKTAP_QCOW2_CHECK_H
#define BLKTAP_QCOW2_CHECK_H

#include <stdint.h>
#include <stdio.h>

enum qcow2_fix {
    QCOW2_FIX_LEAKS  = 1,   /* -r leaks */
    QCOW2_FIX_ERRORS = 2,   /* -r all = LEAKS|ERRORS */
};

struct qcow2_check_result {
    int64_t corruptions;
    int64_t leaks;
    int64_t check_errors;
    int64_t corruptions_fixed;
    int64_t leaks_fixed;
    int64_t image_end_offset;
    int64_t total_clusters;
    int64_t allocated_clusters;
    int64_t fragmented_clusters;
    int64_t compressed_clusters;
    /* set when qcow2_check_fd failed because the image cannot be opened at
     * all (qemu-img: "Could not open"); clear when the check itself failed */
    int open_failed;
};

/* Check (and with FIX, repair) the qcow2 image open on FD (O_RDWR when FIX
 * is non-zero).  Messages about individual problems go to LOG in qemu-img's
 * wording.  Returns 0 when the check ran (its findings are in *RES), or
 * -errno when the image cannot be checked at all; then ERRBUF holds a
 * qemu-style reason ("Image is not in qcow2 format", ...) and
 * res->open_failed says at which stage. */
int qcow2_check_fd(int fd, int fix, struct qcow2_check_result *res,
                   FILE *log, char *errbuf, size_t errlen);

/* QEMU's metadata-preallocation heuristic: 1 when more clusters have a
 * refcount than the host file really allocates (by more than 10%), 0 when
 * not, -errno on error.  qemu-img map then looks through to the host file
 * for holes, so pvimg map does the same to report identical extents. */
int qcow2_metadata_preallocated(int fd);

/* Persistent dirty bitmaps listed in the image's bitmap directory (for
 * pvimg info; the engine does not handle bitmaps).  *OUT is malloc'ed. */
struct qcow2_bitmap_info {
    char name[1024];
    uint32_t flags;             /* bit 0 in-use, bit 1 auto */
    unsigned granularity_bits;
};
int qcow2_read_bitmaps(int fd, struct qcow2_bitmap_info **out, unsigned *n);

#endif
