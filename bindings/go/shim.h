/* C side of the Go binding: trampolines from the library's callbacks into
 * exported Go functions. The user pointer of a callback carries a
 * runtime/cgo.Handle (an integer, never a Go pointer). */
#ifndef V2F_GO_SHIM_H
#define V2F_GO_SHIM_H
#include <stdint.h>
#include <vec2face/vec2face.h>

int v2f_go_progress_tramp(void *user, uint64_t done, uint64_t total);
void v2f_go_log_tramp(int32_t level, const char *msg, void *user);

static inline void *v2f_go_handle_ptr(uintptr_t h) { return (void *)h; }
static inline v2f_progress_fn v2f_go_progress_fn(void) { return v2f_go_progress_tramp; }
static inline void v2f_go_set_log(int on, int32_t max_level)
{
    v2f_set_log_callback(on ? v2f_go_log_tramp : NULL, max_level, NULL);
}
#endif
