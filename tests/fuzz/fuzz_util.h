/* Helpers shared by the fuzz targets: a private scratch directory for the
 * parsers that take a path, and writing the input there. */
#ifndef V2F_FUZZ_UTIL_H
#define V2F_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* This process's scratch directory (made on first use, removed at exit;
 * under $TMPDIR, else /dev/shm when it exists, else /tmp). */
const char *fuzz_scratch_dir(void);

/* Write data to <scratch>/<name> (replacing it) and return the full path
 * (static buffer, valid until the next call). Aborts on an I/O error: that
 * is the harness failing, not the parser. */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

#endif
