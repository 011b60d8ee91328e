/* LD_PRELOAD fault injection for the dataset tests, where no small tmpfs
 * can be mounted (no root, no mount namespace):
 *
 *   V2F_FAULT_DIR=PATH           only files under PATH are affected
 *   V2F_FAULT_ENOSPC_AFTER=N     writes to them fail with ENOSPC once N
 *                                bytes in all have been written (a write
 *                                across the limit writes what fits, as a
 *                                full file system does)
 *   V2F_FAULT_FLOCK_ERRNO=E      flock() fails with errno E (e.g. 38,
 *                                ENOSYS: Lustre without -o flock)
 *   V2F_FAULT_DELAY_MS=M         each write()/pwrite() to them first
 *                                sleeps M ms (a slow disk: the manifest
 *                                append of every batch), so that a run
 *                                lasts long enough, whatever the CPU, for
 *                                a second process to meet it
 *
 * write() and pwrite() are what the manifest writer and vec2face merge
 * call; fwrite() is what libpng and libjpeg call (stdio's own flushes go
 * through glibc's internal write, which cannot be interposed, so bytes are
 * counted and refused at fwrite). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static long long budget = -1;   /* bytes left; -1: no limit */
static const char *dir;
static size_t dir_len;
static int flock_errno;
static long delay_ms;
static int ready;

static void init(void)
{
    const char *s;
    if (ready)
        return;
    dir = getenv("V2F_FAULT_DIR");
    dir_len = dir ? strlen(dir) : 0;
    if ((s = getenv("V2F_FAULT_ENOSPC_AFTER")) && *s)
        budget = atoll(s);
    if ((s = getenv("V2F_FAULT_FLOCK_ERRNO")) && *s)
        flock_errno = atoi(s);
    if ((s = getenv("V2F_FAULT_DELAY_MS")) && *s)
        delay_ms = atol(s);
    ready = 1;
}

/* Whether fd is a file under dir. */
static int watched(int fd)
{
    char link[64], path[4096];
    ssize_t n;
    if (!dir)
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    return strncmp(path, dir, dir_len) == 0
           && (path[dir_len] == '/' || path[dir_len] == '\0');
}

/* How many of n bytes may go to fd now (0 with errno ENOSPC: none). */
static size_t allow(int fd, size_t n)
{
    long long left, take;
    init();
    if (n == 0 || budget < 0 || !watched(fd))
        return n;
    do {
        left = __atomic_load_n(&budget, __ATOMIC_SEQ_CST);
        take = left < (long long)n ? left : (long long)n;
    } while (take > 0
             && !__atomic_compare_exchange_n(&budget, &left, left - take, 0,
                                             __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST));
    if (take <= 0)
        errno = ENOSPC;
    return take > 0 ? (size_t)take : 0;
}

static void slow(int fd)
{
    struct timespec ts;
    init();
    if (delay_ms <= 0 || !watched(fd))
        return;
    ts.tv_sec = delay_ms / 1000;
    ts.tv_nsec = (delay_ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    size_t k;
    if (!real)
        real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
                                                             "write");
    slow(fd);
    k = allow(fd, n);
    if (n > 0 && k == 0)
        return -1;
    return real(fd, buf, k);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    size_t k;
    if (!real)
        real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(
            RTLD_NEXT, "pwrite");
    slow(fd);
    k = allow(fd, n);
    if (n > 0 && k == 0)
        return -1;
    return real(fd, buf, k, off);
}

size_t fwrite(const void *buf, size_t size, size_t count, FILE *fp)
{
    static size_t (*real)(const void *, size_t, size_t, FILE *);
    size_t bytes, k;
    if (!real)
        real = (size_t (*)(const void *, size_t, size_t, FILE *))dlsym(
            RTLD_NEXT, "fwrite");
    if (size == 0 || count == 0)
        return real(buf, size, count, fp);
    bytes = size * count;
    k = allow(fileno(fp), bytes);
    if (k < bytes) {
        size_t items = k / size, done = items ? real(buf, size, items, fp) : 0;
        errno = ENOSPC;
        return done;
    }
    return real(buf, size, count, fp);
}

int flock(int fd, int op)
{
    static int (*real)(int, int);
    if (!real)
        real = (int (*)(int, int))dlsym(RTLD_NEXT, "flock");
    init();
    if (flock_errno) {
        errno = flock_errno;
        return -1;
    }
    return real(fd, op);
}
