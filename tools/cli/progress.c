/* Progress on stderr (rate, ETA) when it is a terminal, and Ctrl-C as a
 * request to stop after the current batch. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    static const char msg[] = "\nvec2face: stopping after the current batch"
                              " (press Ctrl-C again to stop at once)\n";
    (void)sig;
    interrupted = 1;
    (void)!write(2, msg, sizeof msg - 1);
}

void cli_catch_interrupt(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* A second signal takes the default action: the files on disk stay
     * consistent either way (atomic renames), only the batch is lost. */
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_interrupted(void)
{
    return interrupted != 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void cli_progress_init(cli_progress *p, int quiet, const char *label)
{
    memset(p, 0, sizeof *p);
    p->show = !quiet && isatty(2);
    p->label = label;
    p->start = now();
}

static void fmt_time(char *buf, size_t size, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

int cli_progress_fn(void *user, uint64_t done, uint64_t total)
{
    cli_progress *p = user;
    if (!p->started) {
        p->started = 1;
        p->first_done = done;
        p->start = now();
    }
    if (p->show) {
        double el = now() - p->start;
        uint64_t made = done - p->first_done;
        double rate = el > 0.0 ? (double)made / el : 0.0;
        char eta[32] = "--:--";
        if (rate > 0.0)
            fmt_time(eta, sizeof eta, (double)(total - done) / rate);
        fprintf(stderr, "\r%s: %llu/%llu images (%3.0f%%)  %.2f img/s  ETA %s"
                "   ", p->label, (unsigned long long)done,
                (unsigned long long)total,
                total ? 100.0 * (double)done / (double)total : 100.0, rate,
                eta);
        fflush(stderr);
    }
    return interrupted != 0;
}

void cli_progress_end(cli_progress *p)
{
    if (p->show && p->started)
        fputc('\n', stderr);
}
