/* PNG encode cost per zlib level and filter choice, on 112x112 images.
 *
 *   v2f_bench_png_levels [--repeat R] IMAGE_OR_FOLDER...
 *
 * Reads every PNG/JPEG given (folders: their *.png, *.jpg, one level
 * deep: a dataset folder works) as 112x112 RGB (resized when another
 * size, as v2f_image_read does), then encodes each image R times in
 * memory with libpng for levels 0..9 and the filter choices libpng's
 * default (adaptive: all five filters tried per row), NONE, SUB and
 * PAETH. Prints per (level, filter): encode ms per image (median of the
 * R passes over the set), MB/s of raw RGB, mean file size and its ratio
 * to level 6 with the default filters (what 0.2 wrote). Also checks that
 * v2f_image_write with png_level L writes exactly the bytes of the
 * in-memory encoding at (L, default filters): the library measured is
 * the library shipped. Run by hand; see bench/RESULTS.md. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <vec2face/vec2face.h>

#define MAX_IMAGES 4096

typedef struct membuf {
    unsigned char *p;
    size_t n, cap;
} membuf;

static void on_write(png_structp png, png_bytep data, png_size_t n)
{
    membuf *m = png_get_io_ptr(png);
    if (m->n + n > m->cap) {
        size_t cap = (m->n + n) * 2;
        unsigned char *q = realloc(m->p, cap);
        if (!q)
            png_error(png, "out of memory");
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->n, data, n);
    m->n += n;
}

static void on_flush(png_structp png) { (void)png; }

/* filter: -1 = libpng's default choice, else a PNG_FILTER_* mask. Same
 * IHDR and calls as libvec2face/io/png_io.c apart from the filter. */
static int encode(const uint8_t *rgb, int level, int filter, membuf *out)
{
    png_structp png;
    png_infop info;
    png_bytep rows[V2F_IMAGE_SIZE];
    int y;
    out->n = 0;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (!png)
        return -1;
    info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        return -1;
    }
    for (y = 0; y < V2F_IMAGE_SIZE; y++)
        rows[y] = (png_bytep)(rgb + (size_t)y * V2F_IMAGE_SIZE * 3);
    png_set_write_fn(png, out, on_write, on_flush);
    png_set_compression_level(png, level);
    if (filter >= 0)
        png_set_filter(png, PNG_FILTER_TYPE_BASE, filter);
    png_set_IHDR(png, info, V2F_IMAGE_SIZE, V2F_IMAGE_SIZE, 8,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int is_image_name(const char *s)
{
    size_t n = strlen(s);
    return s[0] != '.'
           && ((n > 4 && (!strcmp(s + n - 4, ".png")
                          || !strcmp(s + n - 4, ".jpg")))
               || (n > 5 && !strcmp(s + n - 5, ".jpeg")));
}

static uint8_t *images;
static size_t count;

static void add_file(const char *path)
{
    v2f_image_read_opts ro;
    if (count == MAX_IMAGES)
        return;
    v2f_image_read_opts_init(&ro, sizeof ro);
    ro.resize = 1;
    if (v2f_image_read(path, &ro, images + count * V2F_IMAGE_BYTES)
        != V2F_OK) {
        fprintf(stderr, "skipping %s: %s\n", path, v2f_last_error());
        return;
    }
    count++;
}

/* A file, or a folder's images and its subfolders' images. */
static void add_path(const char *path, int depth)
{
    struct stat sb;
    struct dirent *e;
    DIR *d;
    char sub[4096];
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "skipping %s: cannot stat\n", path);
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        add_file(path);
        return;
    }
    if (depth > 1 || !(d = opendir(path)))
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (is_image_name(e->d_name))
            add_file(sub);
        else if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
            add_path(sub, depth + 1);
    }
    closedir(d);
}

/* v2f_image_write at each level gives the bytes encode() gives. */
static int check_library(membuf *m)
{
    char dir[] = "/tmp/v2f-png-levels-XXXXXX", path[64];
    int level, bad = 0;
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/x.png", dir);
    for (level = 0; level <= 9; level++) {
        v2f_image_write_opts wo;
        FILE *f;
        unsigned char *got;
        long n;
        v2f_image_write_opts_init(&wo, sizeof wo);
        wo.png_level = level;
        if (v2f_image_write(path, images, V2F_IMAGE_SIZE, V2F_IMAGE_SIZE,
                            &wo) != V2F_OK
            || encode(images, level, -1, m) != 0 || !(f = fopen(path, "rb"))) {
            fprintf(stderr, "level %d: %s\n", level, v2f_last_error());
            bad = 1;
            continue;
        }
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        got = malloc(n > 0 ? (size_t)n : 1);
        if (!got || fread(got, 1, (size_t)n, f) != (size_t)n
            || (size_t)n != m->n || memcmp(got, m->p, m->n) != 0) {
            fprintf(stderr, "level %d: v2f_image_write's file differs from "
                    "the in-memory encoding\n", level);
            bad = 1;
        }
        free(got);
        fclose(f);
    }
    unlink(path);
    rmdir(dir);
    return bad;
}

int main(int argc, char **argv)
{
    static const struct { const char *name; int mask; } filters[] = {
        {"default", -1}, {"none", PNG_FILTER_NONE}, {"sub", PNG_FILTER_SUB},
        {"paeth", PNG_FILTER_PAETH}};
    int repeat = 5, i, level;
    size_t f, k;
    double ref_size = 0.0;
    membuf m = {0};
    double *t;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [--repeat R] IMAGE_OR_FOLDER...\n",
                    argv[0]);
            return 2;
        }
    }
    if (repeat < 1 || argc < 2) {
        fprintf(stderr, "usage: %s [--repeat R] IMAGE_OR_FOLDER...\n",
                argv[0]);
        return 2;
    }
    images = malloc((size_t)MAX_IMAGES * V2F_IMAGE_BYTES);
    t = malloc((size_t)repeat * sizeof *t);
    if (!images || !t)
        return 1;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeat")) {
            i++;
            continue;
        }
        add_path(argv[i], 0);
    }
    if (count == 0) {
        fprintf(stderr, "no images read\n");
        return 1;
    }
    if (check_library(&m) != 0)
        return 1;
    /* The reference: level 6, default filters (0.2's files). */
    for (k = 0; k < count; k++) {
        if (encode(images + k * V2F_IMAGE_BYTES, 6, -1, &m) != 0)
            return 1;
        ref_size += (double)m.n;
    }
    ref_size /= (double)count;
    printf("%zu images of 112x112 RGB (%d bytes raw), %d passes, libpng %s,"
           " zlib %s\n", count, V2F_IMAGE_BYTES, repeat,
           PNG_LIBPNG_VER_STRING, zlibVersion());
    printf("| level | filter | ms/image | MB/s (raw) | mean bytes | vs level 6 |\n");
    printf("|---|---|---|---|---|---|\n");
    for (level = 0; level <= 9; level++) {
        for (f = 0; f < sizeof filters / sizeof filters[0]; f++) {
            double bytes = 0.0, ms;
            int r;
            for (r = 0; r < repeat; r++) {
                double t0 = now();
                bytes = 0.0;
                for (k = 0; k < count; k++) {
                    if (encode(images + k * V2F_IMAGE_BYTES, level,
                               filters[f].mask, &m) != 0)
                        return 1;
                    bytes += (double)m.n;
                }
                t[r] = now() - t0;
            }
            qsort(t, (size_t)repeat, sizeof *t, cmp_double);
            ms = t[repeat / 2] * 1e3 / (double)count;
            printf("| %d | %s | %.3f | %.1f | %.0f | %.3f |\n", level,
                   filters[f].name, ms,
                   (double)V2F_IMAGE_BYTES / (ms * 1e-3) / 1e6,
                   bytes / (double)count, bytes / (double)count / ref_size);
        }
    }
    free(m.p);
    free(images);
    free(t);
    return 0;
}
