/* Writes JPEG seeds for fuzz_jpeg into a directory: the encodings a
 * decoder meets (baseline 4:4:4 and 4:2:0, grayscale, progressive, restart
 * markers, optimised Huffman tables, arithmetic coding, CMYK with an Adobe
 * marker) at sizes 112x112, 1x1 and an odd 13x7. Deterministic pixels.
 * Usage: make_jpeg_seeds DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

enum { BASELINE, SUB420, GRAY, PROGRESSIVE, RESTART, OPTIMIZED, ARITH, CMYK, KINDS };
static const char *const kind_names[KINDS] = {
    "baseline444", "sub420", "gray", "progressive", "restart", "optimized",
    "arith", "cmyk"};

static int write_one(const char *dir, int kind, unsigned w, unsigned h)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    char path[4096];
    FILE *f;
    int comps = kind == GRAY ? 1 : kind == CMYK ? 4 : 3;
    unsigned char *row = malloc((size_t)w * comps);

    snprintf(path, sizeof path, "%s/%s-%ux%u.jpg", dir, kind_names[kind], w, h);
    f = fopen(path, "wb");
    if (!f || !row) {
        perror(path);
        free(row);
        return 1;
    }
    c.err = jpeg_std_error(&err);   /* errors exit: fine for a seed tool */
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = w;
    c.image_height = h;
    c.input_components = comps;
    c.in_color_space = kind == GRAY ? JCS_GRAYSCALE : kind == CMYK ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 75, TRUE);
    if (kind == BASELINE)
        for (int i = 0; i < c.num_components; i++)
            c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    if (kind == SUB420) {
        c.comp_info[0].h_samp_factor = c.comp_info[0].v_samp_factor = 2;
    }
    if (kind == PROGRESSIVE)
        jpeg_simple_progression(&c);
    if (kind == RESTART)
        c.restart_interval = 2;
    if (kind == OPTIMIZED)
        c.optimize_coding = TRUE;
    if (kind == ARITH)
        c.arith_code = TRUE;
    if (kind == CMYK)
        c.write_Adobe_marker = TRUE;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < h) {
        JSAMPROW r = row;
        for (unsigned x = 0; x < w; x++)
            for (int k = 0; k < comps; k++)
                row[x * comps + k] = (unsigned char)(x * 7 + c.next_scanline * 13 + k * 50);
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    static const unsigned sizes[][2] = {{112, 112}, {1, 1}, {13, 7}};
    int bad = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    for (int k = 0; k < KINDS; k++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            bad |= write_one(argv[1], k, sizes[s][0], sizes[s][1]);
    return bad;
}
