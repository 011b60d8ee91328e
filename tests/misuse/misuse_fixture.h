/* Shared between test_misuse.c and the generated misuse_cases.c: the
 * valid objects and buffers the cases in cases.txt refer to (as fx.NAME),
 * and the checks the generated code calls. */
#ifndef V2F_MISUSE_FIXTURE_H
#define V2F_MISUSE_FIXTURE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The matrix covers every exported function, the experimental ones too. */
#ifndef V2F_EXPERIMENTAL
#define V2F_EXPERIMENTAL 1
#endif
#include "vec2face/vec2face.h"

#define FX_N 2                       /* vectors / images in the buffers */
#define FX_DIM 8                     /* small sampler / identity dim */
#define FX_PIXELS (3 * 112 * 112)

typedef struct misuse_fixture {
    char dir[256];                   /* private temporary folder */
    char tiny[1024], gen_only[1024]; /* model directories */
    char npy[512], npz[512], png[512], png_out[512], npy_out[512], npz_out[512];
    char folder[512];                /* centres_from_folder root */
    char dataset[512], identities[512];
    v2f_model *model, *gen_only_model;
    /* tiny loaded with v2f_runtime_opts.memory_limit 256 MiB and 1 MiB */
    v2f_model *capped, *capped_1m;
    v2f_sampler *sampler;
    v2f_array *array;
    v2f_attrop *attrop;
    v2f_dataset_job *job;
    /* out-pointers the cases pass as &fx.X */
    v2f_model *model_out;
    v2f_sampler *sampler_out;
    v2f_array *array_out;
    v2f_attrop *attrop_out;
    v2f_dataset_job *job_out;
    /* valid inputs */
    float vec[FX_N * 512], vec_nan[FX_N * 512], small[4 * FX_DIM], small_nan[4 * FX_DIM];
    int64_t labels[4], labels_bad[4];
    uint8_t rgb[FX_N * 112 * 112 * 3], lm[FX_N * 112 * 112 * 3];
    uint8_t dropped[FX_N * 49], masked[FX_N * 49], bad_mask[FX_N * 49];
    float raw[FX_N * FX_PIXELS], pts[FX_N * 10], pts_nan[FX_N * 10];
    /* outputs */
    float feat[FX_N * 512], qual[FX_N], angles[FX_N * 3], vec_out[FX_N * 512];
    float small_out[4 * FX_DIM];
    uint8_t rgb_out[FX_N * 112 * 112 * 3], dropped_out[FX_N * 49], masked_out[FX_N * 49];
    /* option and report structs, valid (from their init) and broken */
    v2f_runtime_opts runtime_opts, runtime_bad;
    v2f_gen_opts gen_opts, gen_bad, gen_huge_batch;
    v2f_attrop_opts attrop_opts, attrop_bad;
    v2f_attrop_losses losses;
    v2f_perturb_opts perturb_opts, perturb_bad, perturb_bad2;
    float eps_vals[2];
    v2f_sampler_fit_opts fit_opts, fit_bad;
    v2f_sample_opts sample_opts, sample_bad;
    v2f_sample_stats sample_stats;
    v2f_centres_opts centres_opts;
    v2f_separability_opts sep_opts;
    v2f_separability_report sep_report;
    v2f_dataset_recipe recipe, recipe_bad;
    v2f_dataset_stats ds_stats;
    v2f_dataset_report ds_report;
    v2f_dataset_report_opts report_opts, report_bad;
    v2f_dataset_summary summary;
    v2f_image_read_opts read_opts, read_bad;
    v2f_image_write_opts write_opts, write_bad;
    v2f_model_info model_info;
    v2f_part_info part_info;
    /* A block of zeros that reads as any options/report struct whose
     * struct_size is 0 (every such struct starts with uint32_t). */
    union { long double ld; void *p; uint64_t u; unsigned char bytes[8192]; } zero;
    /* For *_opts_init(o, small size): must stay untouched beyond size. */
    unsigned char canary[64];
} misuse_fixture;

extern misuse_fixture fx;
extern int misuse_poison;            /* its address poisons out-pointers */

typedef struct misuse_run {
    const char *fn, *label;
    size_t cases, failures;
} misuse_run;

typedef struct misuse_fn {
    const char *name;
    void (*run)(misuse_run *r);
    size_t cases;
} misuse_fn;

extern const misuse_fn misuse_fns[];
extern const size_t misuse_fn_count, misuse_case_count;
extern const char *const misuse_missing[];

void misuse_begin(misuse_run *r, const char *fn, const char *label);
void misuse_sentinel(const char *fn);
void misuse_status(misuse_run *r, v2f_status got, const v2f_status *want, size_t nwant);
void misuse_check(misuse_run *r, int ok, const char *what);
void misuse_out_cleared(misuse_run *r, int ok, const char *what);
void misuse_pass(misuse_run *r);
int misuse_canary_intact(size_t from);
int misuse_progress_stop(void *user, uint64_t done, uint64_t total);
void misuse_log(int32_t level, const char *msg, void *user);

#endif
