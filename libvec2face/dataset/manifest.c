/* Manifest parts: <out>/manifest/part-<K>-of-<N>.csv, a header and one
 * row per image: identity,file,image,source,eps,seed,attempt,status,
 * similarity,quality,yaw (0.1 parts: the first six, still read). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"

static const char *const source_names[3] = {"perturb", "pose", "attrop"};

/* A measured value, or "" when not measured. */
static void fmt_metric(char *buf, size_t size, float v)
{
    if (isnan(v))
        buf[0] = '\0';
    else
        v2f__fmt_float(buf, size, v);
}

int v2f__ds_row_format(char *buf, size_t size, const v2f__ds_row *row,
                       const char *ext, int v1)
{
    char e[32], sim[32], q[32], yaw[32];
    int n;
    int32_t src = row->source >= 0 && row->source < 3 ? row->source : 0;
    v2f__fmt_float(e, sizeof e, row->eps);
    n = snprintf(buf, size, "%llu,%06llu/%03u.%s,%u,%s,%s,%llu",
                 (unsigned long long)row->identity,
                 (unsigned long long)row->identity, (unsigned)row->image,
                 ext, (unsigned)row->image, source_names[src], e,
                 (unsigned long long)row->seed);
    if (n < 0 || (size_t)n >= size)
        return n;
    if (v1)
        return n + snprintf(buf + n, size - (size_t)n, "\n");
    fmt_metric(sim, sizeof sim, row->similarity);
    fmt_metric(q, sizeof q, row->quality);
    fmt_metric(yaw, sizeof yaw, row->yaw);
    return n + snprintf(buf + n, size - (size_t)n, ",%u,%s,%s,%s,%s\n",
                        (unsigned)row->attempt,
                        row->dropped ? "dropped" : "ok", sim, q, yaw);
}

#define MAX_FIELDS 11

/* Split a line (NUL-terminated, no newline) into exactly want comma
 * fields. */
static int split(char *line, char *f[MAX_FIELDS], int want)
{
    int k = 0;
    f[k++] = line;
    for (; *line; line++) {
        if (*line == ',') {
            if (k == want)
                return 0;
            *line = '\0';
            f[k++] = line + 1;
        }
    }
    return k == want;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (*s < '0' || *s > '9')
        return 0;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return *end == '\0' && errno == 0;
}

static int parse_float(const char *s, float *v)
{
    char *end;
    errno = 0;
    *v = strtof(s, &end);
    return *s != '\0' && *end == '\0' && errno == 0;
}

/* An optional measured value: "" is NAN. */
static int parse_metric(const char *s, float *v)
{
    if (*s == '\0') {
        *v = NAN;
        return 1;
    }
    return parse_float(s, v) && isfinite(*v);
}

static v2f_status parse_row(char *line, v2f__ds_row *row, int v1)
{
    char *f[MAX_FIELDS];
    uint64_t image, attempt;
    int k;
    if (!split(line, f, v1 ? 6 : 11))
        return V2F_E_FORMAT;
    if (!parse_u64(f[0], &row->identity) || !parse_u64(f[2], &image)
        || image >= V2F_DS_MAX_IMAGES || !parse_u64(f[5], &row->seed))
        return V2F_E_FORMAT;
    row->image = (uint32_t)image;
    row->source = -1;
    for (k = 0; k < 3; k++)
        if (strcmp(f[3], source_names[k]) == 0)
            row->source = k;
    if (row->source < 0)
        return V2F_E_FORMAT;
    row->pose = row->source == V2F_DS_POSE;
    if (!parse_float(f[4], &row->eps))
        return V2F_E_FORMAT;
    row->file = f[1];
    row->similarity = row->quality = row->yaw = NAN;
    if (v1)
        return V2F_OK;
    if (!parse_u64(f[6], &attempt) || attempt >= V2F_DS_MAX_ATTEMPTS)
        return V2F_E_FORMAT;
    row->attempt = (uint32_t)attempt;
    if (strcmp(f[7], "ok") == 0)
        row->dropped = 0;
    else if (strcmp(f[7], "dropped") == 0)
        row->dropped = 1;
    else
        return V2F_E_FORMAT;
    if (!parse_metric(f[8], &row->similarity)
        || !parse_metric(f[9], &row->quality)
        || !parse_metric(f[10], &row->yaw))
        return V2F_E_FORMAT;
    return V2F_OK;
}

v2f_status v2f__ds_manifest_read(const char *path, v2f__ds_row_fn fn,
                                 void *user, off_t *valid_len, int *torn,
                                 int *missing, int *v1_out)
{
    static const char *const headers[2] = {V2F_DS_MANIFEST_HEADER,
                                           V2F_DS_MANIFEST_HEADER_V1};
    char *text = NULL, *line, *nl;
    size_t len, hl = 0, lineno = 1;
    v2f_status st;
    v2f__ds_row row;
    FILE *probe;
    int v1 = 0, k;

    *valid_len = 0;
    *torn = 0;
    *missing = 0;
    if (v1_out)
        *v1_out = 0;
    probe = fopen(path, "rb");
    if (!probe && errno == ENOENT) {
        *missing = 1;
        return v2f__fail(V2F_E_IO, "'%s' does not exist", path);
    }
    if (probe)
        fclose(probe);
    st = v2f__read_file(path, &text, &len);
    if (st != V2F_OK)
        return st;
    for (k = 0; k < 2; k++) {
        size_t l = strlen(headers[k]);
        if (len < l && memcmp(text, headers[k], len) == 0) {
            /* A header cut short by a crash: as good as an empty part. */
            *torn = len > 0;
            free(text);
            return V2F_OK;
        }
        if (len >= l && memcmp(text, headers[k], l) == 0) {
            hl = l;
            v1 = k == 1;
            break;
        }
    }
    if (hl == 0) {
        free(text);
        return v2f__fail(V2F_E_FORMAT, "%s: not a vec2face manifest part "
                         "(first line is neither '%.*s' nor '%.*s')", path,
                         (int)strlen(headers[0]) - 1, headers[0],
                         (int)strlen(headers[1]) - 1, headers[1]);
    }
    if (v1_out)
        *v1_out = v1;
    *valid_len = (off_t)hl;
    line = text + hl;
    while (*line) {
        lineno++;
        nl = strchr(line, '\n');
        if (!nl) {            /* torn last line (killed mid-append) */
            *torn = 1;
            break;
        }
        *nl = '\0';
        memset(&row, 0, sizeof row);
        if (parse_row(line, &row, v1) != V2F_OK) {
            free(text);
            return v2f__fail(V2F_E_FORMAT, "%s line %zu: malformed row",
                             path, lineno);
        }
        row.line = lineno;
        st = fn ? fn(user, &row) : V2F_OK;
        if (st != V2F_OK) {
            free(text);
            return st;
        }
        line = nl + 1;
        *valid_len = (off_t)(line - text);
    }
    if ((size_t)*valid_len != len)
        *torn = 1;
    free(text);
    return V2F_OK;
}
