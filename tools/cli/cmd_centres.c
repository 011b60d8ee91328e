/* vec2face centres: identity centres (mean ArcFace feature per identity)
 * from a folder tree of aligned face crops, or from features + labels,
 * -> float32 .npy [identities][512], and for a folder the identities'
 * names, one a line in row order. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "model_opts.h"
#include "util/fsutil.h"
#include "vec2face/vec2face.h"

static const char help[] =
"Usage: vec2face centres --folder ROOT --model DIR --out FILE.npy [options]\n"
"       vec2face centres --features F.npy --labels L.npy --out FILE.npy\n"
"\n"
"Identity centres: the mean feature of each identity, float32 .npy\n"
"[identities][dim], e.g. to fit a sampler ('vec2face sample-ids --fit') or\n"
"as an exclusion set.\n"
"\n"
"From a folder tree (ROOT/<identity>/*.png|*.jpg|*.jpeg of aligned 112x112\n"
"face crops): each image's ArcFace feature is averaged per identity. Row i\n"
"is the i-th subfolder in byte order of its name (names starting with '.'\n"
"are skipped); the names are written one a line, in row order, to --names\n"
"(default: FILE.npy with .txt for .npy).\n"
"\n"
"From features and labels: F.npy float32 [n][dim], L.npy integers [n]\n"
"(int8..int64 or uint8..uint64, or [n][1]); row k of the result is the\n"
"mean of the features labelled k, for k in 0..max label (each needs at\n"
"least one feature).\n"
"\n"
"Input (one of):\n"
"  --folder ROOT       folder tree of face crops (needs --model)\n"
"  --model DIR         model directory with arcface.pt\n"
"  --features F.npy    features, float32 [n][dim]\n"
"  --labels L.npy      their identity labels, integers [n]\n"
"\n"
"Output:\n"
"  -o, --out FILE.npy  the centres (written atomically)\n"
"  --names FILE        --folder: where the names go (default FILE.txt)\n"
"  --num-ids K         --labels: identities 0..K-1 (default max label + 1)\n"
"  --normalize         average unit-length features (default: plain mean,\n"
"                      as the official code)\n"
"  --resize            --folder: resize crops that are not 112x112\n"
"                      (default: such a crop is an error)\n"
"\n"
"Running:\n"
CLI_HELP_DEVICE
CLI_HELP_THREADS
"  -q, --quiet         no progress and no summary\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 done, 1 failure (the message names the file), 2 bad\n"
"arguments, 130 interrupted.\n";

enum {
    O_FOLDER = 256, O_FEATURES, O_LABELS, O_NAMES, O_NUM_IDS, O_NORMALIZE,
    O_RESIZE
};

typedef struct centres_args {
    const char *folder, *features, *labels, *out, *names;
    cli_model_opts mo;  /* --model, --device, --threads */
    uint64_t num_ids;
    int normalize, resize, quiet;
} centres_args;

#define U(...) cli_usage_error("centres", __VA_ARGS__)

static int parse(int argc, char **argv, centres_args *a)
{
    static const struct option opts[] = {
        {"folder", required_argument, NULL, O_FOLDER},
        CLI_OPT_MODEL,
        {"features", required_argument, NULL, O_FEATURES},
        {"labels", required_argument, NULL, O_LABELS},
        {"out", required_argument, NULL, 'o'},
        {"names", required_argument, NULL, O_NAMES},
        {"num-ids", required_argument, NULL, O_NUM_IDS},
        {"normalize", no_argument, NULL, O_NORMALIZE},
        {"resize", no_argument, NULL, O_RESIZE},
        CLI_OPT_DEVICE,
        CLI_OPT_THREADS,
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c, rc;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        const char *s = optarg;
        switch (c) {
        case O_FOLDER: a->folder = s; break;
        case O_FEATURES: a->features = s; break;
        case O_LABELS: a->labels = s; break;
        case 'o': a->out = s; break;
        case O_NAMES: a->names = s; break;
        case O_NUM_IDS:
            if (!cli_parse_u64(s, &a->num_ids) || a->num_ids < 1)
                return U("--num-ids '%s': use an integer >= 1", s);
            break;
        case O_NORMALIZE: a->normalize = 1; break;
        case O_RESIZE: a->resize = 1; break;
        case 'q': a->quiet = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default: /* a model option, else a usage error */
            rc = cli_model_opts_parse(&a->mo, "centres", c, s, argv);
            if (rc != CLI_OK)
                return rc;
            break;
        }
    }
    if (optind < argc)
        return U("unexpected argument '%s'", argv[optind]);
    if (!a->out)
        return U("--out is required");
    if (!a->folder && !a->features && !a->labels)
        return U("give --folder ROOT (with --model) or --features and "
                 "--labels");
    if (a->folder && (a->features || a->labels))
        return U("use --folder or --features/--labels, not both");
    if (a->folder && !a->mo.model)
        return U("--folder needs --model DIR (with arcface.pt)");
    if (!a->folder && (!a->features || !a->labels))
        return U("--%s needs --%s", a->features ? "features" : "labels",
                 a->features ? "labels" : "features");
    if (!a->folder
        && (a->mo.model || a->names || a->resize || a->mo.device))
        return U("--model, --names, --resize and --device go with --folder");
    if (a->folder && a->num_ids)
        return U("--num-ids goes with --labels");
    return CLI_OK;
}

/* ---- integer labels from .npy (the library reads float32 only) ---- */

/* Labels of a 1-D (or [n][1]) little-endian integer .npy as int64. */
static int read_labels(const char *path, int64_t **out, size_t *n_out)
{
    unsigned char pre[12];
    char *hdr = NULL, *d, *sh;
    char kind;
    int size, ver;
    unsigned long long n = 0, cols = 1;
    size_t hlen, i;
    unsigned char *raw = NULL;
    int64_t *lab = NULL;
    FILE *f = fopen(path, "rb");
    int rc = CLI_FAILED;

    *out = NULL;
    if (!f) {
        fprintf(stderr, "vec2face centres: --labels %s: %s\n", path,
                strerror(errno));
        return CLI_FAILED;
    }
#define BAD(...) do { fprintf(stderr, "vec2face centres: --labels %s: ", \
                              path); fprintf(stderr, __VA_ARGS__); \
                      fputc('\n', stderr); goto done; } while (0)
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0)
        BAD("not a .npy file");
    ver = pre[6];
    if (ver == 1) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    } else if (ver == 2 || ver == 3) {
        if (fread(pre + 10, 1, 2, f) != 2)
            BAD("truncated header");
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16
               | (size_t)pre[11] << 24;
    } else {
        BAD("unknown .npy version %d", ver);
    }
    if (hlen > 65536 || !(hdr = calloc(hlen + 1, 1))
        || fread(hdr, 1, hlen, f) != hlen)
        BAD("bad or truncated header");
    d = strstr(hdr, "'descr':");
    if (!d || sscanf(d, "'descr': '%*[<|]%c%d'", &kind, &size) != 2
        || (kind != 'i' && kind != 'u')
        || (size != 1 && size != 2 && size != 4 && size != 8)
        || strstr(d, "'>"))
        BAD("dtype must be a little-endian integer (int8..int64, "
            "uint8..uint64); header: %s", hdr);
    if (!strstr(hdr, "'fortran_order': False"))
        BAD("Fortran order is not supported");
    sh = strstr(hdr, "'shape':");
    if (!sh || (sscanf(sh, "'shape': (%llu, %llu)", &n, &cols) != 2
                && sscanf(sh, "'shape': (%llu,)", &n) != 1))
        BAD("shape must be (n,) or (n, 1)");
    if (cols != 1 || n == 0)
        BAD("shape must be (n,) or (n, 1) with n > 0, not %llu x %llu", n,
            cols);
    if (n > SIZE_MAX / 8 || !(raw = malloc((size_t)n * (size_t)size))
        || !(lab = malloc((size_t)n * sizeof *lab)))
        BAD("out of memory for %llu labels", n);
    if (fread(raw, (size_t)size, (size_t)n, f) != (size_t)n)
        BAD("truncated data (%llu labels expected)", n);
    if (fgetc(f) != EOF)
        BAD("trailing bytes after %llu labels", n);
    for (i = 0; i < (size_t)n; i++) {
        const unsigned char *p = raw + i * (size_t)size;
        uint64_t u = 0;
        int b;
        for (b = size - 1; b >= 0; b--)
            u = u << 8 | p[b];
        if (kind == 'i' && size < 8 && (u >> (size * 8 - 1)) & 1)
            u |= ~(uint64_t)0 << (size * 8); /* sign extension */
        if (kind == 'u' && u > (uint64_t)INT64_MAX)
            BAD("label %zu is %llu, too large", i, (unsigned long long)u);
        lab[i] = (int64_t)u;
        if (lab[i] < 0)
            BAD("label %zu is %lld; labels are >= 0", i, (long long)lab[i]);
    }
#undef BAD
    *out = lab;
    *n_out = (size_t)n;
    lab = NULL;
    rc = CLI_OK;
done:
    fclose(f);
    free(hdr);
    free(raw);
    free(lab);
    return rc;
}

static int from_features(const centres_args *a, v2f_array **centres)
{
    v2f_array *feat = NULL;
    v2f_centres_opts co;
    int64_t *lab = NULL;
    size_t n = 0, i;
    uint64_t ids = a->num_ids;
    int rc = CLI_FAILED;

    if (v2f_npy_read(a->features, &feat) != V2F_OK) {
        fprintf(stderr, "vec2face centres: --features: %s\n",
                v2f_last_error());
        return CLI_FAILED;
    }
    if (read_labels(a->labels, &lab, &n) != CLI_OK)
        goto out;
    if (n != v2f_array_rows(feat)) {
        fprintf(stderr, "vec2face centres: --labels %s has %zu labels for "
                "%zu features in %s\n", a->labels, n, v2f_array_rows(feat),
                a->features);
        goto out;
    }
    if (!ids)
        for (i = 0; i < n; i++)
            if ((uint64_t)lab[i] + 1 > ids)
                ids = (uint64_t)lab[i] + 1;
    v2f_centres_opts_init(&co, sizeof co);
    co.normalize = a->normalize;
    if (v2f_identity_centres_from_features(v2f_array_data(feat), n,
                                           v2f_array_cols(feat), lab,
                                           (size_t)ids, &co, centres)
        != V2F_OK) {
        fprintf(stderr, "vec2face centres: %s\n", v2f_last_error());
        goto out;
    }
    rc = CLI_OK;
out:
    free(lab);
    v2f_array_free(feat);
    return rc;
}

static int progress_fn(void *user, uint64_t done, uint64_t total)
{
    if (*(int *)user) {
        fprintf(stderr, "\rcentres: %llu/%llu identities   ",
                (unsigned long long)done, (unsigned long long)total);
        fflush(stderr);
    }
    return cli_interrupted();
}

static int from_folder(const centres_args *a, v2f_array **centres,
                       cli_names *names)
{
    v2f_centres_opts co;
    v2f_model *model = NULL;
    v2f_status st;
    int show = !a->quiet && isatty(2);

    /* The names as the library orders the rows (checked by count below). */
    if (v2f__list_dir(a->folder, 1, &names->v, &names->n) != V2F_OK)
        return CLI_FAILED;
    if (cli_model_load(&a->mo, "centres", &model) != CLI_OK)
        return CLI_FAILED;
    v2f_centres_opts_init(&co, sizeof co);
    co.normalize = a->normalize;
    co.resize = a->resize;
    co.progress = progress_fn;
    co.progress_user = &show;
    cli_catch_interrupt();
    st = v2f_identity_centres_from_folder(model, a->folder, &co, centres);
    if (show)
        fputc('\n', stderr);
    v2f_model_free(model);
    if (st == V2F_E_CANCELLED && cli_interrupted()) {
        fprintf(stderr, "vec2face centres: interrupted; nothing written\n");
        return CLI_INTERRUPTED;
    }
    if (st != V2F_OK) {
        fprintf(stderr, "vec2face centres: %s\n", v2f_last_error());
        return CLI_FAILED;
    }
    if (v2f_array_rows(*centres) != names->n) {
        fprintf(stderr, "vec2face centres: %zu centres for %zu subfolders of "
                "%s (did the folder change while reading?)\n",
                v2f_array_rows(*centres), names->n, a->folder);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* FILE.npy -> FILE.txt, else FILE + .txt. */
static char *names_path(const char *out)
{
    size_t len = strlen(out);
    char *p = malloc(len + 5);
    if (!p)
        return NULL;
    strcpy(p, out);
    if (len > 4 && strcmp(out + len - 4, ".npy") == 0)
        strcpy(p + len - 4, ".txt");
    else
        strcat(p, ".txt");
    return p;
}

int cmd_centres(int argc, char **argv)
{
    centres_args a;
    v2f_array *centres = NULL;
    cli_names names;
    char *np = NULL;
    size_t i;
    int rc;

    memset(&a, 0, sizeof a);
    memset(&names, 0, sizeof names);
    rc = parse(argc, argv, &a);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    rc = a.folder ? from_folder(&a, &centres, &names)
                  : from_features(&a, &centres);
    if (rc != CLI_OK)
        goto out;
    rc = CLI_FAILED;
    if (a.folder) {
        for (i = 0; i < names.n; i++)
            if (strchr(names.v[i], '\n')) {
                fprintf(stderr, "vec2face centres: the identity folder name "
                        "'%s' has a line break; the names file holds one a "
                        "line: rename it\n", names.v[i]);
                goto out;
            }
        np = a.names ? strdup(a.names) : names_path(a.out);
        if (!np)
            goto out;
    }
    if (v2f_npy_write(a.out, v2f_array_data(centres), v2f_array_rows(centres),
                      v2f_array_cols(centres)) != V2F_OK) {
        fprintf(stderr, "vec2face centres: %s\n", v2f_last_error());
        goto out;
    }
    if (np && cli_write_lines(np, names.v, names.n) != CLI_OK)
        goto out;
    if (!a.quiet)
        fprintf(stderr, "vec2face: %zu centres of %zu values -> %s%s%s\n",
                v2f_array_rows(centres), v2f_array_cols(centres), a.out,
                np ? ", names -> " : "", np ? np : "");
    rc = CLI_OK;
out:
    free(np);
    cli_names_free(&names);
    v2f_array_free(centres);
    return rc;
}
