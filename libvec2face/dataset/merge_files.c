/* The file operations of v2f_dataset_merge: byte comparison, writes and
 * hard links through merge's temporary name, then rename. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/atomic_file.h"
#include "merge.h"

v2f_status v2f__ds_merge_slurp(const char *path, char **out, size_t *len,
                               int *missing)
{
    *out = NULL;
    *len = 0;
    if (missing)
        *missing = 0;
    /* v2f__read_file's message does not keep errno: ask first. */
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        if (missing)
            *missing = 1;
        return v2f__fail(V2F_E_IO, "cannot read '%s': %s", path,
                         strerror(ENOENT));
    }
    return v2f__read_file(path, out, len);
}

/* 1 when a and b hold the same bytes, 0 when not, -1 on a read error
 * (v2f__fail set). The same inode (a hard link) is equal without reading. */
int v2f__ds_merge_same_bytes(const char *a, const char *b)
{
    struct stat sa, sb;
    char ba[65536], bb[65536];
    FILE *fa, *fb;
    int eq = 1;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) {
        v2f__fail(V2F_E_IO, "cannot stat '%s' or '%s': %s", a, b,
                  strerror(errno));
        return -1;
    }
    if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
        return 1;
    if (sa.st_size != sb.st_size)
        return 0;
    fa = fopen(a, "rb");
    fb = fopen(b, "rb");
    if (!fa || !fb) {
        v2f__fail(V2F_E_IO, "cannot read '%s': %s", fa ? b : a,
                  strerror(errno));
        if (fa) fclose(fa);
        if (fb) fclose(fb);
        return -1;
    }
    for (;;) {
        size_t na = fread(ba, 1, sizeof ba, fa);
        size_t nb = fread(bb, 1, sizeof bb, fb);
        if (na != nb || memcmp(ba, bb, na) != 0) {
            eq = 0;
            break;
        }
        if (na == 0)
            break;
    }
    if (ferror(fa) || ferror(fb)) {
        v2f__fail(V2F_E_IO, "read error on '%s' or '%s'", a, b);
        eq = -1;
    }
    fclose(fa);
    fclose(fb);
    return eq;
}

void v2f__ds_merge_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return;
    fsync(fd);              /* best effort: some filesystems refuse */
    close(fd);
}

/* n bytes to dst through merge's temporary name; synced before the
 * rename (the sources may be deleted once merge reports success). */
v2f_status v2f__ds_merge_write(const char *dst, const char *data, size_t n)
{
    v2f__atomic_file af;
    v2f_status st = v2f__atomic_open_named(&af, dst, V2F_DS_MERGE_TMP_SUFFIX);
    if (st != V2F_OK)
        return st;
    if (fwrite(data, 1, n, af.fp) != n || fflush(af.fp) != 0
        || fsync(fileno(af.fp)) != 0) {
        st = v2f__fail(V2F_E_IO, "cannot write '%s': %s", af.tmp_path,
                       strerror(errno));
        v2f__atomic_abort(&af);
        return st;
    }
    return v2f__atomic_commit(&af);
}

/* Copy (or, with link, hard-link; copy across filesystems) src to dst
 * through a temporary name. */
v2f_status v2f__ds_merge_install(const char *src, const char *dst, int link_it)
{
    char *data;
    size_t n;
    v2f_status st;
    if (link_it) {
        char *tmp = v2f__atomic_temp_path(dst, V2F_DS_MERGE_TMP_SUFFIX);
        if (!tmp)
            return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        unlink(tmp);                    /* a leftover of an interruption */
        if (link(src, tmp) == 0) {
            st = rename(tmp, dst) == 0
                     ? V2F_OK
                     : v2f__fail(V2F_E_IO, "cannot rename '%s' to '%s': %s",
                                 tmp, dst, strerror(errno));
            if (st != V2F_OK)
                unlink(tmp);
            free(tmp);
            return st;
        }
        free(tmp);
        /* EXDEV (other filesystem), EPERM (no links there), EMLINK: copy */
        if (errno != EXDEV && errno != EPERM && errno != EMLINK
            && errno != ENOTSUP)
            return v2f__fail(V2F_E_IO, "cannot link '%s' to '%s': %s", src,
                             dst, strerror(errno));
    }
    st = v2f__read_file(src, &data, &n);
    if (st != V2F_OK)
        return st;
    st = v2f__ds_merge_write(dst, data, n);
    free(data);
    return st;
}
