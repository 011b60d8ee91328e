/* vec2face merge --out DST SRC...: combine dataset folders made by the
 * shards of one recipe on machines without a shared filesystem.
 *
 * Two passes, so that a refusal leaves DST untouched: the plan pass checks
 * every recipe digest, lists every image of every SRC (sorted by name, so
 * the same name in two places sits side by side), compares the bytes of
 * every name that exists twice and builds the merged manifest parts in
 * memory; only when nothing conflicts does the write pass copy (or
 * hard-link) each missing file to DST/dir/.NAME.merge.tmp and rename it.
 *
 * Manifest parts, the rule: a part name absent from DST is copied; a name
 * present in DST and/or several SRCs becomes the union of their rows (the
 * header once, DST's rows first, then each SRC's new rows in order),
 * written via a temporary file only when it differs from DST's. Rows are
 * never rewritten, so a conflicting row (the same image, another eps) stays
 * visible to verify.
 *
 * Re-running after an interruption finishes the job: finished files are
 * skipped as identical, a leftover .merge.tmp is replaced. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "vec2face/vec2face.h"

static const char help[] =
"Usage: vec2face merge --out DST [--link] [--quiet] SRC...\n"
"\n"
"Combine dataset folders made by 'vec2face generate' with one recipe,\n"
"e.g. the shards of a cluster job that each wrote a folder of their own\n"
"(no shared filesystem), into DST, then verify DST.\n"
"\n"
"Every SRC must hold a recipe.txt with the same digest (and DST too when\n"
"it has one); otherwise nothing is written. DST receives recipe.txt (and\n"
"identities.npy/.txt/.src) when it lacks them, every identity folder's\n"
"images, and the manifest parts: a part name DST lacks is copied; the\n"
"same part name in several places becomes the union of their rows.\n"
"Files already in DST with identical bytes are skipped; the same name\n"
"with other bytes is refused, naming both files, and nothing is written.\n"
"Each file goes to a temporary name and is renamed, so merge can be run\n"
"again after an interruption (or to add shards that finished later).\n"
"\n"
"Options:\n"
"  -o, --out DST  the merged dataset folder (created when missing)\n"
"  -l, --link     hard-link images instead of copying (copies when SRC\n"
"                 and DST are on different filesystems)\n"
"  -q, --quiet    print nothing but errors\n"
"  -h, --help     this text\n"
"\n"
"Example (per-node folders copied to one machine):\n"
"  vec2face merge --out all node0 node1 node2 && vec2face verify all\n"
"\n"
"Exit status: 0 when DST is complete, 1 on a refused or failed merge or\n"
"when DST is still incomplete (the verify summary is printed; generate\n"
"or merge the missing shards), 2 on bad arguments.\n";

#define TMP_SUFFIX ".merge.tmp"

static int fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static int fail(const char *fmt, ...)
{
    va_list ap;
    fputs("vec2face merge: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAILED;
}

/* ---- small file helpers ---- */

/* The whole file, NUL-terminated, malloc'ed; NULL with errno on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *nb;
    size_t n = 0, cap = 0, got;
    if (!f)
        return NULL;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        errno = EIO;
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* 1 when a and b hold the same bytes, 0 when not, -1 on a read error
 * (printed). The same inode (a hard link) is equal without reading. */
static int same_bytes(const char *a, const char *b)
{
    struct stat sa, sb;
    char ba[65536], bb[65536];
    FILE *fa, *fb;
    int eq = 1;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) {
        fail("cannot stat '%s' or '%s': %s", a, b, strerror(errno));
        return -1;
    }
    if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
        return 1;
    if (sa.st_size != sb.st_size)
        return 0;
    fa = fopen(a, "rb");
    fb = fopen(b, "rb");
    if (!fa || !fb) {
        fail("cannot read '%s': %s", fa ? b : a, strerror(errno));
        if (fa) fclose(fa);
        if (fb) fclose(fb);
        return -1;
    }
    for (;;) {
        size_t na = fread(ba, 1, sizeof ba, fa);
        size_t nb = fread(bb, 1, sizeof bb, fb);
        if (na != nb || memcmp(ba, bb, na) != 0) {
            eq = 0;
            break;
        }
        if (na == 0)
            break;
    }
    if (ferror(fa) || ferror(fb)) {
        fail("read error on '%s' or '%s'", a, b);
        eq = -1;
    }
    fclose(fa);
    fclose(fb);
    return eq;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    fsync(fd);              /* best effort: some filesystems refuse */
    close(fd);
    return 0;
}

/* dst_dir/.NAME.merge.tmp for dst_dir/NAME (malloc'ed). */
static char *temp_path_of(const char *dst)
{
    const char *slash = strrchr(dst, '/');
    size_t dl = slash ? (size_t)(slash - dst) + 1 : 0;
    const char *name = dst + dl;
    char *t = malloc(dl + strlen(name) + sizeof TMP_SUFFIX + 1);
    if (!t)
        return NULL;
    memcpy(t, dst, dl);
    sprintf(t + dl, ".%s%s", name, TMP_SUFFIX);
    return t;
}

/* Write n bytes to dst via a temporary name, fsync, rename. */
static int write_atomic(const char *dst, const char *data, size_t n)
{
    char *tmp = temp_path_of(dst);
    int fd, rc = CLI_FAILED;
    size_t off = 0;
    if (!tmp)
        return fail("out of memory");
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        fail("cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        return CLI_FAILED;
    }
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fail("cannot write '%s': %s", tmp, strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        fail("cannot sync '%s': %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        fail("cannot write '%s': %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, dst) != 0) {
        fail("cannot rename '%s' to '%s': %s", tmp, dst, strerror(errno));
        goto out;
    }
    rc = CLI_OK;
out:
    if (fd >= 0)
        close(fd);
    if (rc != CLI_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* Copy (or, with link, hard-link; copy across filesystems) src to dst
 * through a temporary name. */
static int install_file(const char *src, const char *dst, int link_it)
{
    char *tmp, *data;
    size_t n;
    int rc;
    if (link_it) {
        tmp = temp_path_of(dst);
        if (!tmp)
            return fail("out of memory");
        unlink(tmp);                    /* a leftover of an interruption */
        if (link(src, tmp) == 0) {
            rc = rename(tmp, dst) == 0 ? CLI_OK
                 : fail("cannot rename '%s' to '%s': %s", tmp, dst,
                        strerror(errno));
            if (rc != CLI_OK)
                unlink(tmp);
            free(tmp);
            return rc;
        }
        free(tmp);
        /* EXDEV (other filesystem), EPERM (no links there), EMLINK: copy */
        if (errno != EXDEV && errno != EPERM && errno != EMLINK
            && errno != ENOTSUP)
            return fail("cannot link '%s' to '%s': %s", src, dst,
                        strerror(errno));
    }
    data = slurp(src, &n);
    if (!data)
        return fail("cannot read '%s': %s", src, strerror(errno));
    rc = write_atomic(dst, data, n);
    free(data);
    return rc;
}

/* ---- recipes ---- */

/* The value of "key = value" in text (the first line with that key), into
 * buf; 1 when found. */
static int kv_get(const char *text, const char *key, char *buf, size_t size)
{
    size_t kl = strlen(key);
    const char *p = text;
    while (p && *p) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (p[0] != '#' && ll > kl + 3 && strncmp(p, key, kl) == 0
            && strncmp(p + kl, " = ", 3) == 0) {
            size_t vl = ll - kl - 3;
            if (vl >= size)
                vl = size - 1;
            memcpy(buf, p + kl + 3, vl);
            buf[vl] = '\0';
            return 1;
        }
        p = eol ? eol + 1 : NULL;
    }
    return 0;
}

/* The first setting whose value differs between recipe texts a and b, as
 * "key: A vs B" into buf (empty when none found). */
static void first_difference(const char *a, const char *b, char *buf,
                             size_t size)
{
    const char *p = a;
    buf[0] = '\0';
    while (p && *p) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        const char *eq = memchr(p, '=', ll);
        if (p[0] != '#' && eq && eq > p + 1 && eq[-1] == ' ') {
            char key[128], va[256], vb[256];
            size_t kl = (size_t)(eq - 1 - p);
            if (kl < sizeof key) {
                memcpy(key, p, kl);
                key[kl] = '\0';
                if (strcmp(key, "digest") != 0 && kv_get(a, key, va, sizeof va)) {
                    if (!kv_get(b, key, vb, sizeof vb))
                        strcpy(vb, "(absent)");
                    if (strcmp(va, vb) != 0) {
                        snprintf(buf, size, "; first difference: %s = %s vs "
                                 "%s", key, va, vb);
                        return;
                    }
                }
            }
        }
        p = eol ? eol + 1 : NULL;
    }
}

typedef struct recipe_ref {
    const char *dir;
    char *path;
    char *text;
    char digest[64];
} recipe_ref;

/* Read dir/recipe.txt; required: a missing file is an error. *absent is
 * set (and CLI_OK returned) when not required and the file is missing. */
static int recipe_load(const char *dir, int required, recipe_ref *r,
                       int *absent)
{
    size_t n;
    memset(r, 0, sizeof *r);
    r->dir = dir;
    r->path = cli_path_join(dir, "recipe.txt");
    if (!r->path)
        return fail("out of memory");
    r->text = slurp(r->path, &n);
    if (!r->text) {
        if (errno == ENOENT && !required) {
            *absent = 1;
            return CLI_OK;
        }
        return fail("'%s' is not a dataset folder: cannot read '%s': %s",
                    dir, r->path, strerror(errno));
    }
    if (!kv_get(r->text, "digest", r->digest, sizeof r->digest))
        return fail("'%s' has no 'digest = ...' line (not made by vec2face "
                    "generate?)", r->path);
    return CLI_OK;
}

static int recipes_agree(const recipe_ref *a, const recipe_ref *b)
{
    char diff[600];
    if (strcmp(a->digest, b->digest) == 0)
        return CLI_OK;
    first_difference(a->text, b->text, diff, sizeof diff);
    return fail("'%s' and '%s' hold datasets of different recipes (digest "
                "%s vs %s%s); nothing was merged", a->dir, b->dir, a->digest,
                b->digest, diff);
}

/* ---- the plan ---- */

typedef struct item {
    char *rel;      /* "000012/003.png" or "manifest/part-0-of-3.csv" */
    char *src;      /* the full path in its SRC */
    int copy;       /* decided by the plan: install into DST */
} item;

typedef struct plan {
    item *v;
    size_t n, cap;
    char **stale;   /* leftover temporary files of ours in DST */
    size_t nstale, capstale;
    char **dirs;    /* identity folders DST must have */
    size_t ndirs, capdirs;
} plan;

static int push_str(char ***v, size_t *n, size_t *cap, char *s)
{
    if (!s)
        return 0;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        char **nv = realloc(*v, nc * sizeof **v);
        if (!nv) {
            free(s);
            return 0;
        }
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = s;
    return 1;
}

static int push_item(plan *pl, char *rel, char *src)
{
    if (!rel || !src) {
        free(rel);
        free(src);
        return 0;
    }
    if (pl->n == pl->cap) {
        size_t nc = pl->cap ? pl->cap * 2 : 1024;
        item *nv = realloc(pl->v, nc * sizeof *nv);
        if (!nv) {
            free(rel);
            free(src);
            return 0;
        }
        pl->v = nv;
        pl->cap = nc;
    }
    pl->v[pl->n].rel = rel;
    pl->v[pl->n].src = src;
    pl->v[pl->n].copy = 0;
    pl->n++;
    return 1;
}

static void plan_free(plan *pl)
{
    size_t i;
    for (i = 0; i < pl->n; i++) {
        free(pl->v[i].rel);
        free(pl->v[i].src);
    }
    for (i = 0; i < pl->nstale; i++)
        free(pl->stale[i]);
    for (i = 0; i < pl->ndirs; i++)
        free(pl->dirs[i]);
    free(pl->v);
    free(pl->stale);
    free(pl->dirs);
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int is_our_temp(const char *name)
{
    size_t n = strlen(name), t = strlen(TMP_SUFFIX);
    return name[0] == '.' && n > t && strcmp(name + n - t, TMP_SUFFIX) == 0;
}

/* Every file of sub (an identity folder name, or "manifest") of src: the
 * visible regular files (generate's temporary files start with '.'). */
static int list_files(plan *pl, const char *src, const char *sub)
{
    char *dir = cli_path_join(src, sub);
    struct dirent *e;
    DIR *d;
    if (!dir)
        return fail("out of memory");
    d = opendir(dir);
    if (!d) {
        int rc = errno == ENOENT ? CLI_OK
                 : fail("cannot read '%s': %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    while ((e = readdir(d)) != NULL) {
        struct stat sb;
        char *path, *rel;
        if (e->d_name[0] == '.')
            continue;
        path = cli_path_join(dir, e->d_name);
        if (!path || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(path);
            continue;
        }
        rel = cli_path_join(sub, e->d_name);
        if (!push_item(pl, rel, path)) {
            closedir(d);
            free(dir);
            return fail("out of memory");
        }
    }
    closedir(d);
    free(dir);
    return CLI_OK;
}

static int list_source(plan *pl, const char *src)
{
    struct dirent *e;
    DIR *d = opendir(src);
    int rc = CLI_OK;
    if (!d)
        return fail("cannot read '%s': %s", src, strerror(errno));
    while (rc == CLI_OK && (e = readdir(d)) != NULL)
        if (all_digits(e->d_name))
            rc = list_files(pl, src, e->d_name);
    closedir(d);
    if (rc == CLI_OK)
        rc = list_files(pl, src, "manifest");
    return rc;
}

/* Remember our leftover temporary files under DST/sub. */
static int find_stale(plan *pl, const char *dst, const char *sub)
{
    char *dir = cli_path_join(dst, sub);
    struct dirent *e;
    DIR *d;
    if (!dir)
        return fail("out of memory");
    d = opendir(dir);
    if (d) {
        while ((e = readdir(d)) != NULL)
            if (is_our_temp(e->d_name)
                && !push_str(&pl->stale, &pl->nstale, &pl->capstale,
                             cli_path_join(dir, e->d_name))) {
                closedir(d);
                free(dir);
                return fail("out of memory");
            }
        closedir(d);
    }
    free(dir);
    return CLI_OK;
}

static int by_rel(const void *a, const void *b)
{
    const item *x = a, *y = b;
    return strcmp(x->rel, y->rel);
}

static int is_manifest(const char *rel)
{
    return strncmp(rel, "manifest/", 9) == 0;
}

/* ---- manifest parts ---- */

typedef struct line_ref {
    const char *s;
    size_t len, order;
} line_ref;

static int by_line(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, m);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int by_order(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The union of the rows of texts[0..n) (each a whole part file; texts[0]
 * is DST's when it has one), the header once: first appearance order.
 * names[] name the files for messages. *out is malloc'ed. */
static int union_parts(char **texts, size_t *lens, char **names, size_t n,
                       char **out, size_t *out_len)
{
    line_ref *lines = NULL;
    size_t nl = 0, cap = 0, i, k, hl0 = 0, total = 0, w;
    char *buf;
    for (i = 0; i < n; i++) {
        const char *t = texts[i], *end = t + lens[i], *nlp;
        size_t hl;
        if (lens[i] == 0 || t[lens[i] - 1] != '\n') {
            free(lines);
            return fail("'%s' is %s (an interrupted generate; run generate "
                        "there again to repair it, then merge)", names[i],
                        lens[i] ? "torn at its end" : "empty");
        }
        nlp = memchr(t, '\n', lens[i]);
        hl = (size_t)(nlp - t) + 1;
        if (i == 0)
            hl0 = hl;
        else if (hl != hl0 || memcmp(t, texts[0], hl) != 0) {
            free(lines);
            return fail("'%s' and '%s' have different headers (parts of "
                        "different library versions?)", names[0], names[i]);
        }
        for (t += hl; t < end; t = nlp + 1) {
            nlp = memchr(t, '\n', (size_t)(end - t));
            if (nl == cap) {
                line_ref *nv;
                cap = cap ? cap * 2 : 4096;
                nv = realloc(lines, cap * sizeof *nv);
                if (!nv) {
                    free(lines);
                    return fail("out of memory");
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
    qsort(lines, nl, sizeof *lines, by_line);
    for (i = 0, k = 0; i < nl; i++)
        if (k == 0 || by_line(&(line_ref){lines[i].s, lines[i].len, 0},
                              &(line_ref){lines[k - 1].s, lines[k - 1].len,
                                          0}) != 0)
            lines[k++] = lines[i];
    nl = k;
    qsort(lines, nl, sizeof *lines, by_order);
    for (i = 0, total = hl0; i < nl; i++)
        total += lines[i].len;
    buf = malloc(total + 1);
    if (!buf) {
        free(lines);
        return fail("out of memory");
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
    return CLI_OK;
}

/* A part name held by several places (group g[0..n) of the sorted plan;
 * dst_path exists or not): compute the union; *data is NULL when DST
 * already holds exactly it. */
static int plan_part(item *g, size_t n, const char *dst_path, char **data,
                     size_t *len)
{
    char **texts = calloc(n + 1, sizeof *texts);
    char **names = calloc(n + 1, sizeof *names);
    size_t *lens = calloc(n + 1, sizeof *lens);
    size_t m = 0, i;
    int rc = CLI_OK;
    *data = NULL;
    if (!texts || !names || !lens) {
        rc = fail("out of memory");
        goto out;
    }
    texts[0] = slurp(dst_path, &lens[0]);
    if (texts[0])
        names[m++] = (char *)dst_path;
    else if (errno != ENOENT) {
        rc = fail("cannot read '%s': %s", dst_path, strerror(errno));
        goto out;
    }
    for (i = 0; i < n; i++) {
        texts[m] = slurp(g[i].src, &lens[m]);
        if (!texts[m]) {
            rc = fail("cannot read '%s': %s", g[i].src, strerror(errno));
            goto out;
        }
        names[m++] = g[i].src;
    }
    rc = union_parts(texts, lens, names, m, data, len);
    if (rc == CLI_OK && names[0] == dst_path && *len == lens[0]
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
    return rc;
}

typedef struct part_write {
    char *path;
    char *data;
    size_t len;
} part_write;

/* ---- the command ---- */

int cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"link", no_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *dst = NULL;
    int link_it = 0, quiet = 0, c, rc = CLI_OK, dst_absent = 0;
    int nsrc, i;
    recipe_ref *rec = NULL, dst_rec;
    plan pl;
    part_write *parts = NULL;
    size_t nparts = 0, g, h, k;
    unsigned long long copied = 0, skipped = 0, merged_parts = 0;
    struct stat sd;

    memset(&pl, 0, sizeof pl);
    memset(&dst_rec, 0, sizeof dst_rec);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:lqh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                return cli_usage_error("merge", "--out needs a folder");
            dst = optarg;
            break;
        case 'l': link_it = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(help, stdout); return CLI_OK;
        case ':':
            return cli_usage_error("merge", "%s needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("merge", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (!dst)
        return cli_usage_error("merge", "--out DST is required");
    nsrc = argc - optind;
    if (nsrc < 1)
        return cli_usage_error("merge", "at least one SRC folder is needed");
    for (i = optind; i < argc; i++) {
        struct stat ss;
        if (!*argv[i])
            return cli_usage_error("merge", "an empty SRC folder name");
        if (stat(argv[i], &ss) == 0 && stat(dst, &sd) == 0
            && ss.st_dev == sd.st_dev && ss.st_ino == sd.st_ino)
            return cli_usage_error("merge", "SRC '%s' is DST itself",
                                   argv[i]);
    }

    /* 1. Recipes: all SRCs (and DST when it has one) agree. */
    rec = calloc((size_t)nsrc, sizeof *rec);
    if (!rec)
        return fail("out of memory");
    for (i = 0; i < nsrc && rc == CLI_OK; i++) {
        rc = recipe_load(argv[optind + i], 1, &rec[i], &dst_absent);
        if (rc == CLI_OK && i > 0)
            rc = recipes_agree(&rec[0], &rec[i]);
    }
    if (rc == CLI_OK) {
        rc = recipe_load(dst, 0, &dst_rec, &dst_absent);
        if (rc == CLI_OK && !dst_absent)
            rc = recipes_agree(&dst_rec, &rec[0]);
    }

    /* 2. The plan: every file of every SRC, sorted by name. */
    for (i = 0; i < nsrc && rc == CLI_OK; i++)
        rc = list_source(&pl, argv[optind + i]);
    if (rc != CLI_OK)
        goto out;
    qsort(pl.v, pl.n, sizeof *pl.v, by_rel);
    parts = calloc(pl.n + 1, sizeof *parts);
    if (!parts) {
        rc = fail("out of memory");
        goto out;
    }
    for (g = 0; g < pl.n && rc == CLI_OK; g = h) {
        char *dpath = cli_path_join(dst, pl.v[g].rel);
        struct stat sb;
        int in_dst;
        for (h = g + 1; h < pl.n && strcmp(pl.v[h].rel, pl.v[g].rel) == 0;)
            h++;
        if (!dpath) {
            rc = fail("out of memory");
            break;
        }
        in_dst = stat(dpath, &sb) == 0;
        if (is_manifest(pl.v[g].rel) && (in_dst || h - g > 1)) {
            char *data = NULL;
            size_t len = 0;
            rc = plan_part(pl.v + g, h - g, dpath, &data, &len);
            if (rc == CLI_OK && data) {
                parts[nparts].path = dpath;
                parts[nparts].data = data;
                parts[nparts].len = len;
                nparts++;
                dpath = NULL;
            } else if (rc == CLI_OK)
                skipped++;
            free(dpath);
            continue;
        }
        /* An image (or a part only one SRC has and DST lacks): every copy
         * must hold the same bytes as the first (and as DST's). */
        for (k = in_dst ? g : g + 1; k < h && rc == CLI_OK; k++) {
            const char *ref = in_dst ? dpath : pl.v[g].src;
            int eq = same_bytes(ref, pl.v[k].src);
            if (eq < 0)
                rc = CLI_FAILED;
            else if (!eq)
                rc = fail("'%s' and '%s' have the same name but different "
                          "bytes; nothing was merged (remove the wrong one "
                          "and run merge again)", ref, pl.v[k].src);
        }
        if (!in_dst)
            pl.v[g].copy = 1;
        skipped += (unsigned long long)(h - g) - (in_dst ? 0 : 1);
        free(dpath);
    }
    if (rc != CLI_OK)
        goto out;
    for (g = 0; g < pl.n; g++) {
        if (g > 0 && strchr(pl.v[g].rel, '/') - pl.v[g].rel
                     == strchr(pl.v[g - 1].rel, '/') - pl.v[g - 1].rel
            && strncmp(pl.v[g].rel, pl.v[g - 1].rel,
                       (size_t)(strchr(pl.v[g].rel, '/') - pl.v[g].rel)) == 0)
            continue;
        {
            size_t dl = (size_t)(strchr(pl.v[g].rel, '/') - pl.v[g].rel);
            char *sub = strndup(pl.v[g].rel, dl);
            if (!sub || !push_str(&pl.dirs, &pl.ndirs, &pl.capdirs, sub)) {
                rc = fail("out of memory");
                goto out;
            }
        }
    }

    /* 3. Write: folders, recipe (and identities), images, parts. */
    if (mkdir(dst, 0777) != 0 && errno != EEXIST) {
        rc = fail("cannot create '%s': %s", dst, strerror(errno));
        goto out;
    }
    for (k = 0; k < pl.ndirs && rc == CLI_OK; k++) {
        char *d = cli_path_join(dst, pl.dirs[k]);
        if (!d)
            rc = fail("out of memory");
        else if (mkdir(d, 0777) != 0 && errno != EEXIST)
            rc = fail("cannot create '%s': %s", d, strerror(errno));
        else
            rc = find_stale(&pl, dst, pl.dirs[k]);
        free(d);
    }
    for (k = 0; k < pl.nstale && rc == CLI_OK; k++)
        if (unlink(pl.stale[k]) != 0 && errno != ENOENT)
            rc = fail("cannot remove the leftover '%s': %s", pl.stale[k],
                      strerror(errno));
    if (rc == CLI_OK && dst_absent) {
        char *p = cli_path_join(dst, "recipe.txt");
        rc = p ? write_atomic(p, rec[0].text, strlen(rec[0].text))
               : fail("out of memory");
        free(p);
    }
    {
        static const char *const extra[] = {"identities.npy",
                                            "identities.txt",
                                            "identities.src"};
        for (k = 0; k < 3 && rc == CLI_OK; k++) {
            char *dp = cli_path_join(dst, extra[k]);
            if (!dp) {
                rc = fail("out of memory");
                break;
            }
            if (access(dp, F_OK) != 0)
                for (i = 0; i < nsrc; i++) {
                    char *sp = cli_path_join(argv[optind + i], extra[k]);
                    if (sp && access(sp, F_OK) == 0) {
                        rc = install_file(sp, dp, 0);
                        free(sp);
                        break;
                    }
                    free(sp);
                }
            free(dp);
        }
    }
    for (g = 0; g < pl.n && rc == CLI_OK; g++) {
        char *dp;
        if (!pl.v[g].copy)
            continue;
        dp = cli_path_join(dst, pl.v[g].rel);
        rc = dp ? install_file(pl.v[g].src, dp,
                               link_it && !is_manifest(pl.v[g].rel))
                : fail("out of memory");
        free(dp);
        copied++;
    }
    for (k = 0; k < nparts && rc == CLI_OK; k++) {
        rc = write_atomic(parts[k].path, parts[k].data, parts[k].len);
        merged_parts++;
    }
    for (k = 0; k < pl.ndirs && rc == CLI_OK; k++) {
        char *d = cli_path_join(dst, pl.dirs[k]);
        if (d)
            fsync_dir(d);
        free(d);
    }
    if (rc == CLI_OK)
        fsync_dir(dst);
    if (rc != CLI_OK)
        goto out;
    if (!quiet)
        printf("merged %d folder%s into %s: %llu file%s %s, %llu manifest "
               "part%s merged, %llu already there\n", nsrc,
               nsrc == 1 ? "" : "s", dst, copied, copied == 1 ? "" : "s",
               link_it ? "linked or copied" : "copied", merged_parts,
               merged_parts == 1 ? "" : "s", skipped);

    /* 4. Verify DST with the verify command's report. */
    {
        char *vargv[4];
        int vargc = 0;
        vargv[vargc++] = "verify";
        if (quiet)
            vargv[vargc++] = "--quiet";
        vargv[vargc++] = (char *)dst;
        vargv[vargc] = NULL;
        rc = cmd_verify(vargc, vargv);
        if (rc != CLI_OK)
            fprintf(stderr, "vec2face merge: '%s' is not complete yet: "
                    "generate the missing shards (or merge their folders "
                    "into it) and run merge or verify again\n", dst);
    }
out:
    for (k = 0; k < nparts; k++) {
        free(parts[k].path);
        free(parts[k].data);
    }
    free(parts);
    plan_free(&pl);
    if (rec)
        for (i = 0; i < nsrc; i++) {
            free(rec[i].path);
            free(rec[i].text);
        }
    free(rec);
    free(dst_rec.path);
    free(dst_rec.text);
    return rc;
}
