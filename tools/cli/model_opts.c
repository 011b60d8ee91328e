/* The shared model options (model_opts.h): one parser for every command.
 * Ranges: --threads and --batch are checked here, before the model loads,
 * so a bad value is a usage error (exit 2) that creates nothing. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "model_opts.h"

#define U(...) (cli_recipe_blame(optind - 1), \
                cli_usage_error(sub, __VA_ARGS__))

int cli_model_opts_parse(cli_model_opts *m, const char *sub, int c,
                         const char *s, char **argv)
{
    switch (c) {
    case CLI_O_MODEL: m->model = s; return CLI_OK;
    case CLI_O_DEVICE: m->device = s; return CLI_OK;
    case CLI_O_THREADS:
        if (!cli_parse_i32(s, 0, 4096, &m->threads))
            return U("--threads '%s': use 0..4096", s);
        return CLI_OK;
    case CLI_O_BATCH:
        if (!cli_parse_i32(s, 1, 4096, &m->batch))
            return U("--batch '%s': use 1..4096", s);
        return CLI_OK;
    case CLI_O_PRECISION:
        if (strcmp(s, "fp32") == 0)
            m->precision = V2F_PRECISION_FP32;
        else if (strcmp(s, "bf16") == 0)
            m->precision = V2F_PRECISION_BF16;
        else if (strcmp(s, "fp16") == 0)
            m->precision = V2F_PRECISION_FP16;
        else
            return U("--precision '%s': use fp32, bf16 or fp16", s);
        return CLI_OK;
    default: return cli_getopt_error(sub, c, argv);
    }
}

int cli_model_load(const cli_model_opts *m, const char *sub,
                   v2f_model **model)
{
    v2f_runtime_opts ro;
    v2f_runtime_opts_init(&ro, sizeof ro);
    ro.device = m->device;
    ro.threads = m->threads;
    ro.precision = m->precision;
    ro.attrop = m->attrop;
    if (v2f_model_load(m->model, &ro, model) != V2F_OK) {
        fprintf(stderr, "vec2face %s: %s\n", sub, v2f_last_error());
        return CLI_FAILED;
    }
    return CLI_OK;
}
