/* Structural checks on TorchScript zip archives (see model_precheck.h). */
#define _POSIX_C_SOURCE 200809L
#include "model_precheck.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_Z64_LOCATOR 0x07064b50u
#define SIG_Z64_EOCD 0x06064b50u
#define EOCD_SIZE 22u
#define Z64_LOCATOR_SIZE 20u
#define Z64_EOCD_SIZE 56u
#define CENTRAL_SIZE 46u
#define LOCAL_SIZE 30u
/* Deflate cannot expand more than about 1032:1; more is a crafted stream. */
#define DEFLATE_MAX_RATIO 1032u

/* Where the bytes come from: a caller's buffer or a file descriptor. */
typedef struct source {
    const uint8_t *buf;
    int fd;
    uint64_t size;
} source;

typedef struct entry {
    const uint8_t *name;   /* points into the central directory copy */
    uint32_t name_len;
    uint16_t method;
    uint16_t flags;
    uint64_t csize, usize, local_off;
    uint64_t data_end;     /* filled from the local header */
} entry;

typedef struct check {
    const char *name;
    source src;
    v2f__model_limits lim;
    uint8_t *cd;           /* central directory copy */
    entry *entries;
} check;

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

/* V2F_E_MODEL with the common prefix; always returns V2F_E_MODEL. */
static v2f_status bad(const check *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static v2f_status bad(const check *c, const char *fmt, ...)
{
    char reason[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return v2f__fail(V2F_E_MODEL, "%s: not a loadable TorchScript file: %s",
                     c->name, reason);
}

/* Read len bytes at off; out of range is a format error, a failed read
 * an I/O error. */
static v2f_status read_at(const check *c, uint64_t off, void *dst, size_t len,
                          const char *what)
{
    if (off > c->src.size || len > c->src.size - off)
        return bad(c, "%s at offset %llu (+%zu bytes) lies beyond the end of "
                   "the file (%llu bytes); truncated?", what,
                   (unsigned long long)off, len, (unsigned long long)c->src.size);
    if (c->src.buf) {
        memcpy(dst, c->src.buf + off, len);
        return V2F_OK;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(c->src.fd, (uint8_t *)dst + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0)
            return v2f__fail(V2F_E_IO, "%s: cannot read %s: %s", c->name, what,
                             r < 0 ? strerror(errno) : "file shrank while reading");
        got += (size_t)r;
    }
    return V2F_OK;
}

/* The central directory's place, from the EOCD and, when present, the
 * zip64 records. */
typedef struct dir_loc {
    uint64_t entries, cd_size, cd_off;
    uint64_t cd_limit;     /* the first byte after room for the directory */
} dir_loc;

static v2f_status find_eocd(const check *c, dir_loc *loc)
{
    uint64_t size = c->src.size;
    size_t tail_len = (size_t)(size < EOCD_SIZE + 65535u ? size : EOCD_SIZE + 65535u);
    uint8_t *tail;
    uint64_t eocd_off = UINT64_MAX;
    v2f_status s;

    if (size < EOCD_SIZE)
        return bad(c, "%llu bytes is too short for a zip archive",
                   (unsigned long long)size);
    tail = malloc(tail_len);
    if (!tail) return v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory", c->name);
    if ((s = read_at(c, size - tail_len, tail, tail_len, "end of file"))) {
        free(tail);
        return s;
    }
    /* The record ends the file: its comment length must reach the end. */
    for (size_t i = tail_len - EOCD_SIZE + 1; i-- > 0;) {
        if (rd32(tail + i) == SIG_EOCD &&
            i + EOCD_SIZE + rd16(tail + i + 20) == tail_len) {
            eocd_off = size - tail_len + i;
            break;
        }
    }
    if (eocd_off == UINT64_MAX) {
        free(tail);
        return bad(c, "no zip end-of-central-directory record (a TorchScript "
                   "file is a zip archive; this one is not, or is truncated)");
    }
    const uint8_t *e = tail + (eocd_off - (size - tail_len));
    uint16_t disk = rd16(e + 4), cd_disk = rd16(e + 6);
    uint64_t n_disk = rd16(e + 8), n_total = rd16(e + 10);
    uint64_t cd_size = rd32(e + 12), cd_off = rd32(e + 16);
    free(tail);

    loc->cd_limit = eocd_off;
    if (eocd_off >= Z64_LOCATOR_SIZE) {
        uint8_t l[Z64_LOCATOR_SIZE], z[Z64_EOCD_SIZE];
        if ((s = read_at(c, eocd_off - Z64_LOCATOR_SIZE, l, sizeof l, "zip64 locator")))
            return s;
        if (rd32(l) == SIG_Z64_LOCATOR) {
            uint64_t z_off = rd64(l + 8);
            if (rd32(l + 4) != 0 || rd32(l + 16) > 1)
                return bad(c, "multi-disk zip archives are not supported");
            if (z_off > eocd_off - Z64_LOCATOR_SIZE ||
                eocd_off - Z64_LOCATOR_SIZE - z_off < Z64_EOCD_SIZE)
                return bad(c, "zip64 end record offset %llu is out of place",
                           (unsigned long long)z_off);
            if ((s = read_at(c, z_off, z, sizeof z, "zip64 end record")))
                return s;
            if (rd32(z) != SIG_Z64_EOCD)
                return bad(c, "bad zip64 end record signature at offset %llu",
                           (unsigned long long)z_off);
            if (rd32(z + 16) != 0 || rd32(z + 20) != 0)
                return bad(c, "multi-disk zip archives are not supported");
            /* A 32-bit field that is not the zip64 marker must agree. */
            if ((n_disk != 0xFFFF && n_disk != rd64(z + 24)) ||
                (n_total != 0xFFFF && n_total != rd64(z + 32)) ||
                (cd_size != 0xFFFFFFFFu && cd_size != rd64(z + 40)) ||
                (cd_off != 0xFFFFFFFFu && cd_off != rd64(z + 48)))
                return bad(c, "zip64 end record disagrees with the end record");
            n_disk = rd64(z + 24);
            n_total = rd64(z + 32);
            cd_size = rd64(z + 40);
            cd_off = rd64(z + 48);
            loc->cd_limit = z_off;
            disk = cd_disk = 0;
        }
    }
    if (disk != 0 || cd_disk != 0 || n_disk != n_total)
        return bad(c, "multi-disk zip archives are not supported");
    if (n_total == 0)
        return bad(c, "the zip archive is empty");
    if (n_total > c->lim.max_entries)
        return bad(c, "%llu entries, more than the limit of %llu",
                   (unsigned long long)n_total, (unsigned long long)c->lim.max_entries);
    if (cd_size > V2F_MODEL_MAX_CD_BYTES)
        return bad(c, "central directory of %llu bytes, more than the limit of %u",
                   (unsigned long long)cd_size, V2F_MODEL_MAX_CD_BYTES);
    if (cd_off > loc->cd_limit || cd_size > loc->cd_limit - cd_off)
        return bad(c, "central directory (offset %llu, %llu bytes) runs past its "
                   "end record at %llu", (unsigned long long)cd_off,
                   (unsigned long long)cd_size, (unsigned long long)loc->cd_limit);
    if (n_total > cd_size / CENTRAL_SIZE)
        return bad(c, "%llu entries cannot fit in a central directory of %llu bytes",
                   (unsigned long long)n_total, (unsigned long long)cd_size);
    loc->entries = n_total;
    loc->cd_size = cd_size;
    loc->cd_off = cd_off;
    return V2F_OK;
}

/* Zip64 extended information: the 32-bit fields set to the marker are
 * replaced, in order, by 64-bit values from extra field 0x0001. */
static v2f_status apply_zip64(const check *c, entry *en, const uint8_t *extra,
                              uint32_t extra_len, uint16_t *disk)
{
    int need_u = en->usize == 0xFFFFFFFFu, need_c = en->csize == 0xFFFFFFFFu;
    int need_o = en->local_off == 0xFFFFFFFFu, need_d = *disk == 0xFFFF;
    uint32_t p = 0;
    int found = 0;

    while (p + 4 <= extra_len) {
        uint16_t id = rd16(extra + p), len = rd16(extra + p + 2);
        if (len > extra_len - p - 4)
            return bad(c, "entry '%.*s': extra field runs past its header",
                       (int)en->name_len, (const char *)en->name);
        if (id == 0x0001 && !found) {
            const uint8_t *z = extra + p + 4;
            uint32_t need = 8u * (uint32_t)(need_u + need_c + need_o) + 4u * (uint32_t)need_d;
            if (len < need)
                return bad(c, "entry '%.*s': zip64 extra field too short",
                           (int)en->name_len, (const char *)en->name);
            if (need_u) { en->usize = rd64(z); z += 8; }
            if (need_c) { en->csize = rd64(z); z += 8; }
            if (need_o) { en->local_off = rd64(z); z += 8; }
            if (need_d) *disk = (uint16_t)(rd32(z) ? 1 : 0);
            found = 1;
        }
        p += 4u + len;
    }
    if (!found && (need_u || need_c || need_o || need_d))
        return bad(c, "entry '%.*s': zip64 sizes without a zip64 extra field",
                   (int)en->name_len, (const char *)en->name);
    return V2F_OK;
}

/* Which entries a TorchScript archive may hold, below the top folder. */
enum { HAS_DATA = 1, HAS_CONSTANTS = 2, HAS_VERSION = 4, HAS_CODE = 8 };

static int starts(const uint8_t *s, uint32_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n > k && memcmp(s, prefix, k) == 0;
}
static int equals(const uint8_t *s, uint32_t n, const char *word)
{
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

static v2f_status check_name(const check *c, const entry *en, const entry *first,
                             unsigned *has, int *is_version)
{
    const uint8_t *n = en->name;
    uint32_t len = en->name_len, top_len = 0;
    int nl = (int)len;
    const char *shown = (const char *)n;

    *is_version = 0;
    if (len == 0) return bad(c, "an entry has an empty name");
    if (len > V2F_MODEL_MAX_NAME)
        return bad(c, "an entry name of %u bytes is longer than %u", len, V2F_MODEL_MAX_NAME);
    for (uint32_t i = 0; i < len; i++)
        if (n[i] == 0 || n[i] == '\\' || n[i] < 0x20)
            return bad(c, "entry name '%.*s' holds a NUL, control or backslash character",
                       nl, shown);
    if (n[0] == '/')
        return bad(c, "entry '%.*s' has an absolute path", nl, shown);
    /* Every component non-empty and neither "." nor "..". */
    for (uint32_t i = 0; i < len;) {
        uint32_t j = i;
        while (j < len && n[j] != '/') j++;
        if (j == i || (j - i == 1 && n[i] == '.') ||
            (j - i == 2 && n[i] == '.' && n[i + 1] == '.'))
            return bad(c, "entry '%.*s' has an empty, '.' or '..' path component "
                       "(it would escape or confuse the archive's folder)", nl, shown);
        if (i == 0) top_len = j;
        i = j + 1;
        if (j + 1 == len)
            return bad(c, "entry '%.*s' is a folder entry; TorchScript writes files only",
                       nl, shown);
    }
    if (top_len == len)
        return bad(c, "entry '%.*s' is not inside a top folder (TorchScript puts "
                   "everything under one folder: <name>/data.pkl, ...)", nl, shown);
    if (first && (first->name_len <= top_len || first->name[top_len] != '/' ||
                  memcmp(first->name, n, top_len) != 0)) {
        const uint8_t *slash = memchr(first->name, '/', first->name_len);
        int first_top = slash ? (int)(slash - first->name) : (int)first->name_len;
        return bad(c, "entry '%.*s' is outside the archive's top folder '%.*s'", nl, shown,
                   first_top, (const char *)first->name);
    }

    const uint8_t *rest = n + top_len + 1;
    uint32_t rlen = len - top_len - 1;
    if (equals(rest, rlen, "data.pkl")) *has |= HAS_DATA;
    else if (equals(rest, rlen, "constants.pkl")) *has |= HAS_CONSTANTS;
    else if (equals(rest, rlen, "version") || equals(rest, rlen, ".data/version")) {
        *has |= HAS_VERSION;
        *is_version = 1;
    } else if (starts(rest, rlen, "code/")) *has |= HAS_CODE;
    else if (!(equals(rest, rlen, "bytecode.pkl") || equals(rest, rlen, "byteorder") ||
               starts(rest, rlen, "data/") || starts(rest, rlen, "constants/") ||
               starts(rest, rlen, "extra/") || starts(rest, rlen, ".data/")))
        return bad(c, "unexpected entry '%.*s' (a TorchScript archive holds data.pkl, "
                   "constants.pkl, version, code/, data/, constants/, extra/)", nl, shown);
    return V2F_OK;
}

static int by_name(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    uint32_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int r = memcmp(x->name, y->name, n);
    if (r) return r;
    return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static int by_offset(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->local_off < y->local_off ? -1 : x->local_off > y->local_off;
}

/* The local header must repeat the central one and its data must end
 * before the central directory. */
static v2f_status check_local(const check *c, entry *en, uint64_t cd_off)
{
    uint8_t h[LOCAL_SIZE], name[V2F_MODEL_MAX_NAME];
    int nl = (int)en->name_len;
    const char *shown = (const char *)en->name;
    v2f_status s;

    if (en->local_off > cd_off || cd_off - en->local_off < LOCAL_SIZE)
        return bad(c, "entry '%.*s': local header offset %llu is not before the "
                   "central directory", nl, shown, (unsigned long long)en->local_off);
    if ((s = read_at(c, en->local_off, h, sizeof h, "local header")))
        return s;
    if (rd32(h) != SIG_LOCAL)
        return bad(c, "entry '%.*s': no local header at offset %llu", nl, shown,
                   (unsigned long long)en->local_off);
    if ((rd16(h + 6) & 1) || rd16(h + 8) != en->method)
        return bad(c, "entry '%.*s': local header disagrees with the central "
                   "directory (flags or method)", nl, shown);
    uint32_t lname = rd16(h + 26), lextra = rd16(h + 28);
    if (lname != en->name_len)
        return bad(c, "entry '%.*s': local header names another file", nl, shown);
    if ((s = read_at(c, en->local_off + LOCAL_SIZE, name, lname, "local file name")))
        return s;
    if (memcmp(name, en->name, lname) != 0)
        return bad(c, "entry '%.*s': local header names another file", nl, shown);
    uint64_t data = en->local_off + LOCAL_SIZE + lname + lextra;
    if (data > cd_off || en->csize > cd_off - data)
        return bad(c, "entry '%.*s': its %llu bytes of data run into the central "
                   "directory", nl, shown, (unsigned long long)en->csize);
    en->data_end = data + en->csize;
    return V2F_OK;
}

/* The version record is a short decimal number. */
static v2f_status check_version(const check *c, const entry *en, uint64_t data_off)
{
    char v[16];
    v2f_status s;
    if (en->method != 0) return V2F_OK;   /* checked by libtorch when deflated */
    if (en->usize == 0 || en->usize > sizeof v)
        return bad(c, "version record of %llu bytes (expected a short number)",
                   (unsigned long long)en->usize);
    if ((s = read_at(c, data_off, v, (size_t)en->usize, "version record")))
        return s;
    for (uint64_t i = 0; i < en->usize; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || (i > 0 && (v[i] == '\n' || v[i] == '\r'))))
            return bad(c, "version record is not a decimal number");
    return V2F_OK;
}

static v2f_status check_archive(check *c)
{
    dir_loc loc;
    v2f_status s;
    unsigned has = 0;
    uint64_t total = 0;

    if (c->src.size > c->lim.max_file_bytes)
        return bad(c, "the file is %llu bytes, over the limit of %llu bytes "
                   "(v2f_runtime_opts.max_model_bytes)",
                   (unsigned long long)c->src.size, (unsigned long long)c->lim.max_file_bytes);
    memset(&loc, 0, sizeof loc);
    if ((s = find_eocd(c, &loc)))
        return s;
    c->cd = malloc(loc.cd_size ? (size_t)loc.cd_size : 1);
    c->entries = calloc((size_t)loc.entries, sizeof *c->entries);
    if (!c->cd || !c->entries)
        return v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory reading the zip directory",
                         c->name);
    if ((s = read_at(c, loc.cd_off, c->cd, (size_t)loc.cd_size, "central directory")))
        return s;

    uint64_t p = 0;
    for (uint64_t i = 0; i < loc.entries; i++) {
        entry *en = &c->entries[i];
        const uint8_t *h = c->cd + p;
        int is_version;
        if (loc.cd_size - p < CENTRAL_SIZE || rd32(h) != SIG_CENTRAL)
            return bad(c, "central directory entry %llu is malformed",
                       (unsigned long long)i);
        uint32_t nlen = rd16(h + 28), elen = rd16(h + 30), clen = rd16(h + 32);
        uint16_t disk = rd16(h + 34);
        if (loc.cd_size - p - CENTRAL_SIZE < (uint64_t)nlen + elen + clen)
            return bad(c, "central directory entry %llu runs past the directory",
                       (unsigned long long)i);
        en->name = h + CENTRAL_SIZE;
        en->name_len = nlen;
        en->flags = rd16(h + 8);
        en->method = rd16(h + 10);
        en->csize = rd32(h + 20);
        en->usize = rd32(h + 24);
        en->local_off = rd32(h + 42);
        if ((s = apply_zip64(c, en, h + CENTRAL_SIZE + nlen, elen, &disk)))
            return s;
        if ((s = check_name(c, en, i ? &c->entries[0] : NULL, &has, &is_version)))
            return s;
        if (disk != 0)
            return bad(c, "multi-disk zip archives are not supported");
        if (en->flags & 0x41)
            return bad(c, "entry '%.*s' is encrypted", (int)nlen, (const char *)en->name);
        if (en->method != 0 && en->method != 8)
            return bad(c, "entry '%.*s' uses compression method %u (only stored and "
                       "deflate are used by TorchScript)", (int)nlen,
                       (const char *)en->name, en->method);
        if (en->method == 0 && en->csize != en->usize)
            return bad(c, "stored entry '%.*s' has compressed size %llu but size %llu",
                       (int)nlen, (const char *)en->name, (unsigned long long)en->csize,
                       (unsigned long long)en->usize);
        if (en->method == 8 && en->usize / DEFLATE_MAX_RATIO > en->csize + 1)
            return bad(c, "entry '%.*s' claims %llu bytes from %llu compressed bytes, "
                       "more than deflate can expand (a zip bomb?)", (int)nlen,
                       (const char *)en->name, (unsigned long long)en->usize,
                       (unsigned long long)en->csize);
        if (en->usize > c->lim.max_total_bytes - total)
            return bad(c, "entries unpack to more than the limit of %llu bytes "
                       "(v2f_runtime_opts.max_model_bytes), at '%.*s'",
                       (unsigned long long)c->lim.max_total_bytes, (int)nlen,
                       (const char *)en->name);
        total += en->usize;
        if ((s = check_local(c, en, loc.cd_off)))
            return s;
        if (is_version &&
            (s = check_version(c, en, en->data_end - en->csize)))
            return s;
        p += CENTRAL_SIZE + (uint64_t)nlen + elen + clen;
    }
    if (!(has & HAS_DATA)) return bad(c, "no data.pkl entry");
    if (!(has & HAS_CONSTANTS)) return bad(c, "no constants.pkl entry");
    if (!(has & HAS_VERSION)) return bad(c, "no version entry");
    if (!(has & HAS_CODE)) return bad(c, "no code/ entries");

    size_t n = (size_t)loc.entries;
    qsort(c->entries, n, sizeof *c->entries, by_name);
    for (size_t i = 1; i < n; i++)
        if (by_name(&c->entries[i - 1], &c->entries[i]) == 0)
            return bad(c, "entry '%.*s' appears twice", (int)c->entries[i].name_len,
                       (const char *)c->entries[i].name);
    /* Overlapping entries (one byte range serving several names) are the
     * classic way to make a small archive unpack huge. */
    qsort(c->entries, n, sizeof *c->entries, by_offset);
    for (size_t i = 1; i < n; i++)
        if (c->entries[i - 1].data_end > c->entries[i].local_off)
            return bad(c, "entries '%.*s' and '%.*s' overlap",
                       (int)c->entries[i - 1].name_len, (const char *)c->entries[i - 1].name,
                       (int)c->entries[i].name_len, (const char *)c->entries[i].name);
    return V2F_OK;
}

void v2f__model_limits_default(v2f__model_limits *lim)
{
    lim->max_file_bytes = V2F_MODEL_MAX_BYTES_DEFAULT;
    lim->max_total_bytes = V2F_MODEL_MAX_BYTES_DEFAULT;
    lim->max_entries = V2F_MODEL_MAX_ENTRIES_DEFAULT;
}

static v2f_status run_check(check *c, const v2f__model_limits *lim)
{
    v2f_status s;
    if (lim) c->lim = *lim;
    else v2f__model_limits_default(&c->lim);
    s = check_archive(c);
    free(c->cd);
    free(c->entries);
    return s;
}

v2f_status v2f__model_precheck_bytes_ex(const uint8_t *data, size_t size,
                                        const char *name,
                                        const v2f__model_limits *lim)
{
    static const uint8_t empty[1];
    check c;
    memset(&c, 0, sizeof c);
    if (!data && size)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f__model_precheck_bytes: data is NULL");
    c.name = name ? name : "model file";
    c.src.buf = data ? data : empty;
    c.src.fd = -1;
    c.src.size = size;
    return run_check(&c, lim);
}

v2f_status v2f__model_precheck_bytes(const uint8_t *data, size_t size,
                                     const char *name)
{
    return v2f__model_precheck_bytes_ex(data, size, name, NULL);
}

v2f_status v2f__model_precheck_file(const char *path, const v2f__model_limits *lim)
{
    struct stat st;
    check c;
    v2f_status s;
    if (!path)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f__model_precheck_file: path is NULL");
    memset(&c, 0, sizeof c);
    c.name = path;
    c.src.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (c.src.fd < 0)
        return v2f__fail(V2F_E_IO, "%s: %s", path, strerror(errno));
    if (fstat(c.src.fd, &st) != 0) {
        s = v2f__fail(V2F_E_IO, "%s: %s", path, strerror(errno));
        close(c.src.fd);
        return s;
    }
    if (!S_ISREG(st.st_mode)) {
        close(c.src.fd);
        return v2f__fail(V2F_E_IO, "%s: not a regular file", path);
    }
    c.src.size = (uint64_t)st.st_size;
    s = run_check(&c, lim);
    close(c.src.fd);
    return s;
}
