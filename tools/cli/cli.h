/* The `vec2face` command: shared declarations of its subcommands. */
#ifndef V2F_CLI_H
#define V2F_CLI_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses. */
enum {
    CLI_OK = 0,
    CLI_FAILED = 1,       /* the library reported an error */
    CLI_USAGE = 2,        /* bad arguments */
    CLI_INTERRUPTED = 130 /* Ctrl-C: stopped after a batch, resumable */
};

int cmd_generate(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_sample_ids(int argc, char **argv);
int cmd_centres(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/* args.c: strict number and list parsers (1 on success). */
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_i32(const char *s, int32_t lo, int32_t hi, int32_t *out);
int cli_parse_float(const char *s, float *out);
/* "K/N" with 0 <= K < N. */
int cli_parse_shard(const char *s, uint32_t *k, uint32_t *n);
/* "e1[:s1],e2[:s2],..." into eps/shares (at most cap); *have_shares is 1
 * when shares were given (then for every value). */
int cli_parse_eps(const char *s, float *eps, float *shares, int32_t cap,
                  int32_t *count, int *have_shares);
/* "v1,v2,..." of finite numbers >= lo into out (at most cap). */
int cli_parse_floats(const char *s, float lo, float *out, int32_t cap,
                     int32_t *count);

/* The usage error for getopt_long's ':' (argv[optind - 1] lacks its
 * value) or any other unhandled return (an unknown option), after
 * cli_recipe_blame. */
int cli_getopt_error(const char *sub, int c, char **argv);
/* The one operand, a dataset folder, of verify and report: argv[optind]
 * into *dir, else a usage error. */
int cli_one_folder(const char *sub, int argc, char **argv, const char **dir);

/* Print "vec2face <sub>: <message>" and a hint to --help; returns
 * CLI_USAGE. */
int cli_usage_error(const char *sub, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* progress.c: a progress line on stderr (only on a terminal and not
 * quiet) and the Ctrl-C flag that makes the callback cancel. */
typedef struct cli_progress {
    int show;
    double start;
    uint64_t first_done;  /* done at the first call (resumed work) */
    int started;
    const char *label;
} cli_progress;

void cli_progress_init(cli_progress *p, int quiet, const char *label);
int cli_progress_fn(void *user, uint64_t done, uint64_t total);
void cli_progress_end(cli_progress *p);
/* Install the SIGINT/SIGTERM handler; cli_interrupted() says whether one
 * came. */
void cli_catch_interrupt(void);
int cli_interrupted(void);

/* recipe_file.c: --recipe FILE (`key = value` lines, keys = long option
 * names). Finds the option whose val is recipe_val in *argv (a getopt_long
 * pass over a copy), and when present replaces argc and argv by argv[0], one
 * "--key=value" per line of FILE, then the real arguments, so the caller's
 * own parser checks the values and the command line overrides the file.
 * Unknown keys and malformed lines are usage errors naming FILE:LINE. */
struct option;
int cli_recipe_expand(const char *sub, const char *shortopts,
                      const struct option *opts, int recipe_val, int *argc,
                      char ***argv);
/* Before a usage error about the expanded argv[index]: when that entry
 * came from the recipe file, print which line and key. */
void cli_recipe_blame(int index);

/* ref_identities.c: generate --identities DIR: the ArcFace identity
 * vectors of reference images (one identity per image, or per subfolder:
 * the mean) written to OUT/identities.npy (+ identities.txt names,
 * identities.src fingerprint of DIR; reused when DIR is unchanged, refused
 * when it changed). *ids_path receives OUT/identities.npy (malloc'ed). */
typedef struct v2f_model v2f_model;
int cli_ref_identities(const v2f_model *model, const char *dir,
                       const char *out_dir, int quiet, char **ids_path);

/* Names listed by util/fsutil.h's v2f__list_dir (the library's order). */
typedef struct cli_names {
    char **v;
    size_t n;
} cli_names;
void cli_names_free(cli_names *l);
/* Write lines (one a line) to path atomically (io/atomic_file.h: a
 * temporary file of this process, then rename). */
int cli_write_lines(const char *path, char *const *lines, size_t n);

#endif
