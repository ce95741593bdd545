/* libFuzzer target for blktap/qcow2_check.c: the checker must survive any
 * file (no crash, no unbounded allocation, no endless loop), read-only and
 * while repairing.  The input becomes an in-memory file (memfd). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blktap/qcow2_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    int fd = memfd_create("fuzz-qcow2", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    struct qcow2_check_result r;
    char why[256];
    qcow2_check_fd(fd, 0, &r, devnull, why, sizeof(why));
    /* a repair, then the check that must converge */
    if (qcow2_check_fd(fd, QCOW2_FIX_LEAKS | QCOW2_FIX_ERRORS, &r, devnull, why, sizeof(why)) == 0)
        qcow2_check_fd(fd, 0, &r, devnull, why, sizeof(why));
    qcow2_metadata_preallocated(fd);
    close(fd);
    return 0;
}
