/* CPU/node bitmaps printed the way xl prints them ("all", "none", "0-3,6"),
 * for xl list -n, vcpu-list and friends. */
#ifndef PV_BITMAP_FMT_H
#define PV_BITMAP_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Formats the first NBITS bits of MAP (bit i is MAP[i/8] & (1 << i%8)):
 * "none" when no bit is set, "all" when every bit is, else ascending
 * comma-separated ranges "a-b" / "a".  Returns BUF; truncates to LEN. */
char *pv_bitmap_format(const uint8_t *map, int nbits, char *buf, size_t len);

#endif
