/* Identity centres from a folder tree: the means computed here from
 * v2f_extract_features of the same pixels, row order, counts, errors. */
#include "cmocka_all.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vec2face/vec2face.h"

static const char *models_dir;

static void write_face(const char *path, uint8_t seed, uint8_t *rgb)
{
    for (size_t i = 0; i < V2F_IMAGE_BYTES; i++) rgb[i] = (uint8_t)(i * 7 + seed * 31 + (i >> 9));
    if (v2f_image_write(path, rgb, 112, 112, NULL) != V2F_OK) fail_msg("%s", v2f_last_error());
}

static void centres_are_means_in_name_order(void **state)
{
    char root[] = "/tmp/v2f_centres_XXXXXX", path[4096];
    v2f_model *m;
    assert_non_null(mkdtemp(root));
    snprintf(path, sizeof path, "%s/tiny", models_dir);
    assert_int_equal(v2f_model_load(path, NULL, &m), V2F_OK);
    /* Identity "b" (3 images) is created first, "a" (2 images) second:
     * rows follow the names, not the creation order. */
    const char *ids[2] = {"b", "a"};
    const int counts[2] = {3, 2};
    uint8_t *rgb = malloc(V2F_IMAGE_BYTES);
    double want[2][512] = {{0}};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", root, ids[k]);
        mkdir(path, 0700);
        for (int j = 0; j < counts[k]; j++) {
            float f[512];
            snprintf(path, sizeof path, "%s/%s/%03d.png", root, ids[k], j);
            write_face(path, (uint8_t)(k * 10 + j), rgb);
            assert_int_equal(v2f_extract_features(m, V2F_PART_ARCFACE, rgb, 1, f), V2F_OK);
            for (int d = 0; d < 512; d++) want[1 - k][d] += f[d] / counts[k];
        }
    }
    snprintf(path, sizeof path, "%s/a/notes.txt", root);  /* not an image: ignored */
    FILE *f = fopen(path, "w");
    fputs("x", f);
    fclose(f);

    v2f_centres_opts o;
    uint64_t n_per[2];
    v2f_array *c = NULL;
    v2f_centres_opts_init(&o, sizeof o);
    o.counts_out = n_per;
    assert_int_equal(v2f_identity_centres_from_folder(m, root, &o, &c), V2F_OK);
    assert_int_equal(v2f_array_rows(c), 2);
    assert_int_equal(v2f_array_cols(c), 512);
    assert_int_equal(n_per[0], 2);
    assert_int_equal(n_per[1], 3);
    for (int r = 0; r < 2; r++)
        for (int d = 0; d < 512; d++)
            assert_true(fabs(v2f_array_data(c)[r * 512 + d] - want[r][d]) <= 1e-5 * (1 + fabs(want[r][d])));
    v2f_array_free(c);

    /* An identity folder without images is an error naming it. */
    snprintf(path, sizeof path, "%s/c_empty", root);
    mkdir(path, 0700);
    assert_int_equal(v2f_identity_centres_from_folder(m, root, NULL, &c), V2F_E_IO);
    assert_non_null(strstr(v2f_last_error(), "c_empty"));
    assert_null(c);
    rmdir(path);
    /* A broken image is named. */
    snprintf(path, sizeof path, "%s/a/bad.jpg", root);
    f = fopen(path, "w");
    fputs("not a jpeg", f);
    fclose(f);
    assert_int_equal(v2f_identity_centres_from_folder(m, root, NULL, &c), V2F_E_FORMAT);
    assert_non_null(strstr(v2f_last_error(), "bad.jpg"));
    unlink(path);
    assert_int_equal(v2f_identity_centres_from_folder(m, "/nonexistent/x", NULL, &c), V2F_E_IO);
    assert_int_equal(v2f_identity_centres_from_folder(NULL, root, NULL, &c), V2F_E_INVALID_ARG);

    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    v2f_model_free(m);
    free(rgb);
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    models_dir = argv[1];
    const struct CMUnitTest tests[] = {cmocka_unit_test(centres_are_means_in_name_order)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
