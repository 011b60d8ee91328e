package vec2face

// Dataset reports: a tiny dataset made through a DatasetJob, its report,
// the summary against report.json of the same call and against
// measurements made here with the package's estimators.

import (
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const reportIDs, reportPerID = 3, 2

// makeReportDataset writes a dataset of reportIDs x reportPerID images
// and returns its folder and the identity vectors.
func makeReportDataset(t *testing.T, m *Model) (string, []float32) {
	t.Helper()
	dir := t.TempDir()
	npy := filepath.Join(dir, "ids.npy")
	vecs := randVectors(77, reportIDs, VectorDim)
	if err := WriteNpy(npy, vecs, reportIDs, VectorDim); err != nil {
		t.Fatal(err)
	}
	r := DefaultDatasetRecipe()
	r.Identities, r.OutDir, r.Seed, r.PerturbImages, r.BatchSize = npy, filepath.Join(dir, "out"), 3, reportPerID, 4
	job, err := m.NewDatasetJob(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	if err := job.Run(nil); err != nil {
		t.Fatal(err)
	}
	return r.OutDir, vecs
}

// reportJSON is the part of report.json the tests compare.
type reportJSON struct {
	Counts      map[string]uint64 `json:"counts"`
	Consistency struct {
		MeanCentre  struct{ Mean, Min float32 } `json:"mean_centre"`
		InputCentre struct{ Mean, Min float32 } `json:"input_centre"`
	} `json:"consistency"`
	Separability struct {
		MeanCentres struct {
			Threshold    float32
			N, Separated uint64
		} `json:"mean_centres"`
	} `json:"separability"`
	Quality struct {
		Measured       bool
		Reason         string
		Mean, Min, Max float32
	} `json:"quality"`
	Yaw struct {
		Mean, Min, Max float32
		AbsMean        float32 `json:"abs_mean"`
	} `json:"yaw"`
	ContactSheet struct{ Width, Height, Tile int } `json:"contact_sheet"`
	Identities   []json.RawMessage                 `json:"identities"`
	Images       []json.RawMessage                 `json:"images"`
}

func readReportJSON(t *testing.T, path string) reportJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j reportJSON
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return j
}

func TestReportFlagsMatchTheHeader(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "include", "vec2face", "dataset.h"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]uint64{}
	for _, m := range regexp.MustCompile(`(?m)^#define (V2F_REPORT_\w+) (\d+)u`).FindAllStringSubmatch(string(b), -1) {
		found[m[1]], _ = strconv.ParseUint(m[2], 10, 32)
	}
	want := map[string]ReportMeasured{"V2F_REPORT_CONSISTENCY": ReportConsistency,
		"V2F_REPORT_INPUT": ReportInput, "V2F_REPORT_QUALITY": ReportQuality,
		"V2F_REPORT_YAW": ReportYaw, "V2F_REPORT_SEPARABILITY": ReportSeparability}
	if len(found) != len(want) {
		t.Errorf("header has %v", found)
	}
	for k, v := range want {
		if found[k] != uint64(v) {
			t.Errorf("%s: header %d, Go %d", k, found[k], v)
		}
	}
}

func unitF64(v []float32) []float64 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	n = math.Sqrt(n)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x) / n
	}
	return out
}

func dotF64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func near(t *testing.T, what string, got float32, want, tol float64) {
	t.Helper()
	if math.Abs(float64(got)-want) > tol {
		t.Errorf("%s: library %v, here %v", what, got, want)
	}
}

func TestReportSummaryMatchesJSONAndOurMeasurements(t *testing.T) {
	m := tiny(t)
	out, vecs := makeReportDataset(t, m)
	n := uint64(reportIDs * reportPerID)
	prefix := filepath.Join(filepath.Dir(out), "r_")
	o := DefaultReportOptions()
	var lastDone, lastTotal uint64
	o.OutPrefix, o.SheetTile, o.HistogramBins, o.PerImage = prefix, 28, 7, true
	o.Progress = func(done, total uint64) bool { lastDone, lastTotal = done, total; return false }
	s, err := m.ReportDataset(out, &o)
	if err != nil {
		t.Fatal(err)
	}
	if lastDone != n || lastTotal != n {
		t.Errorf("progress ended at %d of %d", lastDone, lastTotal)
	}
	if s.JSONPath != prefix+"report.json" {
		t.Errorf("JSONPath %q", s.JSONPath)
	}
	for _, p := range []string{s.JSONPath, s.HTMLPath, s.ContactSheetPath} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err == nil {
		t.Error("report.json written in the dataset folder despite OutPrefix")
	}

	// counts, from the recipe
	all := ReportConsistency | ReportInput | ReportQuality | ReportYaw | ReportSeparability
	if s.Measured != all || s.Identities != reportIDs || s.IdentitiesMeasured != reportIDs ||
		s.IdentitiesComplete != reportIDs || s.ImagesExpected != n || s.ImagesRead != n ||
		s.ImagesMissing != 0 || s.ImagesUnreadable != 0 || s.ImagesDropped != 0 ||
		s.SheetWidth != reportPerID*28 || s.SheetHeight != reportIDs*28 ||
		s.SeparabilityN != reportIDs || s.Threshold != 0.4 {
		t.Errorf("summary: %+v", s)
	}

	// the summary is report.json's numbers
	j := readReportJSON(t, s.JSONPath)
	wantCounts := map[string]uint64{"identities": s.Identities, "identities_measured": s.IdentitiesMeasured,
		"identities_complete": s.IdentitiesComplete, "images_expected": s.ImagesExpected,
		"images_read": s.ImagesRead, "images_missing": s.ImagesMissing,
		"images_unreadable": s.ImagesUnreadable, "images_dropped": s.ImagesDropped}
	if fmt.Sprint(j.Counts) != fmt.Sprint(wantCounts) {
		t.Errorf("counts: json %v, summary %v", j.Counts, wantCounts)
	}
	c := j.Consistency
	if c.MeanCentre.Mean != s.CosMeanCentreMean || c.MeanCentre.Min != s.CosMeanCentreMin ||
		c.InputCentre.Mean != s.CosInputMean || c.InputCentre.Min != s.CosInputMin {
		t.Errorf("consistency: json %+v, summary %+v", c, s)
	}
	sep := j.Separability.MeanCentres
	if sep.N != s.SeparabilityN || sep.Separated != s.Separated || sep.Threshold != s.Threshold {
		t.Errorf("separability: json %+v", sep)
	}
	if !j.Quality.Measured || j.Quality.Mean != s.QualityMean || j.Quality.Min != s.QualityMin ||
		j.Quality.Max != s.QualityMax {
		t.Errorf("quality: json %+v", j.Quality)
	}
	if j.Yaw.Mean != s.YawMean || j.Yaw.Min != s.YawMin || j.Yaw.Max != s.YawMax || j.Yaw.AbsMean != s.AbsYawMean {
		t.Errorf("yaw: json %+v", j.Yaw)
	}
	if j.ContactSheet.Width != s.SheetWidth || j.ContactSheet.Height != s.SheetHeight || j.ContactSheet.Tile != 28 {
		t.Errorf("contact sheet: json %+v", j.ContactSheet)
	}
	if len(j.Images) != int(n) || len(j.Identities) != reportIDs {
		t.Errorf("json lists %d images, %d identities", len(j.Images), len(j.Identities))
	}

	// independent measurements with the package's estimators
	var rgb []byte
	for i := 0; i < reportIDs; i++ {
		for k := 0; k < reportPerID; k++ {
			img, err := ReadImage(filepath.Join(out, fmt.Sprintf("%06d/%03d.png", i, k)), nil)
			if err != nil {
				t.Fatal(err)
			}
			rgb = append(rgb, img...)
		}
	}
	feats, err := m.ExtractFeatures(PartArcFace, rgb)
	if err != nil {
		t.Fatal(err)
	}
	var cc, ci []float64
	centres := make([][]float64, reportIDs)
	for i := 0; i < reportIDs; i++ {
		mean := make([]float32, VectorDim)
		for k := 0; k < reportPerID; k++ {
			for d := 0; d < VectorDim; d++ {
				mean[d] += feats[(i*reportPerID+k)*VectorDim+d] / reportPerID
			}
		}
		centres[i] = unitF64(mean)
		in := unitF64(vecs[i*VectorDim : (i+1)*VectorDim])
		for k := 0; k < reportPerID; k++ {
			f := unitF64(feats[(i*reportPerID+k)*VectorDim : (i*reportPerID+k+1)*VectorDim])
			cc = append(cc, dotF64(f, centres[i]))
			ci = append(ci, dotF64(f, in))
		}
	}
	stats := func(v []float64) (mean, lo, hi float64) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, x := range v {
			mean += x / float64(len(v))
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		return
	}
	mean, lo, _ := stats(cc)
	near(t, "CosMeanCentreMean", s.CosMeanCentreMean, mean, 1e-4)
	near(t, "CosMeanCentreMin", s.CosMeanCentreMin, lo, 1e-4)
	mean, lo, _ = stats(ci)
	near(t, "CosInputMean", s.CosInputMean, mean, 1e-4)
	near(t, "CosInputMin", s.CosInputMin, lo, 1e-4)
	separated := 0
	for i := range centres {
		nn := math.Inf(-1)
		for k := range centres {
			if k != i {
				nn = math.Max(nn, dotF64(centres[i], centres[k]))
			}
		}
		if nn <= 0.4 {
			separated++
		}
	}
	if s.Separated != uint64(separated) {
		t.Errorf("Separated: library %d, here %d", s.Separated, separated)
	}
	q, err := m.EstimateQuality(rgb)
	if err != nil {
		t.Fatal(err)
	}
	q64 := make([]float64, len(q))
	for i, x := range q {
		q64[i] = float64(x)
	}
	mean, lo, hi := stats(q64)
	near(t, "QualityMean", s.QualityMean, mean, 1e-4*hi)
	near(t, "QualityMin", s.QualityMin, lo, 1e-5*hi)
	near(t, "QualityMax", s.QualityMax, hi, 1e-5*hi)
	angles, err := m.EstimatePose(rgb)
	if err != nil {
		t.Fatal(err)
	}
	var yaw, abs []float64
	for i := 0; i < len(angles)/3; i++ {
		yaw = append(yaw, float64(angles[3*i+1]))
		abs = append(abs, math.Abs(float64(angles[3*i+1])))
	}
	mean, lo, hi = stats(yaw)
	near(t, "YawMean", s.YawMean, mean, 1e-3)
	near(t, "YawMin", s.YawMin, lo, 1e-4)
	near(t, "YawMax", s.YawMax, hi, 1e-4)
	mean, _, _ = stats(abs)
	near(t, "AbsYawMean", s.AbsYawMean, mean, 1e-3)

	// the contact sheet: tile (row 1, column 1) is image 1 of identity 1
	// reduced by a 4x4 box average, rounded half up
	f, err := os.Open(s.ContactSheetPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := sheet.Bounds(); b.Dx() != s.SheetWidth || b.Dy() != s.SheetHeight {
		t.Fatalf("sheet is %v", b)
	}
	img := rgb[(reportPerID+1)*ImageBytes : (reportPerID+2)*ImageBytes]
	for y := 0; y < 28; y++ {
		for x := 0; x < 28; x++ {
			var sum [3]int
			for dy := 0; dy < 4; dy++ {
				for dx := 0; dx < 4; dx++ {
					for ch := 0; ch < 3; ch++ {
						sum[ch] += int(img[((y*4+dy)*ImageSize+x*4+dx)*3+ch])
					}
				}
			}
			r, g, b, _ := sheet.At(28+x, 28+y).RGBA()
			got := [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
			for ch := 0; ch < 3; ch++ {
				if want := (sum[ch] + 8) / 16; got[ch] != want {
					t.Fatalf("sheet pixel (%d, %d) channel %d: %d, want %d", 28+x, 28+y, ch, got[ch], want)
				}
			}
		}
	}
}

func TestReportWithoutModelDefaultsErrorsAndCancel(t *testing.T) {
	m := tiny(t)
	out, _ := makeReportDataset(t, m)
	s, err := ReportDataset(nil, out+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Measured != 0 || s.JSONPath != out+"/report.json" || s.ImagesRead != reportIDs*reportPerID ||
		s.IdentitiesComplete != reportIDs || s.CosMeanCentreMean != 0 || s.QualityMean != 0 ||
		s.SeparabilityN != 0 || s.SheetWidth != reportPerID*56 || s.SheetHeight != reportIDs*56 {
		t.Errorf("summary without a model: %+v", s)
	}
	for _, p := range []string{s.JSONPath, s.HTMLPath, s.ContactSheetPath} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	j := readReportJSON(t, s.JSONPath)
	if j.Quality.Measured || !strings.Contains(j.Quality.Reason, "magface") || j.Images != nil {
		t.Errorf("json without a model: %+v", j.Quality)
	}

	if _, err := m.ReportDataset(filepath.Dir(out), nil); !errors.Is(err, ErrIO) {
		t.Errorf("no recipe.txt: %v", err)
	}
	o := DefaultReportOptions()
	o.SheetTile = 30
	if _, err := m.ReportDataset(out, &o); !errors.Is(err, ErrInvalidArg) || !strings.Contains(err.Error(), "sheet_tile") {
		t.Errorf("sheet tile 30: %v", err)
	}
	o = DefaultReportOptions()
	o.OutPrefix, o.BatchSize = filepath.Join(filepath.Dir(out), "cancel_"), 1
	o.Progress = func(done, total uint64) bool { return true }
	if _, err := m.ReportDataset(out, &o); !errors.Is(err, ErrCancelled) {
		t.Errorf("cancel: %v", err)
	}
	if _, err := os.Stat(o.OutPrefix + "report.json"); err == nil {
		t.Error("a cancelled report wrote report.json")
	}
	m2, err := LoadModel(modelDir(t, "tiny"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m2.Close()
	if _, err := m2.ReportDataset(out, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("closed model: %v", err)
	}
}
