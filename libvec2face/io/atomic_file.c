/* Atomic file writes: temp file in the target's directory + rename.
 * No fsync: we promise "no partial file after a failure", not durability
 * across a power cut, and fsync would make batch writes of many small
 * images slow. */
#define _POSIX_C_SOURCE 200809L
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkstemp creates 0600 files; give the result the mode a plain fopen would
 * (0666 & ~umask). umask() cannot be read without setting it, which races
 * with other threads, so read it from /proc and fall back to 022. */
static mode_t current_umask(void)
{
    mode_t mask = 022;
    char line[128];
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return mask;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "Umask:", 6) == 0) {
            mask = (mode_t)strtoul(line + 6, NULL, 8) & 0777;
            break;
        }
    }
    fclose(f);
    return mask;
}

static void release(v2f__atomic_file *af)
{
    free(af->tmp_path);
    free(af->final_path);
    af->tmp_path = NULL;
    af->final_path = NULL;
    af->fp = NULL;
}

v2f_status v2f__atomic_open(v2f__atomic_file *af, const char *path)
{
    const char *slash, *base;
    size_t dir_len, base_len, n;
    int fd, err;

    memset(af, 0, sizeof *af);
    if (!path || !*path)
        return v2f__fail(V2F_E_INVALID_ARG, "empty output path");
    slash = strrchr(path, '/');
    base = slash ? slash + 1 : path;
    if (!*base)
        return v2f__fail(V2F_E_INVALID_ARG,
                         "output path '%s' names a directory", path);
    dir_len = (size_t)(base - path);
    base_len = strlen(base);
    n = dir_len + 1 + base_len + sizeof ".tmpXXXXXX";
    af->tmp_path = malloc(n);
    af->final_path = strdup(path);
    if (!af->tmp_path || !af->final_path) {
        release(af);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for '%s'", path);
    }
    memcpy(af->tmp_path, path, dir_len);
    af->tmp_path[dir_len] = '.';
    memcpy(af->tmp_path + dir_len + 1, base, base_len);
    memcpy(af->tmp_path + dir_len + 1 + base_len, ".tmpXXXXXX",
           sizeof ".tmpXXXXXX");

    fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        err = errno;
        release(af);
        return v2f__fail(V2F_E_IO, "cannot create '%s': %s", path,
                         strerror(err));
    }
    (void)fchmod(fd, 0666 & ~current_umask());
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        err = errno;
        close(fd);
        unlink(af->tmp_path);
        release(af);
        return v2f__fail(V2F_E_IO, "cannot open '%s': %s", path,
                         strerror(err));
    }
    return V2F_OK;
}

char *v2f__atomic_temp_path(const char *path, const char *suffix)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    size_t bl = strlen(path + dl), sl = strlen(suffix);
    char *t = malloc(dl + 1 + bl + sl + 1);
    if (!t)
        return NULL;
    memcpy(t, path, dl);
    t[dl] = '.';
    memcpy(t + dl + 1, path + dl, bl);
    memcpy(t + dl + 1 + bl, suffix, sl + 1);
    return t;
}

v2f_status v2f__atomic_open_named(v2f__atomic_file *af, const char *path,
                                  const char *suffix)
{
    v2f_status st;
    memset(af, 0, sizeof *af);
    if (!path || !*path || path[strlen(path) - 1] == '/')
        return v2f__fail(V2F_E_INVALID_ARG, "bad output path '%s'",
                         path ? path : "");
    af->tmp_path = v2f__atomic_temp_path(path, suffix);
    af->final_path = strdup(path);
    if (!af->tmp_path || !af->final_path) {
        release(af);
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory for '%s'", path);
    }
    af->fp = fopen(af->tmp_path, "wb");
    if (!af->fp) {
        st = v2f__fail(V2F_E_IO, "cannot create '%s': %s", af->tmp_path,
                       strerror(errno));
        release(af);
        return st;
    }
    return V2F_OK;
}

v2f_status v2f__atomic_commit(v2f__atomic_file *af)
{
    int err = 0;
    if (!af->fp)
        return v2f__fail(V2F_E_INTERNAL, "atomic file not open");
    errno = 0;
    if (fflush(af->fp) != 0 || ferror(af->fp))
        err = errno ? errno : EIO;
    if (fclose(af->fp) != 0 && !err)
        err = errno ? errno : EIO;
    af->fp = NULL;
    if (!err && rename(af->tmp_path, af->final_path) != 0)
        err = errno;
    if (err) {
        v2f_status st = v2f__fail(V2F_E_IO, "cannot write '%s': %s",
                                  af->final_path, strerror(err));
        unlink(af->tmp_path);
        release(af);
        return st;
    }
    release(af);
    return V2F_OK;
}

void v2f__atomic_abort(v2f__atomic_file *af)
{
    if (af->fp) {
        fclose(af->fp);
        af->fp = NULL;
    }
    if (af->tmp_path)
        unlink(af->tmp_path);
    release(af);
}
