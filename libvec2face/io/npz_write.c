/* A minimal .npz writer: float32 2-D members as .npy 1.0, stored (no
 * compression) in a zip with CRC32, written atomically. numpy.load and
 * v2f_npz_read read it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "io/atomic_file.h"
#include "io/npz_write.h"

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* The .npy header of a rows x cols float32 array, padded to 64 bytes. */
static size_t npy_header(char *h, size_t rows, size_t cols)
{
    char dict[160];
    int n = snprintf(dict, sizeof dict,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': "
                     "(%zu, %zu), }", rows, cols);
    size_t total = 10 + (size_t)n + 1, pad = (64 - total % 64) % 64;
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    put16((uint8_t *)h + 8, (uint32_t)(n + pad + 1));
    memcpy(h + 10, dict, (size_t)n);
    memset(h + 10 + n, ' ', pad);
    h[10 + n + pad] = '\n';
    return total + pad;
}

v2f_status v2f__npz_write(const char *path, const v2f__npz_member *m,
                          size_t count)
{
    v2f__atomic_file af;
    uint8_t cdir[16][46 + 64];
    size_t cdir_len[16];
    uint32_t offset = 0, cdsize = 0;
    size_t i;
    v2f_status st;
    uint8_t eocd[22];

    if (count > 16)
        return v2f__fail(V2F_E_INTERNAL, "too many npz members");
    st = v2f__atomic_open(&af, path);
    if (st != V2F_OK)
        return st;
    for (i = 0; i < count; i++) {
        char hdr[256], name[64];
        size_t hlen = npy_header(hdr, m[i].rows, m[i].cols);
        size_t nlen = (size_t)snprintf(name, sizeof name, "%s.npy", m[i].name);
        uint64_t dbytes = (uint64_t)m[i].rows * m[i].cols * sizeof(float);
        uint64_t size = hlen + dbytes;
        uLong crc = crc32(0L, Z_NULL, 0);
        uint8_t lh[30];
        const uint8_t *d = (const uint8_t *)m[i].data;
        uint64_t left = dbytes;

        if (size >= 0xffffffffu || (uint64_t)offset + 30 + nlen + size >= 0xffffffffu) {
            v2f__atomic_abort(&af);
            return v2f__fail(V2F_E_OVERFLOW, "'%s': member '%s' is too large "
                             "for this writer (4 GiB)", path, m[i].name);
        }
        crc = crc32(crc, (const Bytef *)hdr, (uInt)hlen);
        while (left > 0) {
            uInt step = left > (1u << 30) ? (1u << 30) : (uInt)left;
            crc = crc32(crc, d, step);
            d += step;
            left -= step;
        }
        memset(lh, 0, sizeof lh);
        put32(lh, 0x04034b50);
        put16(lh + 4, 20);
        put32(lh + 14, (uint32_t)crc);
        put32(lh + 18, (uint32_t)size);
        put32(lh + 22, (uint32_t)size);
        put16(lh + 26, (uint32_t)nlen);
        if (fwrite(lh, 1, 30, af.fp) != 30 || fwrite(name, 1, nlen, af.fp) != nlen
            || fwrite(hdr, 1, hlen, af.fp) != hlen
            || (dbytes && fwrite(m[i].data, 1, (size_t)dbytes, af.fp) != dbytes)) {
            v2f__atomic_abort(&af);
            return v2f__fail(V2F_E_IO, "cannot write '%s'", path);
        }
        memset(cdir[i], 0, 46);
        put32(cdir[i], 0x02014b50);
        put16(cdir[i] + 4, 20);
        put16(cdir[i] + 6, 20);
        put32(cdir[i] + 16, (uint32_t)crc);
        put32(cdir[i] + 20, (uint32_t)size);
        put32(cdir[i] + 24, (uint32_t)size);
        put16(cdir[i] + 28, (uint32_t)nlen);
        put32(cdir[i] + 42, offset);
        memcpy(cdir[i] + 46, name, nlen);
        cdir_len[i] = 46 + nlen;
        offset += (uint32_t)(30 + nlen + size);
    }
    for (i = 0; i < count; i++) {
        if (fwrite(cdir[i], 1, cdir_len[i], af.fp) != cdir_len[i]) {
            v2f__atomic_abort(&af);
            return v2f__fail(V2F_E_IO, "cannot write '%s'", path);
        }
        cdsize += (uint32_t)cdir_len[i];
    }
    memset(eocd, 0, sizeof eocd);
    put32(eocd, 0x06054b50);
    put16(eocd + 8, (uint32_t)count);
    put16(eocd + 10, (uint32_t)count);
    put32(eocd + 12, cdsize);
    put32(eocd + 16, offset);
    if (fwrite(eocd, 1, 22, af.fp) != 22) {
        v2f__atomic_abort(&af);
        return v2f__fail(V2F_E_IO, "cannot write '%s'", path);
    }
    return v2f__atomic_commit(&af);
}
