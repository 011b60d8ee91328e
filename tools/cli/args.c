/* Strict parsers for command-line values: the whole string must be a
 * number in range, else the caller reports a usage error. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vec2face%s%s: ", sub ? " " : "", sub ? sub : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'vec2face%s%s --help'.\n", sub ? " " : "",
            sub ? sub : "");
    return CLI_USAGE;
}

int cli_getopt_error(const char *sub, int c, char **argv)
{
    cli_recipe_blame(optind - 1);
    if (c == ':')
        return cli_usage_error(sub, "%s needs a value", argv[optind - 1]);
    return cli_usage_error(sub, "unknown option '%s'", argv[optind - 1]);
}

int cli_one_folder(const char *sub, int argc, char **argv, const char **dir)
{
    if (optind != argc - 1)
        return cli_usage_error(sub, optind == argc
                               ? "the dataset folder is missing"
                               : "one dataset folder, please");
    *dir = argv[optind];
    return CLI_OK;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return *end == '\0' && errno == 0;
}

int cli_parse_i32(const char *s, int32_t lo, int32_t hi, int32_t *out)
{
    char *end;
    long v;
    if (!s || !*s)
        return 0;
    errno = 0;
    v = strtol(s, &end, 10);
    if (*end != '\0' || errno != 0 || v < lo || v > hi)
        return 0;
    *out = (int32_t)v;
    return 1;
}

int cli_parse_float(const char *s, float *out)
{
    char *end;
    if (!s || !*s)
        return 0;
    errno = 0;
    *out = strtof(s, &end);
    return *end == '\0' && errno == 0 && isfinite(*out);
}

int cli_parse_shard(const char *s, uint32_t *k, uint32_t *n)
{
    char buf[64], *slash;
    uint64_t a, b;
    if (!s || strlen(s) >= sizeof buf)
        return 0;
    strcpy(buf, s);
    slash = strchr(buf, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    if (!cli_parse_u64(buf, &a) || !cli_parse_u64(slash + 1, &b) || b < 1
        || b > UINT32_MAX || a >= b)
        return 0;
    *k = (uint32_t)a;
    *n = (uint32_t)b;
    return 1;
}

int cli_parse_eps(const char *s, float *eps, float *shares, int32_t cap,
                  int32_t *count, int *have_shares)
{
    char *copy, *item, *save = NULL, *colon;
    int32_t n = 0, with = 0;
    int ok = 1;
    if (!s || !*s)
        return 0;
    copy = strdup(s);
    if (!copy)
        return 0;
    for (item = strtok_r(copy, ",", &save); item && ok;
         item = strtok_r(NULL, ",", &save)) {
        if (n == cap) {
            ok = 0;
            break;
        }
        colon = strchr(item, ':');
        if (colon) {
            *colon = '\0';
            with++;
            ok = cli_parse_float(colon + 1, &shares[n]) && shares[n] >= 0.0f;
        } else {
            shares[n] = 1.0f;
        }
        ok = ok && cli_parse_float(item, &eps[n]) && eps[n] >= 0.0f;
        n++;
    }
    free(copy);
    if (!ok || n == 0 || (with != 0 && with != n))
        return 0;
    *count = n;
    *have_shares = with != 0;
    return 1;
}

int cli_parse_floats(const char *s, float lo, float *out, int32_t cap,
                     int32_t *count)
{
    char *copy, *item, *save = NULL;
    int32_t n = 0;
    int ok = 1;
    if (!s || !*s || s[strlen(s) - 1] == ',')
        return 0;
    copy = strdup(s);
    if (!copy)
        return 0;
    for (item = strtok_r(copy, ",", &save); item && ok;
         item = strtok_r(NULL, ",", &save)) {
        ok = n < cap && cli_parse_float(item, &out[n]) && out[n] >= lo;
        n++;
    }
    free(copy);
    if (!ok || n == 0)
        return 0;
    *count = n;
    return 1;
}
