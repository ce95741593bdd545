#include "libxl/bitmap_fmt.h"

#include <stdio.h>
#include <string.h>

static int bit(const uint8_t *map, int i)
{
    return (map[i / 8] >> (i % 8)) & 1;
}

char *pv_bitmap_format(const uint8_t *map, int nbits, char *buf, size_t len)
{
    size_t used = 0;
    int i = 0, start, nruns = 0;

    if (!len)
        return buf;
    buf[0] = 0;
    while (i < nbits) {
        if (!bit(map, i)) {
            i++;
            continue;
        }
        start = i;
        while (i < nbits && bit(map, i))
            i++;
        /* One run covering every bit is "all", as xl says it. */
        if (start == 0 && i == nbits && !nruns) {
            snprintf(buf, len, "all");
            return buf;
        }
        if (used < len)
            used += snprintf(buf + used, len - used, "%s%d", nruns ? "," : "", start);
        if (i - 1 > start && used < len)
            used += snprintf(buf + used, len - used, "-%d", i - 1);
        nruns++;
    }
    if (!nruns)
        snprintf(buf, len, "none");
    return buf;
}
