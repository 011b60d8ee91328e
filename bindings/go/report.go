package vec2face

/*
#include <stdlib.h>
#include <vec2face/vec2face.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"strings"
)

// ReportMeasured says which sections of a dataset report were measured
// (bits of DatasetSummary.Measured); each needs its model part.
type ReportMeasured uint32

const (
	ReportConsistency  ReportMeasured = C.V2F_REPORT_CONSISTENCY  // ArcFace: cosines to the mean centre
	ReportInput        ReportMeasured = C.V2F_REPORT_INPUT        // ... and to the input vectors
	ReportQuality      ReportMeasured = C.V2F_REPORT_QUALITY      // MagFace
	ReportYaw          ReportMeasured = C.V2F_REPORT_YAW          // head pose
	ReportSeparability ReportMeasured = C.V2F_REPORT_SEPARABILITY // over the mean centres
)

// ReportOptions for ReportDataset. Start from DefaultReportOptions():
// several defaults are not zero.
type ReportOptions struct {
	// OutPrefix is where the files go: <OutPrefix>report.json,
	// ...report.html, ...contact_sheet.png (a folder needs its trailing
	// "/"; the folder must exist). "": "<dir>/".
	OutPrefix string
	// Identities is the .npy to use instead of the one recipe.txt names.
	Identities string
	// BatchSize is images per estimator call (32), 1..4096.
	BatchSize int
	// HistogramBins of every histogram (20), 1..1000.
	HistogramBins int
	// Threshold of the separability measure, in (-1, 1] (0.4).
	Threshold float32
	// Contact sheet: SheetIdentities rows (16), SheetImages columns (8),
	// tiles of SheetTile pixels (56; a divisor of 112).
	SheetIdentities, SheetImages, SheetTile int
	// PerImage also lists every image's values in report.json.
	PerImage bool
	// Progress gets (images read, images expected) after every batch;
	// returning true cancels (ErrCancelled, no file written).
	Progress ProgressFunc
}

// DefaultReportOptions returns the library's defaults.
func DefaultReportOptions() ReportOptions {
	var co C.v2f_dataset_report_opts
	C.v2f_dataset_report_opts_init(&co, C.sizeof_v2f_dataset_report_opts)
	return ReportOptions{BatchSize: int(co.batch_size), HistogramBins: int(co.histogram_bins),
		Threshold: float32(co.threshold), SheetIdentities: int(co.sheet_identities),
		SheetImages: int(co.sheet_images), SheetTile: int(co.sheet_tile), PerImage: co.per_image != 0}
}

// DatasetSummary holds the headline numbers of a report (all of them are
// in report.json) and where its files are. Values of a section that was
// not measured are 0.
type DatasetSummary struct {
	Measured           ReportMeasured
	Identities         uint64 // in the recipe
	IdentitiesMeasured uint64 // with at least one image read
	IdentitiesComplete uint64 // every image read or dropped
	ImagesExpected     uint64
	ImagesRead         uint64
	ImagesMissing      uint64 // no file and not dropped
	ImagesUnreadable   uint64 // present but not a 112x112 image
	ImagesDropped      uint64 // dropped by the filter (manifest status "dropped")
	// Cosine of each image's ArcFace feature to its identity's mean centre
	// and input vector: mean and min over all images read.
	CosMeanCentreMean, CosMeanCentreMin float32
	CosInputMean, CosInputMin           float32
	// Separability of the mean centres: Separated of SeparabilityN have a
	// nearest-neighbour cosine <= Threshold.
	SeparabilityN, Separated             uint64
	Threshold                            float32
	QualityMean, QualityMin, QualityMax  float32
	YawMean, YawMin, YawMax, AbsYawMean  float32
	SheetWidth, SheetHeight              int
	JSONPath, HTMLPath, ContactSheetPath string
}

// ReportDataset measures the dataset folder dir (with its recipe.txt) and
// writes <prefix>report.json, report.html and contact_sheet.png; see
// "Dataset reports" in vec2face.h. model may hold any of arcface.pt,
// magface.pt, headpose.pt, or be nil (counts and contact sheet only); opts
// nil means the defaults. An incomplete dataset is reported as far as it
// goes (see the counts). Errors: ErrIO (no readable recipe.txt, a file
// that cannot be written), ErrInvalidArg (an option, named), ErrCancelled.
func ReportDataset(model *Model, dir string, opts *ReportOptions) (DatasetSummary, error) {
	return ReportDatasetContext(context.Background(), model, dir, opts)
}

// ReportDatasetContext is ReportDataset that stops at the next progress
// report (after a batch of images) once ctx is done, with an error
// matching ctx.Err() and ErrCancelled; no report file is then written.
func ReportDatasetContext(ctx context.Context, model *Model, dir string, opts *ReportOptions) (DatasetSummary, error) {
	if err := ensure(); err != nil {
		return DatasetSummary{}, err
	}
	if err := ctx.Err(); err != nil {
		return DatasetSummary{}, err
	}
	if model == nil {
		out, err := reportDataset(ctx, nil, dir, opts)
		return out, ctxResult(ctx, err)
	}
	var out DatasetSummary
	err := model.use(func(p *C.v2f_model) error {
		var err error
		out, err = reportDataset(ctx, p, dir, opts)
		return err
	})
	return out, ctxResult(ctx, err)
}

// ReportDataset is ReportDataset(m, dir, opts).
func (m *Model) ReportDataset(dir string, opts *ReportOptions) (DatasetSummary, error) {
	return ReportDataset(m, dir, opts)
}

// ReportDatasetContext is ReportDatasetContext(ctx, m, dir, opts).
func (m *Model) ReportDatasetContext(ctx context.Context, dir string, opts *ReportOptions) (DatasetSummary, error) {
	return ReportDatasetContext(ctx, m, dir, opts)
}

func reportDataset(ctx context.Context, p *C.v2f_model, dir string, opts *ReportOptions) (DatasetSummary, error) {
	o := DefaultReportOptions()
	if opts != nil {
		o = *opts
	}
	for _, c := range []struct {
		what string
		v    int
	}{{"BatchSize", o.BatchSize}, {"HistogramBins", o.HistogramBins},
		{"SheetIdentities", o.SheetIdentities}, {"SheetImages", o.SheetImages},
		{"SheetTile", o.SheetTile}} {
		if c.v < -1<<31 || c.v > 1<<31-1 {
			return DatasetSummary{}, invalid("ReportOptions.%s: %d does not fit in int32", c.what, c.v)
		}
	}
	cdir := cstr(dir)
	defer cfree(cdir)
	var co C.v2f_dataset_report_opts
	C.v2f_dataset_report_opts_init(&co, C.sizeof_v2f_dataset_report_opts)
	if o.OutPrefix != "" {
		co.out_prefix = cstr(o.OutPrefix)
		defer cfree(co.out_prefix)
	}
	if o.Identities != "" {
		co.identities = cstr(o.Identities)
		defer cfree(co.identities)
	}
	co.batch_size = C.int32_t(o.BatchSize)
	co.histogram_bins = C.int32_t(o.HistogramBins)
	co.threshold = C.float(o.Threshold)
	co.sheet_identities = C.int32_t(o.SheetIdentities)
	co.sheet_images = C.int32_t(o.SheetImages)
	co.sheet_tile = C.int32_t(o.SheetTile)
	if o.PerImage {
		co.per_image = 1
	}
	fn, h, finish := withProgress(ctxProgress(ctx, o.Progress))
	defer finish()
	co.progress = fn
	co.progress_user = C.v2f_go_handle_ptr(C.uintptr_t(h))
	var cs C.v2f_dataset_summary
	cs.struct_size = C.sizeof_v2f_dataset_summary
	if err := call(func() C.v2f_status {
		return C.v2f_dataset_report_write(p, cdir, &co, &cs)
	}); err != nil {
		return DatasetSummary{}, err
	}
	// The library's default prefix is "<dir>/" (trailing slashes dropped).
	prefix := o.OutPrefix
	if prefix == "" {
		prefix = strings.TrimRight(dir, "/") + "/"
	}
	return DatasetSummary{Measured: ReportMeasured(cs.measured),
		Identities: uint64(cs.identities), IdentitiesMeasured: uint64(cs.identities_measured),
		IdentitiesComplete: uint64(cs.identities_complete), ImagesExpected: uint64(cs.images_expected),
		ImagesRead: uint64(cs.images_read), ImagesMissing: uint64(cs.images_missing),
		ImagesUnreadable: uint64(cs.images_unreadable), ImagesDropped: uint64(cs.images_dropped),
		CosMeanCentreMean: float32(cs.cos_mean_centre_mean), CosMeanCentreMin: float32(cs.cos_mean_centre_min),
		CosInputMean: float32(cs.cos_input_mean), CosInputMin: float32(cs.cos_input_min),
		SeparabilityN: uint64(cs.separability_n), Separated: uint64(cs.separated),
		Threshold: float32(cs.threshold), QualityMean: float32(cs.quality_mean),
		QualityMin: float32(cs.quality_min), QualityMax: float32(cs.quality_max),
		YawMean: float32(cs.yaw_mean), YawMin: float32(cs.yaw_min), YawMax: float32(cs.yaw_max),
		AbsYawMean: float32(cs.abs_yaw_mean), SheetWidth: int(cs.sheet_width),
		SheetHeight: int(cs.sheet_height), JSONPath: prefix + "report.json",
		HTMLPath: prefix + "report.html", ContactSheetPath: prefix + "contact_sheet.png"}, nil
}
