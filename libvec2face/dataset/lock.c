/* The shard lock: one job at a time makes a shard of a dataset folder.
 *
 * An exclusive flock() on <out>/.shard-<K>-of-<N>.lock, taken by
 * v2f_dataset_job_run before it reads the manifest part and released when
 * it returns; the kernel releases it when the process dies, SIGKILL
 * included, so a stale lock cannot outlive its holder (on a local file
 * system; NFS: see the header). flock locks belong to an open file
 * description: two jobs of one process exclude each other as two
 * processes do. flock, not fcntl: fcntl locks are per process, and closing
 * any descriptor of the file (e.g. another job's) would drop them.
 *
 * The file is never removed: a process that has it open and is about to
 * lock it would then lock a deleted file while a third one creates and
 * locks a new one, and both would go on. Its content ("pid P\nhost H\n
 * since T\n") only feeds the busy message. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "dataset.h"

#define POLL_NS 100000000L   /* 0.1 s between tries while waiting */

/* Whether errno says that the file system does not do flock at all (as
 * opposed to "held"): Lustre without -o flock (ENOSYS), NFS mounted
 * nolock (ENOLCK), FUSE and other file systems (EOPNOTSUPP, EINVAL). */
static int no_flock(int e)
{
    return e == ENOLCK || e == ENOSYS || e == EOPNOTSUPP || e == EINVAL
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
           || e == ENOTSUP
#endif
        ;
}

/* " (pid P on host H since T)" from the holder's lock file, "" when it
 * has not written it yet (or at all). */
static void holder_of(int fd, char *out, size_t size)
{
    char text[512], pid[32] = "", host[256] = "", since[64] = "";
    char *line, *save = NULL;
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    out[0] = '\0';
    if (n <= 0)
        return;
    text[n] = '\0';
    for (line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "pid ", 4) == 0)
            snprintf(pid, sizeof pid, "%s", line + 4);
        else if (strncmp(line, "host ", 5) == 0)
            snprintf(host, sizeof host, "%s", line + 5);
        else if (strncmp(line, "since ", 6) == 0)
            snprintf(since, sizeof since, "%s", line + 6);
    }
    if (pid[0])
        snprintf(out, size, " (pid %s%s%s%s%s)", pid, host[0] ? " on host " : "",
                 host, since[0] ? " since " : "", since);
}

/* Our pid, host and start time into the lock file. Best effort: they
 * only help the message of a process that finds the lock held, so a full
 * disk is no reason to stop here. */
static void write_holder(int fd)
{
    char host[256], when[32] = "?", text[400];
    time_t t = time(NULL);
    struct tm tm;
    int n;
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    n = snprintf(text, sizeof text, "pid %ld\nhost %s\nsince %s\n",
                 (long)getpid(), host, when);
    if (n > 0 && (size_t)n < sizeof text
        && pwrite(fd, text, (size_t)n, 0) == (ssize_t)n)
        (void)!ftruncate(fd, n);   /* a longer old content goes */
}

v2f_status v2f__ds_lock_take(const char *path, const char *what, int wait,
                             v2f_progress_fn progress, void *user, int *out)
{
    char who[400];
    int fd, e, told = 0;
    *out = -1;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return v2f__fail(V2F_E_IO, "dataset: cannot open the lock file of "
                         "%s, '%s': %s", what, path, strerror(errno));
    for (;;) {
        struct timespec ts = {0, POLL_NS};
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            write_holder(fd);
            *out = fd;
            return V2F_OK;
        }
        e = errno;
        if (e == EINTR)
            continue;
        if (e != EWOULDBLOCK && e != EAGAIN) {
            close(fd);
            if (no_flock(e)) {
                v2f__log(V2F_LOG_WARN, "dataset: cannot lock '%s' (%s): the "
                         "file system does not support flock; %s runs "
                         "without its lock, so make sure no other process "
                         "makes it at the same time", path, strerror(e),
                         what);
                return V2F_OK;
            }
            return v2f__fail(V2F_E_IO, "dataset: cannot lock '%s' (the lock "
                             "of %s): %s", path, what, strerror(e));
        }
        holder_of(fd, who, sizeof who);
        if (!wait) {
            close(fd);
            return v2f__fail(V2F_E_BUSY, "dataset: %s is being made by "
                             "another process or job%s: its lock '%s' is "
                             "held. Nothing was written; run again when it "
                             "has finished (it resumes), or wait for it "
                             "(wait_lock)", what, who, path);
        }
        if (!told) {
            v2f__log(V2F_LOG_WARN, "dataset: %s is being made by another "
                     "process or job%s; waiting for its lock '%s'", what, who,
                     path);
            told = 1;
        }
        if (progress && progress(user, 0, 0)) {
            close(fd);
            return v2f__fail(V2F_E_CANCELLED, "dataset: cancelled while "
                             "waiting for the lock '%s' of %s, held by "
                             "another process or job%s; nothing was "
                             "written", path, what, who);
        }
        nanosleep(&ts, NULL);   /* a signal cuts it short: then progress
                                   is asked at once */
    }
}

void v2f__ds_lock_release(int fd)
{
    if (fd >= 0)
        close(fd);   /* drops the flock (the only descriptor of it) */
}
