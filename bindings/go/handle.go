package vec2face

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// handle is the lifetime of one C handle, embedded by every wrapper (Model,
// Sampler, AttrOp, DatasetJob) so that locking, Close and the reference a
// handle holds on its model are written once.
//
// P is the C handle's pointer type (cgo's C types of opaque structs are
// incomplete, so they cannot be type arguments themselves).
type handle[P comparable] struct {
	mu   sync.RWMutex
	ptr  P
	free func(P)
	// serial: calls take the lock exclusively (the C handle is not safe
	// for concurrent calls); otherwise they share it.
	serial bool
	closed bool
	// model the C handle refers to: kept open until this handle is freed.
	model *Model
	// refs counts live handles that refer to this one (on a Model: its
	// AttrOps and DatasetJobs); the C handle is freed after Close once it
	// drops to 0.
	refs atomic.Int32
}

// track makes the garbage collector close owner (the wrapper embedding the
// handle) when it is dropped without Close. A method on handle cannot do it
// for itself: the finalizer must be set on the start of the allocation.
func track(owner io.Closer) { runtime.SetFinalizer(owner, io.Closer.Close) }

// close marks the handle closed and frees the C handle unless other
// handles still refer to it; owner's finalizer goes. It waits for calls in
// progress (they hold the lock) and is idempotent.
func (h *handle[P]) close(owner io.Closer) {
	h.mu.Lock()
	h.closed = true
	h.freeLocked()
	h.mu.Unlock()
	runtime.SetFinalizer(owner, nil)
}

func (h *handle[P]) freeLocked() {
	var none P
	if !h.closed || h.refs.Load() != 0 || h.ptr == none {
		return
	}
	h.free(h.ptr)
	h.ptr = none
	if m := h.model; m != nil {
		h.model = nil
		m.unref()
	}
}

// ref records that a new C handle refers to this one. The caller is inside
// use (holding the lock), so Close cannot run meanwhile.
func (h *handle[P]) ref() { h.refs.Add(1) }

// unref drops a reference taken by ref and frees the C handle if it was
// the last one after Close.
func (h *handle[P]) unref() {
	h.refs.Add(-1)
	h.mu.Lock()
	h.freeLocked()
	h.mu.Unlock()
}

// use runs f with the C handle under the lock; ErrClosed after Close.
func (h *handle[P]) use(f func(p P) error) error {
	if err := ensure(); err != nil {
		return err
	}
	if h.serial {
		h.mu.Lock()
		defer h.mu.Unlock()
	} else {
		h.mu.RLock()
		defer h.mu.RUnlock()
	}
	var none P
	if h.closed || h.ptr == none {
		return ErrClosed
	}
	err := f(h.ptr)
	// An interior pointer keeps the whole wrapper, so its finalizer
	// cannot free the C handle while f runs.
	runtime.KeepAlive(h)
	return err
}
