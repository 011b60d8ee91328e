/* vec2face merge --out DST SRC...: the front end of v2f_dataset_merge
 * (argument checks, progress line, Ctrl-C, the summary and exit status);
 * the verify summary is the verify command's own. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "vec2face/vec2face.h"

static const char help[] =
"Usage: vec2face merge --out DST [--link] [--quiet] SRC...\n"
"\n"
"Combine dataset folders made by 'vec2face generate' with one recipe,\n"
"e.g. the shards of a cluster job that each wrote a folder of their own\n"
"(no shared filesystem), into DST, then verify DST.\n"
"\n"
"Every SRC must hold a recipe.txt with the same digest (and DST too when\n"
"it has one); otherwise nothing is written. DST receives recipe.txt (and\n"
"identities.npy/.txt/.src) when it lacks them, every identity folder's\n"
"images, and the manifest parts: a part name DST lacks is copied; the\n"
"same part name in several places becomes the union of their rows.\n"
"Files already in DST with identical bytes are skipped; the same name\n"
"with other bytes is refused, naming both files, and nothing is written.\n"
"Each file goes to a temporary name and is renamed, so merge can be run\n"
"again after an interruption (or to add shards that finished later).\n"
"\n"
"Options:\n"
"  -o, --out DST  the merged dataset folder (created when missing)\n"
"  -l, --link     hard-link images instead of copying (copies when SRC\n"
"                 and DST are on different filesystems)\n"
"  -q, --quiet    print nothing but errors\n"
"  -h, --help     this text\n"
"\n"
"Example (per-node folders copied to one machine):\n"
"  vec2face merge --out all node0 node1 node2 && vec2face verify all\n"
"\n"
"Exit status: 0 when DST is complete, 1 on a refused or failed merge or\n"
"when DST is still incomplete (the verify summary is printed; generate\n"
"or merge the missing shards), 2 on bad arguments.\n";

/* vec2face verify [--quiet] DST, with merge's hint when incomplete. */
static int verify_dst(const char *dst, int quiet)
{
    char *vargv[4];
    int vargc = 0, rc;
    vargv[vargc++] = "verify";
    if (quiet)
        vargv[vargc++] = "--quiet";
    vargv[vargc++] = (char *)dst;
    vargv[vargc] = NULL;
    rc = cmd_verify(vargc, vargv);
    if (rc != CLI_OK)
        fprintf(stderr, "vec2face merge: '%s' is not complete yet: generate "
                "the missing shards (or merge their folders into it) and run "
                "merge or verify again\n", dst);
    return rc;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"link", no_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *dst = NULL;
    int link_it = 0, quiet = 0, c, i;
    v2f_dataset_merge_opts mo;
    v2f_dataset_merge_stats ms;
    cli_progress prog;
    v2f_status st;
    struct stat sd, ss;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:lqh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                return cli_usage_error("merge", "--out needs a folder");
            dst = optarg;
            break;
        case 'l': link_it = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(help, stdout); return CLI_OK;
        default: return cli_getopt_error("merge", c, argv);
        }
    }
    if (!dst)
        return cli_usage_error("merge", "--out DST is required");
    if (optind >= argc)
        return cli_usage_error("merge", "at least one SRC folder is needed");
    for (i = optind; i < argc; i++) {
        if (!*argv[i])
            return cli_usage_error("merge", "an empty SRC folder name");
        if (stat(argv[i], &ss) == 0 && stat(dst, &sd) == 0
            && ss.st_dev == sd.st_dev && ss.st_ino == sd.st_ino)
            return cli_usage_error("merge", "SRC '%s' is DST itself",
                                   argv[i]);
    }

    memset(&ms, 0, sizeof ms);
    ms.struct_size = sizeof ms;
    v2f_dataset_merge_opts_init(&mo, sizeof mo);
    mo.link = link_it;
    mo.verify = 0;              /* verify_dst prints the verify summary */
    cli_progress_init(&prog, quiet, "merge");
    mo.progress = cli_progress_fn;
    mo.progress_user = &prog;
    cli_catch_interrupt();
    st = v2f_dataset_merge(dst, (const char *const *)argv + optind,
                           (size_t)(argc - optind), &mo, &ms, NULL);
    cli_progress_end(&prog);
    if (st == V2F_E_CANCELLED && cli_interrupted()) {
        fprintf(stderr, "vec2face merge: interrupted; every file written is "
                "complete: run the same command again to finish\n");
        return CLI_INTERRUPTED;
    }
    if (st != V2F_OK) {
        fprintf(stderr, "vec2face merge: %s\n", v2f_last_error());
        return CLI_FAILED;
    }
    if (!quiet)
        printf("merged %llu folder%s into %s: %llu file%s %s, %llu manifest "
               "part%s merged, %llu already there\n",
               (unsigned long long)ms.sources, ms.sources == 1 ? "" : "s",
               dst, (unsigned long long)ms.files_copied,
               ms.files_copied == 1 ? "" : "s",
               link_it ? "linked or copied" : "copied",
               (unsigned long long)ms.parts_merged,
               ms.parts_merged == 1 ? "" : "s",
               (unsigned long long)ms.files_skipped);
    return verify_dst(dst, quiet);
}
