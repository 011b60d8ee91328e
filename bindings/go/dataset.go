package vec2face

/*
#include <stdlib.h>
#include <vec2face/vec2face.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"math"
	"runtime"
	"unsafe"
)

// DatasetFormat is the image file format of a dataset.
type DatasetFormat int32

const (
	DatasetPNG  DatasetFormat = 0 // <image %03d>.png
	DatasetJPEG DatasetFormat = 1 // <image %03d>.jpg
)

// DatasetMeasure is a set of per-image measurements a recipe records in
// the manifest (bits, combine with |; since 0.2).
type DatasetMeasure uint32

const (
	MeasureSimilarity DatasetMeasure = 1 // ArcFace cosine to the identity's vector (arcface.pt)
	MeasureQuality    DatasetMeasure = 2 // MagFace quality (magface.pt)
	MeasureYaw        DatasetMeasure = 4 // head-pose yaw (headpose.pt)
)

// DatasetFilter is the identity-consistency filter of a recipe (since 0.2).
type DatasetFilter int32

const (
	FilterNone       DatasetFilter = 0 // no filter
	FilterDrop       DatasetFilter = 1 // an image below the threshold is dropped
	FilterRegenerate DatasetFilter = 2 // ... made again, up to FilterMaxAttempts, then dropped
)

// PoseOrder is how a pose image picks its template (since 0.2).
type PoseOrder int32

const (
	PoseCycle  PoseOrder = 0 // template (j - PerturbImages) % templates
	PoseSample PoseOrder = 1 // uniform, keyed (seed, identity, j)
)

// DatasetRecipe is what a dataset job generates. Start from
// DefaultDatasetRecipe(): several defaults are not zero. A dataset folder
// holds recipe.txt, <identity %06d>/<image %03d>.png|jpg and
// manifest/part-<K>-of-<N>.csv; see the Datasets section of vec2face.h.
type DatasetRecipe struct {
	// Identities is a float32 .npy of shape [num_ids][512] (see WriteNpy).
	Identities string
	// OutDir is the output folder, created when missing.
	OutDir string
	// Seed of the perturbation noise and the generator's masks.
	Seed uint64
	// PerturbImages per identity from perturbation (4), >= 0.
	PerturbImages int
	// Their eps mixture, as in PerturbOptions: Eps[k] drawn with weights
	// EpsShares[k] (nil: equal); Eps nil: 0.3/0.5/0.7 with shares
	// 0.4/0.4/0.2. At most 64.
	Eps, EpsShares []float32
	// PoseImages per identity from pose control (0), >= 0; PerturbImages +
	// PoseImages must be 1..1000.
	PoseImages int
	// PosePoints are five-point templates [templates*10] (x, y pixel pairs
	// in RenderLandmarks order), cycled by image index; required when
	// PoseImages > 0.
	PosePoints []float32
	// PoseEps is the perturbation eps of the pose images (0.7).
	PoseEps float32
	// Format of the image files (DatasetPNG).
	Format DatasetFormat
	// JPEGQuality 1..100 (95).
	JPEGQuality int
	// BatchSize is images per batch: per generator call, and how often
	// the manifest is synced and progress reported; 0 (default since 0.3;
	// 16 before): the model's ModelInfo.DefaultBatchSize. Not part of the
	// recipe's identity: a restart may change it.
	BatchSize int

	// Since 0.2 (all off by default):

	// Measure is what to measure per image and record in the manifest.
	Measure DatasetMeasure
	// Filter drops (or regenerates) an image whose ArcFace cosine to its
	// identity's vector is below FilterThreshold; FilterMaxAttempts (3)
	// attempts in all for FilterRegenerate.
	Filter            DatasetFilter
	FilterThreshold   float32
	FilterMaxAttempts int
	// AttrOPImages per identity (0) made by AttrOP after the pose images,
	// toward quality AttrOPQuality (24; 0: none) and the |yaw| targets
	// AttrOPYaw (cycled; nil: no pose loss), with AttrOPIterations (5)
	// counted steps and up to AttrOPMaxRetries (30) uncounted ones.
	AttrOPImages     int
	AttrOPQuality    float32
	AttrOPYaw        []float32
	AttrOPIterations int
	AttrOPMaxRetries int
	// PoseOrder picks each pose image's template (PoseCycle).
	PoseOrder PoseOrder
	// PoseLandmarks are landmark-image templates: 112x112 PNG/JPEG landmark
	// maps, or folders whose images are taken in name order; they follow
	// the PosePoints templates.
	PoseLandmarks []string
	// PNGLevel is the PNG zlib level 0..9, or -1 (DefaultDatasetRecipe)
	// for the library's default (6); it changes file sizes, not pixels,
	// and is not part of the recipe digest (since 0.3).
	PNGLevel int
	// WaitLock makes Run wait (cancellable through progress or the
	// context) while another process or job holds this shard's lock,
	// instead of failing with ErrBusy (since 0.3).
	WaitLock bool
}

// DefaultDatasetRecipe returns the library's defaults (no identities file
// and no output folder: both must be set).
func DefaultDatasetRecipe() DatasetRecipe {
	var cr C.v2f_dataset_recipe
	C.v2f_dataset_recipe_init(&cr, C.sizeof_v2f_dataset_recipe)
	return DatasetRecipe{Seed: uint64(cr.seed), PerturbImages: int(cr.perturb_images),
		PoseImages: int(cr.pose_images), PoseEps: float32(cr.pose_eps),
		Format: DatasetFormat(cr.format), JPEGQuality: int(cr.jpeg_quality),
		BatchSize: int(cr.batch_size), Measure: DatasetMeasure(cr.measure),
		Filter: DatasetFilter(cr.filter), FilterThreshold: float32(cr.filter_threshold),
		FilterMaxAttempts: int(cr.filter_max_attempts), AttrOPImages: int(cr.attrop_images),
		AttrOPQuality: float32(cr.attrop_quality), AttrOPIterations: int(cr.attrop_iterations),
		AttrOPMaxRetries: int(cr.attrop_max_retries), PoseOrder: PoseOrder(cr.pose_order),
		PNGLevel: int(cr.png_level)}
}

// DatasetStats are the counts of a DatasetJob.
type DatasetStats struct {
	// This shard's identities: [IdentityFirst, IdentityEnd).
	IdentityFirst, IdentityEnd uint64
	IdentitiesTotal            uint64 // IdentityEnd - IdentityFirst
	IdentitiesSkipped          uint64 // complete before this run
	IdentitiesDone             uint64 // complete now (skipped included)
	ImagesTotal                uint64 // of this shard
	ImagesWritten              uint64 // generated and written by this run
	ImagesSkipped              uint64 // already on disk before this run
	RowsAdded                  uint64 // manifest rows added for files on disk without one
	// Since 0.2, counts of this run:
	ImagesMeasured    uint64 // generation attempts measured
	FilterRejected    uint64 // attempts below FilterThreshold
	FilterRegenerated uint64 // images kept after more than one attempt
	ImagesDropped     uint64 // images dropped by the filter
}

// DatasetJob is one shard of a dataset recipe. Calls on one job are
// serialised; it keeps its Model open until it is closed.
type DatasetJob struct {
	handle[*C.v2f_dataset_job]
}

// NewDatasetJob prepares shard shard of shards (identities
// [shard*num/shards, (shard+1)*num/shards)): it checks the recipe and the
// model's parts, reads the identities, creates the output folder and
// writes OutDir/recipe.txt, or compares with the one there: a different
// recipe, seed or identities file fails with ErrInvalidArg naming the
// first setting that changed.
func (m *Model) NewDatasetJob(recipe DatasetRecipe, shard, shards int) (*DatasetJob, error) {
	if shards <= 0 || uint64(shards) > math.MaxUint32 || shard < 0 || shard >= shards {
		return nil, invalid("NewDatasetJob: shard %d of %d", shard, shards)
	}
	r := &recipe
	if r.EpsShares != nil && len(r.EpsShares) != len(r.Eps) {
		return nil, invalid("EpsShares: length %d, Eps has %d", len(r.EpsShares), len(r.Eps))
	}
	if len(r.PosePoints)%10 != 0 {
		return nil, invalid("PosePoints: length %d is not a multiple of 10", len(r.PosePoints))
	}
	for _, c := range []struct {
		what string
		v    int
	}{{"Eps", len(r.Eps)}, {"PerturbImages", r.PerturbImages}, {"PoseImages", r.PoseImages},
		{"PosePoints templates", len(r.PosePoints) / 10}, {"JPEGQuality", r.JPEGQuality},
		{"BatchSize", r.BatchSize}, {"FilterMaxAttempts", r.FilterMaxAttempts},
		{"AttrOPImages", r.AttrOPImages}, {"AttrOPYaw", len(r.AttrOPYaw)},
		{"AttrOPIterations", r.AttrOPIterations}, {"AttrOPMaxRetries", r.AttrOPMaxRetries},
		{"PNGLevel", r.PNGLevel},
		{"PoseLandmarks", len(r.PoseLandmarks)}} {
		if c.v < math.MinInt32 || c.v > math.MaxInt32 {
			return nil, invalid("%s: %d does not fit in int32", c.what, c.v)
		}
	}
	var h *C.v2f_dataset_job
	err := m.use(func(p *C.v2f_model) error {
		var pin runtime.Pinner
		defer pin.Unpin()
		var cr C.v2f_dataset_recipe
		C.v2f_dataset_recipe_init(&cr, C.sizeof_v2f_dataset_recipe)
		// Strings in C memory; arrays pinned: job_new copies them all.
		cr.identities = cstr(r.Identities)
		defer cfree(cr.identities)
		cr.out_dir = cstr(r.OutDir)
		defer cfree(cr.out_dir)
		cr.seed = C.uint64_t(r.Seed)
		cr.perturb_images = C.int32_t(r.PerturbImages)
		cr.eps_count = C.int32_t(len(r.Eps))
		cr.eps = pinF(&pin, r.Eps)
		cr.eps_shares = pinF(&pin, r.EpsShares)
		cr.pose_images = C.int32_t(r.PoseImages)
		cr.pose_templates = C.int32_t(len(r.PosePoints) / 10)
		cr.pose_points = pinF(&pin, r.PosePoints)
		cr.pose_eps = C.float(r.PoseEps)
		cr.format = C.int32_t(r.Format)
		cr.jpeg_quality = C.int32_t(r.JPEGQuality)
		cr.png_level = C.int32_t(r.PNGLevel)
		if r.WaitLock {
			cr.wait_lock = 1
		}
		cr.batch_size = C.int32_t(r.BatchSize)
		cr.measure = C.uint32_t(r.Measure)
		cr.filter = C.int32_t(r.Filter)
		cr.filter_threshold = C.float(r.FilterThreshold)
		cr.filter_max_attempts = C.int32_t(r.FilterMaxAttempts)
		cr.attrop_images = C.int32_t(r.AttrOPImages)
		cr.attrop_quality = C.float(r.AttrOPQuality)
		cr.attrop_yaw_count = C.int32_t(len(r.AttrOPYaw))
		cr.attrop_yaw = pinF(&pin, r.AttrOPYaw)
		cr.attrop_iterations = C.int32_t(r.AttrOPIterations)
		cr.attrop_max_retries = C.int32_t(r.AttrOPMaxRetries)
		cr.pose_order = C.int32_t(r.PoseOrder)
		// The path array lives in C memory: cgo may not pass Go memory
		// holding pointers.
		if n := len(r.PoseLandmarks); n > 0 {
			arr := (*[1 << 28]*C.char)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof((*C.char)(nil)))))[:n:n]
			defer C.free(unsafe.Pointer(&arr[0]))
			for i, p := range r.PoseLandmarks {
				arr[i] = cstr(p)
				defer cfree(arr[i])
			}
			cr.pose_landmark_count = C.int32_t(n)
			cr.pose_landmarks = &arr[0]
		}
		err := call(func() C.v2f_status {
			return C.v2f_dataset_job_new(p, &cr, C.uint32_t(shard), C.uint32_t(shards), &h)
		})
		if err == nil {
			// The job refers to the C model: keep it until Close (Close of
			// the model cannot run now: we hold the read lock).
			m.ref()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	j := &DatasetJob{handle[*C.v2f_dataset_job]{ptr: h,
		free: func(h *C.v2f_dataset_job) { C.v2f_dataset_job_free(h) }, serial: true, model: m}}
	track(j)
	return j, nil
}

// Close frees the job and releases its Model (idempotent; waits for a
// call in progress). What it wrote stays; a new job with the same recipe
// resumes. It always returns nil (freeing cannot fail); the error is there
// so that a DatasetJob is an io.Closer.
func (j *DatasetJob) Close() error {
	j.close(j)
	return nil
}

// Run makes the shard's missing images (files already on disk are
// skipped). progress (may be nil) gets (images of this shard complete,
// images of this shard) after the scan of the folder and after every
// batch, on the calling goroutine; returning true stops after the current
// batch with ErrCancelled, leaving a state that Run or a new job with the
// same recipe resumes. A panic in progress stops the run and is re-raised
// by Run. Run is RunContext with context.Background().
func (j *DatasetJob) Run(progress ProgressFunc) error {
	return j.RunContext(context.Background(), progress)
}

// RunContext is Run that also stops when ctx is done: at the next progress
// report (after the batch being written; the batch already generated is
// written too), returning an error that matches both ctx.Err() and
// ErrCancelled. What is on disk then is resumed by Run or a new job with
// the same recipe.
func (j *DatasetJob) RunContext(ctx context.Context, progress ProgressFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := j.use(func(h *C.v2f_dataset_job) error {
		fn, ph, finish := withProgress(ctxProgress(ctx, progress))
		defer finish()
		return call(func() C.v2f_status {
			return C.v2f_dataset_job_run(h, fn, C.v2f_go_handle_ptr(C.uintptr_t(ph)))
		})
	})
	return ctxResult(ctx, err)
}

// Stats returns the job's counts so far.
func (j *DatasetJob) Stats() (DatasetStats, error) {
	var out DatasetStats
	err := j.use(func(h *C.v2f_dataset_job) error {
		var cs C.v2f_dataset_stats
		cs.struct_size = C.sizeof_v2f_dataset_stats
		if err := call(func() C.v2f_status { return C.v2f_dataset_job_stats(h, &cs) }); err != nil {
			return err
		}
		out = DatasetStats{IdentityFirst: uint64(cs.identity_first), IdentityEnd: uint64(cs.identity_end),
			IdentitiesTotal: uint64(cs.identities_total), IdentitiesSkipped: uint64(cs.identities_skipped),
			IdentitiesDone: uint64(cs.identities_done), ImagesTotal: uint64(cs.images_total),
			ImagesWritten: uint64(cs.images_written), ImagesSkipped: uint64(cs.images_skipped),
			RowsAdded: uint64(cs.rows_added), ImagesMeasured: uint64(cs.images_measured),
			FilterRejected: uint64(cs.filter_rejected), FilterRegenerated: uint64(cs.filter_regenerated),
			ImagesDropped: uint64(cs.images_dropped)}
		return nil
	})
	return out, err
}

// DatasetReport is what VerifyDataset found.
type DatasetReport struct {
	// OK: complete and consistent (Problems == 0).
	OK                 bool
	Identities         uint64 // in the recipe
	IdentitiesComplete uint64 // every image present, decoding, with its manifest row
	ImagesExpected     uint64
	ImagesOK           uint64 // present and decode as 112x112
	ImagesMissing      uint64
	ImagesCorrupt      uint64 // present but do not decode as 112x112
	ManifestParts      uint64
	ManifestRows       uint64 // valid rows in all parts
	Problems           uint64 // everything wrong, counted
	FirstProblem       string // "" when none
	ImagesDropped      uint64 // rows with status "dropped" (the filter; since 0.2)
}

// VerifyDataset checks a dataset folder against its recipe.txt: every
// identity has every image, every file decodes as a 112x112 image, every
// image has exactly one manifest row, every row names an image of the
// recipe, no temporary file is left. When there are problems it returns
// the report (OK false, FirstProblem set) together with an ErrFormat error
// whose message gives their count and the first; other failures (ErrIO:
// no readable recipe.txt) return a zero report. It has no Context variant:
// v2f_dataset_verify takes no progress callback, so it cannot be stopped.
func VerifyDataset(dir string) (DatasetReport, error) {
	if err := ensure(); err != nil {
		return DatasetReport{}, err
	}
	cdir := cstr(dir)
	defer cfree(cdir)
	var cr C.v2f_dataset_report
	cr.struct_size = C.sizeof_v2f_dataset_report
	err := call(func() C.v2f_status { return C.v2f_dataset_verify(cdir, &cr) })
	if err != nil && !errors.Is(err, ErrFormat) {
		return DatasetReport{}, err
	}
	return reportOf(&cr, err == nil), err
}

// reportOf converts a filled v2f_dataset_report.
func reportOf(cr *C.v2f_dataset_report, ok bool) DatasetReport {
	return DatasetReport{OK: ok, Identities: uint64(cr.identities),
		IdentitiesComplete: uint64(cr.identities_complete), ImagesExpected: uint64(cr.images_expected),
		ImagesOK: uint64(cr.images_ok), ImagesMissing: uint64(cr.images_missing),
		ImagesCorrupt: uint64(cr.images_corrupt), ManifestParts: uint64(cr.manifest_parts),
		ManifestRows: uint64(cr.manifest_rows), Problems: uint64(cr.problems),
		FirstProblem: goString(cr.first_problem[:]), ImagesDropped: uint64(cr.images_dropped)}
}

// MergeOptions are the options of MergeDatasets (nil: copy, no progress).
type MergeOptions struct {
	// Link hard-links images instead of copying them (copied where links
	// are impossible, e.g. across filesystems).
	Link bool
	// Progress (may be nil) gets (files written, files to write) before
	// the first write and after each file; returning true stops with
	// ErrCancelled, leaving only complete files: the same call later
	// finishes the merge.
	Progress ProgressFunc
}

// MergeStats is what MergeDatasets did, with the verify report of the
// merged folder.
type MergeStats struct {
	Sources      uint64 // source folders merged
	FilesCopied  uint64 // images (and manifest parts the folder lacked) copied or linked
	PartsMerged  uint64 // manifest parts written as the union of their rows
	FilesSkipped uint64 // already there with the same bytes, or the same in two sources
	Report       DatasetReport
}

// MergeDatasets combines dataset folders of one recipe (e.g. shards made
// on machines without a shared filesystem) into dir, then verifies it
// (v2f_dataset_merge). Every check runs before the first write: sources
// of another recipe, or a file of the same name with other bytes (the
// message names both), fail with ErrInvalidArg and nothing written. When
// the merged folder is not complete yet (shards missing) it returns the
// stats and report (Report.OK false) with an ErrFormat error, as
// VerifyDataset does. MergeDatasets is MergeDatasetsContext with
// context.Background().
func MergeDatasets(dir string, sources []string, opts *MergeOptions) (MergeStats, error) {
	return MergeDatasetsContext(context.Background(), dir, sources, opts)
}

// MergeDatasetsContext is MergeDatasets that also stops when ctx is done,
// after the file being written, with an error matching ctx.Err() and
// ErrCancelled.
func MergeDatasetsContext(ctx context.Context, dir string, sources []string, opts *MergeOptions) (MergeStats, error) {
	if err := ensure(); err != nil {
		return MergeStats{}, err
	}
	if err := ctx.Err(); err != nil {
		return MergeStats{}, err
	}
	var o MergeOptions
	if opts != nil {
		o = *opts
	}
	cdir := cstr(dir)
	defer cfree(cdir)
	// C pointers in Go memory may be passed to C (cgo's rules).
	csrc := make([]*C.char, len(sources)+1)
	for i, s := range sources {
		csrc[i] = cstr(s)
		defer cfree(csrc[i])
	}
	var co C.v2f_dataset_merge_opts
	C.v2f_dataset_merge_opts_init(&co, C.sizeof_v2f_dataset_merge_opts)
	if o.Link {
		co.link = 1
	}
	fn, h, finish := withProgress(ctxProgress(ctx, o.Progress))
	defer finish()
	co.progress = fn
	co.progress_user = C.v2f_go_handle_ptr(C.uintptr_t(h))
	var cs C.v2f_dataset_merge_stats
	cs.struct_size = C.sizeof_v2f_dataset_merge_stats
	var cr C.v2f_dataset_report
	cr.struct_size = C.sizeof_v2f_dataset_report
	err := call(func() C.v2f_status {
		return C.v2f_dataset_merge(cdir, &csrc[0], C.size_t(len(sources)), &co, &cs, &cr)
	})
	// ErrFormat without stats: a source's manifest part was refused.
	if err != nil && (!errors.Is(err, ErrFormat) || cs.sources == 0) {
		return MergeStats{}, ctxResult(ctx, err)
	}
	return MergeStats{Sources: uint64(cs.sources), FilesCopied: uint64(cs.files_copied),
		PartsMerged: uint64(cs.parts_merged), FilesSkipped: uint64(cs.files_skipped),
		Report: reportOf(&cr, err == nil)}, err
}
