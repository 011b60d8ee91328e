// Package vec2face is the Go binding of libvec2face, a C library that turns
// face-recognition feature vectors (512-d, ArcFace style) into 112x112 face
// images with the Vec2Face+ networks.
//
// The binding wraps the whole public C API (include/vec2face/vec2face.h):
// models and generation (plain and pose-conditioned), landmark rendering,
// raw conversion, the estimators (ArcFace/MagFace features, quality, head
// pose), AttrOP, perturbation, identity samplers and sampling, identity
// centres, separability, dataset jobs and their verification, image and
// .npy/.npz files, and versions.
//
// Conventions
//
//   - Vectors are []float32 holding n rows of dim values, row-major; images
//     are []byte holding n 112x112x3 RGB images (HWC), ImageBytes each.
//   - Every call that can fail returns an error of type *Error carrying the
//     library's status and message; test it with errors.Is(err, ErrIO) etc.
//   - Handles (Model, AttrOp, DatasetJob, Sampler) have Close; a finalizer
//     frees a handle that was never closed. A Model and a Sampler may be
//     used from several goroutines at once; an AttrOp and a DatasetJob are
//     serialised internally and keep their Model's C model until closed.
//   - The first call checks that the loaded library has the ABI version
//     this package was written for (ABIVersion) and fails with
//     ErrABIMismatch otherwise.
//   - Go memory is passed to C only for the duration of a call; option
//     arrays referenced from C option structs are pinned (runtime.Pinner).
package vec2face

/*
#cgo pkg-config: vec2face
#cgo CFLAGS: -DV2F_EXPERIMENTAL
#include <stdlib.h>
#include <vec2face/vec2face.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Versions and sizes of the C header this package was written against.
const (
	VersionMajor = 0
	VersionMinor = 3
	VersionPatch = 0
	// ABIVersion is the C ABI version this package was written for; the
	// loaded library must report the same from v2f_abi_version().
	ABIVersion = 0

	VectorDim        = 512           // length of an identity vector
	ImageSize        = 112           // images are ImageSize x ImageSize RGB
	ImageBytes       = 112 * 112 * 3 // bytes of one uint8 RGB image
	NumTokens        = 49            // mask tokens per image
	CondDim          = 768           // length of a pose condition
	SeparabilityBins = 200           // histogram bins of a SeparabilityReport
	PNGLevelDefault  = 6             // PNG zlib level of PNGLevel -1 (since 0.3)

	// RawImageFloats is the number of float32 values of one raw CHW image.
	RawImageFloats = 3 * ImageSize * ImageSize
)

// Part is one model part (one TorchScript file of a model directory).
type Part int32

const (
	PartGenerator     Part = 0 // generator.pt
	PartPoseGenerator Part = 1 // pose_generator.pt
	PartPoseCond      Part = 2 // pose_cond.pt (landmark encoder)
	PartArcFace       Part = 3 // arcface.pt
	PartMagFace       Part = 4 // magface.pt
	PartHeadPose      Part = 5 // headpose.pt
	PartCount         Part = 6 // number of parts
)

var partNames = [...]string{"generator", "pose_generator", "pose_cond", "arcface", "magface", "headpose"}

func (p Part) String() string {
	if p >= 0 && int(p) < len(partNames) {
		return partNames[p]
	}
	return fmt.Sprintf("Part(%d)", int32(p))
}

// Precision of a model's computations.
type Precision int32

const (
	PrecisionFP32 Precision = 0
	// PrecisionBF16 (since 0.2) runs the generators in bfloat16; it needs a
	// CPU with AVX512-BF16 or AMX-BF16, or a CUDA device (else
	// ErrUnsupported).
	PrecisionBF16 Precision = 1
	// PrecisionFP16 (since 0.3) runs the generators in float16 on a CUDA
	// device; elsewhere ErrUnsupported.
	PrecisionFP16 Precision = 2
)

// LogLevel of a log message.
type LogLevel int32

const (
	LogError LogLevel = 0
	LogWarn  LogLevel = 1
	LogInfo  LogLevel = 2
	LogDebug LogLevel = 3
)

// Version is the version string of the loaded library, e.g. "0.3.0".
func Version() string { return C.GoString(C.v2f_version()) }

// LibraryABIVersion is the ABI version the loaded library reports.
func LibraryABIVersion() int { return int(C.v2f_abi_version()) }

// ErrABIMismatch is wrapped by the error every call returns when the loaded
// library has another ABI version than this package.
var ErrABIMismatch = errors.New("vec2face: ABI version mismatch")

var (
	abiOnce sync.Once
	abiErr  error
)

// checkABI compares the library's ABI version with the binding's.
func checkABI(library, binding int, libVersion string) error {
	if library == binding {
		return nil
	}
	return fmt.Errorf("%w: the loaded libvec2face %s has ABI version %d, but this Go package "+
		"(github.com/libvec2face/libvec2face/bindings/go) was written for ABI version %d; "+
		"build against a matching library or update the package", ErrABIMismatch,
		libVersion, library, binding)
}

// ensure runs the ABI check once; every fallible entry point calls it.
func ensure() error {
	abiOnce.Do(func() { abiErr = checkABI(LibraryABIVersion(), ABIVersion, Version()) })
	return abiErr
}

// call runs f (which calls into the library) and, on failure, reads
// v2f_last_error() on the same OS thread.
func call(f func() C.v2f_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := f()
	if st == C.V2F_OK {
		return nil
	}
	return &Error{Status: Status(st), Message: C.GoString(C.v2f_last_error())}
}

// ImageBytesFor is the number of bytes of n RGB images (0 on overflow).
func ImageBytesFor(n int) int {
	if n < 0 {
		return 0
	}
	return int(C.v2f_image_bytes(C.size_t(n)))
}

// ---------------------------------------------------------------------
// Small helpers for passing slices.

func fptr(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&s[0]))
}

func bptr(s []byte) *C.uint8_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&s[0]))
}

func u64ptr(s []uint64) *C.uint64_t {
	if len(s) == 0 {
		return nil
	}
	return (*C.uint64_t)(unsafe.Pointer(&s[0]))
}

// pin pins the backing array of a non-empty slice so that a pointer to it
// may sit in a C options struct passed to C (cgo pointer rules).
func pinF(p *runtime.Pinner, s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	p.Pin(&s[0])
	return fptr(s)
}

func pinB(p *runtime.Pinner, s []byte) *C.uint8_t {
	if len(s) == 0 {
		return nil
	}
	p.Pin(&s[0])
	return bptr(s)
}

func pinU64(p *runtime.Pinner, s []uint64) *C.uint64_t {
	if len(s) == 0 {
		return nil
	}
	p.Pin(&s[0])
	return u64ptr(s)
}

// rows checks that len is a positive multiple of width and returns the
// quotient.
func rows(what string, length, width int) (int, error) {
	if width <= 0 {
		return 0, invalid("%s: width %d must be positive", what, width)
	}
	if length == 0 || length%width != 0 {
		return 0, invalid("%s: length %d is not a positive multiple of %d", what, length, width)
	}
	return length / width, nil
}

// needLen checks an optional slice's length.
func needLen(what string, got, want int) error {
	if got != 0 && got != want {
		return invalid("%s: length %d, need %d", what, got, want)
	}
	return nil
}

func cstr(s string) *C.char { return C.CString(s) }

func cfree(p *C.char) { C.free(unsafe.Pointer(p)) }

// goString reads a NUL-terminated fixed-size C char array.
func goString(b []C.char) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	out := make([]byte, n)
	for i := 0; i < n; i++ {
		out[i] = byte(b[i])
	}
	return string(out)
}
