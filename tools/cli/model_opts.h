/* The options of the commands that run networks: --model (report:
 * --models), --device, --threads, --batch, --precision. One struct, the
 * getopt_long table entries, one parser and the --help lines, so every
 * command spells and checks them alike. */
#ifndef V2F_CLI_MODEL_OPTS_H
#define V2F_CLI_MODEL_OPTS_H

#include <stdint.h>

#include "vec2face/vec2face.h"

/* getopt_long values, below the commands' own (256 and up) and above
 * every short option character. */
enum {
    CLI_O_MODEL = 200, CLI_O_DEVICE, CLI_O_THREADS, CLI_O_BATCH,
    CLI_O_PRECISION
};

/* Entries for a command's struct option table. */
#define CLI_OPT_MODEL {"model", required_argument, NULL, CLI_O_MODEL}
#define CLI_OPT_MODELS {"models", required_argument, NULL, CLI_O_MODEL}
#define CLI_OPT_DEVICE {"device", required_argument, NULL, CLI_O_DEVICE}
#define CLI_OPT_THREADS {"threads", required_argument, NULL, CLI_O_THREADS}
#define CLI_OPT_BATCH {"batch", required_argument, NULL, CLI_O_BATCH}
#define CLI_OPT_PRECISION \
    {"precision", required_argument, NULL, CLI_O_PRECISION}

/* --help lines shared word for word (the man pages are made from them);
 * --batch's default and --model's contents differ by command and stay
 * with it. */
#define CLI_HELP_DEVICE \
    "  --device D          cpu (default) or cuda:N\n"
#define CLI_HELP_THREADS \
    "  --threads T         intra-op threads (default: all CPUs)\n"
#define CLI_HELP_PRECISION \
    "  --precision P       fp32 (default), bf16 (CPUs with AVX512-BF16 or\n" \
    "                      AMX, CUDA): ~2-3x faster, ~40 dB PSNR against fp32,\n" \
    "                      or fp16 (CUDA only).\n"

typedef struct cli_model_opts {
    const char *model;  /* NULL: not given */
    const char *device; /* NULL: the CPU */
    int32_t threads;    /* 0: all CPUs */
    int32_t batch;      /* 0: the command's default */
    int32_t precision;  /* v2f_precision, V2F_PRECISION_FP32 unless given */
    int32_t attrop;     /* v2f_attrop_mode, set by the command (0: enabled) */
} cli_model_opts;

/* For the default branch of a command's getopt_long switch: option c
 * with argument s into m (CLI_OK). A bad value, or a c that is none of
 * these (a missing value, an unknown option: cli_getopt_error), is a
 * usage error of command sub, after cli_recipe_blame (which names the
 * recipe line when the value came from --recipe). */
int cli_model_opts_parse(cli_model_opts *m, const char *sub, int c,
                         const char *s, char **argv);

/* v2f_model_load of m->model with m's device, threads, precision and
 * attrop; on failure prints "vec2face <sub>: <the library's message>"
 * and returns CLI_FAILED. */
int cli_model_load(const cli_model_opts *m, const char *sub,
                   v2f_model **model);

#endif
