/* Fuzz the manifest-part reader used by resume and verify
 * (v2f__ds_manifest_read); it takes a path, so each input is written to a
 * scratch file. The row callback checks what the reader promises. */
#include <string.h>

#include "dataset.h"
#include "fuzz_util.h"

static v2f_status check_row(void *user, const v2f__ds_row *row)
{
    size_t *rows = user;
    /* file is NUL-terminated inside the parse buffer: ASan checks strlen. */
    volatile size_t n = strlen(row->file);
    (void)n;
    if (row->image >= V2F_DS_MAX_IMAGES || row->source < V2F_DS_PERTURB
        || row->source > V2F_DS_ATTROP || row->pose != (row->source == V2F_DS_POSE)
        || row->line < 2)
        __builtin_trap();
    /* Stop early on some rows, as a caller that fails would. */
    return ++*rows == 1000 ? V2F_E_CANCELLED : V2F_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("part-0-of-1.csv", data, size);
    off_t valid = -1;
    int torn = -1, missing = -1, v1 = -1;
    size_t rows = 0;
    v2f_status st = v2f__ds_manifest_read(path, check_row, &rows, &valid,
                                          &torn, &missing, &v1);
    if (missing != 0 || (v1 != 0 && v1 != 1) || valid < 0 || (size_t)valid > size || (torn != 0 && torn != 1))
        __builtin_trap();
    if (st == V2F_OK && !torn && (size_t)valid != size)
        __builtin_trap();   /* untorn means every byte was a complete line */
    return 0;
}
