/* .npz files: a minimal zip reader (end of central directory, central
 * directory, local header; zip64 fields; stored or deflated members; CRC32
 * check) feeding the .npy parser. Every offset and size read from the file
 * is checked against the file size before use. */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <zlib.h>

#include "array.h"
#include "npy.h"

#define EOCD_SIZE 22u
#define MAX_COMMENT 65535u
#define CDIR_SIZE 46u
#define LOCAL_SIZE 30u
#define NO_ENTRY ((size_t)-1)
/* Deflate cannot expand more than about 1032:1. */
#define MAX_DEFLATE_RATIO 1032u

struct zip {
    FILE *f;
    const char *path;
    uint64_t size;
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static v2f_status bad_zip(const struct zip *z, const char *why)
{
    return v2f__fail(V2F_E_FORMAT, "'%s' is not a valid .npz (zip) file: %s",
                     z->path, why);
}

static v2f_status seek_to(struct zip *z, uint64_t off)
{
    if (off > z->size || fseeko(z->f, (off_t)off, SEEK_SET) != 0)
        return v2f__fail(V2F_E_IO, "cannot seek in '%s': %s", z->path,
                         strerror(errno ? errno : EINVAL));
    return V2F_OK;
}

static v2f_status read_exact(struct zip *z, void *buf, size_t n)
{
    errno = 0;
    if (fread(buf, 1, n, z->f) == n)
        return V2F_OK;
    if (ferror(z->f))
        return v2f__fail(V2F_E_IO, "cannot read '%s': %s", z->path,
                         strerror(errno ? errno : EIO));
    return bad_zip(z, "unexpected end of file");
}

/* Read n bytes at off, which must lie inside the file. */
static v2f_status read_at(struct zip *z, uint64_t off, void *buf, size_t n)
{
    v2f_status st;
    if (off > z->size || n > z->size - off)
        return bad_zip(z, "an offset points past the end of the file");
    st = seek_to(z, off);
    return st != V2F_OK ? st : read_exact(z, buf, n);
}

struct cdir {
    uint64_t entries, size, offset;
};

static v2f_status find_cdir(struct zip *z, struct cdir *cd)
{
    uint8_t *tail;
    size_t tail_len, i;
    uint64_t tail_off, eocd = 0;
    int found = 0;
    v2f_status st;
    uint8_t *e;

    if (z->size < EOCD_SIZE)
        return bad_zip(z, "too short");
    tail_len = (size_t)(z->size < EOCD_SIZE + MAX_COMMENT
                            ? z->size : EOCD_SIZE + MAX_COMMENT);
    tail_off = z->size - tail_len;
    tail = malloc(tail_len);
    if (!tail)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    st = read_at(z, tail_off, tail, tail_len);
    if (st != V2F_OK) {
        free(tail);
        return st;
    }
    /* Search backwards for a record whose comment fits in the file. */
    for (i = tail_len - EOCD_SIZE + 1; i-- > 0;) {
        if (memcmp(tail + i, "PK\5\6", 4) == 0
            && i + EOCD_SIZE + rd16(tail + i + 20) <= tail_len) {
            found = 1;
            break;
        }
    }
    if (!found) {
        free(tail);
        return bad_zip(z, "no end of central directory record");
    }
    e = tail + i;
    eocd = tail_off + i;
    if (rd16(e + 4) != 0 || rd16(e + 6) != 0) {
        free(tail);
        return bad_zip(z, "multi-disk archives are not supported");
    }
    cd->entries = rd16(e + 10);
    cd->size = rd32(e + 12);
    cd->offset = rd32(e + 16);
    /* zip64: a locator just before the record points to the zip64 end of
     * central directory with 64-bit counts. */
    if (i >= 20 && memcmp(e - 20, "PK\6\7", 4) == 0) {
        uint8_t z64[56];
        uint64_t z64_off = rd64(e - 20 + 8);
        free(tail);
        st = read_at(z, z64_off, z64, sizeof z64);
        if (st != V2F_OK)
            return st;
        if (memcmp(z64, "PK\6\6", 4) != 0)
            return bad_zip(z, "bad zip64 end of central directory");
        if (rd32(z64 + 16) != 0 || rd32(z64 + 20) != 0)
            return bad_zip(z, "multi-disk archives are not supported");
        cd->entries = rd64(z64 + 32);
        cd->size = rd64(z64 + 40);
        cd->offset = rd64(z64 + 48);
        eocd = z64_off;
    } else {
        free(tail);
        if (cd->entries == 0xffff || cd->size == 0xffffffffu
            || cd->offset == 0xffffffffu)
            return bad_zip(z, "zip64 fields without a zip64 locator");
    }
    if (cd->offset > eocd || cd->size > eocd - cd->offset)
        return bad_zip(z, "the central directory lies outside the file");
    if (cd->entries > cd->size / CDIR_SIZE)
        return bad_zip(z, "more entries than the central directory holds");
    return V2F_OK;
}

struct entry {
    const uint8_t *name;
    size_t name_len;
    uint16_t flags, method;
    uint32_t crc;
    uint64_t csize, usize, offset;
};

/* Parse central directory entry at *pos of the in-memory directory. */
static int parse_entry(const uint8_t *dir, size_t dir_len, size_t *pos,
                       struct entry *en)
{
    const uint8_t *p = dir + *pos, *x, *xend;
    size_t n, m, k;
    if (dir_len - *pos < CDIR_SIZE || memcmp(p, "PK\1\2", 4) != 0)
        return 0;
    n = rd16(p + 28);
    m = rd16(p + 30);
    k = rd16(p + 32);
    if (dir_len - *pos - CDIR_SIZE < n + m + k)
        return 0;
    en->flags = rd16(p + 8);
    en->method = rd16(p + 10);
    en->crc = rd32(p + 16);
    en->csize = rd32(p + 20);
    en->usize = rd32(p + 24);
    en->offset = rd32(p + 42);
    en->name = p + CDIR_SIZE;
    en->name_len = n;
    /* zip64 extra field (id 1): 64-bit values for the fields that are
     * 0xffffffff, in the order usize, csize, offset. */
    x = p + CDIR_SIZE + n;
    xend = x + m;
    while (xend - x >= 4) {
        uint16_t id = rd16(x), len = rd16(x + 2);
        const uint8_t *v = x + 4, *vend = v + len;
        if (len > xend - v)
            return 0;
        if (id == 1) {
            if (en->usize == 0xffffffffu) {
                if (vend - v < 8) return 0;
                en->usize = rd64(v); v += 8;
            }
            if (en->csize == 0xffffffffu) {
                if (vend - v < 8) return 0;
                en->csize = rd64(v); v += 8;
            }
            if (en->offset == 0xffffffffu) {
                if (vend - v < 8) return 0;
                en->offset = rd64(v);
            }
        }
        x = vend;
    }
    *pos += CDIR_SIZE + n + m + k;
    return 1;
}

static int name_is(const struct entry *en, const char *name, const char *ext)
{
    size_t a = strlen(name), b = strlen(ext);
    return en->name_len == a + b && memcmp(en->name, name, a) == 0
           && memcmp(en->name + a, ext, b) == 0;
}

/* Append a printable member name (".npy" dropped) to a list. */
static void list_add(char *list, size_t cap, const struct entry *en)
{
    size_t len = strlen(list), n = en->name_len, i;
    if (n >= 4 && memcmp(en->name + n - 4, ".npy", 4) == 0)
        n -= 4;
    if (len + n + 8 >= cap) {
        if (len + 4 < cap && (len < 3 || strcmp(list + len - 3, "...") != 0))
            strcat(list, len ? ", ..." : "...");
        return;
    }
    if (len)
        strcat(list, ", ");
    len = strlen(list);
    for (i = 0; i < n; i++)
        list[len++] = (en->name[i] >= 32 && en->name[i] < 127)
                          ? (char)en->name[i] : '?';
    list[len] = '\0';
}

/* ---- reading one member ---- */

struct member_src {
    struct zip *z;
    const char *what;
    int method;
    uint64_t in_left;      /* compressed bytes not yet read */
    uint32_t crc;
    int stream_end;
    z_stream zs;
    uint8_t in[65536];
};

static v2f_status member_read(void *ctx, void *buf, size_t n)
{
    struct member_src *s = ctx;
    uint8_t *out = buf;
    size_t left = n;
    v2f_status st;

    while (left > 0) {
        uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
        if (s->method == 0) {
            if (chunk > s->in_left)
                return v2f__fail(V2F_E_FORMAT, "%s: stored data truncated",
                                 s->what);
            st = read_exact(s->z, out, chunk);
            if (st != V2F_OK)
                return st;
            s->in_left -= chunk;
        } else {
            s->zs.next_out = out;
            s->zs.avail_out = chunk;
            while (s->zs.avail_out > 0) {
                int ret;
                if (s->zs.avail_in == 0 && s->in_left > 0) {
                    size_t k = s->in_left < sizeof s->in ? (size_t)s->in_left
                                                         : sizeof s->in;
                    st = read_exact(s->z, s->in, k);
                    if (st != V2F_OK)
                        return st;
                    s->in_left -= k;
                    s->zs.next_in = s->in;
                    s->zs.avail_in = (uInt)k;
                }
                if (s->stream_end)
                    return v2f__fail(V2F_E_FORMAT, "%s: deflated data ends "
                                     "before the declared size", s->what);
                ret = inflate(&s->zs, Z_NO_FLUSH);
                if (ret == Z_STREAM_END) {
                    s->stream_end = 1;
                } else if (ret == Z_BUF_ERROR && s->zs.avail_in == 0
                           && s->in_left == 0) {
                    return v2f__fail(V2F_E_FORMAT, "%s: deflated data "
                                     "truncated", s->what);
                } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
                    return v2f__fail(V2F_E_FORMAT, "%s: corrupt deflated "
                                     "data: %s", s->what,
                                     s->zs.msg ? s->zs.msg : zError(ret));
                }
            }
        }
        s->crc = (uint32_t)crc32(s->crc, out, chunk);
        out += chunk;
        left -= chunk;
    }
    return V2F_OK;
}

/* After the declared size was read: the stream must end there. */
static v2f_status member_finish(struct member_src *s, uint32_t want_crc)
{
    if (s->method == 8 && !s->stream_end) {
        uint8_t extra;
        int ret;
        for (;;) {
            if (s->zs.avail_in == 0 && s->in_left > 0) {
                size_t k = s->in_left < sizeof s->in ? (size_t)s->in_left
                                                     : sizeof s->in;
                v2f_status st = read_exact(s->z, s->in, k);
                if (st != V2F_OK)
                    return st;
                s->in_left -= k;
                s->zs.next_in = s->in;
                s->zs.avail_in = (uInt)k;
            }
            s->zs.next_out = &extra;
            s->zs.avail_out = 1;
            ret = inflate(&s->zs, Z_NO_FLUSH);
            if (s->zs.avail_out == 0)
                return v2f__fail(V2F_E_FORMAT, "%s: deflated data is longer "
                                 "than the declared size", s->what);
            if (ret == Z_STREAM_END)
                break;
            if (ret != Z_OK)
                return v2f__fail(V2F_E_FORMAT, "%s: deflated data does not "
                                 "end at the declared size", s->what);
        }
    }
    if (s->crc != want_crc)
        return v2f__fail(V2F_E_FORMAT, "%s: CRC32 mismatch (archive says "
                         "%08" PRIx32 ", data gives %08" PRIx32 ")", s->what,
                         want_crc, s->crc);
    return V2F_OK;
}

static v2f_status read_member(struct zip *z, const struct entry *en,
                              const char *what, v2f_array **out)
{
    uint8_t lh[LOCAL_SIZE];
    uint64_t data_off;
    struct member_src *s;
    v2f__reader r;
    v2f_status st;

    if (en->flags & 1)
        return v2f__fail(V2F_E_FORMAT, "%s is encrypted", what);
    if (en->method != 0 && en->method != 8)
        return v2f__fail(V2F_E_FORMAT, "%s uses compression method %u; only "
                         "stored (0) and deflated (8) are supported", what,
                         (unsigned)en->method);
    if (en->method == 0 && en->csize != en->usize)
        return v2f__fail(V2F_E_FORMAT, "%s: stored member with different "
                         "compressed and uncompressed sizes", what);
    if (en->method == 8 && en->usize / MAX_DEFLATE_RATIO > en->csize + 1)
        return v2f__fail(V2F_E_FORMAT, "%s claims %" PRIu64 " bytes from %"
                         PRIu64 " compressed, more than deflate can give",
                         what, en->usize, en->csize);
    st = read_at(z, en->offset, lh, sizeof lh);
    if (st != V2F_OK)
        return st;
    if (memcmp(lh, "PK\3\4", 4) != 0)
        return bad_zip(z, "a member's local header is missing");
    /* Sizes come from the central directory: numpy writes local headers
     * with the zip64 marker values (0xFFFFFFFF). Only the name/extra lengths are used. */
    data_off = en->offset + LOCAL_SIZE + rd16(lh + 26) + rd16(lh + 28);
    if (data_off > z->size || en->csize > z->size - data_off)
        return bad_zip(z, "a member's data runs past the end of the file");

    s = calloc(1, sizeof *s);
    if (!s)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    s->z = z;
    s->what = what;
    s->method = en->method;
    s->in_left = en->csize;
    s->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    if (s->method == 8 && inflateInit2(&s->zs, -MAX_WBITS) != Z_OK) {
        free(s);
        return v2f__fail(V2F_E_NO_MEMORY, "zlib: cannot start inflate");
    }
    st = seek_to(z, data_off);
    if (st == V2F_OK) {
        r.read = member_read;
        r.ctx = s;
        st = v2f__npy_parse(&r, en->usize, what, out);
    }
    if (st == V2F_OK) {
        st = member_finish(s, en->crc);
        if (st != V2F_OK) {
            v2f_array_free(*out);
            *out = NULL;
        }
    }
    if (s->method == 8)
        inflateEnd(&s->zs);
    free(s);
    return st;
}

static v2f_status npz_read(struct zip *z, const char *name, v2f_array **out)
{
    struct cdir cd = {0, 0, 0};
    struct entry en, found;
    uint8_t *dir;
    size_t pos = 0, i;
    int have_exact = 0, have_npy = 0;
    char names[512], *what;
    size_t wlen;
    v2f_status st;

    st = find_cdir(z, &cd);
    if (st != V2F_OK)
        return st;
    dir = malloc(cd.size ? (size_t)cd.size : 1);
    if (!dir)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    st = read_at(z, cd.offset, dir, (size_t)cd.size);
    if (st != V2F_OK) {
        free(dir);
        return st;
    }
    names[0] = '\0';
    memset(&found, 0, sizeof found);
    for (i = 0; i < cd.entries; i++) {
        if (!parse_entry(dir, (size_t)cd.size, &pos, &en)) {
            free(dir);
            return bad_zip(z, "corrupt central directory entry");
        }
        list_add(names, sizeof names, &en);
        if (!have_exact && name_is(&en, name, "")) {
            found = en;
            have_exact = 1;
        } else if (!have_exact && !have_npy && name_is(&en, name, ".npy")) {
            found = en;
            have_npy = 1;
        }
    }
    if (!have_exact && !have_npy) {
        st = v2f__fail(V2F_E_FORMAT, "'%s' has no member '%s' (members: %s)",
                       z->path, name, cd.entries ? names : "none");
        free(dir);
        return st;
    }
    wlen = found.name_len + strlen(z->path) + 32;
    what = malloc(wlen);
    if (!what) {
        free(dir);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    }
    snprintf(what, wlen, "member '%.*s' of '%s'", (int)found.name_len,
             (const char *)found.name, z->path);
    st = read_member(z, &found, what, out);
    free(what);
    free(dir);
    return st;
}

v2f_status v2f_npz_read(const char *path, const char *name, v2f_array **out)
{
    struct zip z;
    struct stat sb;
    v2f_status st;
    int err;

    if (out)
        *out = NULL;
    if (!path || !name || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_npz_read: %s is NULL",
                         !path ? "path" : !name ? "name" : "out");
    z.path = path;
    z.f = fopen(path, "rb");
    if (!z.f)
        return v2f__fail(V2F_E_IO, "cannot open '%s': %s", path,
                         strerror(errno));
    if (fstat(fileno(z.f), &sb) != 0) {
        err = errno;
        fclose(z.f);
        return v2f__fail(V2F_E_IO, "cannot stat '%s': %s", path,
                         strerror(err));
    }
    if (!S_ISREG(sb.st_mode)) {
        fclose(z.f);
        return v2f__fail(V2F_E_IO, "'%s' is not a regular file", path);
    }
    z.size = (uint64_t)sb.st_size;
    st = npz_read(&z, name, out);
    fclose(z.f);
    return st;
}
