/* vec2face generate: its --help text and flags -> gen_args (the shared
 * model options through model_opts.c). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "generate.h"

static const char gen_help[] =
"Usage: vec2face generate --model DIR --ids FILE.npy --out DIR [options]\n"
"\n"
"Generate a face dataset: for each identity vector (a row of FILE.npy,\n"
"float32 [identities][512]) K images from perturbation and P images from\n"
"pose control, written as OUT/<identity %06d>/<image %03d>.png|jpg with a\n"
"manifest part OUT/manifest/part-<K>-of-<N>.csv and the recipe in\n"
"OUT/recipe.txt. Running the same command again resumes: finished images\n"
"are kept, missing ones are made. A different recipe, seed or identities\n"
"file for an existing OUT is refused.\n"
"\n"
"Randomness is keyed by (seed, identity, image), so N shards use exactly\n"
"the vectors and masks of one run; pixels agree within 1/255 (float sums\n"
"may round differently for other batch shapes).\n"
"\n"
"Required:\n"
"  --model DIR         model directory (generator.pt; pose_generator.pt and\n"
"                      pose_cond.pt for pose images)\n"
"  --ids FILE.npy      identity vectors, float32 [identities][512]\n"
"  --identities DIR    instead of --ids: reference face crops (aligned,\n"
"                      112x112), one identity per image (its ArcFace\n"
"                      feature) or per subfolder (the mean feature of its\n"
"                      images); needs arcface.pt in --model. Written to\n"
"                      OUT/identities.npy (+ identities.txt: the names in\n"
"                      row order) and reused on restart while DIR is\n"
"                      unchanged (OUT/identities.src fingerprints its\n"
"                      names and bytes); a changed DIR is refused\n"
"  --out DIR           output folder (created when missing)\n"
"\n"
"Recipe:\n"
"  --per-id K          perturbation images per identity (default 4)\n"
"  --eps LIST          their noise mixture, eps[:share],... e.g.\n"
"                      0.3:0.4,0.5:0.4,0.7:0.2 (the default); shares are\n"
"                      normalised; without shares all are equal\n"
"  --pose-per-id P     pose images per identity (default 0)\n"
"  --pose-points FILE  five-point templates, float32 .npy [templates][10]\n"
"                      (x, y of left eye, right eye, nose, left and right\n"
"                      mouth corner, 112x112 pixels); see --pose-order\n"
"  --pose-eps X        perturbation eps of the pose images (default 0.7)\n"
"  --pose-landmarks P  landmark-image templates: a 112x112 PNG/JPEG\n"
"                      landmark map, or a folder of them (*.png, *.jpg,\n"
"                      *.jpeg in name order); repeat for more. They come\n"
"                      after the --pose-points templates; their pixels are\n"
"                      part of the recipe\n"
"  --pose-order cycle|sample\n"
"                      pose image j takes template (j - K) % templates\n"
"                      (cycle, the default) or one drawn at random keyed\n"
"                      (seed, identity, j) (sample)\n"
"  --attrop-per-id A   AttrOP images per identity (default 0), after the\n"
"                      pose images: a perturbed vector (the --eps mixture)\n"
"                      optimised toward a quality and a yaw target, then\n"
"                      generated; needs arcface.pt (+ magface.pt,\n"
"                      headpose.pt for the targets)\n"
"  --attrop-quality Q  MagFace norm target (default 24; 0: none)\n"
"  --attrop-yaw LIST   |yaw| targets in degrees, e.g. 0,30,60, cycled by\n"
"                      image (default: no pose loss)\n"
"  --attrop-iterations N\n"
"                      counted AttrOP steps per image (default 5)\n"
"  --attrop-retries N  steps over AttrOP's loss thresholds that may not\n"
"                      count, per image (default 30)\n"
"  --measure LIST      measure each image and write it to the manifest:\n"
"                      similarity (cosine of its ArcFace feature to the\n"
"                      identity's vector; arcface.pt), quality (MagFace\n"
"                      norm; magface.pt), yaw (degrees; headpose.pt), comma\n"
"                      separated, or all. Part of the recipe\n"
"  --filter drop|regenerate\n"
"                      identity-consistency filter: an image whose\n"
"                      similarity is below --filter-threshold is dropped\n"
"                      (no file; its manifest row says dropped), or made\n"
"                      again with new noise and masks up to\n"
"                      --filter-attempts times in all, then dropped\n"
"  --filter-threshold C  cosine in [-1, 1] (required with --filter)\n"
"  --filter-attempts N attempts per image with regenerate (default 3)\n"
"  --seed S            seed (default 0)\n"
"  --format png|jpg    image format (default png)\n"
"  --jpeg-quality Q    JPEG quality 1..100 (default 95)\n"
"  --png-level N       PNG zlib level 0 (fastest, largest) .. 9 (default\n"
"                      6); changes file sizes, never pixels; not part of\n"
"                      the recipe, so a restart may change it\n"
"\n"
"Recipe file:\n"
"  --recipe FILE       read options from FILE, one 'key = value' a line;\n"
"                      keys are the long options without dashes, e.g.\n"
"                      'per-id = 4', 'eps = 0.3:0.5,0.7:0.5', 'quiet =\n"
"                      true'; lines starting with '#' are comments; a\n"
"                      value is the rest of the line (no quoting; paths\n"
"                      relative to the current folder). Options on the\n"
"                      command line override the file; an unknown key or\n"
"                      bad value is an error naming FILE:LINE\n"
"\n"
"Sharding (a shard is a range of identities):\n"
"  --shard K/N         make shard K of N (0 <= K < N)\n"
"  --shards N          the shard count, with the index from the environment\n"
"                      When --shard is absent: SLURM_ARRAY_TASK_ID minus\n"
"                      SLURM_ARRAY_TASK_MIN (default 0) of\n"
"                      SLURM_ARRAY_TASK_COUNT (or --shards) on Slurm; else\n"
"                      JOB_COMPLETION_INDEX of --shards N (Kubernetes\n"
"                      Indexed Job); else 0/1.\n"
"\n"
"Running:\n"
"  --batch B           images per generator call and manifest sync\n"
"                      (default: the model's, from the device and memory;\n"
"                      8 on a CPU)\n"
CLI_HELP_DEVICE
CLI_HELP_THREADS
CLI_HELP_PRECISION
"                      Like the model, not part of the recipe: keep it the\n"
"                      same for every shard and restart of a dataset\n"
"  --wait-lock         when another process is making this shard (its\n"
"                      lock OUT/.shard-K-of-N.lock is held), wait for it\n"
"                      to finish, then resume (usually nothing is left to\n"
"                      do) instead of exiting with status 3; Ctrl-C ends\n"
"                      the wait (exit 130)\n"
"  -q, --quiet         no progress and no summary\n"
"  -h, --help          this text\n"
"\n"
"Progress (rate, ETA) goes to stderr when it is a terminal. Ctrl-C stops\n"
"after the current batch (exit 130); run the same command to resume.\n"
"\n"
"One process at a time makes a shard: it holds an exclusive flock() on\n"
"OUT/.shard-K-of-N.lock while it runs (released when it exits or is\n"
"killed). A second process for the same shard (a re-queued or doubly\n"
"submitted job) writes nothing and exits 3, naming the holder's pid and\n"
"host, or waits with --wait-lock. Other shards run side by side. The\n"
"lock file stays; verify and merge ignore it. Where the file system has\n"
"no flock (NFS mounted nolock, Lustre without -o flock) a warning says\n"
"so and the shard runs unlocked.\n"
"\n"
"Exit status: 0 done, 1 failure (the message names the file or setting),\n"
"2 bad arguments, 3 shard busy (another process holds its lock; nothing\n"
"written), 130 interrupted.\n";

enum {
    O_IDS = 257, O_OUT, O_PER_ID, O_POSE_PER_ID, O_POSE_POINTS,
    O_EPS, O_POSE_EPS, O_SEED, O_SHARD, O_SHARDS, O_FORMAT, O_JPEG_QUALITY
};

enum { O_RECIPE = 512, O_REF_IDS };

enum {
    O_MEASURE = 768, O_FILTER, O_FILTER_THRESHOLD, O_FILTER_ATTEMPTS,
    O_ATTROP_PER_ID, O_ATTROP_QUALITY, O_ATTROP_YAW, O_ATTROP_ITERATIONS,
    O_POSE_ORDER, O_POSE_LANDMARKS, O_ATTROP_RETRIES
};

enum { O_PNG_LEVEL = 1024, O_WAIT_LOCK };

/* "similarity,quality,yaw" (any subset, any order) or "all". */
static int parse_measure(const char *s, uint32_t *out)
{
    char buf[128], *item, *save = NULL;
    uint32_t m = 0;
    if (strlen(s) >= sizeof buf || !*s)
        return 0;
    strcpy(buf, s);
    for (item = strtok_r(buf, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        if (strcmp(item, "similarity") == 0)
            m |= V2F_DATASET_MEASURE_SIMILARITY;
        else if (strcmp(item, "quality") == 0)
            m |= V2F_DATASET_MEASURE_QUALITY;
        else if (strcmp(item, "yaw") == 0)
            m |= V2F_DATASET_MEASURE_YAW;
        else if (strcmp(item, "all") == 0)
            m |= V2F_DATASET_MEASURE_SIMILARITY | V2F_DATASET_MEASURE_QUALITY
                 | V2F_DATASET_MEASURE_YAW;
        else
            return 0;
    }
    *out = m;
    return m != 0;
}

#define U(...) (cli_recipe_blame(optind - 1), \
                cli_usage_error("generate", __VA_ARGS__))

int gen_parse(int argc, char **argv, gen_args *a)
{
    static const struct option opts[] = {
        CLI_OPT_MODEL,
        {"ids", required_argument, NULL, O_IDS},
        {"out", required_argument, NULL, O_OUT},
        {"per-id", required_argument, NULL, O_PER_ID},
        {"pose-per-id", required_argument, NULL, O_POSE_PER_ID},
        {"pose-points", required_argument, NULL, O_POSE_POINTS},
        {"eps", required_argument, NULL, O_EPS},
        {"pose-eps", required_argument, NULL, O_POSE_EPS},
        {"seed", required_argument, NULL, O_SEED},
        {"shard", required_argument, NULL, O_SHARD},
        {"shards", required_argument, NULL, O_SHARDS},
        {"format", required_argument, NULL, O_FORMAT},
        {"jpeg-quality", required_argument, NULL, O_JPEG_QUALITY},
        {"png-level", required_argument, NULL, O_PNG_LEVEL},
        CLI_OPT_BATCH,
        CLI_OPT_DEVICE,
        CLI_OPT_THREADS,
        CLI_OPT_PRECISION,
        {"recipe", required_argument, NULL, O_RECIPE},
        {"identities", required_argument, NULL, O_REF_IDS},
        {"measure", required_argument, NULL, O_MEASURE},
        {"filter", required_argument, NULL, O_FILTER},
        {"filter-threshold", required_argument, NULL, O_FILTER_THRESHOLD},
        {"filter-attempts", required_argument, NULL, O_FILTER_ATTEMPTS},
        {"attrop-per-id", required_argument, NULL, O_ATTROP_PER_ID},
        {"attrop-quality", required_argument, NULL, O_ATTROP_QUALITY},
        {"attrop-yaw", required_argument, NULL, O_ATTROP_YAW},
        {"attrop-iterations", required_argument, NULL, O_ATTROP_ITERATIONS},
        {"attrop-retries", required_argument, NULL, O_ATTROP_RETRIES},
        {"pose-order", required_argument, NULL, O_POSE_ORDER},
        {"pose-landmarks", required_argument, NULL, O_POSE_LANDMARKS},
        {"wait-lock", no_argument, NULL, O_WAIT_LOCK},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    uint32_t n;
    uint64_t v;
    int c, rc;

    memset(a, 0, sizeof *a);
    a->per_id = 4;
    a->pose_eps = 0.7f;
    a->jpeg_quality = 95;
    a->png_level = -1;
    a->format = V2F_DATASET_PNG;
    a->attrop_quality = 24.0f;
    a->attrop_iterations = 5;
    a->attrop_retries = 30;
    if ((c = cli_recipe_expand("generate", ":qh", opts, O_RECIPE, &argc,
                               &argv)) != CLI_OK)
        return c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        const char *s = optarg;
        switch (c) {
        case O_IDS: a->ids = s; break;
        case O_OUT: a->out = s; break;
        case O_POSE_POINTS: a->pose_points = s; break;
        case O_PER_ID:
            if (!cli_parse_i32(s, 0, 1000, &a->per_id))
                return U("--per-id '%s': use 0..1000", s);
            break;
        case O_POSE_PER_ID:
            if (!cli_parse_i32(s, 0, 1000, &a->pose_per_id))
                return U("--pose-per-id '%s': use 0..1000", s);
            break;
        case O_EPS:
            if (!cli_parse_eps(s, a->eps, a->shares, MAX_EPS, &a->eps_count,
                               &a->have_shares))
                return U("--eps '%s': use eps[:share],... with values >= 0,"
                         " shares for all or none, at most %d", s, MAX_EPS);
            break;
        case O_POSE_EPS:
            if (!cli_parse_float(s, &a->pose_eps) || a->pose_eps < 0.0f)
                return U("--pose-eps '%s': use a number >= 0", s);
            break;
        case O_SEED:
            if (!cli_parse_u64(s, &a->seed))
                return U("--seed '%s': use an integer 0..2^64-1", s);
            break;
        case O_SHARD:
            if (!cli_parse_shard(s, &a->shard, &n))
                return U("--shard '%s': use K/N with 0 <= K < N", s);
            if (a->shards_flag && a->shards_flag != n)
                return U("--shard %s and --shards %u disagree", s,
                         a->shards_flag);
            a->shards_flag = n;
            a->have_shard = 1;
            break;
        case O_SHARDS:
            if (!cli_parse_u64(s, &v) || v < 1 || v > UINT32_MAX)
                return U("--shards '%s': use a count >= 1", s);
            if (a->shards_flag && a->shards_flag != v)
                return U("--shards %s and --shard disagree", s);
            a->shards_flag = (uint32_t)v;
            break;
        case O_FORMAT:
            if (strcmp(s, "png") == 0)
                a->format = V2F_DATASET_PNG;
            else if (strcmp(s, "jpg") == 0 || strcmp(s, "jpeg") == 0)
                a->format = V2F_DATASET_JPEG;
            else
                return U("--format '%s': use png or jpg", s);
            break;
        case O_JPEG_QUALITY:
            if (!cli_parse_i32(s, 1, 100, &a->jpeg_quality))
                return U("--jpeg-quality '%s': use 1..100", s);
            break;
        case O_PNG_LEVEL:
            if (!cli_parse_i32(s, 0, 9, &a->png_level))
                return U("--png-level '%s': use 0..9", s);
            break;
        case O_RECIPE: break; /* read by cli_recipe_expand */
        case O_REF_IDS: a->ref_ids = s; break;
        case O_MEASURE:
            if (!parse_measure(s, &a->measure))
                return U("--measure '%s': use similarity, quality, yaw "
                         "(comma separated) or all", s);
            break;
        case O_FILTER:
            if (strcmp(s, "drop") == 0)
                a->filter = V2F_DATASET_FILTER_DROP;
            else if (strcmp(s, "regenerate") == 0)
                a->filter = V2F_DATASET_FILTER_REGENERATE;
            else
                return U("--filter '%s': use drop or regenerate", s);
            break;
        case O_FILTER_THRESHOLD:
            if (!cli_parse_float(s, &a->filter_threshold)
                || a->filter_threshold < -1.0f || a->filter_threshold > 1.0f)
                return U("--filter-threshold '%s': use a cosine in [-1, 1]",
                         s);
            a->have_threshold = 1;
            break;
        case O_FILTER_ATTEMPTS:
            if (!cli_parse_i32(s, 1, 100, &a->filter_attempts))
                return U("--filter-attempts '%s': use 1..100", s);
            break;
        case O_ATTROP_PER_ID:
            if (!cli_parse_i32(s, 0, 1000, &a->attrop_per_id))
                return U("--attrop-per-id '%s': use 0..1000", s);
            break;
        case O_ATTROP_QUALITY:
            if (!cli_parse_float(s, &a->attrop_quality)
                || a->attrop_quality < 0.0f)
                return U("--attrop-quality '%s': use a number >= 0", s);
            break;
        case O_ATTROP_YAW:
            if (!cli_parse_floats(s, 0.0f, a->attrop_yaw, MAX_EPS,
                                  &a->attrop_yaw_count))
                return U("--attrop-yaw '%s': use degrees >= 0, comma "
                         "separated, at most %d", s, MAX_EPS);
            break;
        case O_ATTROP_ITERATIONS:
            if (!cli_parse_i32(s, 1, 10000, &a->attrop_iterations))
                return U("--attrop-iterations '%s': use 1..10000", s);
            break;
        case O_ATTROP_RETRIES:
            if (!cli_parse_i32(s, 0, 10000, &a->attrop_retries))
                return U("--attrop-retries '%s': use 0..10000", s);
            break;
        case O_POSE_ORDER:
            if (strcmp(s, "cycle") == 0)
                a->pose_order = V2F_DATASET_POSE_CYCLE;
            else if (strcmp(s, "sample") == 0)
                a->pose_order = V2F_DATASET_POSE_SAMPLE;
            else
                return U("--pose-order '%s': use cycle or sample", s);
            break;
        case O_POSE_LANDMARKS:
            if (a->landmark_count == MAX_LANDMARK_ARGS)
                return U("--pose-landmarks: at most %d (pass a folder)",
                         MAX_LANDMARK_ARGS);
            a->landmarks[a->landmark_count++] = s;
            break;
        case O_WAIT_LOCK: a->wait_lock = 1; break;
        case 'q': a->quiet = 1; break;
        case 'h': fputs(gen_help, stdout); return -1;
        default: /* a model option, else a usage error */
            rc = cli_model_opts_parse(&a->mo, "generate", c, s, argv);
            if (rc != CLI_OK)
                return rc;
            break;
        }
    }
    if (optind < argc)
        return U("unexpected argument '%s'", argv[optind]);
    if (a->ids && a->ref_ids)
        return U("use --ids FILE.npy or --identities DIR, not both");
    if (!a->mo.model || (!a->ids && !a->ref_ids) || !a->out)
        return U("--%s is required", !a->mo.model ? "model"
                                     : !a->out ? "out" : "ids (or --identities)");
    if (a->per_id + a->pose_per_id + a->attrop_per_id < 1)
        return U("--per-id plus --pose-per-id plus --attrop-per-id must be "
                 "at least 1");
    if (a->pose_per_id > 0 && !a->pose_points && a->landmark_count == 0)
        return U("--pose-per-id needs --pose-points or --pose-landmarks");
    if (a->per_id + a->pose_per_id + a->attrop_per_id > 1000)
        return U("at most 1000 images per identity");
    if (a->filter && !a->have_threshold)
        return U("--filter needs --filter-threshold");
    if (!a->filter && (a->have_threshold || a->filter_attempts))
        return U("--filter-threshold and --filter-attempts need --filter");
    return CLI_OK;
}
