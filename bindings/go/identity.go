package vec2face

/*
#include <stdlib.h>
#include <vec2face/vec2face.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"os"
	"runtime"
	"unsafe"
)

// PerturbOptions for Perturb; the zero value (or nil) gives the defaults.
type PerturbOptions struct {
	Seed uint64
	// Dim is the vector length; 0 = VectorDim.
	Dim int
	// ImagesPerVector (0 = 1): output row i*ImagesPerVector + j is image j
	// of vector i.
	ImagesPerVector int
	IdentityIndex   []uint64 // [n] or nil: IdentityBase + i
	IdentityBase    uint64
	// Image j of vector i has index (ImageIndex[i] or ImageBase) + j.
	ImageIndex []uint64
	ImageBase  uint64
	// Noise scale mixture: Eps[k] >= 0 drawn with weights EpsShares[k]
	// (nil: equal). Eps nil: 0.3/0.5/0.7 with shares 0.4/0.4/0.2.
	Eps, EpsShares []float32
}

// Perturb makes intra-class variations: out = v + N(0, eps^2 I) rescaled
// to |v|, eps drawn per image from the mixture. It returns the vectors
// [n*ImagesPerVector*dim] and the eps of each image.
func Perturb(vectors []float32, opts *PerturbOptions) (out, eps []float32, err error) {
	if err := ensure(); err != nil {
		return nil, nil, err
	}
	var o PerturbOptions
	if opts != nil {
		o = *opts
	}
	dim := o.Dim
	if dim == 0 {
		dim = VectorDim
	}
	per := o.ImagesPerVector
	if per == 0 {
		per = 1
	}
	n, err := rows("vectors", len(vectors), dim)
	if err != nil {
		return nil, nil, err
	}
	if err := needLen("IdentityIndex", len(o.IdentityIndex), n); err != nil {
		return nil, nil, err
	}
	if err := needLen("ImageIndex", len(o.ImageIndex), n); err != nil {
		return nil, nil, err
	}
	if o.EpsShares != nil && len(o.EpsShares) != len(o.Eps) {
		return nil, nil, invalid("EpsShares: length %d, Eps has %d", len(o.EpsShares), len(o.Eps))
	}
	if per < 0 || dim < 0 {
		return nil, nil, invalid("Perturb: negative Dim or ImagesPerVector")
	}
	out = make([]float32, n*per*dim)
	eps = make([]float32, n*per)
	var pin runtime.Pinner
	defer pin.Unpin()
	var co C.v2f_perturb_opts
	C.v2f_perturb_opts_init(&co, C.sizeof_v2f_perturb_opts)
	co.seed = C.uint64_t(o.Seed)
	co.dim = C.uint32_t(dim)
	co.images_per_vector = C.uint32_t(per)
	co.identity_index = pinU64(&pin, o.IdentityIndex)
	co.identity_base = C.uint64_t(o.IdentityBase)
	co.image_index = pinU64(&pin, o.ImageIndex)
	co.image_base = C.uint64_t(o.ImageBase)
	co.eps = pinF(&pin, o.Eps)
	co.eps_shares = pinF(&pin, o.EpsShares)
	co.eps_count = C.int32_t(len(o.Eps))
	co.eps_out = pinF(&pin, eps)
	if err := call(func() C.v2f_status {
		return C.v2f_perturb(fptr(vectors), C.size_t(n), &co, fptr(out))
	}); err != nil {
		return nil, nil, err
	}
	return out, eps, nil
}

// Sampler is a model of identity vectors: a multivariate normal fitted to
// real identity centres, or random directions with a normal norm. It is
// immutable and may be used from several goroutines at once.
type Sampler struct {
	handle[*C.v2f_sampler]
	dim int
}

func newSampler(p *C.v2f_sampler) *Sampler {
	s := &Sampler{handle: handle[*C.v2f_sampler]{ptr: p, free: func(p *C.v2f_sampler) { C.v2f_sampler_free(p) }},
		dim: int(C.v2f_sampler_dim(p))}
	track(s)
	return s
}

// FitSampler fits mean and full covariance of centres ([n*dim], n >= 2).
// shrinkage a in [0, 1] uses (1-a) S + a (tr S / dim) I; 0 needs n > dim.
func FitSampler(centres []float32, dim int, shrinkage float32) (*Sampler, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	n, err := rows("centres", len(centres), dim)
	if err != nil {
		return nil, err
	}
	var o C.v2f_sampler_fit_opts
	C.v2f_sampler_fit_opts_init(&o, C.sizeof_v2f_sampler_fit_opts)
	o.shrinkage = C.float(shrinkage)
	var p *C.v2f_sampler
	if err := call(func() C.v2f_status {
		return C.v2f_sampler_fit(fptr(centres), C.size_t(n), C.size_t(dim), &o, &p)
	}); err != nil {
		return nil, err
	}
	return newSampler(p), nil
}

// NewIsotropicSampler samples uniformly random directions of dim values
// with a norm from N(normMean, normStd^2) truncated to > 0.
func NewIsotropicSampler(dim int, normMean, normStd float32) (*Sampler, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	if dim < 0 {
		return nil, invalid("NewIsotropicSampler: dim %d", dim)
	}
	var p *C.v2f_sampler
	if err := call(func() C.v2f_status {
		return C.v2f_sampler_new_isotropic(C.size_t(dim), C.float(normMean), C.float(normStd), &p)
	}); err != nil {
		return nil, err
	}
	return newSampler(p), nil
}

// LoadSampler loads a sampler saved by Sampler.Save (or numpy, same members).
func LoadSampler(path string) (*Sampler, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	cp := cstr(path)
	defer cfree(cp)
	var p *C.v2f_sampler
	if err := call(func() C.v2f_status { return C.v2f_sampler_load(cp, &p) }); err != nil {
		return nil, err
	}
	return newSampler(p), nil
}

// Close frees the sampler (idempotent; waits for calls in progress). It
// always returns nil (freeing cannot fail); the error is there so that a
// Sampler is an io.Closer.
func (s *Sampler) Close() error {
	s.close(s)
	return nil
}

// Dim is the sampler's vector length.
func (s *Sampler) Dim() int { return s.dim }

// Save writes the sampler as .npz (atomically).
func (s *Sampler) Save(path string) error {
	cp := cstr(path)
	defer cfree(cp)
	return s.use(func(p *C.v2f_sampler) error {
		return call(func() C.v2f_status { return C.v2f_sampler_save(p, cp) })
	})
}

func (s *Sampler) copyOut(get func(p *C.v2f_sampler) *C.float, count int) []float32 {
	var out []float32
	_ = s.use(func(p *C.v2f_sampler) error {
		if d := get(p); d != nil {
			out = make([]float32, count)
			copy(out, unsafe.Slice((*float32)(unsafe.Pointer(d)), count))
		}
		return nil
	})
	return out
}

// Mean is a copy of the fitted mean [dim]; nil for an isotropic sampler.
func (s *Sampler) Mean() []float32 {
	return s.copyOut(func(p *C.v2f_sampler) *C.float { return C.v2f_sampler_mean(p) }, s.dim)
}

// Cov is a copy of the covariance [dim*dim]; nil for an isotropic sampler.
func (s *Sampler) Cov() []float32 {
	return s.copyOut(func(p *C.v2f_sampler) *C.float { return C.v2f_sampler_cov(p) }, s.dim*s.dim)
}

// Candidates returns raw candidates first .. first+n-1 of the stream of
// seed [n*dim], without any separation test.
func (s *Sampler) Candidates(seed, first uint64, n int) ([]float32, error) {
	if n <= 0 {
		return nil, invalid("Candidates: n = %d", n)
	}
	out := make([]float32, n*s.dim)
	err := s.use(func(p *C.v2f_sampler) error {
		return call(func() C.v2f_status {
			return C.v2f_sampler_candidates(p, C.uint64_t(seed), C.uint64_t(first), C.size_t(n), fptr(out))
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SampleOptions for Sampler.SampleIdentities. Start from
// DefaultSampleOptions() (MaxSimilarity's default is 0.3, not 0); nil
// options give the defaults.
type SampleOptions struct {
	Seed uint64
	// MaxSimilarity: a candidate is kept only if its cosine to every kept
	// and every excluded vector is strictly below this; in (-1, 1].
	MaxSimilarity float32
	Threads       int // 0: online CPUs
	// Exclude is an optional exclusion set [rows*dim] (e.g. the real
	// identities), rows finite and non-zero.
	Exclude []float32
	// Resume: the first ResumeKept rows of out (SampleIdentitiesInto)
	// already hold the vectors kept by an earlier call with the same
	// sampler, seed and threshold, and ResumeCandidates is that call's
	// Stats.Candidates.
	ResumeKept, ResumeCandidates uint64
	// MaxCandidates stops with ErrInvalidArg after this many candidates
	// in this call (0: 1000 n + 100000).
	MaxCandidates uint64
	BlockSize     int // candidates per block (0 = 256); no effect on results
	// Progress receives (vectors kept, n) after each block.
	Progress ProgressFunc
}

// DefaultSampleOptions returns the library's defaults.
func DefaultSampleOptions() SampleOptions {
	var co C.v2f_sample_opts
	C.v2f_sample_opts_init(&co, C.sizeof_v2f_sample_opts)
	return SampleOptions{Seed: uint64(co.seed), MaxSimilarity: float32(co.max_similarity),
		Threads: int(co.threads), MaxCandidates: uint64(co.max_candidates),
		BlockSize: int(co.block_size)}
}

// SampleStats are the acceptance statistics and cost of a sampling call.
type SampleStats struct {
	Kept             uint64 // rows of out that are valid
	Candidates       uint64 // next candidate index (to resume)
	RejectedSimilar  uint64 // too close to a kept vector
	RejectedExcluded uint64 // too close to an exclusion vector
	RejectedInvalid  uint64 // zero or non-finite candidate
	Comparisons      uint64 // cosines computed in this call
	Flops            float64
	Seconds          float64
	GFlops           float64
}

// SampleIdentities draws n vectors [n*dim] whose pairwise cosines are all
// below opts.MaxSimilarity (greedy in candidate order, deterministic).
func (s *Sampler) SampleIdentities(n int, opts *SampleOptions) ([]float32, SampleStats, error) {
	return s.SampleIdentitiesContext(context.Background(), n, opts)
}

// SampleIdentitiesContext is SampleIdentities that stops at the next
// progress report (after a block of candidates) once ctx is done; the
// error matches ctx.Err() and ErrCancelled and the stats say how far it
// got (SampleIdentitiesIntoContext keeps the rows, to resume).
func (s *Sampler) SampleIdentitiesContext(ctx context.Context, n int, opts *SampleOptions) ([]float32, SampleStats, error) {
	if n <= 0 {
		return nil, SampleStats{}, invalid("SampleIdentities: n = %d", n)
	}
	out := make([]float32, n*s.dim)
	st, err := s.SampleIdentitiesIntoContext(ctx, out, opts)
	if err != nil {
		return nil, st, err
	}
	return out, st, nil
}

// SampleIdentitiesInto is SampleIdentities into out ([n*dim]; with resume
// its first ResumeKept rows are the earlier call's). On ErrCancelled and on
// the MaxCandidates failure the stats say how many rows are valid.
func (s *Sampler) SampleIdentitiesInto(out []float32, opts *SampleOptions) (SampleStats, error) {
	return s.SampleIdentitiesIntoContext(context.Background(), out, opts)
}

// SampleIdentitiesIntoContext is SampleIdentitiesInto that stops once ctx
// is done (see SampleIdentitiesContext); the rows kept so far (Stats.Kept)
// and Stats.Candidates resume it with ResumeKept and ResumeCandidates.
func (s *Sampler) SampleIdentitiesIntoContext(ctx context.Context, out []float32, opts *SampleOptions) (SampleStats, error) {
	n, err := rows("out", len(out), s.dim)
	if err != nil {
		return SampleStats{}, err
	}
	if err := ctx.Err(); err != nil {
		return SampleStats{}, err
	}
	var st SampleStats
	err = s.use(func(p *C.v2f_sampler) error {
		var pin runtime.Pinner
		defer pin.Unpin()
		var co C.v2f_sample_opts
		C.v2f_sample_opts_init(&co, C.sizeof_v2f_sample_opts)
		var progress ProgressFunc
		if o := opts; o != nil {
			var exRows int
			if len(o.Exclude) > 0 {
				r, err := rows("Exclude", len(o.Exclude), s.dim)
				if err != nil {
					return err
				}
				exRows = r
			}
			co.seed = C.uint64_t(o.Seed)
			co.max_similarity = C.float(o.MaxSimilarity)
			co.threads = C.int32_t(o.Threads)
			co.exclude = pinF(&pin, o.Exclude)
			co.exclude_rows = C.uint64_t(exRows)
			co.exclude_dim = C.uint64_t(s.dim)
			co.resume_kept = C.uint64_t(o.ResumeKept)
			co.resume_candidates = C.uint64_t(o.ResumeCandidates)
			co.max_candidates = C.uint64_t(o.MaxCandidates)
			co.block_size = C.int32_t(o.BlockSize)
			progress = o.Progress
		}
		fn, h, finish := withProgress(ctxProgress(ctx, progress))
		defer finish()
		co.progress = fn
		co.progress_user = C.v2f_go_handle_ptr(C.uintptr_t(h))
		var cs C.v2f_sample_stats
		cs.struct_size = C.sizeof_v2f_sample_stats
		err := call(func() C.v2f_status {
			return C.v2f_sample_identities(p, C.size_t(n), &co, fptr(out), &cs)
		})
		st = SampleStats{Kept: uint64(cs.kept), Candidates: uint64(cs.candidates),
			RejectedSimilar: uint64(cs.rejected_similar), RejectedExcluded: uint64(cs.rejected_excluded),
			RejectedInvalid: uint64(cs.rejected_invalid), Comparisons: uint64(cs.comparisons),
			Flops: float64(cs.flops), Seconds: float64(cs.seconds), GFlops: float64(cs.gflops)}
		return err
	})
	return st, ctxResult(ctx, err)
}

// IdentityCentres returns the mean feature of each label ([numIDs*dim], row
// = label) and the number of features per identity. features is [n*dim],
// labels [n] in [0, numIDs); normalize scales each feature to unit norm
// first (the official code does not).
func IdentityCentres(features []float32, dim int, labels []int64, numIDs int, normalize bool) (centres []float32, counts []uint64, err error) {
	if err := ensure(); err != nil {
		return nil, nil, err
	}
	n, err := rows("features", len(features), dim)
	if err != nil {
		return nil, nil, err
	}
	if len(labels) != n {
		return nil, nil, invalid("labels: length %d, need %d", len(labels), n)
	}
	if numIDs <= 0 {
		return nil, nil, invalid("IdentityCentres: numIDs = %d", numIDs)
	}
	counts = make([]uint64, numIDs)
	var pin runtime.Pinner
	defer pin.Unpin()
	var co C.v2f_centres_opts
	C.v2f_centres_opts_init(&co, C.sizeof_v2f_centres_opts)
	if normalize {
		co.normalize = 1
	}
	co.counts_out = pinU64(&pin, counts)
	var arr *C.v2f_array
	if err := call(func() C.v2f_status {
		return C.v2f_identity_centres_from_features(fptr(features), C.size_t(n), C.size_t(dim),
			(*C.int64_t)(unsafe.Pointer(&labels[0])), C.size_t(numIDs), &co, &arr)
	}); err != nil {
		return nil, nil, err
	}
	a := takeArray(arr)
	return a.Data, counts, nil
}

// FolderCentresOptions for Model.IdentityCentresFromFolder; the zero value
// (or nil) gives the defaults.
type FolderCentresOptions struct {
	// Normalize averages unit-norm features (the official code: plain means).
	Normalize bool
	// Resize resizes images that are not 112x112 (bilinear) instead of
	// failing with ErrFormat.
	Resize bool
	// Progress receives (identities done, identities) after each identity.
	Progress ProgressFunc
}

// IdentityCentresFromFolder returns the identity centres [identities*512]
// of a folder of aligned face crops, root/<id>/*.png|*.jpg|*.jpeg (one
// subfolder per identity; row i is the i-th subfolder in byte order of its
// name): the mean ArcFace feature of each identity, and the number of
// images per identity. Errors: ErrIO (unreadable folder or file, an
// identity without images, no subfolder), ErrFormat (an image that does not
// decode, or is not 112x112 without Resize), ErrUnsupported (no
// arcface.pt), ErrCancelled.
func (m *Model) IdentityCentresFromFolder(root string, opts *FolderCentresOptions) (centres []float32, counts []uint64, err error) {
	return m.IdentityCentresFromFolderContext(context.Background(), root, opts)
}

// IdentityCentresFromFolderContext is IdentityCentresFromFolder that stops
// at the next progress report (after an identity) once ctx is done, with an
// error matching ctx.Err() and ErrCancelled.
func (m *Model) IdentityCentresFromFolderContext(ctx context.Context, root string, opts *FolderCentresOptions) (centres []float32, counts []uint64, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var o FolderCentresOptions
	if opts != nil {
		o = *opts
	}
	// counts_out needs one entry per identity subfolder before the call:
	// size it by the entries of root (a superset); the library reports
	// progress after each identity with the total, so a folder that grew in
	// between is caught after at most entry 0 was written.
	entries, _ := os.ReadDir(root) // unreadable: the library says why
	capacity := len(entries)
	grew := false
	guard := func(done, total uint64) bool {
		if total > uint64(capacity) {
			grew = true
			return true
		}
		return o.Progress != nil && o.Progress(done, total)
	}
	counts = make([]uint64, capacity)
	var arr *C.v2f_array
	err = m.use(func(p *C.v2f_model) error {
		var pin runtime.Pinner
		defer pin.Unpin()
		var co C.v2f_centres_opts
		C.v2f_centres_opts_init(&co, C.sizeof_v2f_centres_opts)
		if o.Normalize {
			co.normalize = 1
		}
		if o.Resize {
			co.resize = 1
		}
		co.counts_out = pinU64(&pin, counts)
		fn, h, finish := withProgress(ctxProgress(ctx, guard))
		defer finish()
		co.progress = fn
		co.progress_user = C.v2f_go_handle_ptr(C.uintptr_t(h))
		croot := cstr(root)
		defer cfree(croot)
		return call(func() C.v2f_status {
			return C.v2f_identity_centres_from_folder(p, croot, &co, &arr)
		})
	})
	if grew {
		if arr != nil {
			C.v2f_array_free(arr)
		}
		return nil, nil, &Error{Status: StatusIO, Message: root + ": the folder changed during the call"}
	}
	if err != nil {
		return nil, nil, ctxResult(ctx, err)
	}
	a := takeArray(arr)
	return a.Data, counts[:a.Rows], nil
}

// SeparabilityOptions for Separability; zero value (or nil): defaults.
type SeparabilityOptions struct {
	Threads  int // 0: online CPUs
	Progress ProgressFunc
}

// SeparabilityReport is what Separability measured.
type SeparabilityReport struct {
	N         uint64
	Separated uint64 // identities with nearest-neighbour cosine <= threshold
	Threshold float32
	NNMin     float32
	NNMean    float32
	NNMax     float32
	// Histogram of nearest-neighbour cosines: bin b counts
	// [-1 + b h, -1 + (b+1) h), h = 2 / SeparabilityBins.
	Histogram [SeparabilityBins]uint64
	// NN is each vector's nearest-neighbour cosine [n].
	NN []float32
}

// Separability measures a set of identity vectors [n*dim] (all pairs);
// threshold 0.4 is the official measure.
func Separability(vectors []float32, dim int, threshold float32, opts *SeparabilityOptions) (*SeparabilityReport, error) {
	return SeparabilityContext(context.Background(), vectors, dim, threshold, opts)
}

// SeparabilityContext is Separability that stops at the next progress
// report (rows done) once ctx is done, with an error matching ctx.Err()
// and ErrCancelled.
func SeparabilityContext(ctx context.Context, vectors []float32, dim int, threshold float32, opts *SeparabilityOptions) (*SeparabilityReport, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	n, err := rows("vectors", len(vectors), dim)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep := &SeparabilityReport{NN: make([]float32, n)}
	var pin runtime.Pinner
	defer pin.Unpin()
	var co C.v2f_separability_opts
	C.v2f_separability_opts_init(&co, C.sizeof_v2f_separability_opts)
	co.nn_out = pinF(&pin, rep.NN)
	var progress ProgressFunc
	if opts != nil {
		co.threads = C.int32_t(opts.Threads)
		progress = opts.Progress
	}
	fn, h, finish := withProgress(ctxProgress(ctx, progress))
	defer finish()
	co.progress = fn
	co.progress_user = C.v2f_go_handle_ptr(C.uintptr_t(h))
	var cr C.v2f_separability_report
	cr.struct_size = C.sizeof_v2f_separability_report
	if err := call(func() C.v2f_status {
		return C.v2f_separability(fptr(vectors), C.size_t(n), C.size_t(dim), C.float(threshold), &co, &cr)
	}); err != nil {
		return nil, ctxResult(ctx, err)
	}
	rep.N, rep.Separated, rep.Threshold = uint64(cr.n), uint64(cr.separated), float32(cr.threshold)
	rep.NNMin, rep.NNMean, rep.NNMax = float32(cr.nn_min), float32(cr.nn_mean), float32(cr.nn_max)
	for i := range rep.Histogram {
		rep.Histogram[i] = uint64(cr.histogram[i])
	}
	return rep, nil
}
