/* What the C tests share instead of copying it: the MODELS_DIR argument,
 * reproducible identity vectors, a status assertion that prints the
 * library's message, and names in a test's temporary folder. Include it
 * after cmocka_all.h. */
#ifndef V2F_TEST_FIXTURE_H
#define V2F_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vec2face/vec2face.h"

/* count floats spread like unnormalised ArcFace features, in [-1.9, 1.9):
 * a 32-bit LCG (Numerical Recipes constants), so a seed gives the same
 * vectors on every machine and in every test. */
static inline void fx_fill_vectors(float *v, size_t count, uint32_t seed)
{
    uint32_t x = seed;
    for (size_t i = 0; i < count; i++) {
        x = x * 1664525u + 1013904223u;
        v[i] = ((float)(x >> 8) / 16777216.0f - 0.5f) * 3.8f;
    }
}

/* The one argument of a test that needs models (ctest passes the folder
 * make_test_models writes); NULL after printing the usage. */
static inline const char *fx_models_arg(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODELS_DIR\n", argv[0]);
        return NULL;
    }
    return argv[1];
}

/* Load MODELS_DIR/tiny (threads 0: the library's default), printing the
 * message on failure; 0 on success, as a cmocka setup returns. */
static inline int fx_load_tiny(const char *models_dir, int32_t threads, v2f_model **out)
{
    char dir[4096];
    v2f_runtime_opts ro;
    v2f_runtime_opts_init(&ro, sizeof ro);
    ro.threads = threads;
    snprintf(dir, sizeof dir, "%s/tiny", models_dir);
    if (v2f_model_load(dir, &ro, out) != V2F_OK) {
        fprintf(stderr, "load %s: %s\n", dir, v2f_last_error());
        return -1;
    }
    return 0;
}

/* n identity vectors of rand() noise in [-0.5, 0.5] (srand(seed)) written
 * to dir/ids.npy, whose name goes to path; 0 on success. */
static inline int fx_identities_npy(const char *dir, size_t n, unsigned seed,
                                    char *path, size_t path_size)
{
    float *ids = (float *)malloc(n * V2F_VECTOR_DIM * sizeof *ids);
    v2f_status st;
    if (!ids)
        return -1;
    srand(seed);
    for (size_t k = 0; k < n * V2F_VECTOR_DIM; k++)
        ids[k] = (float)rand() / (float)RAND_MAX - 0.5f;
    snprintf(path, path_size, "%s/ids.npy", dir);
    st = v2f_npy_write(path, ids, n, V2F_VECTOR_DIM);
    free(ids);
    return st == V2F_OK ? 0 : -1;
}

/* Remove a test's temporary folder; 0 on success. */
static inline int fx_rm_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* dir/name in one of 8 rotating buffers, so a call may take a few. */
static inline const char *fx_path(const char *dir, const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

/* assert_int_equal(call, V2F_OK) that also prints the failure's message. */
#define ASSERT_OK(call)                                                     \
    do {                                                                    \
        v2f_status st_ = (call);                                            \
        if (st_ != V2F_OK)                                                  \
            print_message("status %d, message: %s\n", (int)st_,             \
                          v2f_last_error());                                \
        assert_int_equal(st_, V2F_OK);                                      \
    } while (0)

#endif
