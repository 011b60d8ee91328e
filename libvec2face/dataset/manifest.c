/* Manifest parts: <out>/manifest/part-<K>-of-<N>.csv, a header and one
 * row per image: identity,file,image,source,eps,seed. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"

int v2f__ds_row_format(char *buf, size_t size, uint64_t identity,
                       uint32_t image, int32_t pose, float eps,
                       uint64_t seed, const char *ext)
{
    char e[32];
    v2f__fmt_float(e, sizeof e, eps);
    return snprintf(buf, size, "%llu,%06llu/%03u.%s,%u,%s,%s,%llu\n",
                    (unsigned long long)identity,
                    (unsigned long long)identity, (unsigned)image, ext,
                    (unsigned)image, pose ? "pose" : "perturb", e,
                    (unsigned long long)seed);
}

/* Split a line (NUL-terminated, no newline) into 6 comma fields. */
static int split6(char *line, char *f[6])
{
    int k = 0;
    f[k++] = line;
    for (; *line; line++) {
        if (*line == ',') {
            if (k == 6)
                return 0;
            *line = '\0';
            f[k++] = line + 1;
        }
    }
    return k == 6;
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

static v2f_status parse_row(char *line, v2f__ds_row *row)
{
    char *f[6], *end;
    uint64_t image;
    if (!split6(line, f))
        return V2F_E_FORMAT;
    if (!parse_u64(f[0], &row->identity) || !parse_u64(f[2], &image)
        || image >= V2F_DS_MAX_IMAGES || !parse_u64(f[5], &row->seed))
        return V2F_E_FORMAT;
    row->image = (uint32_t)image;
    if (strcmp(f[3], "perturb") == 0)
        row->pose = 0;
    else if (strcmp(f[3], "pose") == 0)
        row->pose = 1;
    else
        return V2F_E_FORMAT;
    errno = 0;
    row->eps = strtof(f[4], &end);
    if (*f[4] == '\0' || *end != '\0' || errno != 0)
        return V2F_E_FORMAT;
    row->file = f[1];
    return V2F_OK;
}

v2f_status v2f__ds_manifest_read(const char *path, v2f__ds_row_fn fn,
                                 void *user, off_t *valid_len, int *torn,
                                 int *missing)
{
    char *text = NULL, *line, *nl;
    size_t len, hl = strlen(V2F_DS_MANIFEST_HEADER), lineno = 1;
    v2f_status st;
    v2f__ds_row row;
    FILE *probe;

    *valid_len = 0;
    *torn = 0;
    *missing = 0;
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
    if (len < hl) {
        /* A header cut short by a crash: as good as an empty part. */
        if (memcmp(text, V2F_DS_MANIFEST_HEADER, len) == 0) {
            *torn = len > 0;
            free(text);
            return V2F_OK;
        }
    }
    if (len < hl || memcmp(text, V2F_DS_MANIFEST_HEADER, hl) != 0) {
        free(text);
        return v2f__fail(V2F_E_FORMAT, "%s: not a vec2face manifest part "
                         "(first line is not '%.*s')", path, (int)hl - 1,
                         V2F_DS_MANIFEST_HEADER);
    }
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
        if (parse_row(line, &row) != V2F_OK) {
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
