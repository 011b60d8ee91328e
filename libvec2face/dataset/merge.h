/* Internal: the pieces of v2f_dataset_merge (merge.c) shared with the
 * manifest-part union (merge_parts.c). */
#ifndef V2F_DATASET_MERGE_H
#define V2F_DATASET_MERGE_H

#include <stddef.h>

#include "dataset.h"

/* Suffix of merge's temporary files: DIR/.NAME.merge.tmp for DIR/NAME.
 * v2f__ds_is_temp_name knows it (a leading '.' and ".tmp"), so verify
 * counts a leftover; merge itself removes only its own. */
#define V2F_DS_MERGE_TMP_SUFFIX ".merge.tmp"

/* A whole file (NUL-terminated, *len without the NUL). A missing file is
 * V2F_E_IO with *missing = 1 (missing may be NULL). */
v2f_status v2f__ds_merge_slurp(const char *path, char **out, size_t *len,
                               int *missing);

/* The merged text of one manifest part name held by several places:
 * dst_path (when it exists: its rows first) and srcs[0..n). *data is the
 * union of their rows, the header once, in first-appearance order, or
 * NULL when dst_path already holds exactly it. A torn or empty part and
 * parts with different headers are refused (V2F_E_FORMAT naming them). */
v2f_status v2f__ds_merge_part(const char *dst_path, char *const *srcs,
                              size_t n, char **data, size_t *len);

#endif
