/* .npy files: a strict parser for the header dict (we never evaluate
 * Python), and the format 1.0 writer. Only little-endian float32 in C
 * order is accepted: that is what the rest of the library consumes, and
 * silently converting other dtypes would hide mistakes upstream. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "atomic_file.h"
#include "npy.h"

/* numpy itself refuses headers over 10000 bytes unless told otherwise. */
#define MAX_HEADER_LEN 65536u
#define MAX_NDIM 32

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static void swap32(void *p, size_t n)
{
    uint8_t *b = p, t;
    size_t i;
    for (i = 0; i < n; i++, b += 4) {
        t = b[0]; b[0] = b[3]; b[3] = t;
        t = b[1]; b[1] = b[2]; b[2] = t;
    }
}

/* ---- header dict parser ---- */

struct hparser {
    const char *start, *p, *end;
    char err[160];
};

static void skip_ws(struct hparser *h)
{
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n'
                             || *h->p == '\r'))
        h->p++;
}

static int expect(struct hparser *h, char ch)
{
    skip_ws(h);
    if (h->p >= h->end || *h->p != ch) {
        snprintf(h->err, sizeof h->err, "expected '%c' at offset %td", ch,
                 h->p - h->start);
        return 0;
    }
    h->p++;
    return 1;
}

/* A quoted Python string without escapes. */
static int parse_str(struct hparser *h, char *out, size_t cap)
{
    char q;
    size_t n = 0;
    skip_ws(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"')) {
        snprintf(h->err, sizeof h->err, "expected a quoted string");
        return 0;
    }
    q = *h->p++;
    while (h->p < h->end && *h->p != q) {
        if (*h->p == '\\' || n + 1 >= cap) {
            snprintf(h->err, sizeof h->err, "string too long or escaped");
            return 0;
        }
        out[n++] = *h->p++;
    }
    if (h->p >= h->end) {
        snprintf(h->err, sizeof h->err, "unterminated string");
        return 0;
    }
    h->p++;
    out[n] = '\0';
    return 1;
}

static int parse_bool(struct hparser *h, int *v)
{
    skip_ws(h);
    if (h->end - h->p >= 4 && memcmp(h->p, "True", 4) == 0) {
        h->p += 4;
        *v = 1;
        return 1;
    }
    if (h->end - h->p >= 5 && memcmp(h->p, "False", 5) == 0) {
        h->p += 5;
        *v = 0;
        return 1;
    }
    snprintf(h->err, sizeof h->err, "fortran_order is not True or False");
    return 0;
}

static int parse_uint(struct hparser *h, uint64_t *v)
{
    uint64_t x = 0;
    const char *start;
    skip_ws(h);
    start = h->p;
    while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
        unsigned d = (unsigned)(*h->p - '0');
        if (x > (UINT64_MAX - d) / 10) {
            snprintf(h->err, sizeof h->err, "shape dimension overflows");
            return 0;
        }
        x = x * 10 + d;
        h->p++;
    }
    if (h->p == start) {
        snprintf(h->err, sizeof h->err, "shape holds a non-integer");
        return 0;
    }
    if (h->p < h->end && *h->p == 'L')   /* Python 2 long literal */
        h->p++;
    *v = x;
    return 1;
}

static int parse_shape(struct hparser *h, uint64_t *dims, int *nd)
{
    *nd = 0;
    if (!expect(h, '('))
        return 0;
    for (;;) {
        skip_ws(h);
        if (h->p < h->end && *h->p == ')') {
            h->p++;
            return 1;
        }
        if (*nd == MAX_NDIM) {
            snprintf(h->err, sizeof h->err, "shape has too many dimensions");
            return 0;
        }
        if (!parse_uint(h, &dims[*nd]))
            return 0;
        (*nd)++;
        skip_ws(h);
        if (h->p < h->end && *h->p == ',') {
            h->p++;
            continue;
        }
        if (!expect(h, ')'))
            return 0;
        /* "(3)" is an int in Python, not a tuple; numpy never writes it. */
        if (*nd == 1) {
            snprintf(h->err, sizeof h->err, "shape is not a tuple");
            return 0;
        }
        return 1;
    }
}

struct npy_header {
    char descr[64];
    int descr_is_list;
    int fortran;
    uint64_t dims[MAX_NDIM];
    int nd;
};

static int parse_header(struct hparser *h, struct npy_header *hd)
{
    unsigned seen = 0;
    char key[32];
    if (!expect(h, '{'))
        return 0;
    for (;;) {
        unsigned bit;
        skip_ws(h);
        if (h->p < h->end && *h->p == '}') {
            h->p++;
            break;
        }
        if (!parse_str(h, key, sizeof key) || !expect(h, ':'))
            return 0;
        if (strcmp(key, "descr") == 0) {
            bit = 1;
            skip_ws(h);
            if (h->p < h->end && *h->p == '[') {
                /* A structured dtype: report it without parsing it. */
                hd->descr_is_list = 1;
                return 1;
            }
            if (!parse_str(h, hd->descr, sizeof hd->descr))
                return 0;
        } else if (strcmp(key, "fortran_order") == 0) {
            bit = 2;
            if (!parse_bool(h, &hd->fortran))
                return 0;
        } else if (strcmp(key, "shape") == 0) {
            bit = 4;
            if (!parse_shape(h, hd->dims, &hd->nd))
                return 0;
        } else {
            snprintf(h->err, sizeof h->err, "unexpected key '%s'", key);
            return 0;
        }
        if (seen & bit) {
            snprintf(h->err, sizeof h->err, "key '%s' appears twice", key);
            return 0;
        }
        seen |= bit;
        skip_ws(h);
        if (h->p < h->end && *h->p == ',') {
            h->p++;
            continue;
        }
        if (!expect(h, '}'))
            return 0;
        break;
    }
    skip_ws(h);
    if (h->p != h->end) {
        snprintf(h->err, sizeof h->err, "unexpected text after the dict");
        return 0;
    }
    if (seen != 7) {
        snprintf(h->err, sizeof h->err, "missing key '%s'",
                 !(seen & 1) ? "descr" : !(seen & 2) ? "fortran_order"
                                                     : "shape");
        return 0;
    }
    return 1;
}

/* "float64", "big-endian float32", "int32", "object", ... */
static void describe_dtype(const char *descr, char *out, size_t cap)
{
    const char *d = descr, *kind;
    char order = 0;
    unsigned long size = 0;
    char *endp;
    if (*d == '<' || *d == '>' || *d == '|' || *d == '=')
        order = *d++;
    switch (*d) {
    case 'f': kind = "float"; break;
    case 'i': kind = "int"; break;
    case 'u': kind = "uint"; break;
    case 'c': kind = "complex"; break;
    case 'b': kind = "bool"; break;
    case '?': kind = "bool"; break;
    case 'O': kind = "object"; break;
    case 'U': kind = "unicode string"; break;
    case 'S': kind = "byte string"; break;
    case 'a': kind = "byte string"; break;
    case 'V': kind = "raw bytes"; break;
    case 'M': kind = "datetime64"; break;
    case 'm': kind = "timedelta64"; break;
    default: snprintf(out, cap, "unknown dtype"); return;
    }
    if (*d)
        size = strtoul(d + 1, &endp, 10);
    if (strchr("fiuc", *d) && size)
        snprintf(out, cap, "%s%s%lu", order == '>' ? "big-endian " : "",
                 kind, size * 8);
    else
        snprintf(out, cap, "%s", kind);
}

static void format_shape(const uint64_t *dims, int nd, char *out, size_t cap)
{
    size_t n = 0;
    int i;
    n += (size_t)snprintf(out, cap, "(");
    for (i = 0; i < nd && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%" PRIu64,
                              i ? ", " : "", dims[i]);
    if (n < cap)
        snprintf(out + n, cap - n, nd == 1 ? ",)" : ")");
}

/* Printable copy of the header for messages. */
static void header_excerpt(const char *hdr, size_t len, char *out, size_t cap)
{
    size_t i, n = 0;
    for (i = 0; i < len && n + 4 < cap; i++)
        out[n++] = (hdr[i] >= 32 && hdr[i] < 127) ? hdr[i] : '?';
    if (i < len && n + 4 <= cap) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

v2f_status v2f__npy_parse(v2f__reader *r, uint64_t total, const char *what,
                          v2f_array **out)
{
    uint8_t pre[12];
    unsigned major, minor, len_size;
    uint64_t hlen, data_off, need = 0, avail;
    char *hdr = NULL;
    struct hparser hp;
    struct npy_header hd;
    char shape_str[96];
    size_t rows, cols, n;
    int ok = 0;
    v2f_status st;
    v2f_array *a = NULL;

    *out = NULL;
    if (total < 10)
        return v2f__fail(V2F_E_FORMAT, "%s is not an .npy file (%" PRIu64
                         " bytes)", what, total);
    st = r->read(r->ctx, pre, 8);
    if (st != V2F_OK)
        return st;
    if (memcmp(pre, npy_magic, 6) != 0)
        return v2f__fail(V2F_E_FORMAT, "%s is not an .npy file (no "
                         "\\x93NUMPY magic)", what);
    major = pre[6];
    minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return v2f__fail(V2F_E_FORMAT, "%s: unsupported .npy format version "
                         "%u.%u (1.0, 2.0 and 3.0 are)", what, major, minor);
    len_size = major == 1 ? 2 : 4;
    if (total < 8 + len_size)
        return v2f__fail(V2F_E_FORMAT, "%s: truncated .npy header", what);
    st = r->read(r->ctx, pre + 8, len_size);
    if (st != V2F_OK)
        return st;
    hlen = (uint64_t)pre[8] | (uint64_t)pre[9] << 8;
    if (len_size == 4)
        hlen |= (uint64_t)pre[10] << 16 | (uint64_t)pre[11] << 24;
    data_off = 8 + len_size + hlen;
    if (hlen > MAX_HEADER_LEN)
        return v2f__fail(V2F_E_FORMAT, "%s: .npy header length %" PRIu64
                         " is over the %u-byte limit", what, hlen,
                         MAX_HEADER_LEN);
    if (data_off > total)
        return v2f__fail(V2F_E_FORMAT, "%s: .npy header length %" PRIu64
                         " runs past the end of the data (%" PRIu64
                         " bytes in all)", what, hlen, total);
    hdr = malloc((size_t)hlen + 1);
    if (!hdr)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    st = r->read(r->ctx, hdr, (size_t)hlen);
    if (st != V2F_OK) {
        free(hdr);
        return st;
    }
    hdr[hlen] = '\0';

    memset(&hd, 0, sizeof hd);
    hp.start = hp.p = hdr;
    hp.end = hdr + hlen;
    hp.err[0] = '\0';
    if (!parse_header(&hp, &hd)) {
        char ex[100];
        header_excerpt(hdr, (size_t)hlen, ex, sizeof ex);
        st = v2f__fail(V2F_E_FORMAT, "%s: bad .npy header: %s (header: %s)",
                       what, hp.err, ex);
        free(hdr);
        return st;
    }
    free(hdr);

    if (hd.descr_is_list)
        return v2f__fail(V2F_E_FORMAT, "%s holds a structured dtype; only "
                         "little-endian float32 '<f4' is supported", what);
    if (strcmp(hd.descr, "<f4") != 0) {
        char desc[48];
        describe_dtype(hd.descr, desc, sizeof desc);
        return v2f__fail(V2F_E_FORMAT, "%s has dtype '%s' (%s): only "
                         "little-endian float32 '<f4' is supported; convert "
                         "with arr.astype('%s')", what, hd.descr, desc,
                         strcmp(hd.descr, ">f4") == 0 ? "<f4" : "float32");
    }
    format_shape(hd.dims, hd.nd, shape_str, sizeof shape_str);
    if (hd.fortran)
        return v2f__fail(V2F_E_FORMAT, "%s is in Fortran order; only C order "
                         "is supported; convert with np.ascontiguousarray",
                         what);
    if (hd.nd == 0 || hd.nd > 2)
        return v2f__fail(V2F_E_FORMAT, "%s has shape %s (%d-D); only 1-D or "
                         "2-D arrays are supported", what, shape_str, hd.nd);
    if (hd.dims[0] == 0 || (hd.nd == 2 && hd.dims[1] == 0))
        return v2f__fail(V2F_E_FORMAT, "%s has shape %s: the array is empty",
                         what, shape_str);
    if (hd.nd == 1) {
        rows = 1;
        cols = (size_t)hd.dims[0];
    } else {
        rows = (size_t)hd.dims[0];
        cols = (size_t)hd.dims[1];
    }
    if ((uint64_t)rows != (hd.nd == 1 ? 1 : hd.dims[0])
        || (uint64_t)cols != hd.dims[hd.nd - 1])
        ok = 0;     /* a dimension does not fit size_t */
    else {
        n = v2f__mul(rows, cols, &ok);
        if (ok)
            need = v2f__mul(n, 4, &ok);
    }
    if (!ok)
        return v2f__fail(V2F_E_FORMAT, "%s has shape %s, too large to hold",
                         what, shape_str);
    avail = total - data_off;
    if (avail < need)
        return v2f__fail(V2F_E_FORMAT, "%s: data truncated: shape %s float32 "
                         "needs %" PRIu64 " bytes, found %" PRIu64, what,
                         shape_str, need, avail);
    if (avail > need)
        return v2f__fail(V2F_E_FORMAT, "%s: %" PRIu64 " bytes of trailing "
                         "data after the shape %s float32 array", what,
                         avail - need, shape_str);

    st = v2f__array_new(rows, cols, &a);
    if (st != V2F_OK)
        return st;
    st = r->read(r->ctx, v2f__array_mut(a), (size_t)need);
    if (st != V2F_OK) {
        v2f_array_free(a);
        return st;
    }
    if (!host_is_little_endian())
        swap32(v2f__array_mut(a), rows * cols);
    *out = a;
    return V2F_OK;
}

/* ---- files ---- */

struct file_src {
    FILE *f;
    const char *path;
};

static v2f_status file_read(void *ctx, void *buf, size_t n)
{
    struct file_src *s = ctx;
    errno = 0;
    if (fread(buf, 1, n, s->f) == n)
        return V2F_OK;
    if (ferror(s->f))
        return v2f__fail(V2F_E_IO, "cannot read '%s': %s", s->path,
                         strerror(errno ? errno : EIO));
    return v2f__fail(V2F_E_FORMAT, "'%s': unexpected end of file", s->path);
}

v2f_status v2f_npy_read(const char *path, v2f_array **out)
{
    struct file_src src;
    v2f__reader r;
    struct stat sb;
    char *what;
    size_t wlen;
    v2f_status st;
    int err;

    if (out)
        *out = NULL;
    if (!path || !out)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_npy_read: %s is NULL",
                         !path ? "path" : "out");
    src.path = path;
    src.f = fopen(path, "rb");
    if (!src.f)
        return v2f__fail(V2F_E_IO, "cannot open '%s': %s", path,
                         strerror(errno));
    if (fstat(fileno(src.f), &sb) != 0) {
        err = errno;
        fclose(src.f);
        return v2f__fail(V2F_E_IO, "cannot stat '%s': %s", path,
                         strerror(err));
    }
    if (!S_ISREG(sb.st_mode)) {
        fclose(src.f);
        return v2f__fail(V2F_E_IO, "'%s' is not a regular file", path);
    }
    wlen = strlen(path) + 3;
    what = malloc(wlen);
    if (!what) {
        fclose(src.f);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    }
    snprintf(what, wlen, "'%s'", path);
    r.read = file_read;
    r.ctx = &src;
    st = v2f__npy_parse(&r, (uint64_t)sb.st_size, what, out);
    free(what);
    fclose(src.f);
    return st;
}

v2f_status v2f_npy_write(const char *path, const float *data, size_t rows,
                         size_t cols)
{
    char header[128];
    int hl;
    size_t total, n, bytes;
    int ok;
    v2f__atomic_file af;
    v2f_status st;

    if (!path || !data)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_npy_write: %s is NULL",
                         !path ? "path" : "data");
    if (rows == 0 || cols == 0)
        return v2f__fail(V2F_E_INVALID_ARG, "v2f_npy_write: shape (%zu, %zu) "
                         "is empty", rows, cols);
    n = v2f__mul(rows, cols, &ok);
    bytes = ok ? v2f__mul(n, sizeof(float), &ok) : 0;
    if (!ok)
        return v2f__fail(V2F_E_OVERFLOW, "v2f_npy_write: shape (%zu, %zu) "
                         "is too large", rows, cols);

    /* 10-byte preamble + dict, padded with spaces so that the data starts
     * at a multiple of 64, then '\n', as numpy writes it. */
    hl = snprintf(header + 10, sizeof header - 10,
                  "{'descr': '<f4', 'fortran_order': False, "
                  "'shape': (%zu, %zu), }", rows, cols);
    total = ((size_t)hl + 10 + 1 + 63) / 64 * 64;
    if (hl < 0 || total > sizeof header)
        return v2f__fail(V2F_E_INTERNAL, "v2f_npy_write: header too long");
    memset(header + 10 + hl, ' ', total - 10 - (size_t)hl);
    header[total - 1] = '\n';
    memcpy(header, npy_magic, 6);
    header[6] = 1;
    header[7] = 0;
    header[8] = (char)((total - 10) & 0xff);
    header[9] = (char)((total - 10) >> 8);

    st = v2f__atomic_open(&af, path);
    if (st != V2F_OK)
        return st;
    if (fwrite(header, 1, total, af.fp) != total)
        goto io_error;
    if (host_is_little_endian()) {
        if (fwrite(data, 1, bytes, af.fp) != bytes)
            goto io_error;
    } else {
        float chunk[1024];
        size_t done = 0;
        while (done < n) {
            size_t k = n - done < 1024 ? n - done : 1024;
            memcpy(chunk, data + done, k * sizeof(float));
            swap32(chunk, k);
            if (fwrite(chunk, sizeof(float), k, af.fp) != k)
                goto io_error;
            done += k;
        }
    }
    return v2f__atomic_commit(&af);

io_error:
    st = v2f__fail(V2F_E_IO, "cannot write '%s': %s", path,
                   strerror(errno ? errno : EIO));
    v2f__atomic_abort(&af);
    return st;
}
