/* vec2face report DIR: v2f_dataset_report_write with a printed summary. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "model_opts.h"
#include "vec2face/vec2face.h"

static const char help[] =
"Usage: vec2face report DIR [--models MODEL_DIR] [options]\n"
"\n"
"Measure a dataset folder made by 'vec2face generate' and write\n"
"PREFIXreport.json (every number), PREFIXreport.html (one self-contained\n"
"page: SVG histograms, the contact sheet embedded) and\n"
"PREFIXcontact_sheet.png (a row per identity). PREFIX is DIR/ unless\n"
"--out-prefix is given.\n"
"\n"
"Measured, each only when MODEL_DIR has the part (else the section says\n"
"'not measured (model lacks FILE)'):\n"
"  arcface.pt   identity consistency: per identity mean and min cosine of\n"
"               its images' features to the input centre (its vector in\n"
"               the recipe's identities file) and to the mean centre (the\n"
"               mean feature of its images); separability (share of\n"
"               identities whose nearest other identity has cosine <=\n"
"               --threshold, the official measure at 0.4) of the mean\n"
"               centres and of the input vectors\n"
"  magface.pt   quality (MagFace feature norm) histogram\n"
"  headpose.pt  yaw histogram (degrees)\n"
"Missing or unreadable images are counted and skipped; images the\n"
"consistency filter dropped (manifest status 'dropped') are counted apart.\n"
"\n"
"Options:\n"
"  --models DIR        model directory (without it: counts and contact\n"
"                      sheet only)\n"
"  --out-prefix P      write Preport.json, Preport.html,\n"
"                      Pcontact_sheet.png (P's folder must exist; end P\n"
"                      with / for a folder)\n"
"  --ids FILE.npy      identities file, when the one recipe.txt names has\n"
"                      moved (it must have the recipe's digest)\n"
"  --threshold X       separability threshold (default 0.4)\n"
"  --bins N            histogram bins (default 20)\n"
"  --sheet-ids N       contact sheet rows (identities, default 16)\n"
"  --sheet-images N    contact sheet columns (images, default 8)\n"
"  --sheet-tile PX     tile side, a divisor of 112 (default 56)\n"
"  --per-image         list every image's values in report.json too\n"
"  --batch B           images per network call (default 32)\n"
CLI_HELP_DEVICE
CLI_HELP_THREADS
"  -q, --quiet         no progress and no summary\n"
"  -h, --help          this text\n"
"\n"
"Progress goes to stderr when it is a terminal; Ctrl-C stops (nothing is\n"
"written). Exit status: 0 written, 1 failure (the message names the file\n"
"or setting), 2 bad arguments, 130 interrupted.\n";

enum {
    O_OUT_PREFIX = 257, O_IDS, O_THRESHOLD, O_BINS, O_SHEET_IDS,
    O_SHEET_IMAGES, O_SHEET_TILE, O_PER_IMAGE
};

static void print_summary(const v2f_dataset_summary *s, const char *prefix)
{
    printf("identities: %llu (%llu with images, %llu complete)\n",
           (unsigned long long)s->identities,
           (unsigned long long)s->identities_measured,
           (unsigned long long)s->identities_complete);
    printf("images: %llu expected, %llu read, %llu missing, %llu "
           "unreadable, %llu dropped by the filter\n",
           (unsigned long long)s->images_expected,
           (unsigned long long)s->images_read,
           (unsigned long long)s->images_missing,
           (unsigned long long)s->images_unreadable,
           (unsigned long long)s->images_dropped);
    if (s->measured & V2F_REPORT_CONSISTENCY)
        printf("consistency (cosine to mean centre): mean %.4f, min %.4f\n",
               (double)s->cos_mean_centre_mean,
               (double)s->cos_mean_centre_min);
    else
        printf("consistency: not measured\n");
    if (s->measured & V2F_REPORT_INPUT)
        printf("consistency (cosine to input vector): mean %.4f, min %.4f\n",
               (double)s->cos_input_mean, (double)s->cos_input_min);
    if (s->measured & V2F_REPORT_SEPARABILITY)
        printf("separability at %.2f: %llu of %llu identities (%.2f%%)\n",
               (double)s->threshold, (unsigned long long)s->separated,
               (unsigned long long)s->separability_n,
               100.0 * (double)s->separated / (double)s->separability_n);
    else
        printf("separability: not measured\n");
    if (s->measured & V2F_REPORT_QUALITY)
        printf("quality: mean %.3f, min %.3f, max %.3f\n",
               (double)s->quality_mean, (double)s->quality_min,
               (double)s->quality_max);
    else
        printf("quality: not measured\n");
    if (s->measured & V2F_REPORT_YAW)
        printf("yaw: mean %.2f, |yaw| mean %.2f, min %.2f, max %.2f\n",
               (double)s->yaw_mean, (double)s->abs_yaw_mean,
               (double)s->yaw_min, (double)s->yaw_max);
    else
        printf("yaw: not measured\n");
    printf("wrote %sreport.json, %sreport.html, %scontact_sheet.png "
           "(%dx%d)\n", prefix, prefix, prefix, (int)s->sheet_width,
           (int)s->sheet_height);
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_OPT_MODELS,
        {"out-prefix", required_argument, NULL, O_OUT_PREFIX},
        {"ids", required_argument, NULL, O_IDS},
        {"threshold", required_argument, NULL, O_THRESHOLD},
        {"bins", required_argument, NULL, O_BINS},
        {"sheet-ids", required_argument, NULL, O_SHEET_IDS},
        {"sheet-images", required_argument, NULL, O_SHEET_IMAGES},
        {"sheet-tile", required_argument, NULL, O_SHEET_TILE},
        {"per-image", no_argument, NULL, O_PER_IMAGE},
        CLI_OPT_BATCH,
        CLI_OPT_DEVICE,
        CLI_OPT_THREADS,
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    v2f_dataset_report_opts o;
    v2f_dataset_summary sum;
    v2f_model *model = NULL;
    cli_model_opts mo;
    cli_progress prog;
    const char *dir, *s;
    char prefix[4096];
    int quiet = 0, c, rc;
    v2f_status st;

    v2f_dataset_report_opts_init(&o, sizeof o);
    memset(&mo, 0, sizeof mo);
    mo.batch = o.batch_size;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        s = optarg;
        switch (c) {
        case O_OUT_PREFIX: o.out_prefix = s; break;
        case O_IDS: o.identities = s; break;
        case O_PER_IMAGE: o.per_image = 1; break;
        case O_THRESHOLD:
            if (!cli_parse_float(s, &o.threshold) || !(o.threshold > -1.0f)
                || o.threshold > 1.0f)
                return cli_usage_error("report", "--threshold '%s': use a "
                                       "number in (-1, 1]", s);
            break;
        case O_BINS:
            if (!cli_parse_i32(s, 1, 1000, &o.histogram_bins))
                return cli_usage_error("report", "--bins '%s': use 1..1000",
                                       s);
            break;
        case O_SHEET_IDS:
            if (!cli_parse_i32(s, 1, 1000, &o.sheet_identities))
                return cli_usage_error("report", "--sheet-ids '%s': use "
                                       "1..1000", s);
            break;
        case O_SHEET_IMAGES:
            if (!cli_parse_i32(s, 1, 1000, &o.sheet_images))
                return cli_usage_error("report", "--sheet-images '%s': use "
                                       "1..1000", s);
            break;
        case O_SHEET_TILE:
            if (!cli_parse_i32(s, 1, 112, &o.sheet_tile)
                || 112 % o.sheet_tile != 0)
                return cli_usage_error("report", "--sheet-tile '%s': use a "
                                       "divisor of 112 (112, 56, 28, 16, "
                                       "14, 8, 7, 4, 2, 1)", s);
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(help, stdout); return CLI_OK;
        default: /* a model option, else a usage error */
            rc = cli_model_opts_parse(&mo, "report", c, s, argv);
            if (rc != CLI_OK)
                return rc;
            break;
        }
    }
    if ((rc = cli_one_folder("report", argc, argv, &dir)) != CLI_OK)
        return rc;
    o.batch_size = mo.batch;
    /* Before the model load, so that an early Ctrl-C also stops cleanly. */
    cli_catch_interrupt();
    if (mo.model) {
        if (cli_model_load(&mo, "report", &model) != CLI_OK)
            return CLI_FAILED;
    }
    cli_progress_init(&prog, quiet, "report");
    o.progress = cli_progress_fn;
    o.progress_user = &prog;
    memset(&sum, 0, sizeof sum);
    sum.struct_size = sizeof sum;
    st = v2f_dataset_report_write(model, dir, &o, &sum);
    cli_progress_end(&prog);
    v2f_model_free(model);
    if (st == V2F_E_CANCELLED && cli_interrupted()) {
        fprintf(stderr, "vec2face report: interrupted, nothing written\n");
        return CLI_INTERRUPTED;
    }
    if (st != V2F_OK) {
        fprintf(stderr, "vec2face report: %s\n", v2f_last_error());
        return CLI_FAILED;
    }
    if (!quiet) {
        size_t n = strlen(dir);
        if (o.out_prefix)
            snprintf(prefix, sizeof prefix, "%s", o.out_prefix);
        else
            snprintf(prefix, sizeof prefix, "%s%s", dir,
                     n && dir[n - 1] == '/' ? "" : "/");
        print_summary(&sum, prefix);
    }
    return CLI_OK;
}
