/* vec2face: the command-line front end of libvec2face.
 *   vec2face generate ...   make a dataset (or one shard of it)
 *   vec2face verify DIR     check a dataset folder
 * Each subcommand lives in cmd_<name>.c; this file dispatches. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
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
"\n"
"Options:\n"
"  -h, --help     this text ('vec2face <command> --help' for a command)\n"
"  -V, --version  the library version\n"
"\n"
"Exit status: 0 success, 1 failure (the library's message is printed),\n"
"2 bad arguments, 130 interrupted (generate: resumable).\n";

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (!cmd)
        return cli_usage_error(NULL, "a command is needed (generate, verify)");
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
    return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
