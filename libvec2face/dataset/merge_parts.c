/* Manifest parts in v2f_dataset_merge: a part name held by DST and/or
 * several SRCs becomes the union of their rows (the header once, DST's
 * rows first, then each SRC's new rows in order). Rows are never
 * rewritten, so a conflicting row (the same image, another eps) stays
 * visible to verify. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "merge.h"

typedef struct line_ref {
    const char *s;
    size_t len, order;
} line_ref;

static int by_text(const line_ref *x, const line_ref *y)
{
    size_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, m);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int by_line(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;
    int c = by_text(x, y);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int by_order(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The union of the rows of texts[0..n) (whole part files), the header
 * once, in first-appearance order; names[] name them for messages. */
static v2f_status union_parts(char **texts, size_t *lens, char **names,
                              size_t n, char **out, size_t *out_len)
{
    line_ref *lines = NULL;
    size_t nl = 0, cap = 0, i, k, hl0 = 0, total, w;
    char *buf;
    for (i = 0; i < n; i++) {
        const char *t = texts[i], *end = t + lens[i], *nlp;
        size_t hl;
        if (lens[i] == 0 || t[lens[i] - 1] != '\n') {
            free(lines);
            return v2f__fail(V2F_E_FORMAT, "'%s' is %s (an interrupted "
                             "generate; run generate there again to repair "
                             "it, then merge)", names[i],
                             lens[i] ? "torn at its end" : "empty");
        }
        nlp = memchr(t, '\n', lens[i]);
        hl = (size_t)(nlp - t) + 1;
        if (i == 0)
            hl0 = hl;
        else if (hl != hl0 || memcmp(t, texts[0], hl) != 0) {
            free(lines);
            return v2f__fail(V2F_E_FORMAT, "'%s' and '%s' have different "
                             "headers (parts of different library "
                             "versions?)", names[0], names[i]);
        }
        for (t += hl; t < end; t = nlp + 1) {
            nlp = memchr(t, '\n', (size_t)(end - t));
            if (nl == cap) {
                line_ref *nv;
                cap = cap ? cap * 2 : 4096;
                nv = realloc(lines, cap * sizeof *nv);
                if (!nv) {
                    free(lines);
                    return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
                }
                lines = nv;
            }
            lines[nl].s = t;
            lines[nl].len = (size_t)(nlp - t) + 1;
            lines[nl].order = nl;
            nl++;
        }
    }
    /* Drop repeats: sort by text (then order), keep the first of a run. */
    if (nl)
        qsort(lines, nl, sizeof *lines, by_line);
    for (i = 0, k = 0; i < nl; i++)
        if (k == 0 || by_text(&lines[i], &lines[k - 1]) != 0)
            lines[k++] = lines[i];
    nl = k;
    if (nl)
        qsort(lines, nl, sizeof *lines, by_order);
    for (i = 0, total = hl0; i < nl; i++)
        total += lines[i].len;
    buf = malloc(total + 1);
    if (!buf) {
        free(lines);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    }
    memcpy(buf, texts[0], hl0);
    for (i = 0, w = hl0; i < nl; i++) {
        memcpy(buf + w, lines[i].s, lines[i].len);
        w += lines[i].len;
    }
    buf[w] = '\0';
    free(lines);
    *out = buf;
    *out_len = w;
    return V2F_OK;
}

v2f_status v2f__ds_merge_part(const char *dst_path, char *const *srcs,
                              size_t n, char **data, size_t *len)
{
    char **texts = calloc(n + 1, sizeof *texts);
    char **names = calloc(n + 1, sizeof *names);
    size_t *lens = calloc(n + 1, sizeof *lens);
    size_t m = 0, i;
    int missing;
    v2f_status st = V2F_OK;
    *data = NULL;
    *len = 0;
    if (!texts || !names || !lens) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        goto out;
    }
    st = v2f__ds_merge_slurp(dst_path, &texts[0], &lens[0], &missing);
    if (st == V2F_OK)
        names[m++] = (char *)dst_path;
    else if (!missing)
        goto out;
    for (i = 0; i < n; i++) {
        st = v2f__ds_merge_slurp(srcs[i], &texts[m], &lens[m], NULL);
        if (st != V2F_OK)
            goto out;
        names[m++] = srcs[i];
    }
    st = union_parts(texts, lens, names, m, data, len);
    if (st == V2F_OK && names[0] == dst_path && *len == lens[0]
        && memcmp(*data, texts[0], *len) == 0) {
        free(*data);
        *data = NULL;
    }
out:
    if (texts)
        for (i = 0; i <= n; i++)
            free(texts[i]);
    free(texts);
    free(names);
    free(lens);
    return st;
}
