/* vec2face sample-ids: new identity vectors, every pair below a cosine
 * threshold, from a sampler -> float32 .npy [count][dim].
 *
 * Resuming: on Ctrl-C/SIGTERM, or when the candidate limit is reached, the
 * vectors kept so far go to OUT.partial.npy and the place to resume to
 * OUT.partial (text). The same command again continues from there
 * (v2f_sample_opts.resume_*), and the result equals one uninterrupted run.
 * The partial state records a fingerprint of the sampler and seed (its
 * first candidates), the threshold and the exclusion set, and is refused
 * when they differ. Because kept vectors are chosen greedily in candidate
 * order, the first K of a run for any count are the same, so --count may
 * change between runs. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "model_opts.h"
#include "util/fsutil.h"
#include "vec2face/vec2face.h"

static const char help[] =
"Usage: vec2face sample-ids --count N --out FILE.npy [options]\n"
"\n"
"Sample N new identity vectors whose pairwise cosine similarity (and\n"
"similarity to every vector of --exclude) is below --threshold, and write\n"
"them as float32 .npy [N][dim]. Candidates come from a sampler's stream\n"
"keyed by (seed, candidate index) and are kept greedily in order, so the\n"
"result depends only on the sampler, seed, threshold and exclusion set\n"
"(not on threads), and the first K vectors are the same for any N.\n"
"\n"
"Required:\n"
"  -n, --count N         vectors to keep (>= 1)\n"
"  -o, --out FILE.npy    output file (written atomically)\n"
"\n"
"Sampler (default: isotropic):\n"
"  --fit CENTRES.npy     fit a Gaussian (mean, full covariance) to real\n"
"                        identity centres, float32 [n][dim] (see\n"
"                        'vec2face centres')\n"
"  --shrinkage A         with --fit: covariance (1-A) S + A (tr S/dim) I,\n"
"                        A in [0, 1] (default 0; needs n > dim)\n"
"  --sampler FILE.npz    load a sampler saved with --save-sampler\n"
"  --isotropic           uniformly random directions (the default)\n"
"  --dim D               isotropic: vector length (default 512)\n"
"  --norm-mean X         isotropic: mean vector norm (default 1)\n"
"  --norm-std X          isotropic: norm standard deviation (default 0)\n"
"  --save-sampler FILE.npz  also save the sampler used (e.g. after --fit)\n"
"\n"
"Selection:\n"
"  -t, --threshold T     keep a candidate only if its cosine to every kept\n"
"                        and excluded vector is below T, -1 < T <= 1\n"
"                        (default 0.3)\n"
"  -s, --seed S          seed of the candidate stream (default 0)\n"
"  --exclude FILE.npy    vectors to stay away from, float32 [m][dim] (e.g.\n"
"                        the real identities, against identity leakage)\n"
"  --max-candidates C    give up after C candidates in this run (default\n"
"                        1000 N + 100000); what was kept is saved and the\n"
"                        same command continues\n"
"\n"
"Running:\n"
"  --threads T           threads (default 0: all CPUs)\n"
"  -q, --quiet           no progress and no summary\n"
"  -h, --help            this text\n"
"\n"
"Progress (rate, ETA) goes to stderr when it is a terminal; a summary\n"
"(acceptance rate, rejections, time, GFLOP/s) at the end. Ctrl-C or\n"
"SIGTERM saves the vectors kept so far to OUT.partial.npy and the resume\n"
"point to OUT.partial (exit 130); the same command continues and gives\n"
"the same file as an uninterrupted run. A partial state from another\n"
"sampler, seed, threshold or exclusion set is refused.\n"
"Exit status: 0 done, 1 failure, 2 bad arguments, 130 interrupted.\n";

enum {
    O_FIT = 256, O_SHRINKAGE, O_SAMPLER, O_ISOTROPIC, O_DIM, O_NORM_MEAN,
    O_NORM_STD, O_SAVE_SAMPLER, O_EXCLUDE, O_MAX_CANDIDATES
};

typedef struct sample_args {
    const char *out, *fit, *sampler, *save_sampler, *exclude;
    uint64_t count, seed, max_candidates;
    float threshold, shrinkage, norm_mean, norm_std;
    cli_model_opts mo;  /* --threads (no network: the others do not apply) */
    int32_t dim;
    int isotropic, have_shrinkage, have_iso_opts, quiet;
} sample_args;

#define U(...) cli_usage_error("sample-ids", __VA_ARGS__)

static int parse(int argc, char **argv, sample_args *a)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},
        {"out", required_argument, NULL, 'o'},
        {"fit", required_argument, NULL, O_FIT},
        {"shrinkage", required_argument, NULL, O_SHRINKAGE},
        {"sampler", required_argument, NULL, O_SAMPLER},
        {"isotropic", no_argument, NULL, O_ISOTROPIC},
        {"dim", required_argument, NULL, O_DIM},
        {"norm-mean", required_argument, NULL, O_NORM_MEAN},
        {"norm-std", required_argument, NULL, O_NORM_STD},
        {"save-sampler", required_argument, NULL, O_SAVE_SAMPLER},
        {"threshold", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},
        {"exclude", required_argument, NULL, O_EXCLUDE},
        {"max-candidates", required_argument, NULL, O_MAX_CANDIDATES},
        CLI_OPT_THREADS,
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c, rc, sources;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":n:o:t:s:qh", opts, NULL)) != -1) {
        const char *s = optarg;
        switch (c) {
        case 'n':
            if (!cli_parse_u64(s, &a->count) || a->count < 1)
                return U("--count '%s': use an integer >= 1", s);
            break;
        case 'o': a->out = s; break;
        case O_FIT: a->fit = s; break;
        case O_SAMPLER: a->sampler = s; break;
        case O_SAVE_SAMPLER: a->save_sampler = s; break;
        case O_EXCLUDE: a->exclude = s; break;
        case O_ISOTROPIC: a->isotropic = 1; break;
        case O_SHRINKAGE:
            if (!cli_parse_float(s, &a->shrinkage) || a->shrinkage < 0.0f
                || a->shrinkage > 1.0f)
                return U("--shrinkage '%s': use a number in [0, 1]", s);
            a->have_shrinkage = 1;
            break;
        case O_DIM:
            if (!cli_parse_i32(s, 1, 65536, &a->dim))
                return U("--dim '%s': use 1..65536", s);
            a->have_iso_opts = 1;
            break;
        case O_NORM_MEAN:
            if (!cli_parse_float(s, &a->norm_mean) || a->norm_mean <= 0.0f)
                return U("--norm-mean '%s': use a number > 0", s);
            a->have_iso_opts = 1;
            break;
        case O_NORM_STD:
            if (!cli_parse_float(s, &a->norm_std) || a->norm_std < 0.0f)
                return U("--norm-std '%s': use a number >= 0", s);
            a->have_iso_opts = 1;
            break;
        case 't':
            if (!cli_parse_float(s, &a->threshold) || a->threshold <= -1.0f
                || a->threshold > 1.0f)
                return U("--threshold '%s': use -1 < T <= 1", s);
            break;
        case 's':
            if (!cli_parse_u64(s, &a->seed))
                return U("--seed '%s': use an integer 0..2^64-1", s);
            break;
        case O_MAX_CANDIDATES:
            if (!cli_parse_u64(s, &a->max_candidates) || a->max_candidates < 1)
                return U("--max-candidates '%s': use an integer >= 1", s);
            break;
        case 'q': a->quiet = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default: /* a model option, else a usage error */
            rc = cli_model_opts_parse(&a->mo, "sample-ids", c, s, argv);
            if (rc != CLI_OK)
                return rc;
            break;
        }
    }
    if (optind < argc)
        return U("unexpected argument '%s'", argv[optind]);
    if (!a->count || !a->out)
        return U("--%s is required", !a->count ? "count" : "out");
    sources = !!a->fit + !!a->sampler + a->isotropic;
    if (sources > 1)
        return U("use one sampler: --fit, --sampler or --isotropic");
    if (a->have_shrinkage && !a->fit)
        return U("--shrinkage goes with --fit");
    if (a->have_iso_opts && (a->fit || a->sampler))
        return U("--dim, --norm-mean and --norm-std are for the isotropic "
                 "sampler, not --%s", a->fit ? "fit" : "sampler");
    return CLI_OK;
}

static int fail(const char *what)
{
    fprintf(stderr, "vec2face sample-ids: %s%s%s\n", what ? what : "",
            what ? ": " : "", v2f_last_error());
    return CLI_FAILED;
}

static int make_sampler(const sample_args *a, v2f_sampler **s)
{
    if (a->fit) {
        v2f_array *c = NULL;
        v2f_sampler_fit_opts fo;
        v2f_status st;
        if (v2f_npy_read(a->fit, &c) != V2F_OK)
            return fail("--fit");
        v2f_sampler_fit_opts_init(&fo, sizeof fo);
        fo.shrinkage = a->shrinkage;
        st = v2f_sampler_fit(v2f_array_data(c), v2f_array_rows(c),
                             v2f_array_cols(c), &fo, s);
        v2f_array_free(c);
        if (st != V2F_OK) {
            fprintf(stderr, "vec2face sample-ids: --fit %s: %s%s\n", a->fit,
                    v2f_last_error(), a->have_shrinkage ? ""
                    : " (--shrinkage A > 0 makes the covariance positive "
                      "definite)");
            return CLI_FAILED;
        }
    } else if (a->sampler) {
        if (v2f_sampler_load(a->sampler, s) != V2F_OK)
            return fail("--sampler");
    } else if (v2f_sampler_new_isotropic((size_t)a->dim, a->norm_mean,
                                         a->norm_std, s) != V2F_OK) {
        return fail("isotropic sampler");
    }
    if (a->save_sampler && v2f_sampler_save(*s, a->save_sampler) != V2F_OK) {
        v2f_sampler_free(*s);
        *s = NULL;
        return fail("--save-sampler");
    }
    return CLI_OK;
}

/* ---- the partial state next to OUT ---- */

typedef struct partial_key {
    uint64_t sampler; /* fingerprint of (sampler, seed): first candidates */
    uint64_t exclude; /* of the exclusion set's shape and bytes; 0: none */
    float threshold;
    size_t dim;
} partial_key;

static int fingerprint(const v2f_sampler *s, uint64_t seed,
                       const v2f_array *ex, float threshold, partial_key *k)
{
    enum { PROBE = 4 };
    size_t dim = v2f_sampler_dim(s);
    float *probe = malloc(PROBE * dim * sizeof *probe);
    if (!probe)
        return fail("out of memory");
    if (v2f_sampler_candidates(s, seed, 0, PROBE, probe) != V2F_OK) {
        free(probe);
        return fail(NULL);
    }
    k->sampler = v2f__fnv1a(V2F_FNV_INIT, &seed, sizeof seed);
    k->sampler = v2f__fnv1a(k->sampler, probe, PROBE * dim * sizeof *probe);
    free(probe);
    k->exclude = 0;
    if (ex) {
        uint64_t shape[2] = {v2f_array_rows(ex), v2f_array_cols(ex)};
        k->exclude = v2f__fnv1a(V2F_FNV_INIT, shape, sizeof shape);
        k->exclude = v2f__fnv1a(k->exclude, v2f_array_data(ex),
                               shape[0] * shape[1] * sizeof(float));
    }
    k->threshold = threshold;
    k->dim = dim;
    return CLI_OK;
}

/* Read OUT.partial and OUT.partial.npy into out (rows kept) and
 * *candidates. CLI_OK with *kept = 0 when there is none. */
static int partial_load(const char *state, const char *rows,
                        const partial_key *want, uint64_t count, float *out,
                        uint64_t *kept, uint64_t *candidates)
{
    FILE *f = fopen(state, "r");
    unsigned long long ks, ke, k, c;
    unsigned long dim;
    float th;
    v2f_array *a = NULL;
    size_t n;
    *kept = *candidates = 0;
    if (!f)
        return CLI_OK;
    if (fscanf(f, "vec2face sample-ids partial 1\nsampler = %llx\n"
               "exclude = %llx\nthreshold = %f\ndim = %lu\nkept = %llu\n"
               "candidates = %llu\n", &ks, &ke, &th, &dim, &k, &c) != 6) {
        fclose(f);
        fprintf(stderr, "vec2face sample-ids: %s is not a partial state of "
                "sample-ids: remove it (and %s) to start over\n", state,
                rows);
        return CLI_FAILED;
    }
    fclose(f);
    if (ks != want->sampler || ke != want->exclude || th != want->threshold
        || dim != want->dim) {
        fprintf(stderr, "vec2face sample-ids: %s was made with another %s; "
                "use the same options to continue, or remove it and %s to "
                "start over\n", state,
                ks != want->sampler ? "sampler or seed"
                : ke != want->exclude ? "exclusion set" : "threshold", rows);
        return CLI_FAILED;
    }
    if (k == 0) { /* only candidates were spent */
        *candidates = c;
        return CLI_OK;
    }
    if (v2f_npy_read(rows, &a) != V2F_OK)
        return fail("resuming");
    if (v2f_array_rows(a) != k || v2f_array_cols(a) != dim) {
        fprintf(stderr, "vec2face sample-ids: %s has %zu x %zu values; %s "
                "says %llu x %lu\n", rows, v2f_array_rows(a),
                v2f_array_cols(a), state, k, dim);
        v2f_array_free(a);
        return CLI_FAILED;
    }
    /* More kept than now wanted: the first `count` are the answer. */
    n = k < count ? (size_t)k : (size_t)count;
    memcpy(out, v2f_array_data(a), n * dim * sizeof *out);
    v2f_array_free(a);
    *kept = n;
    *candidates = k <= count ? c : 0;
    return CLI_OK;
}

static int partial_save(const char *state, const char *rows,
                        const partial_key *key, const float *out,
                        uint64_t kept, uint64_t candidates)
{
    char *tmp = malloc(strlen(state) + 8);
    FILE *f;
    int ok;
    if (!tmp)
        return fail("out of memory");
    if (kept > 0 && v2f_npy_write(rows, out, (size_t)kept, key->dim)
                        != V2F_OK) {
        free(tmp);
        return fail("saving the partial state");
    }
    sprintf(tmp, "%s.tmp", state);
    f = fopen(tmp, "w");
    ok = f != NULL;
    if (f) {
        fprintf(f, "vec2face sample-ids partial 1\nsampler = %016llx\n"
                "exclude = %016llx\nthreshold = %.9g\ndim = %lu\nkept = %llu\n"
                "candidates = %llu\n", (unsigned long long)key->sampler,
                (unsigned long long)key->exclude, (double)key->threshold,
                (unsigned long)key->dim, (unsigned long long)kept,
                (unsigned long long)candidates);
        ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
        ok = fclose(f) == 0 && ok;
    }
    if (!ok || rename(tmp, state) != 0) {
        fprintf(stderr, "vec2face sample-ids: cannot write %s: %s\n", state,
                strerror(errno));
        unlink(tmp);
        free(tmp);
        return CLI_FAILED;
    }
    free(tmp);
    return CLI_OK;
}

/* ---- progress in vectors ---- */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct vec_progress {
    int show;
    double start;
    uint64_t first;
    int started;
} vec_progress;

static int progress_fn(void *user, uint64_t done, uint64_t total)
{
    vec_progress *p = user;
    if (!p->started) {
        p->started = 1;
        p->first = done;
        p->start = now();
    }
    if (p->show) {
        double el = now() - p->start;
        double rate = el > 0.0 ? (double)(done - p->first) / el : 0.0;
        long eta = rate > 0.0 ? (long)((double)(total - done) / rate + 0.5)
                              : -1;
        fprintf(stderr, "\rsample-ids: %llu/%llu vectors kept (%3.0f%%)  "
                "%.1f/s  ETA ", (unsigned long long)done,
                (unsigned long long)total,
                total ? 100.0 * (double)done / (double)total : 100.0, rate);
        if (eta < 0)
            fprintf(stderr, "--:--   ");
        else
            fprintf(stderr, "%ld:%02ld:%02ld   ", eta / 3600, eta / 60 % 60,
                    eta % 60);
        fflush(stderr);
    }
    return cli_interrupted();
}

static void summary(const v2f_sample_stats *s, uint64_t resumed_from,
                    const char *out)
{
    uint64_t tested = s->rejected_similar + s->rejected_excluded
                      + s->rejected_invalid + (s->kept - resumed_from);
    fprintf(stderr, "vec2face: %llu vectors -> %s\n"
            "  candidates %llu in all; this run: %llu tested, %llu kept "
            "(acceptance %.2f%%), rejected %llu too similar, %llu near the "
            "exclusion set, %llu invalid\n"
            "  %llu cosines in %.2f s (%.2f GFLOP/s)\n",
            (unsigned long long)s->kept, out,
            (unsigned long long)s->candidates, (unsigned long long)tested,
            (unsigned long long)(s->kept - resumed_from),
            tested ? 100.0 * (double)(s->kept - resumed_from)
                         / (double)tested : 0.0,
            (unsigned long long)s->rejected_similar,
            (unsigned long long)s->rejected_excluded,
            (unsigned long long)s->rejected_invalid,
            (unsigned long long)s->comparisons, s->seconds, s->gflops);
}

int cmd_sample_ids(int argc, char **argv)
{
    sample_args a;
    v2f_sampler *s = NULL;
    v2f_array *ex = NULL;
    v2f_sample_opts so;
    v2f_sample_stats stats;
    partial_key key = {0, 0, 0.0f, 0};
    vec_progress prog;
    char *state = NULL, *rows = NULL;
    float *out = NULL;
    uint64_t kept = 0, cand = 0;
    size_t dim;
    v2f_status st;
    int rc;

    memset(&a, 0, sizeof a);
    a.threshold = 0.3f;
    a.dim = V2F_VECTOR_DIM;
    a.norm_mean = 1.0f;
    rc = parse(argc, argv, &a);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    /* From here Ctrl-C means: stop at the next block and save. */
    cli_catch_interrupt();
    if ((rc = make_sampler(&a, &s)) != CLI_OK)
        return rc;
    rc = CLI_FAILED;
    dim = v2f_sampler_dim(s);
    if (a.exclude) {
        if (v2f_npy_read(a.exclude, &ex) != V2F_OK) {
            fail("--exclude");
            goto out;
        }
        if (v2f_array_cols(ex) != dim) {
            fprintf(stderr, "vec2face sample-ids: --exclude %s has %zu values"
                    " per row; the sampler's vectors have %zu\n", a.exclude,
                    v2f_array_cols(ex), dim);
            goto out;
        }
    }
    if (a.count > (uint64_t)SIZE_MAX / sizeof(float) / dim
        || !(out = malloc((size_t)a.count * dim * sizeof *out))) {
        fprintf(stderr, "vec2face sample-ids: --count %llu x %zu floats do "
                "not fit in memory\n", (unsigned long long)a.count, dim);
        goto out;
    }
    state = malloc(strlen(a.out) + 16);
    rows = malloc(strlen(a.out) + 16);
    if (!state || !rows) {
        fail("out of memory");
        goto out;
    }
    sprintf(state, "%s.partial", a.out);
    sprintf(rows, "%s.partial.npy", a.out);
    if (fingerprint(s, a.seed, ex, a.threshold, &key) != CLI_OK)
        goto out;
    if (partial_load(state, rows, &key, a.count, out, &kept, &cand) != CLI_OK)
        goto out;
    if (kept && !a.quiet)
        fprintf(stderr, "vec2face: resuming from %s: %llu vectors kept, "
                "next candidate %llu\n", state, (unsigned long long)kept,
                (unsigned long long)cand);

    memset(&stats, 0, sizeof stats);
    stats.struct_size = sizeof stats;
    stats.kept = kept;
    stats.candidates = cand;
    if (kept < a.count) {
        v2f_sample_opts_init(&so, sizeof so);
        so.seed = a.seed;
        so.max_similarity = a.threshold;
        so.threads = a.mo.threads;
        if (ex) {
            so.exclude = v2f_array_data(ex);
            so.exclude_rows = v2f_array_rows(ex);
            so.exclude_dim = v2f_array_cols(ex);
        }
        so.resume_kept = kept;
        so.resume_candidates = cand;
        so.max_candidates = a.max_candidates;
        memset(&prog, 0, sizeof prog);
        prog.show = !a.quiet && isatty(2);
        so.progress = progress_fn;
        so.progress_user = &prog;
        st = v2f_sample_identities(s, (size_t)a.count, &so, out, &stats);
        if (prog.show && prog.started)
            fputc('\n', stderr);
        if (st != V2F_OK) {
            /* Cancelled or out of candidates: stats say what is valid. */
            int resumable = st == V2F_E_CANCELLED
                            || stats.candidates > cand;
            if (st != V2F_E_CANCELLED)
                fail(NULL);
            if (resumable) {
                if (partial_save(state, rows, &key, out, stats.kept,
                                 stats.candidates) != CLI_OK)
                    goto out;
                fprintf(stderr, "vec2face sample-ids: %s; %llu of %llu "
                        "vectors kept, saved to %s: run the same command to "
                        "continue\n", st == V2F_E_CANCELLED ? "interrupted"
                        : "stopped", (unsigned long long)stats.kept,
                        (unsigned long long)a.count, rows);
            }
            rc = st == V2F_E_CANCELLED ? CLI_INTERRUPTED : CLI_FAILED;
            goto out;
        }
    }
    if (v2f_npy_write(a.out, out, (size_t)a.count, dim) != V2F_OK) {
        fail(NULL);
        goto out;
    }
    /* The answer is complete: the partial state is spent. */
    unlink(rows);
    unlink(state);
    if (!a.quiet)
        summary(&stats, kept, a.out);
    rc = CLI_OK;
out:
    free(out);
    free(state);
    free(rows);
    v2f_array_free(ex);
    v2f_sampler_free(s);
    return rc;
}
