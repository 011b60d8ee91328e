/* vec2face generate: its parsed flags, shared by the parser
 * (generate_args.c), the shard pick (shard_env.c) and the run
 * (cmd_generate.c). */
#ifndef V2F_CLI_GENERATE_H
#define V2F_CLI_GENERATE_H

#include <stdint.h>

#include "model_opts.h"

#define MAX_EPS 64

/* Exit status of a shard whose lock another process holds (V2F_E_BUSY):
 * the next one after CLI_USAGE, so that a scheduler script can tell "ran
 * twice" from a failure. */
enum { GEN_EXIT_BUSY = 3 };

#define MAX_LANDMARK_ARGS 256

typedef struct gen_args {
    const char *ref_ids; /* --identities DIR */
    const char *ids, *out, *pose_points;
    cli_model_opts mo;  /* --model, --device, --threads, --batch, --precision */
    int32_t per_id, pose_per_id, jpeg_quality, format;
    int32_t png_level;  /* -1: the library's default */
    float pose_eps;
    float eps[MAX_EPS], shares[MAX_EPS];
    int32_t eps_count;
    int have_shares;
    uint64_t seed;
    int have_shard;
    uint32_t shard, shards_flag;
    int quiet;
    int wait_lock;      /* --wait-lock */
    /* measurement, filter, AttrOP, pose templates */
    uint32_t measure;
    int32_t filter, filter_attempts, have_threshold;
    float filter_threshold;
    int32_t attrop_per_id, attrop_iterations, attrop_yaw_count;
    int32_t attrop_retries;
    float attrop_quality, attrop_yaw[MAX_EPS];
    int32_t pose_order, landmark_count;
    const char *landmarks[MAX_LANDMARK_ARGS];
} gen_args;

/* Defaults, then the flags (a --recipe file first): CLI_OK, -1 after
 * --help (printed), or CLI_USAGE (reported). */
int gen_parse(int argc, char **argv, gen_args *a);

/* The shard from --shard, or the environment (Slurm, Kubernetes), or 0/1;
 * *from names where it came from (NULL for the default). CLI_USAGE
 * (reported) on values that name no shard. */
int gen_pick_shard(const gen_args *a, uint32_t *k, uint32_t *n,
                   const char **from);

#endif
