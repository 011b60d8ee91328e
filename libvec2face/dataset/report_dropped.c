/* Images the consistency filter dropped on purpose: rows with status
 * "dropped" in the manifest parts. They have no file and are not
 * "missing". Columns are found by their header names, so parts with more
 * columns (or the six of 0.1, which have no status and drop nothing) read
 * the same. A part that cannot be read is skipped: the report still
 * counts its images, as missing. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Index of the column named `name` in the header line h (up to its
 * newline), or -1. */
static int column(const char *h, const char *name)
{
    size_t nl = strlen(name);
    int i = 0;
    for (;;) {
        size_t len = strcspn(h, ",\n");
        if (len == nl && strncmp(h, name, nl) == 0)
            return i;
        if (h[len] != ',')
            return -1;
        h += len + 1;
        i++;
    }
}

/* Field k of the line at s (up to ',' or '\n'): its start and length. */
static const char *field(const char *s, int k, size_t *len)
{
    for (; k > 0; k--) {
        s += strcspn(s, ",\n");
        if (*s != ',')
            return NULL;
        s++;
    }
    *len = strcspn(s, ",\n");
    return s;
}

static int to_u64(const char *s, size_t len, uint64_t *out)
{
    char buf[32], *end;
    if (len == 0 || len >= sizeof buf || s[0] < '0' || s[0] > '9')
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtoull(buf, &end, 10);
    return *end == '\0';
}

static void read_part(v2f__report *r, const char *path)
{
    char *text = NULL, *line, *end;
    size_t len, fl;
    int ci, cj, cs;
    const char *f;

    if (v2f__read_file(path, &text, &len) != V2F_OK)
        return;
    ci = column(text, "identity");
    cj = column(text, "image");
    cs = column(text, "status");
    line = strchr(text, '\n');
    while (ci >= 0 && cj >= 0 && cs >= 0 && line
           && (end = strchr(line + 1, '\n')) != NULL) {
        uint64_t id, j;
        line++;
        if ((f = field(line, cs, &fl)) && fl == 7
            && strncmp(f, "dropped", 7) == 0
            && (f = field(line, ci, &fl)) && to_u64(f, fl, &id)
            && (f = field(line, cj, &fl)) && to_u64(f, fl, &j)
            && id < r->l.num_ids && j < r->l.per_id)
            r->state[id * r->l.per_id + j] = V2F__IMG_DROPPED;
        line = end;
    }
    free(text);
}

v2f_status v2f__report_read_dropped(v2f__report *r)
{
    char *dir = v2f__strfmt("%s/manifest", r->dir), *path;
    struct dirent *e;
    DIR *d;

    if (!dir)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    d = opendir(dir);
    if (!d) {
        free(dir);
        return V2F_OK;
    }
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "part-", 5) != 0 || n < 9
            || strcmp(e->d_name + n - 4, ".csv") != 0)
            continue;
        path = v2f__strfmt("%s/%s", dir, e->d_name);
        if (!path) {
            closedir(d);
            free(dir);
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        }
        read_part(r, path);
        free(path);
    }
    closedir(d);
    free(dir);
    return V2F_OK;
}
