package vec2face

import (
	"context"
	"errors"
	"fmt"
)

// Long calls have a Context variant (DatasetJob.RunContext,
// Sampler.SampleIdentitiesContext, AttrOp.RunContext,
// Model.GenerateContext, SeparabilityContext, ReportDatasetContext,
// Model.IdentityCentresFromFolderContext, ...). The library has no
// cancellation of its own besides the progress callback, so the context is
// checked there: the call stops at its next progress report after ctx is
// done (for a dataset job, after the current batch; AttrOp.RunContext
// checks between optimiser steps) and returns an error for which both
// errors.Is(err, ctx.Err()) (context.Canceled or
// context.DeadlineExceeded) and errors.Is(err, ErrCancelled) hold. A call
// whose context is done before it starts returns ctx.Err() without doing
// anything; a call that finishes before its next progress report returns
// its result. The plain variants are the Context ones with
// context.Background().

// ctxProgress is the progress callback of a call under ctx: fn's answer
// (fn may be nil), and cancel once ctx is done. Without a cancellable ctx
// it is fn itself (nil stays nil: no callback at all).
func ctxProgress(ctx context.Context, fn ProgressFunc) ProgressFunc {
	if ctx.Done() == nil {
		return fn
	}
	return func(done, total uint64) bool {
		if ctx.Err() != nil {
			return true
		}
		if fn != nil && fn(done, total) {
			return true
		}
		// fn may have waited (or cancelled ctx itself): look again.
		return ctx.Err() != nil
	}
}

// ctxResult is the error of a call made under ctx: a cancel while ctx is
// done is reported as ctx.Err() wrapping the library's ErrCancelled error.
func ctxResult(ctx context.Context, err error) error {
	if err != nil && errors.Is(err, ErrCancelled) {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("%w: %w", cerr, err)
		}
	}
	return err
}
