/* libFuzzer target for the deflate that writes zlib-type qcow2 clusters
 * (ISA-L igzip and zlib, blktap/qcow2_compress.c).  The input is a small
 * program that builds one cluster - literals, runs, and copies from up to
 * 32 KiB back, so repeats land on both sides of QEMU's 4 KiB window - and
 * the stream each implementation makes must inflate, through a strict
 * 4 KiB window (one output byte per call, as in test_img_deflate), to
 * exactly the cluster.  A cluster that does not shrink must come back as
 * 0 (stored uncompressed). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "blktap/qcow2_int.h"

static uint8_t cluster[65536], out[65536], back[65536 + 1];

static int inflate_strict(const uint8_t *c, size_t clen, size_t len)
{
    z_stream s;
    int r = Z_OK;

    memset(&s, 0, sizeof(s));
    if (inflateInit2(&s, -12) != Z_OK)
        abort();
    s.next_in = (Bytef *)c;
    s.avail_in = (uInt)clen;
    s.next_out = back;
    while (r == Z_OK && s.total_out <= len) {
        s.avail_out = 1;
        r = inflate(&s, Z_NO_FLUSH);
    }
    int ok = r == Z_STREAM_END && s.total_out == len && s.avail_in == 0 &&
             !memcmp(back, cluster, len);
    inflateEnd(&s);
    return ok ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *impls[] = { "isal", "zlib" };
    if (size < 2)
        return 0;
    size_t len = (size_t)512 << (data[0] % 8);      /* 512 B .. 64 KiB */
    size_t i = 0, p = 1;
    while (i < len) {
        uint8_t op = p < size ? data[p++] : 0;
        size_t n = 1 + (op & 0x3f) * (op & 0x40 ? 64 : 1);
        if (n > len - i)
            n = len - i;
        if ((op & 0x80) && p + 1 < size && i > 0) {  /* copy from distance d */
            size_t d = 1 + (((size_t)data[p] << 8 | data[p + 1]) % 32768);
            p += 2;
            for (size_t k = 0; k < n; k++, i++)
                cluster[i] = i >= d ? cluster[i - d] : (uint8_t)(i * 131);
        } else if (op & 0x40) {                      /* run */
            memset(cluster + i, p < size ? data[p] : 0, n);
            i += n;
        } else {                                     /* literals */
            for (size_t k = 0; k < n; k++, i++)
                cluster[i] = p < size ? data[p++] : (uint8_t)(i * 2654435761u >> 24);
        }
    }
    for (int m = 0; m < 2; m++) {
        if (qcow2__deflate_use(impls[m]))
            continue;
        long c = qcow2__deflate(out, len - 1, cluster, len);
        if (c < 0 || (size_t)c >= len)
            abort();
        if (c > 0 && inflate_strict(out, (size_t)c, len))
            abort();
    }
    return 0;
}
