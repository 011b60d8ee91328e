/* File-system and string helpers shared by the library's rooms and the
 * CLI: hashing, mkdir -p, whole-file reads, formatting, folder listings. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "error.h"
#include "util/fsutil.h"

uint64_t v2f__fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

v2f_status v2f__fnv1a_file(const char *path, uint64_t *out)
{
    unsigned char buf[65536];
    uint64_t h = V2F_FNV_INIT;
    size_t got;
    int err;
    FILE *f = fopen(path, "rb");
    if (!f)
        return v2f__fail(V2F_E_IO, "cannot open '%s': %s", path,
                         strerror(errno));
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        h = v2f__fnv1a(h, buf, got);
    err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (err)
        return v2f__fail(V2F_E_IO, "cannot read '%s': %s", path,
                         strerror(err));
    *out = h;
    return V2F_OK;
}

v2f_status v2f__mkdirs(const char *path)
{
    struct stat st;
    char *p, *s;
    v2f_status status = V2F_OK;

    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return V2F_OK;
        return v2f__fail(V2F_E_IO, "'%s' exists and is not a folder", path);
    }
    p = strdup(path);
    if (!p)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    for (s = p + 1; ; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                status = v2f__fail(V2F_E_IO, "cannot create folder '%s': %s",
                                   p, strerror(errno));
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(p);
    if (status == V2F_OK && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)))
        status = v2f__fail(V2F_E_IO, "'%s' is not a folder", path);
    return status;
}

v2f_status v2f__read_file(const char *path, char **out, size_t *len)
{
    FILE *f;
    char *buf = NULL, *nb;
    size_t cap = 0, n = 0, got;
    int err = 0;

    *out = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (!f)
        return v2f__fail(V2F_E_IO, "cannot open '%s': %s", path,
                         strerror(errno));
    for (;;) {
        if (cap - n < 4097) {
            cap = cap ? cap * 2 : 8192;
            nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return v2f__fail(V2F_E_NO_MEMORY, "out of memory reading "
                                 "'%s'", path);
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f))
        err = errno ? errno : EIO;
    fclose(f);
    if (err) {
        free(buf);
        return v2f__fail(V2F_E_IO, "cannot read '%s': %s", path,
                         strerror(err));
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return V2F_OK;
}

char *v2f__strfmt(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void v2f__fmt_float(char *buf, size_t size, float f)
{
    int p;
    for (p = 6; p <= 9; p++) {
        snprintf(buf, size, "%.*g", p, (double)f);
        if (strtof(buf, NULL) == f)
            return;
    }
}

void v2f__free_strings(char **s, size_t n)
{
    size_t i;
    if (!s)
        return;
    for (i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

static int has_image_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name
           && (strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".jpg") == 0
               || strcasecmp(dot, ".jpeg") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What list_entries keeps. Hidden entries are never listed (they include
 * our temporary files). */
enum { LIST_IMAGE_NAMES, /* an image extension; not stat'ed */
       LIST_IMAGE_FILES, /* an image extension and a regular file */
       LIST_DIRS };

/* The one folder lister: sorted names (or dir/name paths when full). */
static v2f_status list_entries(const char *dir, int kind, int full,
                               char ***out, size_t *n)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL, **nn;
    size_t count = 0, cap = 0;

    *out = NULL;
    *n = 0;
    d = opendir(dir);
    if (!d)
        return v2f__fail(V2F_E_IO, "cannot read folder '%s': %s", dir,
                         strerror(errno));
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (kind != LIST_DIRS && !has_image_ext(e->d_name))
            continue;
        if (kind != LIST_IMAGE_NAMES) {
            struct stat st;
            int keep;
            char *path = v2f__strfmt("%s/%s", dir, e->d_name);
            if (!path)
                goto oom;
            /* An entry that vanished or cannot be stat'ed is not listed. */
            keep = stat(path, &st) == 0
                   && (kind == LIST_DIRS ? S_ISDIR(st.st_mode)
                                         : S_ISREG(st.st_mode));
            free(path);
            if (!keep)
                continue;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            nn = realloc(names, cap * sizeof *names);
            if (!nn)
                goto oom;
            names = nn;
        }
        names[count] = full ? v2f__strfmt("%s/%s", dir, e->d_name)
                            : strdup(e->d_name);
        if (!names[count])
            goto oom;
        count++;
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, cmp_str);
    *out = names;
    *n = count;
    return V2F_OK;
oom:
    closedir(d);
    v2f__free_strings(names, count);
    return v2f__fail(V2F_E_NO_MEMORY, "out of memory listing '%s'", dir);
}

v2f_status v2f__list_images(const char *dir, char ***out, size_t *n)
{
    return list_entries(dir, LIST_IMAGE_NAMES, 1, out, n);
}

v2f_status v2f__list_dir(const char *dir, int want_dirs, char ***out,
                         size_t *n)
{
    return list_entries(dir, want_dirs ? LIST_DIRS : LIST_IMAGE_FILES, 0,
                        out, n);
}
