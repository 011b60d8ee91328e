#include "shim.h"
#include "_cgo_export.h"

int v2f_go_progress_tramp(void *user, uint64_t done, uint64_t total)
{
    return v2fGoProgress((uintptr_t)user, done, total);
}

void v2f_go_log_tramp(int32_t level, const char *msg, void *user)
{
    (void)user;
    v2fGoLog(level, (char *)msg);
}
