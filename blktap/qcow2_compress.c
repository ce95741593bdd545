/* Compressed clusters: zlib as raw deflate with a 4 KiB window (what QEMU
 * writes: windowBits -12) and zstd frames.  Contexts are per thread so
 * convert can compress on every core. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "blktap/image_int.h"
#include "blktap/qcow2_int.h"

static __thread ZSTD_CCtx *zcctx;
static __thread ZSTD_DCtx *zdctx;

static long zlib_compress(void *dst, size_t cap, const void *src, size_t len)
{
    z_stream s;
    long out;
    int r;

    memset(&s, 0, sizeof(s));
    if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return image__err(-ENOMEM, "zlib: cannot initialise the compressor");
    s.next_in = (Bytef *)src;
    s.avail_in = len;
    s.next_out = dst;
    s.avail_out = cap;
    r = deflate(&s, Z_FINISH);
    out = (r == Z_STREAM_END) ? (long)(cap - s.avail_out) : 0;  /* no room: store raw */
    deflateEnd(&s);
    return out;
}

static int zlib_decompress(void *dst, size_t dlen, const void *src, size_t slen)
{
    z_stream s;
    int r;

    memset(&s, 0, sizeof(s));
    if (inflateInit2(&s, -12) != Z_OK)
        return image__err(-ENOMEM, "zlib: cannot initialise the decompressor");
    s.next_in = (Bytef *)src;
    s.avail_in = slen;
    s.next_out = dst;
    s.avail_out = dlen;
    r = inflate(&s, Z_FINISH);
    /* The data may end before the sector does; a full cluster is enough. */
    bool ok = (r == Z_STREAM_END || r == Z_BUF_ERROR || r == Z_OK) && s.avail_out == 0;
    inflateEnd(&s);
    return ok ? 0 : -EIO;
}

static long zstd_compress(void *dst, size_t cap, const void *src, size_t len)
{
    size_t r;

    if (!zcctx && !(zcctx = ZSTD_createCCtx()))
        return image__err(-ENOMEM, "zstd: cannot create a context");
    r = ZSTD_compressCCtx(zcctx, dst, cap, src, len, ZSTD_CLEVEL_DEFAULT);
    if (ZSTD_isError(r))
        return 0;   /* does not fit: store raw */
    return r;
}

static int zstd_decompress(void *dst, size_t dlen, const void *src, size_t slen)
{
    ZSTD_inBuffer in = { src, slen, 0 };
    ZSTD_outBuffer out = { dst, dlen, 0 };

    if (!zdctx && !(zdctx = ZSTD_createDCtx()))
        return image__err(-ENOMEM, "zstd: cannot create a context");
    ZSTD_DCtx_reset(zdctx, ZSTD_reset_session_only);
    /* Stop once a whole cluster came out: the tail of the last sector may
     * hold the next compressed cluster. */
    while (out.pos < out.size) {
        size_t r = ZSTD_decompressStream(zdctx, &out, &in);
        if (ZSTD_isError(r))
            return -EIO;
        if (r == 0 && out.pos < out.size)
            return -EIO;    /* frame ended early */
        if (in.pos == in.size && out.pos < out.size)
            return -EIO;
    }
    return 0;
}

long qcow2__compress(struct qcow2 *q, void *dst, size_t cap, const void *src)
{
    size_t cs = q->cluster_size;
    long r;

    /* Only worth it if the result is smaller than a cluster (as QEMU). */
    if (cap > cs - 1)
        cap = cs - 1;
    r = q->h.compression_type == IMAGE_COMP_ZSTD ? zstd_compress(dst, cap, src, cs)
                                                 : zlib_compress(dst, cap, src, cs);
    return r;
}

int qcow2__decompress(struct qcow2 *q, void *dst, const void *src, size_t slen)
{
    int rc = q->h.compression_type == IMAGE_COMP_ZSTD
                 ? zstd_decompress(dst, q->cluster_size, src, slen)
                 : zlib_decompress(dst, q->cluster_size, src, slen);
    if (rc)
        return image__err(rc, "'%s': cannot decompress a %s cluster (damaged data?)",
                          q->img->filename,
                          image_compression_name(q->h.compression_type));
    return 0;
}
