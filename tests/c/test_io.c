/* Tests of the image (PNG, JPEG) and array (.npy, .npz) I/O, through the
 * public API only. Inputs that the library cannot write (grey, palette,
 * 16-bit PNGs, hand-made .npy headers, zip archives) are built here with
 * libpng and zlib directly. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>
#include <zlib.h>

#include "vec2face/vec2face.h"
#include "fixture.h"

#define S V2F_IMAGE_SIZE

static char tmpdir[256];

/* A path inside the test directory; a few rotating buffers so that a call
 * can take two of them. */
static const char *tpath(const char *name) { return fx_path(tmpdir, name); }

#define ASSERT_FAIL(call, status, substr)                                   \
    do {                                                                    \
        v2f_status st_ = (call);                                            \
        if (st_ != (status) || !strstr(v2f_last_error(), (substr)))         \
            print_message("status %d, message: %s\n", (int)st_,             \
                          v2f_last_error());                                \
        assert_int_equal(st_, (status));                                    \
        assert_non_null(strstr(v2f_last_error(), (substr)));                \
    } while (0)

static void write_bytes(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* Files whose name contains ".tmp" in dir: leftovers of atomic writes. */
static int count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp"))
            n++;
    closedir(d);
    return n;
}

/* A smooth test picture: JPEG handles it well, PNG must keep it exactly. */
static void make_picture(uint8_t *rgb, int w, int h)
{
    int x, y;
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            uint8_t *p = rgb + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)(x * 255 / (w - 1));
            p[1] = (uint8_t)(y * 255 / (h - 1));
            p[2] = (uint8_t)(128 + 60 * sin(x / 9.0) * cos(y / 13.0));
        }
}

/* ---- PNG files made with libpng, for inputs the library never writes */

static void write_png_raw(const char *path, int w, int h, int color, int depth,
                          const uint8_t *data, const png_color *pal,
                          int npal, const uint8_t *trans, int ntrans)
{
    FILE *f = fopen(path, "wb");
    png_structp png;
    png_infop info;
    size_t row_bytes;
    int y;
    assert_non_null(f);
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    info = png_create_info_struct(png);
    assert_non_null(png);
    assert_non_null(info);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("libpng failed writing a test file");
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (pal)
        png_set_PLTE(png, info, pal, npal);
    if (trans)
        png_set_tRNS(png, info, trans, ntrans, NULL);
    png_write_info(png, info);
    row_bytes = png_get_rowbytes(png, info);
    for (y = 0; y < h; y++)
        png_write_row(png, (png_const_bytep)(data + (size_t)y * row_bytes));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

static int group_setup(void **state)
{
    const char *base = getenv("TMPDIR");
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/v2f_io_XXXXXX",
             base && *base ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    (void)state;
    if (d) {
        while ((e = readdir(d))) {
            char p[600];
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            if (remove(p) != 0)
                rmdir(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Images                                                               */
/* ------------------------------------------------------------------ */

static void test_png_roundtrip(void **state)
{
    uint8_t img[V2F_IMAGE_BYTES], back[V2F_IMAGE_BYTES];
    (void)state;
    make_picture(img, S, S);
    ASSERT_OK(v2f_image_write(tpath("rt.png"), img, S, S, NULL));
    memset(back, 0, sizeof back);
    ASSERT_OK(v2f_image_read(tpath("rt.png"), NULL, back));
    assert_memory_equal(img, back, sizeof img);
    /* Extension case does not matter; content decides on reading. */
    ASSERT_OK(v2f_image_write(tpath("RT2.PNG"), img, S, S, NULL));
    assert_int_equal(rename(tpath("RT2.PNG"), tpath("rt2.jpg")), 0);
    ASSERT_OK(v2f_image_read(tpath("rt2.jpg"), NULL, back));
    assert_memory_equal(img, back, sizeof img);
    assert_int_equal(count_temp_files(tmpdir), 0);
}

static double mean_abs_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
    double s = 0;
    size_t i;
    for (i = 0; i < n; i++)
        s += abs((int)a[i] - (int)b[i]);
    return s / (double)n;
}

static void test_jpeg_roundtrip(void **state)
{
    uint8_t img[V2F_IMAGE_BYTES], back[V2F_IMAGE_BYTES];
    v2f_image_write_opts o;
    size_t n95, n100;
    uint8_t *f;
    (void)state;
    make_picture(img, S, S);
    v2f_image_write_opts_init(&o, sizeof o);
    assert_int_equal(o.jpeg_quality, 95);
    o.jpeg_quality = 100;
    ASSERT_OK(v2f_image_write(tpath("q100.jpg"), img, S, S, &o));
    ASSERT_OK(v2f_image_read(tpath("q100.jpg"), NULL, back));
    /* Quality 100 quantises every DCT coefficient with step 1, so what is
     * left is rounding in the colour conversion and the DCT (about +-1 per
     * sample) and 4:2:0 chroma subsampling, which costs little on a smooth
     * picture: a mean error under 2 levels of 255 is generous. */
    assert_true(mean_abs_diff(img, back, sizeof img) < 2.0);
    ASSERT_OK(v2f_image_write(tpath("q95.JPEG"), img, S, S, NULL));
    ASSERT_OK(v2f_image_read(tpath("q95.JPEG"), NULL, back));
    assert_true(mean_abs_diff(img, back, sizeof img) < 4.0);
    free(read_bytes(tpath("q95.JPEG"), &n95));
    f = read_bytes(tpath("q100.jpg"), &n100);
    free(f);
    assert_true(n95 < n100);   /* the quality option took effect */

    o.jpeg_quality = 0;
    ASSERT_FAIL(v2f_image_write(tpath("q0.jpg"), img, S, S, &o),
                V2F_E_INVALID_ARG, "jpeg_quality");
    o.jpeg_quality = 101;
    ASSERT_FAIL(v2f_image_write(tpath("q101.jpg"), img, S, S, &o),
                V2F_E_INVALID_ARG, "jpeg_quality");
    /* A bad quality does not matter for PNG. */
    ASSERT_OK(v2f_image_write(tpath("q101.png"), img, S, S, &o));
    o.struct_size = 0;
    ASSERT_FAIL(v2f_image_write(tpath("x.jpg"), img, S, S, &o),
                V2F_E_INVALID_ARG, "struct_size");
}

static void expect_rgb(const uint8_t *rgb, int i, int r, int g, int b)
{
    if (rgb[3 * i] != r || rgb[3 * i + 1] != g || rgb[3 * i + 2] != b)
        fail_msg("pixel %d is (%d,%d,%d), expected (%d,%d,%d)", i,
                 rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], r, g, b);
}

static void test_png_color_types(void **state)
{
    static uint8_t src[S * S * 8];
    uint8_t out[V2F_IMAGE_BYTES];
    png_color pal[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {9, 8, 7}};
    uint8_t trans[4] = {0, 128, 255, 255};
    int i;
    (void)state;

    /* 8-bit grey */
    for (i = 0; i < S * S; i++)
        src[i] = (uint8_t)(i * 7);
    write_png_raw(tpath("g8.png"), S, S, PNG_COLOR_TYPE_GRAY, 8, src, NULL,
                  0, NULL, 0);
    ASSERT_OK(v2f_image_read(tpath("g8.png"), NULL, out));
    for (i = 0; i < S * S; i++)
        expect_rgb(out, i, (uint8_t)(i * 7), (uint8_t)(i * 7),
                   (uint8_t)(i * 7));

    /* 16-bit grey + alpha, big-endian samples; v * 257 reduces to v */
    for (i = 0; i < S * S; i++) {
        unsigned v = (unsigned)(i * 3 % 256) * 257u;
        src[4 * i] = (uint8_t)(v >> 8);
        src[4 * i + 1] = (uint8_t)v;
        src[4 * i + 2] = (uint8_t)(i & 1 ? 0 : 0xff);   /* alpha */
        src[4 * i + 3] = 0x12;
    }
    write_png_raw(tpath("ga16.png"), S, S, PNG_COLOR_TYPE_GRAY_ALPHA, 16,
                  src, NULL, 0, NULL, 0);
    ASSERT_OK(v2f_image_read(tpath("ga16.png"), NULL, out));
    for (i = 0; i < S * S; i++) {
        int v = i * 3 % 256;
        expect_rgb(out, i, v, v, v);
    }

    /* 8-bit RGBA: alpha dropped, not composited */
    for (i = 0; i < S * S; i++) {
        src[4 * i] = (uint8_t)i;
        src[4 * i + 1] = (uint8_t)(i >> 3);
        src[4 * i + 2] = (uint8_t)(255 - i);
        src[4 * i + 3] = (uint8_t)(i * 13);
    }
    write_png_raw(tpath("rgba.png"), S, S, PNG_COLOR_TYPE_RGB_ALPHA, 8, src,
                  NULL, 0, NULL, 0);
    ASSERT_OK(v2f_image_read(tpath("rgba.png"), NULL, out));
    for (i = 0; i < S * S; i++)
        expect_rgb(out, i, (uint8_t)i, (uint8_t)(i >> 3), (uint8_t)(255 - i));

    /* 16-bit RGB */
    for (i = 0; i < S * S * 3; i++) {
        unsigned v = (unsigned)(i % 251) * 257u;
        src[2 * i] = (uint8_t)(v >> 8);
        src[2 * i + 1] = (uint8_t)v;
    }
    write_png_raw(tpath("rgb16.png"), S, S, PNG_COLOR_TYPE_RGB, 16, src,
                  NULL, 0, NULL, 0);
    ASSERT_OK(v2f_image_read(tpath("rgb16.png"), NULL, out));
    for (i = 0; i < S * S * 3; i++)
        assert_int_equal(out[i], i % 251);

    /* 2-bit palette with a tRNS chunk (which must not add a channel) */
    for (i = 0; i < S * S / 4; i++)   /* pixels 0,1,2,3 repeating */
        src[i] = 0x1b;
    write_png_raw(tpath("pal.png"), S, S, PNG_COLOR_TYPE_PALETTE, 2, src, pal,
                  4, trans, 4);
    ASSERT_OK(v2f_image_read(tpath("pal.png"), NULL, out));
    for (i = 0; i < S * S; i++)
        expect_rgb(out, i, pal[i % 4].red, pal[i % 4].green, pal[i % 4].blue);

    /* 1-bit grey */
    memset(src, 0xaa, S * S / 8);   /* 1,0,1,0,... */
    write_png_raw(tpath("g1.png"), S, S, PNG_COLOR_TYPE_GRAY, 1, src, NULL,
                  0, NULL, 0);
    ASSERT_OK(v2f_image_read(tpath("g1.png"), NULL, out));
    for (i = 0; i < S * S; i++) {
        int v = i % 2 ? 0 : 255;
        expect_rgb(out, i, v, v, v);
    }
}

static void test_wrong_size_and_resize(void **state)
{
    static uint8_t big[224 * 224 * 3], small[56 * 56 * 3], odd[100 * 80 * 3];
    uint8_t out[V2F_IMAGE_BYTES];
    v2f_image_read_opts ro;
    int x, y, c;
    (void)state;

    make_picture(odd, 100, 80);
    ASSERT_OK(v2f_image_write(tpath("odd.png"), odd, 100, 80, NULL));
    ASSERT_FAIL(v2f_image_read(tpath("odd.png"), NULL, out), V2F_E_FORMAT,
                "100x80");
    ASSERT_OK(v2f_image_write(tpath("odd.jpg"), odd, 100, 80, NULL));
    ASSERT_FAIL(v2f_image_read(tpath("odd.jpg"), NULL, out), V2F_E_FORMAT,
                "100x80");

    v2f_image_read_opts_init(&ro, sizeof ro);
    assert_int_equal(ro.resize, 0);
    ro.resize = 1;
    ASSERT_OK(v2f_image_read(tpath("odd.png"), &ro, out));
    ASSERT_OK(v2f_image_read(tpath("odd.jpg"), &ro, out));

    /* Halving with half-pixel centres samples exactly between the pixels
     * of each 2x2 block: the result is the block's mean. */
    for (y = 0; y < 224; y++)
        for (x = 0; x < 224; x++)
            for (c = 0; c < 3; c++)
                big[(y * 224 + x) * 3 + c] = (uint8_t)(
                    (x / 2 + y / 2 + c * 10) % 200 + ((x & 1) + (y & 1)) * 2);
    ASSERT_OK(v2f_image_write(tpath("big.png"), big, 224, 224, NULL));
    ASSERT_OK(v2f_image_read(tpath("big.png"), &ro, out));
    for (y = 0; y < S; y++)
        for (x = 0; x < S; x++)
            for (c = 0; c < 3; c++)
                assert_int_equal(out[(y * S + x) * 3 + c],
                                 (x + y + c * 10) % 200 + 2);

    /* Upscaling a constant image keeps it constant. */
    memset(small, 77, sizeof small);
    ASSERT_OK(v2f_image_write(tpath("small.png"), small, 56, 56, NULL));
    ASSERT_OK(v2f_image_read(tpath("small.png"), &ro, out));
    for (x = 0; x < V2F_IMAGE_BYTES; x++)
        assert_int_equal(out[x], 77);
    /* A 1x1 image is the edge case of the clamping. */
    ASSERT_OK(v2f_image_write(tpath("one.png"), small, 1, 1, NULL));
    ASSERT_OK(v2f_image_read(tpath("one.png"), &ro, out));
    assert_int_equal(out[V2F_IMAGE_BYTES - 1], 77);

    ro.resize = 2;
    ASSERT_FAIL(v2f_image_read(tpath("small.png"), &ro, out),
                V2F_E_INVALID_ARG, "resize");
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void test_hostile_images(void **state)
{
    uint8_t img[V2F_IMAGE_BYTES], out[V2F_IMAGE_BYTES], junk[4096];
    uint8_t *f;
    size_t n, i;
    (void)state;

    ASSERT_FAIL(v2f_image_read(tpath("missing.png"), NULL, out), V2F_E_IO,
                "No such file");
    ASSERT_FAIL(v2f_image_read(tmpdir, NULL, out), V2F_E_IO, "");

    write_bytes(tpath("empty.png"), "", 0);
    ASSERT_FAIL(v2f_image_read(tpath("empty.png"), NULL, out), V2F_E_FORMAT,
                "empty");

    srand(7);
    for (i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)rand();
    junk[0] = 0;
    write_bytes(tpath("junk.png"), junk, sizeof junk);
    ASSERT_FAIL(v2f_image_read(tpath("junk.png"), NULL, out), V2F_E_FORMAT,
                "not a PNG or JPEG");

    /* A PNG signature followed by noise. */
    memcpy(junk, "\x89PNG\r\n\x1a\n", 8);
    write_bytes(tpath("junk2.png"), junk, sizeof junk);
    ASSERT_FAIL(v2f_image_read(tpath("junk2.png"), NULL, out), V2F_E_FORMAT,
                "bad PNG");

    /* Noisy pictures, so that the pixel data dominates the files. */
    for (i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)rand();
    ASSERT_OK(v2f_image_write(tpath("full.png"), img, S, S, NULL));
    f = read_bytes(tpath("full.png"), &n);
    write_bytes(tpath("half.png"), f, n / 2);
    free(f);
    ASSERT_FAIL(v2f_image_read(tpath("half.png"), NULL, out), V2F_E_FORMAT,
                "truncated");

    ASSERT_OK(v2f_image_write(tpath("full.jpg"), img, S, S, NULL));
    f = read_bytes(tpath("full.jpg"), &n);
    write_bytes(tpath("half.jpg"), f, n / 2);
    ASSERT_FAIL(v2f_image_read(tpath("half.jpg"), NULL, out), V2F_E_FORMAT,
                "Premature end");
    /* A JPEG whose frame header claims 60000x60000 pixels. */
    for (i = 2; i + 9 < n; i++)
        if (f[i] == 0xff && (f[i + 1] == 0xc0 || f[i + 1] == 0xc2))
            break;
    assert_true(i + 9 < n);
    f[i + 5] = f[i + 7] = 60000 >> 8;
    f[i + 6] = f[i + 8] = 60000 & 0xff;
    write_bytes(tpath("huge.jpg"), f, n);
    free(f);
    ASSERT_FAIL(v2f_image_read(tpath("huge.jpg"), NULL, out), V2F_E_FORMAT,
                "60000x60000");

    /* A PNG claiming 100000x100000 pixels: signature, IHDR, a tiny IDAT,
     * IEND, all with valid CRCs. Must fail before allocating. */
    {
        uint8_t png[64];
        size_t k = 0;
        uint32_t crc;
        memcpy(png, "\x89PNG\r\n\x1a\n", 8);
        k = 8;
        put_be32(png + k, 13);
        memcpy(png + k + 4, "IHDR", 4);
        put_be32(png + k + 8, 100000);
        put_be32(png + k + 12, 100000);
        png[k + 16] = 8;   /* depth */
        png[k + 17] = 2;   /* RGB */
        png[k + 18] = png[k + 19] = png[k + 20] = 0;
        crc = (uint32_t)crc32(0, png + k + 4, 17);
        put_be32(png + k + 21, crc);
        k += 25;
        put_be32(png + k, 2);
        memcpy(png + k + 4, "IDAT\x78\x9c", 6);
        put_be32(png + k + 10, (uint32_t)crc32(0, png + k + 4, 6));
        k += 14;
        put_be32(png + k, 0);
        memcpy(png + k + 4, "IEND", 4);
        put_be32(png + k + 8, (uint32_t)crc32(0, png + k + 4, 4));
        k += 12;
        write_bytes(tpath("bomb.png"), png, k);
        ASSERT_FAIL(v2f_image_read(tpath("bomb.png"), NULL, out),
                    V2F_E_FORMAT, "100000x100000");
        v2f_image_read_opts ro;
        v2f_image_read_opts_init(&ro, sizeof ro);
        ro.resize = 1;
        ASSERT_FAIL(v2f_image_read(tpath("bomb.png"), &ro, out),
                    V2F_E_FORMAT, "limit");
    }
}

static void collect_log(int32_t level, const char *msg, void *user)
{
    char *buf = user;
    (void)level;
    if (strlen(buf) + strlen(msg) + 2 < 1024) {
        strcat(buf, msg);
        strcat(buf, "\n");
    }
}

/* libpng's warnings go to the log callback, never to stderr. */
static void test_png_warning_is_logged(void **state)
{
    uint8_t img[V2F_IMAGE_BYTES], out[V2F_IMAGE_BYTES];
    static char log[1024];
    uint8_t *f, *g;
    size_t n;
    /* a tEXt chunk with a wrong CRC: ancillary, so a warning only */
    static const uint8_t text[] = {0, 0, 0, 5, 't', 'E', 'X', 't', 'a', 0,
                                   'b', 'c', 'd', 1, 2, 3, 4};
    (void)state;
    make_picture(img, S, S);
    ASSERT_OK(v2f_image_write(tpath("warn.png"), img, S, S, NULL));
    f = read_bytes(tpath("warn.png"), &n);
    g = malloc(n + sizeof text);
    assert_non_null(g);
    memcpy(g, f, 33);                       /* signature + IHDR */
    memcpy(g + 33, text, sizeof text);
    memcpy(g + 33 + sizeof text, f + 33, n - 33);
    write_bytes(tpath("warn.png"), g, n + sizeof text);
    free(f);
    free(g);
    log[0] = '\0';
    v2f_set_log_callback(collect_log, V2F_LOG_WARN, log);
    ASSERT_OK(v2f_image_read(tpath("warn.png"), NULL, out));
    v2f_set_log_callback(NULL, V2F_LOG_WARN, NULL);
    assert_memory_equal(img, out, sizeof img);
    if (!strstr(log, "libpng"))
        fail_msg("log: %s", log);
}

static void test_image_write_errors(void **state)
{
    uint8_t img[V2F_IMAGE_BYTES];
    char sub[600];
    (void)state;
    make_picture(img, S, S);

    ASSERT_FAIL(v2f_image_write(tpath("no/such/dir/x.png"), img, S, S, NULL),
                V2F_E_IO, "No such file");
    ASSERT_FAIL(v2f_image_write(tpath("no/such/dir/x.jpg"), img, S, S, NULL),
                V2F_E_IO, "x.jpg");
    /* Renaming over a directory fails after the data was written: the
     * temporary file must go. */
    snprintf(sub, sizeof sub, "%s", tpath("adir.png"));
    assert_int_equal(mkdir(sub, 0700), 0);
    ASSERT_FAIL(v2f_image_write(sub, img, S, S, NULL), V2F_E_IO, "adir.png");
    assert_int_equal(count_temp_files(tmpdir), 0);

    ASSERT_FAIL(v2f_image_write(tpath("x.bmp"), img, S, S, NULL),
                V2F_E_INVALID_ARG, ".png");
    ASSERT_FAIL(v2f_image_write(tpath("png"), img, S, S, NULL),
                V2F_E_INVALID_ARG, ".jpg");
    ASSERT_FAIL(v2f_image_write(tpath("x.png"), img, 0, S, NULL),
                V2F_E_INVALID_ARG, "65535");
    ASSERT_FAIL(v2f_image_write(tpath("x.png"), img, S, 65536, NULL),
                V2F_E_INVALID_ARG, "65535");
    ASSERT_FAIL(v2f_image_write(tpath("x.png"), img, -3, S, NULL),
                V2F_E_INVALID_ARG, "65535");
    assert_int_equal(access(tpath("x.png"), F_OK), -1);
}

static void test_null_args(void **state)
{
    uint8_t img[V2F_IMAGE_BYTES] = {0};
    v2f_array *a = (v2f_array *)&a;
    float f = 0;
    (void)state;
    ASSERT_FAIL(v2f_image_read(NULL, NULL, img), V2F_E_INVALID_ARG, "path");
    ASSERT_FAIL(v2f_image_read(tpath("a.png"), NULL, NULL),
                V2F_E_INVALID_ARG, "rgb_out");
    ASSERT_FAIL(v2f_image_write(NULL, img, S, S, NULL), V2F_E_INVALID_ARG,
                "path");
    ASSERT_FAIL(v2f_image_write(tpath("a.png"), NULL, S, S, NULL),
                V2F_E_INVALID_ARG, "rgb");
    ASSERT_FAIL(v2f_npy_read(NULL, &a), V2F_E_INVALID_ARG, "path");
    assert_null(a);
    ASSERT_FAIL(v2f_npy_read(tpath("a.npy"), NULL), V2F_E_INVALID_ARG, "out");
    a = (v2f_array *)&a;
    ASSERT_FAIL(v2f_npz_read(tpath("a.npz"), NULL, &a), V2F_E_INVALID_ARG,
                "name");
    assert_null(a);
    ASSERT_FAIL(v2f_npz_read(NULL, "x", &a), V2F_E_INVALID_ARG, "path");
    ASSERT_FAIL(v2f_npz_read(tpath("a.npz"), "x", NULL), V2F_E_INVALID_ARG,
                "out");
    ASSERT_FAIL(v2f_npy_write(NULL, &f, 1, 1), V2F_E_INVALID_ARG, "path");
    ASSERT_FAIL(v2f_npy_write(tpath("a.npy"), NULL, 1, 1), V2F_E_INVALID_ARG,
                "data");
    ASSERT_FAIL(v2f_npy_write(tpath("a.npy"), &f, 0, 1), V2F_E_INVALID_ARG,
                "empty");
    ASSERT_FAIL(v2f_npy_write(tpath("a.npy"), &f, 1, 0), V2F_E_INVALID_ARG,
                "empty");
    ASSERT_FAIL(v2f_npy_write(tpath("a.npy"), &f, SIZE_MAX / 2, 3),
                V2F_E_OVERFLOW, "too large");
    assert_int_equal(access(tpath("a.npy"), F_OK), -1);
    assert_int_equal(v2f_array_rows(NULL), 0);
    assert_int_equal(v2f_array_cols(NULL), 0);
    assert_null(v2f_array_data(NULL));
    v2f_array_free(NULL);
    v2f_image_read_opts_init(NULL, 8);
    v2f_image_write_opts_init(NULL, 8);
}

static void test_opts_init_sizes(void **state)
{
    unsigned char buf[64];
    v2f_image_write_opts o;
    uint32_t ss;
    (void)state;
    /* An older caller's struct of only struct_size: nothing past it is
     * touched. */
    memset(buf, 0xaa, sizeof buf);
    v2f_image_write_opts_init((v2f_image_write_opts *)(void *)buf, 4);
    memcpy(&ss, buf, 4);
    assert_int_equal(ss, 4);
    assert_int_equal(buf[4], 0xaa);
    /* ... and it works: the library falls back to quality 95. */
    {
        uint8_t img[V2F_IMAGE_BYTES];
        make_picture(img, S, S);
        ASSERT_OK(v2f_image_write(tpath("old.jpg"), img, S, S,
                                  (v2f_image_write_opts *)(void *)buf));
    }
    /* A newer caller's bigger struct: zeroed past the known fields. */
    memset(buf, 0xaa, sizeof buf);
    v2f_image_write_opts_init((v2f_image_write_opts *)(void *)buf, 16);
    memcpy(&o, buf, sizeof o);
    assert_int_equal(o.struct_size, 16);
    assert_int_equal(o.jpeg_quality, 95);
    assert_int_equal(buf[15], 0);
    assert_int_equal(buf[16], 0xaa);
}

/* ------------------------------------------------------------------ */
/* .npy                                                                 */
/* ------------------------------------------------------------------ */

/* An .npy file: preamble of version major.0, the dict padded with spaces
 * and '\n' to a multiple of 64, then `data_len` bytes of data. */
static size_t make_npy(uint8_t *out, int major, const char *dict,
                       const void *data, size_t data_len)
{
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = (pre + dl + 1 + 63) / 64 * 64, hl = total - pre;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (uint8_t)major;
    out[7] = 0;
    out[8] = (uint8_t)hl;
    out[9] = (uint8_t)(hl >> 8);
    if (major != 1)
        out[10] = out[11] = 0;
    memcpy(out + pre, dict, dl);
    memset(out + pre + dl, ' ', hl - dl - 1);
    out[total - 1] = '\n';
    if (data_len)
        memcpy(out + total, data, data_len);
    return total + data_len;
}

static void test_npy_roundtrip(void **state)
{
    float v[15], *back;
    v2f_array *a = NULL;
    uint8_t *f;
    size_t n, hl;
    int i;
    (void)state;
    for (i = 0; i < 15; i++)
        v[i] = (float)(i - 7) / 3.0f;
    v[3] = -0.0f;
    v[4] = 1e-30f;
    v[5] = INFINITY;
    v[6] = 3.4e38f;
    ASSERT_OK(v2f_npy_write(tpath("rt.npy"), v, 3, 5));
    f = read_bytes(tpath("rt.npy"), &n);
    hl = (size_t)f[8] | (size_t)f[9] << 8;
    assert_int_equal((10 + hl) % 64, 0);
    assert_int_equal(f[9 + hl], '\n');
    assert_int_equal(f[6], 1);
    assert_int_equal(n, 10 + hl + sizeof v);
    assert_non_null(strstr((char *)f + 10,
                           "{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (3, 5), }"));
    free(f);
    ASSERT_OK(v2f_npy_read(tpath("rt.npy"), &a));
    assert_int_equal(v2f_array_rows(a), 3);
    assert_int_equal(v2f_array_cols(a), 5);
    back = (float *)v2f_array_data(a);
    assert_memory_equal(back, v, sizeof v);
    v2f_array_free(a);
    /* Overwriting an existing file is fine. */
    ASSERT_OK(v2f_npy_write(tpath("rt.npy"), v, 1, 15));
    ASSERT_OK(v2f_npy_read(tpath("rt.npy"), &a));
    assert_int_equal(v2f_array_rows(a), 1);
    assert_int_equal(v2f_array_cols(a), 15);
    v2f_array_free(a);

    ASSERT_FAIL(v2f_npy_write(tpath("nodir/x.npy"), v, 3, 5), V2F_E_IO,
                "No such file");
    assert_int_equal(count_temp_files(tmpdir), 0);
}

static void test_npy_versions_and_shapes(void **state)
{
    static uint8_t buf[4096];
    float v[6] = {1, 2, 3, 4, 5, 6};
    v2f_array *a = NULL;
    size_t n;
    int major;
    (void)state;
    for (major = 1; major <= 3; major++) {
        n = make_npy(buf, major, "{'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (2, 3), }", v, sizeof v);
        write_bytes(tpath("v.npy"), buf, n);
        ASSERT_OK(v2f_npy_read(tpath("v.npy"), &a));
        assert_int_equal(v2f_array_rows(a), 2);
        assert_int_equal(v2f_array_cols(a), 3);
        assert_memory_equal(v2f_array_data(a), v, sizeof v);
        v2f_array_free(a);
    }
    /* Keys in another order, double quotes, no trailing comma, 1-D. */
    n = make_npy(buf, 1, "{\"shape\": (6,), \"fortran_order\": False, "
                         "\"descr\": \"<f4\"}", v, sizeof v);
    write_bytes(tpath("v.npy"), buf, n);
    ASSERT_OK(v2f_npy_read(tpath("v.npy"), &a));
    assert_int_equal(v2f_array_rows(a), 1);
    assert_int_equal(v2f_array_cols(a), 6);
    v2f_array_free(a);
}

struct bad_npy {
    const char *dict;
    size_t data_len;
    const char *expect;
};

static void test_npy_hostile(void **state)
{
    static uint8_t buf[8192];
    static const float zeros[64];
    static const struct bad_npy cases[] = {
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48,
         "'<f8' (float64): only little-endian float32 '<f4' is supported; "
         "convert with arr.astype('float32')"},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24,
         "big-endian float32"},
        {"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 6,
         "uint8"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }", 6,
         "object"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
         8, "structured"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24,
         "Fortran"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 1), }", 24,
         "3-D"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4, "0-D"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", 0,
         "empty"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }", 40,
         "needs 64 bytes, found 40"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 20,
         "4 bytes of trailing data"},
        {"{'descr': '<f4', 'fortran_order': False, "
         "'shape': (99999999999999999999, 2), }", 8, "overflows"},
        {"{'descr': '<f4', 'fortran_order': False, "
         "'shape': (4611686018427387904, 4), }", 8, "too large"},
        {"{'descr': '<f4', 'fortran_order': False, "
         "'shape': (4294967296, 4294967296), }", 8, "too large"},
        {"hello world", 8, "bad .npy header"},
        {"{'descr': '<f4', 'fortran_order': False}", 8, "missing key 'shape'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
         "'shape': (2,)}", 8, "twice"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8,
         "unexpected key 'x'"},
        {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", 8,
         "True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", 8,
         "after the dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", 8,
         "non-integer"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", 8,
         "not a tuple"},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", 8,
         "bad .npy header"},
    };
    v2f_array *a;
    size_t i, n;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        n = make_npy(buf, 1, cases[i].dict, zeros, cases[i].data_len);
        write_bytes(tpath("bad.npy"), buf, n);
        a = (v2f_array *)&a;
        print_message("case %zu: %s\n", i, cases[i].expect);
        ASSERT_FAIL(v2f_npy_read(tpath("bad.npy"), &a), V2F_E_FORMAT,
                    cases[i].expect);
        assert_null(a);
    }

    /* Header length lying: 5000 bytes in a 100-byte file. */
    n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (2,), }", zeros, 8);
    buf[8] = 5000 & 0xff;
    buf[9] = 5000 >> 8;
    write_bytes(tpath("bad.npy"), buf, n);
    ASSERT_FAIL(v2f_npy_read(tpath("bad.npy"), &a), V2F_E_FORMAT,
                "runs past the end");
    /* ... too short: the dict is cut. */
    buf[8] = 20;
    buf[9] = 0;
    write_bytes(tpath("bad.npy"), buf, n);
    ASSERT_FAIL(v2f_npy_read(tpath("bad.npy"), &a), V2F_E_FORMAT,
                "bad .npy header");
    /* ... absurd, in a version 2.0 header. */
    n = make_npy(buf, 2, "{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (2,), }", zeros, 8);
    buf[8] = buf[9] = buf[10] = 0xff;
    buf[11] = 0x7f;
    write_bytes(tpath("bad.npy"), buf, n);
    ASSERT_FAIL(v2f_npy_read(tpath("bad.npy"), &a), V2F_E_FORMAT, "limit");
    /* Version 4.0 and 1.1. */
    n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (2,), }", zeros, 8);
    buf[6] = 4;
    write_bytes(tpath("bad.npy"), buf, n);
    ASSERT_FAIL(v2f_npy_read(tpath("bad.npy"), &a), V2F_E_FORMAT,
                "version 4.0");
    buf[6] = 1;
    buf[7] = 1;
    write_bytes(tpath("bad.npy"), buf, n);
    ASSERT_FAIL(v2f_npy_read(tpath("bad.npy"), &a), V2F_E_FORMAT,
                "version 1.1");
    /* Not .npy at all; too short; empty; missing. */
    write_bytes(tpath("bad.npy"), "PK\3\4 not numpy at all", 22);
    ASSERT_FAIL(v2f_npy_read(tpath("bad.npy"), &a), V2F_E_FORMAT,
                "not an .npy file");
    write_bytes(tpath("bad.npy"), "\x93NUMPY\1\0", 8);
    ASSERT_FAIL(v2f_npy_read(tpath("bad.npy"), &a), V2F_E_FORMAT,
                "not an .npy file");
    write_bytes(tpath("bad.npy"), "", 0);
    ASSERT_FAIL(v2f_npy_read(tpath("bad.npy"), &a), V2F_E_FORMAT,
                "not an .npy file");
    ASSERT_FAIL(v2f_npy_read(tpath("none.npy"), &a), V2F_E_IO,
                "No such file");
    ASSERT_FAIL(v2f_npy_read(tmpdir, &a), V2F_E_IO, "");
}

/* ------------------------------------------------------------------ */
/* .npz                                                                 */
/* ------------------------------------------------------------------ */

struct zbuf {
    uint8_t data[65536];
    size_t n;
};

static void zput(struct zbuf *z, const void *p, size_t n)
{
    assert_true(z->n + n <= sizeof z->data);
    memcpy(z->data + z->n, p, n);
    z->n += n;
}

static void zput16(struct zbuf *z, unsigned v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    zput(z, b, 2);
}

static void zput32(struct zbuf *z, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 24)};
    zput(z, b, 4);
}

struct zmember {
    const char *name;
    const uint8_t *data;
    size_t len;
    int method;          /* 0 stored, 8 deflated */
    /* filled by zip_build */
    uint32_t crc, csize, offset;
};

/* A zip archive. Deflated members get numpy's local header style: sizes
 * 0xffffffff with a zip64 extra field (the central directory has the real
 * 32-bit sizes). Returns the offset of the central directory. */
static size_t zip_build(struct zbuf *z, struct zmember *m, int count)
{
    static uint8_t comp[32768];
    size_t cd;
    int i;
    z->n = 0;
    for (i = 0; i < count; i++) {
        const uint8_t *payload = m[i].data;
        size_t plen = m[i].len;
        int zip64 = m[i].method == 8;
        m[i].crc = (uint32_t)crc32(0, m[i].data, (uInt)m[i].len);
        if (m[i].method == 8) {
            z_stream zs;
            memset(&zs, 0, sizeof zs);
            assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8,
                                          Z_DEFAULT_STRATEGY), Z_OK);
            zs.next_in = (Bytef *)(uintptr_t)m[i].data;
            zs.avail_in = (uInt)m[i].len;
            zs.next_out = comp;
            zs.avail_out = sizeof comp;
            assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
            plen = zs.total_out;
            deflateEnd(&zs);
            payload = comp;
        }
        m[i].csize = (uint32_t)plen;
        m[i].offset = (uint32_t)z->n;
        zput32(z, 0x04034b50);
        zput16(z, zip64 ? 45 : 20);
        zput16(z, 0);
        zput16(z, (unsigned)m[i].method);
        zput16(z, 0);
        zput16(z, 0x21);
        zput32(z, m[i].crc);
        zput32(z, zip64 ? 0xffffffffu : m[i].csize);
        zput32(z, zip64 ? 0xffffffffu : (uint32_t)m[i].len);
        zput16(z, (unsigned)strlen(m[i].name));
        zput16(z, zip64 ? 20 : 0);
        zput(z, m[i].name, strlen(m[i].name));
        if (zip64) {
            zput16(z, 1);
            zput16(z, 16);
            zput32(z, (uint32_t)m[i].len);
            zput32(z, 0);
            zput32(z, m[i].csize);
            zput32(z, 0);
        }
        zput(z, payload, plen);
    }
    size_t cd_size;
    cd = z->n;
    for (i = 0; i < count; i++) {
        zput32(z, 0x02014b50);
        zput16(z, 20);
        zput16(z, 20);
        zput16(z, 0);
        zput16(z, (unsigned)m[i].method);
        zput16(z, 0);
        zput16(z, 0x21);
        zput32(z, m[i].crc);
        zput32(z, m[i].csize);
        zput32(z, (uint32_t)m[i].len);
        zput16(z, (unsigned)strlen(m[i].name));
        zput16(z, 0);
        zput16(z, 0);
        zput16(z, 0);
        zput16(z, 0);
        zput32(z, 0);
        zput32(z, m[i].offset);
        zput(z, m[i].name, strlen(m[i].name));
    }
    cd_size = z->n - cd;
    zput32(z, 0x06054b50);
    zput16(z, 0);
    zput16(z, 0);
    zput16(z, (unsigned)count);
    zput16(z, (unsigned)count);
    zput32(z, (uint32_t)cd_size);
    zput32(z, (uint32_t)cd);
    zput16(z, 0);
    return cd;
}

static void test_npz(void **state)
{
    static uint8_t npy_a[4096], npy_b[8192];
    static struct zbuf z;
    float va[6] = {1.5f, -2, 3, 4, 5, 6}, vb[512];
    struct zmember m[3];
    size_t na, nb, cd;
    v2f_array *a = NULL;
    int i;
    (void)state;
    for (i = 0; i < 512; i++)
        vb[i] = (float)(i % 17) * 0.25f;
    na = make_npy(npy_a, 1, "{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (2, 3), }", va, sizeof va);
    nb = make_npy(npy_b, 1, "{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (4, 128), }", vb, sizeof vb);
    m[0] = (struct zmember){"a.npy", npy_a, na, 0, 0, 0, 0};
    m[1] = (struct zmember){"b.npy", npy_b, nb, 8, 0, 0, 0};
    m[2] = (struct zmember){"plain", npy_a, na, 8, 0, 0, 0};
    cd = zip_build(&z, m, 3);
    assert_true(m[1].csize < nb);   /* really deflated */
    write_bytes(tpath("x.npz"), z.data, z.n);

    ASSERT_OK(v2f_npz_read(tpath("x.npz"), "a", &a));
    assert_int_equal(v2f_array_rows(a), 2);
    assert_int_equal(v2f_array_cols(a), 3);
    assert_memory_equal(v2f_array_data(a), va, sizeof va);
    v2f_array_free(a);
    ASSERT_OK(v2f_npz_read(tpath("x.npz"), "a.npy", &a));
    v2f_array_free(a);
    ASSERT_OK(v2f_npz_read(tpath("x.npz"), "b", &a));
    assert_int_equal(v2f_array_rows(a), 4);
    assert_int_equal(v2f_array_cols(a), 128);
    assert_memory_equal(v2f_array_data(a), vb, sizeof vb);
    v2f_array_free(a);
    ASSERT_OK(v2f_npz_read(tpath("x.npz"), "plain", &a));
    v2f_array_free(a);

    a = (v2f_array *)&a;
    ASSERT_FAIL(v2f_npz_read(tpath("x.npz"), "c", &a), V2F_E_FORMAT,
                "members: a, b, plain");
    assert_null(a);
    ASSERT_FAIL(v2f_npz_read(tpath("x.npz"), "", &a), V2F_E_FORMAT,
                "no member ''");

    /* Corrupt CRCs, in the central directory, for each member. */
    {
        static struct zbuf bad;
        size_t off = cd;
        for (i = 0; i < 2; i++) {
            bad = z;
            bad.data[off + 16] ^= 0x01;
            write_bytes(tpath("crc.npz"), bad.data, bad.n);
            ASSERT_FAIL(v2f_npz_read(tpath("crc.npz"), i ? "b" : "a", &a),
                        V2F_E_FORMAT, "CRC32 mismatch");
            assert_null(a);
            off += 46 + strlen(m[i].name);
        }
        /* Flipped payload byte inside the stored data: CRC catches it. */
        bad = z;
        bad.data[m[0].offset + 30 + 5 + na - 1] ^= 0x40;
        write_bytes(tpath("crc.npz"), bad.data, bad.n);
        ASSERT_FAIL(v2f_npz_read(tpath("crc.npz"), "a", &a), V2F_E_FORMAT,
                    "CRC32");
        /* Garbage in the deflate stream. */
        bad = z;
        memset(bad.data + m[1].offset + 30 + 5 + 20, 0xff, 40);
        write_bytes(tpath("crc.npz"), bad.data, bad.n);
        ASSERT_FAIL(v2f_npz_read(tpath("crc.npz"), "b", &a), V2F_E_FORMAT,
                    "member 'b.npy'");
        /* A local header offset past the end of the file. */
        bad = z;
        bad.data[cd + 42 + 3] = 0x7f;
        write_bytes(tpath("crc.npz"), bad.data, bad.n);
        ASSERT_FAIL(v2f_npz_read(tpath("crc.npz"), "a", &a), V2F_E_FORMAT,
                    "past the end");
        /* A central directory offset past the end. */
        bad = z;
        bad.data[bad.n - 6 + 3] = 0x7f;
        write_bytes(tpath("crc.npz"), bad.data, bad.n);
        ASSERT_FAIL(v2f_npz_read(tpath("crc.npz"), "a", &a), V2F_E_FORMAT,
                    "central directory");
        /* An uncompressed size deflate could never reach. */
        bad = z;
        off = cd + 46 + strlen(m[0].name);
        bad.data[off + 24 + 3] = 0x7f;
        write_bytes(tpath("crc.npz"), bad.data, bad.n);
        ASSERT_FAIL(v2f_npz_read(tpath("crc.npz"), "b", &a), V2F_E_FORMAT,
                    "more than deflate");
        /* Truncated archive: no end record. */
        write_bytes(tpath("crc.npz"), z.data, z.n / 2);
        ASSERT_FAIL(v2f_npz_read(tpath("crc.npz"), "a", &a), V2F_E_FORMAT,
                    "end of central directory");
    }
    /* Members that are not float32 report the dtype. */
    {
        double d[2] = {1, 2};
        static uint8_t npy_d[256];
        size_t nd = make_npy(npy_d, 1, "{'descr': '<f8', 'fortran_order': "
                                       "False, 'shape': (2,), }", d, 16);
        struct zmember md = {"d.npy", npy_d, nd, 8, 0, 0, 0};
        zip_build(&z, &md, 1);
        write_bytes(tpath("d.npz"), z.data, z.n);
        ASSERT_FAIL(v2f_npz_read(tpath("d.npz"), "d", &a), V2F_E_FORMAT,
                    "float64");
    }
    write_bytes(tpath("junk.npz"), "this is not a zip file at all", 29);
    ASSERT_FAIL(v2f_npz_read(tpath("junk.npz"), "a", &a), V2F_E_FORMAT,
                "not a valid .npz");
    write_bytes(tpath("junk.npz"), "PK", 2);
    ASSERT_FAIL(v2f_npz_read(tpath("junk.npz"), "a", &a), V2F_E_FORMAT,
                "too short");
    ASSERT_FAIL(v2f_npz_read(tpath("none.npz"), "a", &a), V2F_E_IO,
                "No such file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_roundtrip),
        cmocka_unit_test(test_jpeg_roundtrip),
        cmocka_unit_test(test_png_color_types),
        cmocka_unit_test(test_wrong_size_and_resize),
        cmocka_unit_test(test_hostile_images),
        cmocka_unit_test(test_png_warning_is_logged),
        cmocka_unit_test(test_image_write_errors),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_opts_init_sizes),
        cmocka_unit_test(test_npy_roundtrip),
        cmocka_unit_test(test_npy_versions_and_shapes),
        cmocka_unit_test(test_npy_hostile),
        cmocka_unit_test(test_npz),
    };
    return cmocka_run_group_tests_name("io", tests, group_setup,
                                       group_teardown);
}
