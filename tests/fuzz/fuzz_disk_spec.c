/* libFuzzer target for the disk spec grammar (libxl/disk_spec.c).
 *
 * The input is split at newlines into up to 16 words, parsed as the words
 * of `xl block-attach DOM w1 w2 ...`; the whole input is also parsed as
 * one spec (a cfg disk= item).  Accepted disks are printed as JSON, which
 * walks every field the parser filled in. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxl/disk_spec.h"
#include "libxl/domcfg_json.h"

static void check(struct pv_device_disk *d)
{
    char *j = pv_device_disk_to_json(d);

    if (!j || !d->vdev || (!d->pdev_path && !d->removable))
        abort();    /* accepted disks always have these */
    free(j);
    pv_device_disk_dispose(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *words[16], *save = NULL, *w;
    FILE *null = fopen("/dev/null", "w");
    struct pv_device_disk d;
    int n = 0;

    if (!buf || !null)
        abort();
    memcpy(buf, data, size);
    buf[size] = 0;
    if (!pv_disk_spec_parse("fuzz", buf, &d, null))
        check(&d);
    for (w = strtok_r(buf, "\n", &save); w && n < 16;
         w = strtok_r(NULL, "\n", &save))
        words[n++] = w;
    if (!pv_disk_spec_parse_words("fuzz", n, (const char *const *)words, &d,
                                  null))
        check(&d);
    fclose(null);
    free(buf);
    return 0;
}
