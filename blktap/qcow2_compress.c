/* Compressed clusters: zlib as raw deflate with a 4 KiB window (what QEMU
 * writes: windowBits -12) and zstd frames.  Contexts are per thread so
 * convert can compress on every core.
 *
 * The deflate side has two implementations that write the same format:
 * Intel ISA-L's igzip (default when built with it) and zlib.  A zlib-type
 * cluster is valid for QEMU when it is a raw deflate stream whose
 * back-references reach at most 4096 bytes (QEMU reads it with inflate,
 * windowBits -12); igzip is told so with hist_bits = 12.  igzip runs at
 * DEFLATE_ISAL_LEVEL (see docs/benchmarks.md for the speed/size trade);
 * PVIMG_DEFLATE=zlib in the environment selects zlib at QEMU's own level
 * (Z_DEFAULT_COMPRESSION), which gives byte-for-byte qemu-img's sizes. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

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

#ifdef HAVE_ISAL
/* Level 3: the sizes stay within ~8% of zlib -6 (equal on the benchmark
 * data) at 4-7x its speed; level 1 is ~1.4x faster again but ~10% bigger
 * on binaries (docs/benchmarks.md has the figures).  See
 * docs/benchmarks.md.  PVIMG_ISAL_LEVEL (0-3) overrides it for measuring. */
#define DEFLATE_ISAL_LEVEL 3

static pthread_key_t isal_key;
static int isal_level = DEFLATE_ISAL_LEVEL;

/* The level buffer is per thread: igzip's hash tables live there, and a
 * malloc per cluster of ~340 KiB would cost an mmap each time. */
static uint8_t *isal_level_buf(void)
{
    uint8_t *b = pthread_getspecific(isal_key);
    if (!b && (b = malloc(ISAL_DEF_LVL3_DEFAULT)) && pthread_setspecific(isal_key, b)) {
        free(b);
        b = NULL;
    }
    return b;
}

static long isal_compress(void *dst, size_t cap, const void *src, size_t len)
{
    struct isal_zstream z;
    uint8_t *lb = isal_level_buf();

    if (!lb)
        return image__err(-ENOMEM, "igzip: cannot allocate the level buffer");
    isal_deflate_stateless_init(&z);
    z.level = (uint32_t)isal_level;
    z.level_buf = lb;
    z.level_buf_size = ISAL_DEF_LVL3_DEFAULT;
    z.hist_bits = 12;           /* QEMU's window: back-references <= 4096 */
    z.gzip_flag = IGZIP_DEFLATE;
    z.flush = NO_FLUSH;
    z.end_of_stream = 1;
    z.next_in = (uint8_t *)src;
    z.avail_in = (uint32_t)len;
    z.next_out = dst;
    z.avail_out = (uint32_t)cap;
    int r = isal_deflate_stateless(&z);
    if (r == STATELESS_OVERFLOW)
        return 0;               /* does not shrink: store raw */
    if (r != COMP_OK)
        return image__err(-EIO, "igzip: compression failed (%d)", r);
    return (long)z.total_out;
}
#endif

enum deflate_impl { DEFLATE_ZLIB, DEFLATE_ISAL };
static enum deflate_impl deflate_impl;
static pthread_once_t deflate_once = PTHREAD_ONCE_INIT;

static void deflate_select(void)
{
#ifdef HAVE_ISAL
    const char *e = getenv("PVIMG_DEFLATE");
    const char *l = getenv("PVIMG_ISAL_LEVEL");
    pthread_key_create(&isal_key, free);
    deflate_impl = (e && !strcmp(e, "zlib")) ? DEFLATE_ZLIB : DEFLATE_ISAL;
    if (l && l[0] >= '0' && l[0] <= '3' && !l[1])
        isal_level = l[0] - '0';
#else
    deflate_impl = DEFLATE_ZLIB;
#endif
}

const char *qcow2__deflate_name(void)
{
    pthread_once(&deflate_once, deflate_select);
    return deflate_impl == DEFLATE_ISAL ? "isal" : "zlib";
}

int qcow2__deflate_use(const char *name)
{
    pthread_once(&deflate_once, deflate_select);
    if (!strcmp(name, "zlib"))
        deflate_impl = DEFLATE_ZLIB;
#ifdef HAVE_ISAL
    else if (!strcmp(name, "isal"))
        deflate_impl = DEFLATE_ISAL;
#endif
    else
        return -ENOTSUP;
    return 0;
}

long qcow2__deflate(void *dst, size_t cap, const void *src, size_t len)
{
    pthread_once(&deflate_once, deflate_select);
#ifdef HAVE_ISAL
    if (deflate_impl == DEFLATE_ISAL)
        return isal_compress(dst, cap, src, len);
#endif
    return zlib_compress(dst, cap, src, len);
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
                                                 : qcow2__deflate(dst, cap, src, cs);
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
