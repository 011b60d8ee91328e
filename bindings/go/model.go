package vec2face

/*
#include <stdlib.h>
#include <vec2face/vec2face.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"unsafe"
)

// RuntimeOptions for LoadModel; the zero value (or nil) gives the defaults.
type RuntimeOptions struct {
	// Device is "cpu" (default when empty) or "cuda:N" when the linked
	// libtorch has CUDA.
	Device string
	// Threads is the number of intra-op threads; 0 = the CPUs this process
	// may run on. libtorch's pool is process-wide: the last load sets it.
	Threads int
	// Precision of the generators: PrecisionFP32 (default), PrecisionBF16 or
	// PrecisionFP16 (CUDA only).
	Precision Precision
	// MaxModelBytes is the largest accepted part file (and the most its zip
	// entries may unpack to); 0: 16 GiB. A bigger file is ErrModel.
	MaxModelBytes uint64
	// MemoryLimit caps the memory one call on the model may need, in
	// bytes: a call estimated over it fails with ErrNoMemory before
	// allocating. 0: half the physical memory; math.MaxUint64: no cap.
	MemoryLimit uint64
	// DisableAttrOp loads without the autograd copies of the networks
	// (since 0.3): less memory, the same images; AttrOp then fails with
	// ErrUnsupported. The zero value keeps AttrOp available.
	DisableAttrOp bool
}

// v2f_attrop_mode values (v2f_runtime_opts.attrop, v2f_model_info.attrop).
const (
	attropEnabled  = 0
	attropDisabled = 1
)

// Model is an opened model directory. It is immutable after load and may be
// used from several goroutines at once.
type Model struct {
	handle[*C.v2f_model] // refs: live AttrOps and DatasetJobs on the model
}

// LoadModel opens a model directory holding any subset of the six part
// files. A missing part disables the calls that need it.
func LoadModel(dir string, opts *RuntimeOptions) (*Model, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	cdir := cstr(dir)
	defer cfree(cdir)
	var ro *C.v2f_runtime_opts
	if opts != nil {
		ro = (*C.v2f_runtime_opts)(C.calloc(1, C.sizeof_v2f_runtime_opts))
		defer C.free(unsafe.Pointer(ro))
		C.v2f_runtime_opts_init(ro, C.sizeof_v2f_runtime_opts)
		if opts.Device != "" {
			ro.device = cstr(opts.Device)
			defer cfree(ro.device)
		}
		ro.threads = C.int32_t(opts.Threads)
		ro.precision = C.int32_t(opts.Precision)
		ro.max_model_bytes = C.uint64_t(opts.MaxModelBytes)
		ro.memory_limit = C.uint64_t(opts.MemoryLimit)
		if opts.DisableAttrOp {
			ro.attrop = attropDisabled
		}
	}
	var p *C.v2f_model
	if err := call(func() C.v2f_status { return C.v2f_model_load(cdir, ro, &p) }); err != nil {
		return nil, err
	}
	m := &Model{handle[*C.v2f_model]{ptr: p, free: func(p *C.v2f_model) { C.v2f_model_free(p) }}}
	track(m)
	return m, nil
}

// Close frees the model. Calls in progress finish first; the C model is
// freed once no AttrOp or DatasetJob uses it any more. Close is idempotent.
// It always returns nil (freeing cannot fail); the error is there so that
// a Model is an io.Closer.
func (m *Model) Close() error {
	m.close(m)
	return nil
}

// ModelInfo says what a model holds.
type ModelInfo struct {
	Parts     uint32 // bit (1 << Part) set when present
	VectorDim int
	ImageSize int
	CondDim   int
	Threads   int // intra-op threads in use
	Precision Precision
	Device    string
	// DefaultBatchSize is the images per forward pass when a batch size
	// option is 0 (since 0.3).
	DefaultBatchSize int
	// AttrOp is false when the model was loaded with DisableAttrOp.
	AttrOp bool
}

// Has reports whether the part's file was present.
func (i ModelInfo) Has(p Part) bool { return i.Parts&(1<<uint(p)) != 0 }

// Info describes the model.
func (m *Model) Info() (ModelInfo, error) {
	var out ModelInfo
	err := m.use(func(p *C.v2f_model) error {
		var ci C.v2f_model_info
		ci.struct_size = C.sizeof_v2f_model_info
		if err := call(func() C.v2f_status { return C.v2f_model_info_get(p, &ci) }); err != nil {
			return err
		}
		out = ModelInfo{Parts: uint32(ci.parts), VectorDim: int(ci.vector_dim),
			ImageSize: int(ci.image_size), CondDim: int(ci.cond_dim), Threads: int(ci.threads),
			Precision: Precision(ci.precision), Device: goString(ci.device[:]),
			DefaultBatchSize: int(ci.default_batch_size), AttrOp: ci.attrop == attropEnabled}
		return nil
	})
	return out, err
}

// PartInfo is the metadata one part file carries.
type PartInfo struct {
	Present       bool
	FormatVersion int
	Kind          string // "generator", "pose_generator", ...
	SourceSHA256  string // of the official checkpoint, or "random:..."
	Exporter      string
	// Generator parts only (zero otherwise):
	MaskRatioMin, MaskRatioMax, MaskRatioMu, MaskRatioStd float32
	NumDropped                                            int
	LoRARank                                              int
	LoRAAlpha                                             float32
}

// PartInfo describes one part.
func (m *Model) PartInfo(part Part) (PartInfo, error) {
	var out PartInfo
	err := m.use(func(p *C.v2f_model) error {
		var ci C.v2f_part_info
		ci.struct_size = C.sizeof_v2f_part_info
		if err := call(func() C.v2f_status { return C.v2f_model_part_info(p, C.int32_t(part), &ci) }); err != nil {
			return err
		}
		out = PartInfo{Present: ci.present != 0, FormatVersion: int(ci.format_version),
			Kind: goString(ci.kind[:]), SourceSHA256: goString(ci.source_sha256[:]),
			Exporter:     goString(ci.exporter[:]),
			MaskRatioMin: float32(ci.mask_ratio_min), MaskRatioMax: float32(ci.mask_ratio_max),
			MaskRatioMu: float32(ci.mask_ratio_mu), MaskRatioStd: float32(ci.mask_ratio_std),
			NumDropped: int(ci.num_dropped), LoRARank: int(ci.lora_rank),
			LoRAAlpha: float32(ci.lora_alpha)}
		return nil
	})
	return out, err
}

// MaskRatio is the truncated normal(Mu, Std) on [Min, Max] of mask ratios.
// Min must equal the model's (it fixes the dropped count).
type MaskRatio struct{ Min, Max, Mu, Std float32 }

// GenOptions for Generate, GeneratePose and SampleMasks. The zero value
// (or nil) gives the defaults.
type GenOptions struct {
	Seed uint64 // seed of the counter-based randomness
	// IdentityIndex [n] gives each vector's identity index; nil: vector i
	// has IdentityBase + i.
	IdentityIndex []uint64
	IdentityBase  uint64
	// ImageIndex [n] gives each vector's image index; nil: ImageBase.
	ImageIndex []uint64
	ImageBase  uint64
	// MaskRatio overrides the model's mask ratio distribution; nil: the
	// model's own.
	MaskRatio *MaskRatio
	// Dropped and Masked [n*NumTokens] 0/1 bytes replay explicit masks
	// (both or neither); nil: sampled.
	Dropped, Masked []byte
	// BatchSize is images per forward pass; 0 = 16.
	BatchSize int
	// RawOut, when non-nil, receives the raw float images [n*RawImageFloats]
	// (CHW, about [-1, 1]).
	RawOut []float32
	// Progress, when non-nil, receives (images done, total).
	Progress ProgressFunc
}

// genOpts fills a C v2f_gen_opts from o for n images. Slices referenced
// from the struct are pinned by pin; the caller calls finish after the C
// call.
func (o *GenOptions) fill(ctx context.Context, n int, pin *runtime.Pinner, co *C.v2f_gen_opts) (finish func(), err error) {
	C.v2f_gen_opts_init(co, C.sizeof_v2f_gen_opts)
	if o == nil {
		fn, h, finish := withProgress(ctxProgress(ctx, nil))
		co.progress = fn
		co.progress_user = C.v2f_go_handle_ptr(C.uintptr_t(h))
		return finish, nil
	}
	if err := needLen("IdentityIndex", len(o.IdentityIndex), n); err != nil {
		return nil, err
	}
	if err := needLen("ImageIndex", len(o.ImageIndex), n); err != nil {
		return nil, err
	}
	if err := needLen("Dropped", len(o.Dropped), n*NumTokens); err != nil {
		return nil, err
	}
	if err := needLen("Masked", len(o.Masked), n*NumTokens); err != nil {
		return nil, err
	}
	if err := needLen("RawOut", len(o.RawOut), n*RawImageFloats); err != nil {
		return nil, err
	}
	co.seed = C.uint64_t(o.Seed)
	co.identity_index = pinU64(pin, o.IdentityIndex)
	co.identity_base = C.uint64_t(o.IdentityBase)
	co.image_index = pinU64(pin, o.ImageIndex)
	co.image_base = C.uint64_t(o.ImageBase)
	if r := o.MaskRatio; r != nil {
		co.mask_ratio_min, co.mask_ratio_max = C.float(r.Min), C.float(r.Max)
		co.mask_ratio_mu, co.mask_ratio_std = C.float(r.Mu), C.float(r.Std)
	}
	co.dropped = pinB(pin, o.Dropped)
	co.masked = pinB(pin, o.Masked)
	co.batch_size = C.int32_t(o.BatchSize)
	co.raw_out = pinF(pin, o.RawOut)
	fn, h, finish := withProgress(ctxProgress(ctx, o.Progress))
	co.progress = fn
	co.progress_user = C.v2f_go_handle_ptr(C.uintptr_t(h))
	return finish, nil
}

// Generate makes one image per identity vector (vectors: n*VectorDim
// values) with the plain generator and returns n*ImageBytes bytes.
func (m *Model) Generate(vectors []float32, opts *GenOptions) ([]byte, error) {
	return m.GenerateContext(context.Background(), vectors, opts)
}

// GenerateContext is Generate that stops at the next progress report
// (after a batch of BatchSize images) once ctx is done, with an error
// matching ctx.Err() and ErrCancelled.
func (m *Model) GenerateContext(ctx context.Context, vectors []float32, opts *GenOptions) ([]byte, error) {
	n, err := rows("vectors", len(vectors), VectorDim)
	if err != nil {
		return nil, err
	}
	rgb := make([]byte, n*ImageBytes)
	if err := m.generate(ctx, rgb, vectors, nil, opts); err != nil {
		return nil, err
	}
	return rgb, nil
}

// GenerateInto is Generate writing into rgb (n*ImageBytes bytes).
func (m *Model) GenerateInto(rgb []byte, vectors []float32, opts *GenOptions) error {
	return m.generate(context.Background(), rgb, vectors, nil, opts)
}

// GenerateIntoContext is GenerateInto that stops once ctx is done (see
// GenerateContext); the images of the batches done are then in rgb.
func (m *Model) GenerateIntoContext(ctx context.Context, rgb []byte, vectors []float32, opts *GenOptions) error {
	return m.generate(ctx, rgb, vectors, nil, opts)
}

// GeneratePose makes one image per vector whose pose follows the matching
// landmark image (landmarks: n*ImageBytes, see RenderLandmarks), through
// pose_cond.pt and pose_generator.pt.
func (m *Model) GeneratePose(vectors []float32, landmarks []byte, opts *GenOptions) ([]byte, error) {
	return m.GeneratePoseContext(context.Background(), vectors, landmarks, opts)
}

// GeneratePoseContext is GeneratePose that stops once ctx is done (see
// GenerateContext).
func (m *Model) GeneratePoseContext(ctx context.Context, vectors []float32, landmarks []byte, opts *GenOptions) ([]byte, error) {
	n, err := rows("vectors", len(vectors), VectorDim)
	if err != nil {
		return nil, err
	}
	if len(landmarks) != n*ImageBytes {
		return nil, invalid("landmarks: length %d, need %d for %d vectors", len(landmarks), n*ImageBytes, n)
	}
	rgb := make([]byte, n*ImageBytes)
	if err := m.generate(ctx, rgb, vectors, landmarks, opts); err != nil {
		return nil, err
	}
	return rgb, nil
}

func (m *Model) generate(ctx context.Context, rgb []byte, vectors []float32, landmarks []byte, opts *GenOptions) error {
	n, err := rows("vectors", len(vectors), VectorDim)
	if err != nil {
		return err
	}
	if len(rgb) != n*ImageBytes {
		return invalid("rgb: length %d, need %d", len(rgb), n*ImageBytes)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err = m.use(func(p *C.v2f_model) error {
		var pin runtime.Pinner
		defer pin.Unpin()
		var co C.v2f_gen_opts
		finish, err := opts.fill(ctx, n, &pin, &co)
		if err != nil {
			return err
		}
		defer finish()
		return call(func() C.v2f_status {
			if landmarks != nil {
				return C.v2f_generate_pose(p, fptr(vectors), bptr(landmarks), C.size_t(n), &co, bptr(rgb))
			}
			return C.v2f_generate(p, fptr(vectors), C.size_t(n), &co, bptr(rgb))
		})
	})
	return ctxResult(ctx, err)
}

// SampleMasks returns the masks ([n*NumTokens] 0/1 bytes each) the generator
// part (PartGenerator or PartPoseGenerator) would use for n images with
// these options.
func (m *Model) SampleMasks(part Part, n int, opts *GenOptions) (dropped, masked []byte, err error) {
	if n <= 0 {
		return nil, nil, invalid("SampleMasks: n = %d", n)
	}
	dropped, masked = make([]byte, n*NumTokens), make([]byte, n*NumTokens)
	err = m.use(func(p *C.v2f_model) error {
		var pin runtime.Pinner
		defer pin.Unpin()
		var co C.v2f_gen_opts
		finish, err := opts.fill(context.Background(), n, &pin, &co)
		if err != nil {
			return err
		}
		defer finish()
		return call(func() C.v2f_status {
			return C.v2f_sample_masks(p, C.int32_t(part), C.size_t(n), &co, bptr(dropped), bptr(masked))
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return dropped, masked, nil
}

// RenderLandmarks draws landmark images in the training style from points5
// ([n][5][2] pixel coordinates: left eye, right eye, nose tip, left and
// right mouth corner) and returns n*ImageBytes bytes.
func RenderLandmarks(points5 []float32) ([]byte, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	n, err := rows("points5", len(points5), 10)
	if err != nil {
		return nil, err
	}
	rgb := make([]byte, n*ImageBytes)
	if err := call(func() C.v2f_status {
		return C.v2f_render_landmarks(fptr(points5), C.size_t(n), bptr(rgb))
	}); err != nil {
		return nil, err
	}
	return rgb, nil
}

// RawToRGB converts raw float images (n*RawImageFloats, CHW, about [-1,1])
// to n uint8 RGB images the way the official code does.
func RawToRGB(raw []float32) ([]byte, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	n, err := rows("raw", len(raw), RawImageFloats)
	if err != nil {
		return nil, err
	}
	rgb := make([]byte, n*ImageBytes)
	if err := call(func() C.v2f_status { return C.v2f_raw_to_rgb(fptr(raw), C.size_t(n), bptr(rgb)) }); err != nil {
		return nil, err
	}
	return rgb, nil
}

// ExtractFeatures returns the identity features [n*VectorDim] of n aligned
// RGB face crops with which = PartArcFace or PartMagFace.
func (m *Model) ExtractFeatures(which Part, rgb []byte) ([]float32, error) {
	n, err := rows("rgb", len(rgb), ImageBytes)
	if err != nil {
		return nil, err
	}
	out := make([]float32, n*VectorDim)
	err = m.use(func(p *C.v2f_model) error {
		return call(func() C.v2f_status {
			return C.v2f_extract_features(p, C.int32_t(which), bptr(rgb), C.size_t(n), fptr(out))
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EstimateQuality returns the MagFace quality (feature norm) of n crops.
func (m *Model) EstimateQuality(rgb []byte) ([]float32, error) {
	n, err := rows("rgb", len(rgb), ImageBytes)
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	err = m.use(func(p *C.v2f_model) error {
		return call(func() C.v2f_status {
			return C.v2f_estimate_quality(p, bptr(rgb), C.size_t(n), fptr(out))
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EstimatePose returns the head pose [n*3] (pitch, yaw, roll in degrees)
// of n crops with 6DRepNet.
func (m *Model) EstimatePose(rgb []byte) ([]float32, error) {
	n, err := rows("rgb", len(rgb), ImageBytes)
	if err != nil {
		return nil, err
	}
	out := make([]float32, n*3)
	err = m.use(func(p *C.v2f_model) error {
		return call(func() C.v2f_status {
			return C.v2f_estimate_pose(p, bptr(rgb), C.size_t(n), fptr(out))
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
