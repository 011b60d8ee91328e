package vec2face

/*
#include <stdlib.h>
#include <vec2face/vec2face.h>
*/
import "C"

import (
	"context"
	"fmt"
	"math"
	"runtime"
)

// AttrOpOptions for Model.NewAttrOp. Start from DefaultAttrOpOptions():
// several defaults are not zero (nil options also give the defaults).
type AttrOpOptions struct {
	LR            float32 // Adam learning rate (0.1)
	TargetSim     float32 // identity threshold on 1 - cos (0.3)
	QualityTarget float32 // MagFace norm target (24); 0 = no quality loss
	YawTarget     float32 // |yaw| target in degrees; negative = no pose loss (-1)
	IdentityModel Part    // PartArcFace (default) or PartMagFace
	QualityModel  Part    // PartMagFace (default) or PartArcFace
	MaxRetries    int     // steps per Run that may not count (30)
	// Mask keys: step k of vector i uses (Seed, identity i, step k); the
	// final images use (Seed, identity i, ImageBase).
	Seed          uint64
	IdentityIndex []uint64 // [n] or nil: IdentityBase + i
	IdentityBase  uint64
	ImageBase     uint64
	// Pose-conditioned generation inside the loop: Landmarks [n*ImageBytes]
	// or Condition [n*CondDim], at most one; nil: plain generator.
	Landmarks []byte
	Condition []float32
	// Explicit masks [n*NumTokens] for every step and the final images
	// (both or neither); nil: sampled.
	Dropped, Masked []byte
}

// DefaultAttrOpOptions returns the library's defaults.
func DefaultAttrOpOptions() AttrOpOptions {
	var co C.v2f_attrop_opts
	C.v2f_attrop_opts_init(&co, C.sizeof_v2f_attrop_opts)
	return AttrOpOptions{LR: float32(co.lr), TargetSim: float32(co.target_sim),
		QualityTarget: float32(co.quality_target), YawTarget: float32(co.yaw_target),
		IdentityModel: Part(co.identity_model), QualityModel: Part(co.quality_model),
		MaxRetries: int(co.max_retries), Seed: uint64(co.seed),
		IdentityBase: uint64(co.identity_base), ImageBase: uint64(co.image_base)}
}

// AttrOp is an AttrOP run: a copy of n identity vectors optimised with Adam
// through the generator and the estimators. Calls on one AttrOp are
// serialised; it keeps its Model open until it is closed.
type AttrOp struct {
	handle[*C.v2f_attrop]
	n int
	// The handle's max_retries: RunContext runs the official loop itself.
	maxRetries int
}

// AttrOpLosses are the losses of the last optimiser step and the counts of
// the call.
type AttrOpLosses struct {
	Identity, Quality, Pose, Total float32 // batch means
	Counted                        bool    // the last step counted
	Steps                          int     // optimiser steps taken by the call
	Retries                        int     // steps of the call that did not count
	// Per-vector losses of the last step [n].
	IdentityPerVector, QualityPerVector, PosePerVector []float32
}

// NewAttrOp starts AttrOP on vectors (n*VectorDim, copied). classVectors
// (n*VectorDim identity centres for the hinged identity loss) may be nil:
// the loss is then against the input vectors.
func (m *Model) NewAttrOp(vectors, classVectors []float32, opts *AttrOpOptions) (*AttrOp, error) {
	n, err := rows("vectors", len(vectors), VectorDim)
	if err != nil {
		return nil, err
	}
	if err := needLen("classVectors", len(classVectors), n*VectorDim); err != nil {
		return nil, err
	}
	var h *C.v2f_attrop
	var maxRetries int
	err = m.use(func(p *C.v2f_model) error {
		var pin runtime.Pinner
		defer pin.Unpin()
		var co C.v2f_attrop_opts
		C.v2f_attrop_opts_init(&co, C.sizeof_v2f_attrop_opts)
		if o := opts; o != nil {
			for _, c := range []struct {
				what      string
				got, want int
			}{{"IdentityIndex", len(o.IdentityIndex), n}, {"Landmarks", len(o.Landmarks), n * ImageBytes},
				{"Condition", len(o.Condition), n * CondDim}, {"Dropped", len(o.Dropped), n * NumTokens},
				{"Masked", len(o.Masked), n * NumTokens}} {
				if err := needLen(c.what, c.got, c.want); err != nil {
					return err
				}
			}
			co.lr, co.target_sim = C.float(o.LR), C.float(o.TargetSim)
			co.quality_target, co.yaw_target = C.float(o.QualityTarget), C.float(o.YawTarget)
			co.identity_model, co.quality_model = C.int32_t(o.IdentityModel), C.int32_t(o.QualityModel)
			co.max_retries = C.int32_t(o.MaxRetries)
			co.seed = C.uint64_t(o.Seed)
			co.identity_index = pinU64(&pin, o.IdentityIndex)
			co.identity_base, co.image_base = C.uint64_t(o.IdentityBase), C.uint64_t(o.ImageBase)
			co.landmarks = pinB(&pin, o.Landmarks)
			co.condition = pinF(&pin, o.Condition)
			co.dropped, co.masked = pinB(&pin, o.Dropped), pinB(&pin, o.Masked)
		}
		maxRetries = int(co.max_retries)
		err := call(func() C.v2f_status {
			return C.v2f_attrop_new(p, fptr(vectors), fptr(classVectors), C.size_t(n), &co, &h)
		})
		if err == nil {
			// The handle refers to the C model: keep it until Close. Close
			// of the model cannot run now (we hold the read lock).
			m.ref()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	a := &AttrOp{handle: handle[*C.v2f_attrop]{ptr: h, free: func(h *C.v2f_attrop) { C.v2f_attrop_free(h) },
		serial: true, model: m}, n: n, maxRetries: maxRetries}
	track(a)
	return a, nil
}

// Len is the number of vectors.
func (a *AttrOp) Len() int { return a.n }

// Close frees the run and releases its Model (idempotent; waits for a call
// in progress). It always returns nil (freeing cannot fail); the error is
// there so that an AttrOp is an io.Closer.
func (a *AttrOp) Close() error {
	a.close(a)
	return nil
}

func (a *AttrOp) losses(f func(h *C.v2f_attrop, l *C.v2f_attrop_losses) C.v2f_status) (AttrOpLosses, error) {
	out := AttrOpLosses{IdentityPerVector: make([]float32, a.n),
		QualityPerVector: make([]float32, a.n), PosePerVector: make([]float32, a.n)}
	err := a.use(func(h *C.v2f_attrop) error {
		var pin runtime.Pinner
		defer pin.Unpin()
		var l C.v2f_attrop_losses
		l.struct_size = C.sizeof_v2f_attrop_losses
		l.identity_per_vector = pinF(&pin, out.IdentityPerVector)
		l.quality_per_vector = pinF(&pin, out.QualityPerVector)
		l.pose_per_vector = pinF(&pin, out.PosePerVector)
		if err := call(func() C.v2f_status { return f(h, &l) }); err != nil {
			return err
		}
		out.Identity, out.Quality = float32(l.identity), float32(l.quality)
		out.Pose, out.Total = float32(l.pose), float32(l.total)
		out.Counted, out.Steps, out.Retries = l.counted != 0, int(l.steps), int(l.retries)
		return nil
	})
	if err != nil {
		return AttrOpLosses{}, err
	}
	return out, nil
}

// Step takes one Adam step with fresh masks.
func (a *AttrOp) Step() (AttrOpLosses, error) {
	return a.losses(func(h *C.v2f_attrop, l *C.v2f_attrop_losses) C.v2f_status {
		return C.v2f_attrop_step(h, l)
	})
}

// Run is the official loop: iterations counted steps, plus at most
// MaxRetries steps that exceeded the thresholds.
func (a *AttrOp) Run(iterations int) (AttrOpLosses, error) {
	return a.losses(func(h *C.v2f_attrop, l *C.v2f_attrop_losses) C.v2f_status {
		return C.v2f_attrop_run(h, C.int32_t(iterations), l)
	})
}

// RunContext is Run that stops between optimiser steps once ctx is done
// (v2f_attrop_run has no progress callback, so it runs the same loop one
// step at a time: the same steps, vectors and losses as Run). On a stop it
// returns the losses of the last step with Steps and Retries so far, and an
// error matching ctx.Err() and ErrCancelled; the vectors keep the steps
// taken, and a later Run or RunContext continues from them.
func (a *AttrOp) RunContext(ctx context.Context, iterations int) (AttrOpLosses, error) {
	if ctx.Done() == nil {
		return a.Run(iterations)
	}
	if iterations < 1 || iterations > math.MaxInt32 {
		return AttrOpLosses{}, invalid("AttrOp.RunContext: iterations = %d, must be in 1..%d", iterations, math.MaxInt32)
	}
	if err := ctx.Err(); err != nil {
		return AttrOpLosses{}, err
	}
	done, retries, steps := 0, 0, 0
	var stopped error
	out, err := a.losses(func(h *C.v2f_attrop, l *C.v2f_attrop_losses) C.v2f_status {
		// v2f_attrop_run's loop (attrop.c): a step over a threshold does
		// not count, at most max_retries times per call.
		for done < iterations {
			if cerr := ctx.Err(); cerr != nil {
				stopped = fmt.Errorf("%w: %w", cerr, &Error{Status: StatusCancelled,
					Message: fmt.Sprintf("AttrOp.RunContext: stopped after %d steps (%d of %d counted)", steps, done, iterations)})
				break
			}
			if st := C.v2f_attrop_step(h, l); st != C.V2F_OK {
				return st
			}
			steps++
			if l.counted == 0 && retries < a.maxRetries {
				retries++
			} else {
				done++
			}
		}
		// l.counted is still the last step's own (!exceeds).
		if steps > 0 && retries >= a.maxRetries {
			l.counted = 1
		}
		l.steps, l.retries = C.int32_t(steps), C.int32_t(retries)
		return C.V2F_OK
	})
	if err != nil {
		return out, err
	}
	return out, stopped
}

// Vectors returns the optimised vectors [n*VectorDim].
func (a *AttrOp) Vectors() ([]float32, error) {
	out := make([]float32, a.n*VectorDim)
	err := a.use(func(h *C.v2f_attrop) error {
		return call(func() C.v2f_status { return C.v2f_attrop_vectors(h, fptr(out)) })
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Gradient returns the gradient of the last step's total loss with respect
// to the vectors [n*VectorDim] (before Adam's update).
func (a *AttrOp) Gradient() ([]float32, error) {
	out := make([]float32, a.n*VectorDim)
	err := a.use(func(h *C.v2f_attrop) error {
		return call(func() C.v2f_status { return C.v2f_attrop_gradient(h, fptr(out)) })
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Images returns the final images [n*ImageBytes] of the optimised vectors.
func (a *AttrOp) Images() ([]byte, error) {
	out := make([]byte, a.n*ImageBytes)
	err := a.use(func(h *C.v2f_attrop) error {
		return call(func() C.v2f_status { return C.v2f_attrop_images(h, bptr(out)) })
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
