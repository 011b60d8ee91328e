/* Fuzz the model-file precheck (model_precheck.c): the zip structure of a
 * TorchScript part that v2f_model_load checks before libtorch sees it.
 * Each input goes through the in-memory check with the default limits and
 * through the file check (pread path) with tight limits, so that the limit
 * branches are reached by small inputs too. Both must agree when the
 * limits do not bite. */
#include "fuzz_util.h"
#include "model_precheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    v2f__model_limits tight = {4096, 1u << 16, 8};
    v2f__model_limits loose;
    const char *path;
    v2f_status a, b;

    a = v2f__model_precheck_bytes(data, size, "fuzz.pt");
    if (a != V2F_OK && a != V2F_E_MODEL)
        __builtin_trap();   /* documented: OK or V2F_E_MODEL for any bytes */
    path = fuzz_write_file("part.pt", data, size);
    b = v2f__model_precheck_file(path, &tight);
    if (b != V2F_OK && b != V2F_E_MODEL)
        __builtin_trap();
    if (a == V2F_E_MODEL && b == V2F_OK)
        __builtin_trap();   /* tighter limits cannot accept more */
    v2f__model_limits_default(&loose);
    if (v2f__model_precheck_file(path, &loose) != a)
        __builtin_trap();   /* the file and memory paths must agree */
    return 0;
}
