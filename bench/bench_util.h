/* Helpers shared by the bench programs (header only: each is one .c). */
#ifndef V2F_BENCH_UTIL_H
#define V2F_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <vec2face/vec2face.h>

/* Monotonic seconds. */
static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Peak resident set of this process so far, MiB. */
static inline double bench_peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* Median of n values (sorts them). */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* "fp32" | "bf16" | "fp16" -> v2f_precision; -1 for anything else. */
static inline int bench_precision(const char *s)
{
    if (!strcmp(s, "fp32")) return V2F_PRECISION_FP32;
    if (!strcmp(s, "bf16")) return V2F_PRECISION_BF16;
    if (!strcmp(s, "fp16")) return V2F_PRECISION_FP16;
    return -1;
}
static inline const char *bench_precision_name(int p)
{
    return p == V2F_PRECISION_BF16 ? "bf16" : p == V2F_PRECISION_FP16 ? "fp16" : "fp32";
}

/* The options both bench programs take. */
typedef struct bench_args {
    long batch, batches, threads;
    int precision;
} bench_args;

/* Consume argv[*i] (and its value) when it is --batch, --batches,
 * --threads or --precision: 1 when consumed, 0 when not one of these, -1
 * (with a message) for a bad precision. */
static inline int bench_common_arg(int argc, char **argv, int *i, bench_args *a)
{
    const char *o = argv[*i];
    if (*i + 1 >= argc) return 0;
    if (!strcmp(o, "--batch")) a->batch = strtol(argv[++*i], NULL, 10);
    else if (!strcmp(o, "--batches")) a->batches = strtol(argv[++*i], NULL, 10);
    else if (!strcmp(o, "--threads")) a->threads = strtol(argv[++*i], NULL, 10);
    else if (!strcmp(o, "--precision")) {
        const char *p = argv[++*i];
        if ((a->precision = bench_precision(p)) < 0) {
            fprintf(stderr, "--precision %s: expected fp32, bf16 or fp16\n", p);
            return -1;
        }
    } else
        return 0;
    return 1;
}

#endif
