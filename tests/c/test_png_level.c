/* v2f_image_write_opts.png_level (0.3): the same image written at levels
 * 0, 1, 6, 9 and -1 decodes (with libpng's own simplified reader, not the
 * library's) to the input pixels; the zlib stream of each file declares
 * the level class it was made with (FLEVEL of the zlib header: 0 for
 * levels 0-1, 1 for 2-5, 2 for 6, 3 for 7-9); level 0 stores (file larger
 * than the raw rows), sizes shrink toward 9; -1 and an older caller's
 * struct (no png_level field) give the bytes of V2F_PNG_LEVEL_DEFAULT;
 * levels -2 and 10 are V2F_E_INVALID_ARG naming the value. */
#define _POSIX_C_SOURCE 200809L
#include "cmocka_all.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vec2face/vec2face.h"

#define S V2F_IMAGE_SIZE

static char tmpdir[64];

static const char *tpath(const char *name)
{
    static char bufs[4][256];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", tmpdir, name);
    return b;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long len;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    b = malloc((size_t)len);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

/* FLEVEL (bits 6-7 of the second zlib header byte) of the first IDAT. */
static int zlib_flevel(const unsigned char *b, size_t n)
{
    size_t p = 8;
    while (p + 8 <= n) {
        uint32_t len = (uint32_t)b[p] << 24 | (uint32_t)b[p + 1] << 16
                       | (uint32_t)b[p + 2] << 8 | b[p + 3];
        if (!memcmp(b + p + 4, "IDAT", 4) && len >= 2 && p + 10 <= n)
            return b[p + 9] >> 6;
        p += 12 + (size_t)len;
    }
    return -1;
}

/* Noise over gradients: compresses, but not to nothing, at any level. */
static void make_image(uint8_t *rgb)
{
    size_t k;
    srand(3);
    for (k = 0; k < V2F_IMAGE_BYTES; k++)
        rgb[k] = (uint8_t)((k / 3 % S) + (k / 3 / S) + rand() % 24);
}

static void decode_libpng(const char *path, uint8_t *out)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_file(&im, path));
    assert_int_equal(im.width, S);
    assert_int_equal(im.height, S);
    im.format = PNG_FORMAT_RGB;
    assert_true(png_image_finish_read(&im, NULL, out, 0, NULL));
}

static size_t write_level(const uint8_t *rgb, int level, const char *name,
                          int *flevel)
{
    v2f_image_write_opts o;
    uint8_t back[V2F_IMAGE_BYTES];
    unsigned char *b;
    size_t n;
    v2f_image_write_opts_init(&o, sizeof o);
    assert_int_equal(o.png_level, -1);
    o.png_level = level;
    assert_int_equal(v2f_image_write(tpath(name), rgb, S, S, &o), V2F_OK);
    decode_libpng(tpath(name), back);
    assert_memory_equal(back, rgb, V2F_IMAGE_BYTES);
    b = slurp(tpath(name), &n);
    *flevel = zlib_flevel(b, n);
    free(b);
    return n;
}

static void levels_same_pixels_smaller_files(void **state)
{
    static uint8_t rgb[V2F_IMAGE_BYTES];
    size_t s0, s1, s6, s9;
    int f0, f1, f6, f9;
    (void)state;
    make_image(rgb);
    s0 = write_level(rgb, 0, "l0.png", &f0);
    s1 = write_level(rgb, 1, "l1.png", &f1);
    s6 = write_level(rgb, 6, "l6.png", &f6);
    s9 = write_level(rgb, 9, "l9.png", &f9);
    assert_int_equal(f0, 0);
    assert_int_equal(f1, 0);
    assert_int_equal(f6, 2);
    assert_int_equal(f9, 3);
    /* Level 0 stores: at least the raw rows (filter byte + RGB each). */
    assert_true(s0 >= (size_t)S * (1 + S * 3));
    assert_true(s0 > s1 && s1 >= s6 && s6 >= s9);
}

static void older_struct_gets_default(void **state)
{
    /* A 0.2 caller's struct ends after jpeg_quality. */
    struct { uint32_t struct_size; int32_t jpeg_quality; } old;
    static uint8_t rgb[V2F_IMAGE_BYTES];
    unsigned char *a, *b;
    size_t na, nb;
    int f;
    (void)state;
    make_image(rgb);
    old.struct_size = sizeof old;
    old.jpeg_quality = 95;
    assert_int_equal(v2f_image_write(tpath("old.png"), rgb, S, S,
                                     (const v2f_image_write_opts *)&old),
                     V2F_OK);
    write_level(rgb, V2F_PNG_LEVEL_DEFAULT, "def.png", &f);
    write_level(rgb, -1, "ld.png", &f);
    a = slurp(tpath("def.png"), &na);
    b = slurp(tpath("old.png"), &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(b);
    b = slurp(tpath("ld.png"), &nb);   /* -1 = the documented default */
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a);
    free(b);
}

static void bad_levels_refused(void **state)
{
    static const int bad[] = {-2, 10, 100, -100};
    static uint8_t rgb[V2F_IMAGE_BYTES];
    char want[32];
    size_t k;
    (void)state;
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        v2f_image_write_opts o;
        v2f_image_write_opts_init(&o, sizeof o);
        o.png_level = bad[k];
        assert_int_equal(v2f_image_write(tpath("bad.png"), rgb, S, S, &o),
                         V2F_E_INVALID_ARG);
        snprintf(want, sizeof want, "png_level is %d", bad[k]);
        assert_non_null(strstr(v2f_last_error(), want));
        assert_int_equal(access(tpath("bad.png"), F_OK), -1);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/v2f-pnglevel-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    static const char *names[] = {"l0.png", "l1.png", "l6.png", "l9.png",
                                  "ld.png", "old.png", "def.png"};
    size_t k;
    (void)state;
    for (k = 0; k < sizeof names / sizeof names[0]; k++)
        unlink(tpath(names[k]));
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(levels_same_pixels_smaller_files),
        cmocka_unit_test(older_struct_gets_default),
        cmocka_unit_test(bad_levels_refused),
    };
    return cmocka_run_group_tests_name("png_level", tests, setup, teardown);
}
