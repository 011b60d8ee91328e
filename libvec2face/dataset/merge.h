/* Internal: the pieces of v2f_dataset_merge: the call and its plan
 * (merge.c), file operations (merge_files.c), the manifest-part union
 * (merge_parts.c). */
#ifndef V2F_DATASET_MERGE_H
#define V2F_DATASET_MERGE_H

#include <stddef.h>

#include "dataset.h"

/* Suffix of merge's temporary files: DIR/.NAME.merge.tmp for DIR/NAME.
 * v2f__ds_is_temp_name knows it (a leading '.' and ".tmp"), so verify
 * counts a leftover; merge itself removes only its own. */
#define V2F_DS_MERGE_TMP_SUFFIX ".merge.tmp"

/* ---- merge_files.c ---- */

/* A whole file (NUL-terminated, *len without the NUL). A missing file is
 * V2F_E_IO with *missing = 1 (missing may be NULL). */
v2f_status v2f__ds_merge_slurp(const char *path, char **out, size_t *len,
                               int *missing);

/* 1 when files a and b hold the same bytes (the same inode: without
 * reading), 0 when not, -1 on a read error (v2f__fail set). */
int v2f__ds_merge_same_bytes(const char *a, const char *b);

/* n bytes to dst through DIR/.NAME.merge.tmp, synced, then renamed. */
v2f_status v2f__ds_merge_write(const char *dst, const char *data, size_t n);

/* Copy src to dst the same way; with link_it hard-link it instead (a
 * copy where links are impossible: other filesystem, no links there). */
v2f_status v2f__ds_merge_install(const char *src, const char *dst,
                                 int link_it);

/* fsync a folder, best effort (some filesystems refuse). */
void v2f__ds_merge_fsync_dir(const char *dir);

/* ---- merge_parts.c ---- */

/* The merged text of one manifest part name held by several places:
 * dst_path (when it exists: its rows first) and srcs[0..n). *data is the
 * union of their rows, the header once, in first-appearance order, or
 * NULL when dst_path already holds exactly it. A torn or empty part and
 * parts with different headers are refused (V2F_E_FORMAT naming them). */
v2f_status v2f__ds_merge_part(const char *dst_path, char *const *srcs,
                              size_t n, char **data, size_t *len);

#endif
