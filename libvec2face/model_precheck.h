/* Internal: structural checks on a model part file before libtorch's
 * loader sees it.
 *
 * A TorchScript file is a zip archive whose entries all sit under one top
 * folder: data.pkl, constants.pkl, version (or .data/version), code/...,
 * data/<n>, optionally constants/, extra/, bytecode.pkl, byteorder. The
 * precheck walks the end-of-central-directory record (zip64 included), the
 * central directory and every local header and refuses anything else:
 * encryption, unknown compression, names that escape the top folder or
 * leave it, duplicate or overlapping entries, sizes that disagree or exceed
 * the limits, deflate ratios no real deflate stream reaches. It does NOT
 * make a file safe: a well-formed archive still carries TorchScript code
 * and pickles that libtorch executes, so model files must come from a
 * trusted source. What it buys is that a corrupt, truncated or hostile
 * archive is refused with a clear message by code we own (and fuzz)
 * instead of reaching libtorch's zip reader and unpickler.
 *
 * Self-contained (needs only error.c), so fuzz targets can compile it in. */
#ifndef V2F_MODEL_PRECHECK_H
#define V2F_MODEL_PRECHECK_H

#include <stddef.h>
#include <stdint.h>

#include "vec2face/vec2face.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default limits. Real Vec2Face+ parts are well under 2 GiB. */
#define V2F_MODEL_MAX_BYTES_DEFAULT (16ull << 30)
#define V2F_MODEL_MAX_ENTRIES_DEFAULT 65536u
/* The central directory is read into memory: bound it. */
#define V2F_MODEL_MAX_CD_BYTES (64u << 20)
/* Longest entry name accepted. */
#define V2F_MODEL_MAX_NAME 1024u

typedef struct v2f__model_limits {
    uint64_t max_file_bytes;   /* size of the archive itself */
    uint64_t max_total_bytes;  /* sum of the entries' uncompressed sizes */
    uint64_t max_entries;      /* entries in the central directory */
} v2f__model_limits;

/* Fill lim with the defaults above. */
void v2f__model_limits_default(v2f__model_limits *lim);

/* Check an archive held in memory. `name` (may be NULL) names it in the
 * message. V2F_OK, or V2F_E_MODEL with "<name>: not a loadable
 * TorchScript file: <reason>" (reason names the entry and the value),
 * or V2F_E_INVALID_ARG (data NULL with size > 0), V2F_E_NO_MEMORY. */
v2f_status v2f__model_precheck_bytes(const uint8_t *data, size_t size,
                                     const char *name);
/* Same with explicit limits (NULL: defaults). */
v2f_status v2f__model_precheck_bytes_ex(const uint8_t *data, size_t size,
                                        const char *name,
                                        const v2f__model_limits *lim);
/* Check a file on disk, reading only the end records, the central
 * directory and the local headers (not the tensor data). V2F_E_IO when it
 * cannot be opened or read. */
v2f_status v2f__model_precheck_file(const char *path,
                                    const v2f__model_limits *lim);

#ifdef __cplusplus
}
#endif

#endif
