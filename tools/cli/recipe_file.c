/* --recipe FILE: options of a subcommand kept in a file for reuse.
 *
 * Format: one `key = value` a line; key is the long option's name without
 * the dashes (per-id, eps, seed, ...); value is the rest of the line with
 * blanks at both ends removed (no quoting). Blank lines and lines whose
 * first non-blank character is '#' are ignored. Options without a value
 * take true/false (yes/no, on/off, 1/0). A key may appear once.
 *
 * The file becomes "--key=value" entries placed before the real arguments
 * and parsed by the subcommand's own getopt_long loop, so every value is
 * checked exactly as on the command line and a flag given on the command
 * line overrides the file (the later value wins). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The expanded argument vector and where its file entries came from; it
 * lives until the process exits (the parsed options point into it). */
static struct {
    const char *path;
    int first_real;   /* entries [1, first_real) came from the file */
    int *line;        /* line[i] for those entries */
    char **key;
    char **argv;      /* the expanded vector */
} origin;

static char *trim(char *s)
{
    char *e;
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int parse_bool(const char *s, int *v)
{
    static const char *yes[] = {"true", "yes", "on", "1"};
    static const char *no[] = {"false", "no", "off", "0"};
    size_t i;
    for (i = 0; i < 4; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *v = 1;
            return 1;
        }
        if (strcmp(s, no[i]) == 0) {
            *v = 0;
            return 1;
        }
    }
    return 0;
}

/* The path given with the recipe option in argv, found by a getopt_long
 * pass over a copy (so abbreviations and --recipe=FILE work as usual). */
static int find_recipe(const char *sub, const char *shortopts,
                       const struct option *opts, int recipe_val, int argc,
                       char **argv, const char **path)
{
    char **copy = malloc(((size_t)argc + 1) * sizeof *copy);
    int c, rc = CLI_OK;
    *path = NULL;
    if (!copy) {
        fprintf(stderr, "vec2face %s: out of memory\n", sub);
        return CLI_FAILED;
    }
    memcpy(copy, argv, ((size_t)argc + 1) * sizeof *copy);
    opterr = 0;
    optind = 0; /* glibc: start a fresh scan */
    while ((c = getopt_long(argc, copy, shortopts, opts, NULL)) != -1) {
        if (c != recipe_val)
            continue;
        if (*path && rc == CLI_OK)
            rc = cli_usage_error(sub, "--recipe is given twice ('%s' and "
                                 "'%s'); use one file", *path, optarg);
        *path = optarg;
    }
    optind = 0;
    free(copy);
    return rc;
}

int cli_recipe_expand(const char *sub, const char *shortopts,
                      const struct option *opts, int recipe_val, int *argc,
                      char ***argv)
{
    const char *path;
    FILE *f;
    char *buf = NULL, **out = NULL;
    size_t cap = 0, n_out = 0, out_cap = 0;
    int lineno = 0, rc, i;

    rc = find_recipe(sub, shortopts, opts, recipe_val, *argc, *argv, &path);
    if (rc != CLI_OK || !path)
        return rc;
    f = fopen(path, "r");
    if (!f)
        return cli_usage_error(sub, "--recipe %s: %s", path, strerror(errno));
    origin.path = path;
    rc = CLI_OK;
    while (rc == CLI_OK && getline(&buf, &cap, f) != -1) {
        const struct option *o;
        char *line, *eq, *key, *val, *entry;
        int on = 1;
        lineno++;
        line = trim(buf);
        if (!*line || *line == '#')
            continue;
        eq = strchr(line, '=');
        if (!eq) {
            rc = cli_usage_error(sub, "%s:%d: '%s' is not 'key = value'",
                                 path, lineno, line);
            break;
        }
        *eq = '\0';
        key = trim(line);
        val = trim(eq + 1);
        for (o = opts; o->name; o++)
            if (strcmp(o->name, key) == 0)
                break;
        if (!o->name || o->val == recipe_val || strcmp(key, "help") == 0) {
            rc = cli_usage_error(sub, "%s:%d: unknown key '%s' (keys are the"
                                 " long options of 'vec2face %s' without "
                                 "dashes, e.g. 'seed = 1'%s)", path, lineno,
                                 key, sub, o->name ? "; not help or recipe"
                                                   : "");
            break;
        }
        for (i = 0; i < (int)n_out; i++)
            if (strcmp(origin.key[i + 1], key) == 0)
                break;
        if (i < (int)n_out) {
            rc = cli_usage_error(sub, "%s:%d: key '%s' is already set on "
                                 "line %d", path, lineno, key,
                                 origin.line[i + 1]);
            break;
        }
        if (o->has_arg == no_argument && !parse_bool(val, &on)) {
            rc = cli_usage_error(sub, "%s:%d: %s = '%s': use true or false",
                                 path, lineno, key, val);
            break;
        }
        /* Room for entry n_out + 1 (argv[0] is entry 0). */
        if (n_out + 2 > out_cap) {
            size_t nc = out_cap ? out_cap * 2 : 16;
            char **no = realloc(out, nc * sizeof *no);
            int *nl = realloc(origin.line, nc * sizeof *nl);
            char **nk = nl ? realloc(origin.key, nc * sizeof *nk) : NULL;
            if (no)
                out = no;
            if (nl)
                origin.line = nl;
            if (nk)
                origin.key = nk;
            if (!no || !nl || !nk) {
                rc = CLI_FAILED;
                break;
            }
            out_cap = nc;
        }
        entry = malloc(strlen(key) + strlen(val) + 4);
        origin.key[n_out + 1] = strdup(key);
        if (!entry || !origin.key[n_out + 1]) {
            free(entry);
            rc = CLI_FAILED;
            break;
        }
        if (o->has_arg == no_argument)
            sprintf(entry, "--%s", key);
        else
            sprintf(entry, "--%s=%s", key, val);
        origin.line[n_out + 1] = lineno;
        out[n_out + 1] = entry;
        n_out++;
        if (!on) { /* "quiet = false": known and checked, but not set */
            free(entry);
            free(origin.key[n_out]);
            n_out--;
        }
    }
    if (rc == CLI_OK && ferror(f))
        rc = cli_usage_error(sub, "--recipe %s: read error", path);
    fclose(f);
    free(buf);
    if (rc == CLI_FAILED)
        fprintf(stderr, "vec2face %s: out of memory reading %s\n", sub, path);
    if (rc != CLI_OK)
        return rc;
    /* argv[0], the file's entries, then the real arguments after argv[0]. */
    {
        char **all = malloc(((size_t)*argc + n_out + 1) * sizeof *all);
        if (!all) {
            fprintf(stderr, "vec2face %s: out of memory\n", sub);
            return CLI_FAILED;
        }
        all[0] = (*argv)[0];
        for (i = 0; i < (int)n_out; i++)
            all[i + 1] = out[i + 1];
        for (i = 1; i <= *argc; i++) /* includes the final NULL */
            all[(int)n_out + i] = (*argv)[i];
        origin.first_real = (int)n_out + 1;
        origin.argv = all;
        *argc += (int)n_out;
        *argv = all;
    }
    free(out);
    return CLI_OK;
}

void cli_recipe_blame(int index)
{
    if (origin.path && index >= 1 && index < origin.first_real)
        fprintf(stderr, "vec2face: in %s:%d (key '%s'):\n", origin.path,
                origin.line[index], origin.key[index]);
}
