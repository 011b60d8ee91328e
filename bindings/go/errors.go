package vec2face

/*
#include <vec2face/vec2face.h>
*/
import "C"

import "fmt"

// Status is a libvec2face status code (v2f_status).
type Status int32

const (
	StatusOK          Status = 0
	StatusInvalidArg  Status = 1  // NULL pointer, bad size, bad option, NaN input
	StatusIO          Status = 2  // file missing, unreadable, unwritable
	StatusFormat      Status = 3  // file content malformed or of another type
	StatusUnsupported Status = 4  // missing model part, device, precision
	StatusModel       Status = 5  // model file broken or of the wrong kind
	StatusBackend     Status = 6  // libtorch failed at run time
	StatusNoMemory    Status = 7  // out of memory
	StatusCancelled   Status = 8  // a progress callback asked to stop
	StatusOverflow    Status = 9  // a size computation would overflow
	StatusInternal    Status = 10 // a bug
	StatusBusy        Status = 11 // the dataset shard is held by another process or job (since 0.3)
)

// String is the library's short description ("invalid argument").
func (s Status) String() string { return C.GoString(C.v2f_status_str(C.v2f_status(s))) }

// Error is a failure reported by libvec2face (or by this package's own
// argument checks, with StatusInvalidArg): the status and the message of
// v2f_last_error().
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "vec2face: " + e.Status.String()
	}
	return fmt.Sprintf("vec2face: %s: %s", e.Status, e.Message)
}

// Is makes errors.Is(err, ErrIO) etc. match any *Error of that status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Status == e.Status
}

// Sentinels for errors.Is: each matches every *Error with its status.
var (
	ErrInvalidArg  error = &Error{Status: StatusInvalidArg}
	ErrIO          error = &Error{Status: StatusIO}
	ErrFormat      error = &Error{Status: StatusFormat}
	ErrUnsupported error = &Error{Status: StatusUnsupported}
	ErrModel       error = &Error{Status: StatusModel}
	ErrBackend     error = &Error{Status: StatusBackend}
	ErrNoMemory    error = &Error{Status: StatusNoMemory}
	ErrCancelled   error = &Error{Status: StatusCancelled}
	ErrOverflow    error = &Error{Status: StatusOverflow}
	ErrInternal    error = &Error{Status: StatusInternal}
	ErrBusy        error = &Error{Status: StatusBusy}
	// ErrClosed is returned by calls on a closed handle (StatusInvalidArg).
	ErrClosed error = &Error{Status: StatusInvalidArg, Message: "handle is closed"}
)

func invalid(format string, args ...any) error {
	return &Error{Status: StatusInvalidArg, Message: fmt.Sprintf(format, args...)}
}
