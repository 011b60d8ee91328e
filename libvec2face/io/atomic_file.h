/* Internal: write a file atomically (temporary file in the same directory,
 * then rename), so that a failure never leaves a partial file behind. */
#ifndef V2F_ATOMIC_FILE_H
#define V2F_ATOMIC_FILE_H

#include <stdio.h>

#include "error.h"

typedef struct v2f__atomic_file {
    FILE *fp;          /* write here between open and commit/abort */
    char *tmp_path;    /* ".<base>.tmpXXXXXX" next to the target */
    char *final_path;
} v2f__atomic_file;

/* Create the temporary file. On failure (V2F_E_IO, V2F_E_NO_MEMORY) nothing
 * is left on disk and *af needs no cleanup. */
v2f_status v2f__atomic_open(v2f__atomic_file *af, const char *path);

/* The same with the fixed temporary name ".<base><suffix>" (an existing
 * one is truncated), for a writer that must find and remove its own
 * leftovers after an interruption (v2f_dataset_merge). */
v2f_status v2f__atomic_open_named(v2f__atomic_file *af, const char *path,
                                  const char *suffix);

/* "<dir>/.<base><suffix>" for path "<dir>/<base>" (malloc'ed; NULL when
 * out of memory). */
char *v2f__atomic_temp_path(const char *path, const char *suffix);

/* Flush, close and rename into place. On any failure the temporary file is
 * removed and the status is V2F_E_IO with strerror. *af is released either
 * way. */
v2f_status v2f__atomic_commit(v2f__atomic_file *af);

/* Close and remove the temporary file; safe on a zeroed or released *af. */
void v2f__atomic_abort(v2f__atomic_file *af);

#endif
