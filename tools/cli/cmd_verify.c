/* vec2face verify DIR: v2f_dataset_verify with a printed report. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vec2face/vec2face.h"

static const char help[] =
"Usage: vec2face verify [--quiet] DIR\n"
"\n"
"Check a dataset folder made by 'vec2face generate' against its\n"
"recipe.txt: every identity has every image, every image decodes as a\n"
"112x112 picture, every image has exactly one row in the manifest parts\n"
"(DIR/manifest/part-*.csv, all shards together) and every row names an\n"
"image of the recipe; no temporary file is left over.\n"
"\n"
"Options:\n"
"  -q, --quiet  print nothing on success\n"
"  -h, --help   this text\n"
"\n"
"Prints the counts; exit status 0 when the dataset is complete, 1 when\n"
"there are problems (their number and the first are printed) or DIR is\n"
"not a dataset, 2 on bad arguments.\n";

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    v2f_dataset_report rep;
    v2f_status st;
    const char *dir;
    int quiet = 0, c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quiet = 1; break;
        case 'h': fputs(help, stdout); return CLI_OK;
        default: return cli_getopt_error("verify", c, argv);
        }
    }
    if ((c = cli_one_folder("verify", argc, argv, &dir)) != CLI_OK)
        return c;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    st = v2f_dataset_verify(dir, &rep);
    if (st != V2F_OK && st != V2F_E_FORMAT) {
        fprintf(stderr, "vec2face verify: %s\n", v2f_last_error());
        return CLI_FAILED;
    }
    if (!quiet || st != V2F_OK) {
        printf("identities: %llu (%llu complete)\n",
               (unsigned long long)rep.identities,
               (unsigned long long)rep.identities_complete);
        printf("images: %llu expected, %llu ok, %llu missing, %llu corrupt\n",
               (unsigned long long)rep.images_expected,
               (unsigned long long)rep.images_ok,
               (unsigned long long)rep.images_missing,
               (unsigned long long)rep.images_corrupt);
        if (rep.images_dropped)
            printf("dropped by the consistency filter: %llu (manifest rows, "
                   "no files)\n", (unsigned long long)rep.images_dropped);
        printf("manifest: %llu parts, %llu rows\n",
               (unsigned long long)rep.manifest_parts,
               (unsigned long long)rep.manifest_rows);
    }
    if (st != V2F_OK) {
        fprintf(stderr, "vec2face verify: %s\n", v2f_last_error());
        return CLI_FAILED;
    }
    if (!quiet)
        printf("OK\n");
    return CLI_OK;
}
