/* The CLI's side of the rooms it links (v2f_util, v2f_io's atomic file):
 * their helpers report through v2f__fail (error.h). In the library that is
 * error.c's, hidden inside libvec2face.so; here it prints the message, so
 * a helper's caller only returns CLI_FAILED. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "error.h"
#include "io/atomic_file.h"
#include "util/fsutil.h"

v2f_status v2f__fail(v2f_status status, const char *fmt, ...)
{
    va_list ap;
    fputs("vec2face: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return status;
}

void cli_names_free(cli_names *l)
{
    v2f__free_strings(l->v, l->n);
    l->v = NULL;
    l->n = 0;
}

int cli_write_lines(const char *path, char *const *lines, size_t n)
{
    v2f__atomic_file af;
    size_t i;
    if (v2f__atomic_open(&af, path) != V2F_OK)
        return CLI_FAILED;
    for (i = 0; i < n; i++)
        fprintf(af.fp, "%s\n", lines[i]);
    return v2f__atomic_commit(&af) == V2F_OK ? CLI_OK : CLI_FAILED;
}
