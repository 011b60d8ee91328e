/* vec2face: the command-line front end of libvec2face.
 *   vec2face generate ...   make a dataset (or one shard of it)
 *   vec2face verify DIR     check a dataset folder
 *   vec2face merge ...      combine per-node dataset folders
 *   vec2face sample-ids ... new identity vectors from a sampler
 *   vec2face centres ...    identity centres of real faces
 * Each subcommand lives in cmd_<name>.c; this file dispatches. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "cli.h"
#include "vec2face/vec2face.h"

static const char top_help[] =
"Usage: vec2face <command> [options]\n"
"\n"
"Make face-recognition training sets from identity vectors with the\n"
"Vec2Face+ networks (libvec2face %s).\n"
"\n"
"Commands:\n"
"  generate   generate a dataset, or one shard of it, resumably\n"
"  verify     check that a dataset folder is complete and consistent\n"
"  merge      combine dataset folders of one recipe (per-node shards)\n"
"  sample-ids sample new identity vectors, pairwise below a cosine\n"
"             threshold, resumably\n"
"  centres    identity centres from a folder of face crops or from\n"
"             features and labels\n"
"  report     measure a dataset: JSON, HTML page, contact sheet\n"
"\n"
"Options:\n"
"  -h, --help     this text ('vec2face <command> --help' for a command)\n"
"  -V, --version  the library version\n"
"\n"
"Exit status: 0 success, 1 failure (the library's message is printed),\n"
"2 bad arguments, 3 generate: shard busy (another process holds its lock),\n"
"130 interrupted (generate: resumable).\n";

/* libgomp (libtorch's OpenMP) reads OMP_WAIT_POLICY once, before main.
 * Its default, spinning, collapses when another process holds a core
 * (measured: 5-7x slower with one busy process on 2 cores; ~1.5x faster
 * with passive even without one: bench/RESULTS.md). So when the user set
 * neither variable, set passive and start again; the variable, now set,
 * stops a second exec, and a failed exec just runs on as is. */
static void prefer_passive_openmp(char **argv)
{
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT"))
        return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
}

int main(int argc, char **argv)
{
    prefer_passive_openmp(argv);
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (!cmd)
        return cli_usage_error(NULL, "a command is needed (generate, verify, "
                               "merge, sample-ids, centres, report)");
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "help") == 0) {
        printf(top_help, v2f_version());
        return CLI_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("vec2face %s\n", v2f_version());
        return CLI_OK;
    }
    if (strcmp(cmd, "generate") == 0)
        return cmd_generate(argc - 1, argv + 1);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    if (strcmp(cmd, "merge") == 0)
        return cmd_merge(argc - 1, argv + 1);
    if (strcmp(cmd, "sample-ids") == 0)
        return cmd_sample_ids(argc - 1, argv + 1);
    if (strcmp(cmd, "centres") == 0)
        return cmd_centres(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
