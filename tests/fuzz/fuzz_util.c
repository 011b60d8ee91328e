/* Scratch files for the path-taking parsers (see fuzz_util.h). */
#define _POSIX_C_SOURCE 200809L
#include "fuzz_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[512];
static char path_buf[1024];

/* Remove the scratch directory and the files in it (flat: the targets
 * never make subdirectories). */
static void remove_scratch(void)
{
    DIR *d = opendir(scratch);
    struct dirent *e;
    char p[1024];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", scratch, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(scratch);
}

const char *fuzz_scratch_dir(void)
{
    const char *base;
    struct stat sb;
    if (scratch[0])
        return scratch;
    base = getenv("TMPDIR");
    if (!base || !*base)
        base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(scratch, sizeof scratch, "%s/v2f-fuzz-XXXXXX", base);
    if (!mkdtemp(scratch)) {
        perror("fuzz harness: mkdtemp");
        abort();
    }
    atexit(remove_scratch);
    return scratch;
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    FILE *f;
    snprintf(path_buf, sizeof path_buf, "%s/%s", fuzz_scratch_dir(), name);
    f = fopen(path_buf, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path_buf);
        abort();
    }
    return path_buf;
}
