/* Shared helpers for the image engine unit tests: temporary files and a
 * minimal qcow2 image kept as hex patches (512 B clusters, 1 MiB disk):
 *   0x000 header (v3, 104 bytes, no extensions)
 *   0x200 refcount table  -> 0x400
 *   0x400 refcount block  (clusters 0-3: refcount 1)
 *   0x600 L1 table        (32 entries, empty)
 * Tests poke single fields to build each corrupt case. */
#ifndef TEST_IMG_FIXTURE_H
#define TEST_IMG_FIXTURE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX_SIZE 2048

static const struct { unsigned off; const char *hex; } fixture_base[] = {
    { 0x000, "514649fb00000003" "0000000000000000" "00000000" "00000009"
             "0000000000100000" "00000000" "00000020" "0000000000000600"
             "0000000000000200" "00000001" "00000000" "0000000000000000" },
    { 0x048, "0000000000000000" "0000000000000000" "0000000000000000"
             "00000004" "00000068" },
    { 0x200, "0000000000000400" },
    { 0x400, "0001000100010001" },
};

static inline void hex_patch(uint8_t *buf, unsigned off, const char *hex)
{
    for (unsigned i = 0; hex[2 * i]; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        buf[off + i] = v;
    }
}

static inline void put_be32(uint8_t *b, unsigned off, uint32_t v)
{
    b[off] = v >> 24; b[off + 1] = v >> 16; b[off + 2] = v >> 8; b[off + 3] = v;
}

static inline void put_be64(uint8_t *b, unsigned off, uint64_t v)
{
    put_be32(b, off, v >> 32);
    put_be32(b, off + 4, (uint32_t)v);
}

static inline void fixture_build(uint8_t *buf)
{
    memset(buf, 0, FIX_SIZE);
    for (unsigned i = 0; i < sizeof(fixture_base) / sizeof(fixture_base[0]); i++)
        hex_patch(buf, fixture_base[i].off, fixture_base[i].hex);
}

static inline char *tmp_path(const char *tag)
{
    static char p[8][128];
    static int n;
    char *s = p[n++ % 8];
    snprintf(s, 128, "/tmp/pvimg-test-%d-%s", (int)getpid(), tag);
    return s;
}

static inline void write_file(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
        abort();
    close(fd);
}

static inline void read_at(const char *path, void *buf, size_t len, off_t off)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0 || pread(fd, buf, len, off) != (ssize_t)len)
        abort();
    close(fd);
}

#endif
