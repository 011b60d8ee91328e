package vec2face

/*
#include <stdint.h>
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
	"sync"
)

// ProgressFunc receives progress (done of total) during a long call; it
// returns true to cancel the call, which then fails with ErrCancelled. The
// library calls it on the thread that made the call (so on the calling
// goroutine, with its locked OS thread), never after the call returns; the
// Context variants of the long calls cancel through it (see RunContext).
type ProgressFunc func(done, total uint64) (cancel bool)

// progressState is what a cgo.Handle in a progress_user field refers to.
type progressState struct {
	fn       ProgressFunc
	panicked any
	didPanic bool
}

//export v2fGoProgress
func v2fGoProgress(h C.uintptr_t, done, total C.uint64_t) (ret C.int) {
	st := cgo.Handle(h).Value().(*progressState)
	if st.didPanic {
		return 1
	}
	defer func() {
		if r := recover(); r != nil {
			st.panicked, st.didPanic = r, true
			ret = 1
		}
	}()
	if st.fn(uint64(done), uint64(total)) {
		return 1
	}
	return 0
}

// withProgress sets up a handle for fn (nil: none) and returns the C
// function and user pointer to store in an options struct, and a finish
// function to call after the C call (it re-raises a callback's panic).
func withProgress(fn ProgressFunc) (C.v2f_progress_fn, uintptr, func()) {
	if fn == nil {
		return nil, 0, func() {}
	}
	st := &progressState{fn: fn}
	h := cgo.NewHandle(st)
	return C.v2f_go_progress_fn(), uintptr(h), func() {
		h.Delete()
		if st.didPanic {
			panic(st.panicked)
		}
	}
}

var (
	logMu sync.Mutex
	logFn func(LogLevel, string)
)

//export v2fGoLog
func v2fGoLog(level C.int32_t, msg *C.char) {
	logMu.Lock()
	fn := logFn
	logMu.Unlock()
	if fn != nil {
		fn(LogLevel(level), C.GoString(msg))
	}
}

// SetLogCallback installs the process-global log callback (nil: no
// logging) receiving messages up to maxLevel. The library serialises calls.
func SetLogCallback(fn func(level LogLevel, msg string), maxLevel LogLevel) error {
	if err := ensure(); err != nil {
		return err
	}
	logMu.Lock()
	logFn = fn
	logMu.Unlock()
	on := C.int(0)
	if fn != nil {
		on = 1
	}
	C.v2f_go_set_log(on, C.int32_t(maxLevel))
	return nil
}
