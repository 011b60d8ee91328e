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

#endif
