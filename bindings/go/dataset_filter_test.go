package vec2face

// The 0.2 recipe settings: measurements, the consistency filter, landmark
// image templates, sampled pose order and AttrOP images.

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// manifestRows reads every manifest part as header name -> value maps.
func manifestRows(t *testing.T, out string) []map[string]string {
	t.Helper()
	parts, _ := filepath.Glob(filepath.Join(out, "manifest", "part-*.csv"))
	sort.Strings(parts)
	var rows []map[string]string
	for _, p := range parts {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, rec := range recs[1:] {
			row := map[string]string{}
			for i, k := range recs[0] {
				row[k] = rec[i]
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func TestDatasetRecipeDefaults02(t *testing.T) {
	r := DefaultDatasetRecipe()
	if r.Measure != 0 || r.Filter != FilterNone || r.FilterMaxAttempts != 3 || r.AttrOPImages != 0 ||
		r.AttrOPQuality != 24 || r.AttrOPIterations != 5 || r.AttrOPMaxRetries != 30 ||
		r.PoseOrder != PoseCycle || r.PoseLandmarks != nil || r.AttrOPYaw != nil {
		t.Errorf("DefaultDatasetRecipe: %+v", r)
	}
}

// A threshold of 1.0 is above any image's cosine to its identity: every
// image is measured, fails once and is dropped.
func TestDatasetFilterDrop(t *testing.T) {
	m := tiny(t)
	dir := t.TempDir()
	npy := filepath.Join(dir, "ids.npy")
	if err := WriteNpy(npy, randVectors(21, 2, VectorDim), 2, VectorDim); err != nil {
		t.Fatal(err)
	}
	r := DefaultDatasetRecipe()
	r.Identities, r.OutDir, r.Seed, r.PerturbImages = npy, filepath.Join(dir, "out"), 2, 2
	r.Measure, r.Filter, r.FilterThreshold = MeasureQuality|MeasureYaw, FilterDrop, 1.0
	job, err := m.NewDatasetJob(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Run(nil); err != nil {
		t.Fatal(err)
	}
	st, _ := job.Stats()
	job.Close()
	want := DatasetStats{IdentityEnd: 2, IdentitiesTotal: 2, IdentitiesDone: 2, ImagesTotal: 4,
		ImagesMeasured: 4, FilterRejected: 4, ImagesDropped: 4}
	if st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	rows := manifestRows(t, r.OutDir)
	if len(rows) != 4 {
		t.Fatalf("%d manifest rows", len(rows))
	}
	for _, row := range rows {
		sim, err := strconv.ParseFloat(row["similarity"], 64)
		if row["status"] != "dropped" || err != nil || sim >= 1 || row["quality"] == "" || row["yaw"] == "" {
			t.Errorf("row %v", row)
		}
		if _, err := os.Stat(filepath.Join(r.OutDir, row["file"])); err == nil {
			t.Errorf("%s exists", row["file"])
		}
	}
	rep, err := VerifyDataset(r.OutDir)
	if err != nil || !rep.OK || rep.ImagesDropped != 4 || rep.ImagesOK != 0 {
		t.Errorf("verify: %+v, %v", rep, err)
	}
	s, err := ReportDataset(nil, r.OutDir, nil)
	if err != nil || s.ImagesDropped != 4 || s.ImagesRead != 0 || s.ImagesMissing != 0 || s.IdentitiesComplete != 2 {
		t.Errorf("report: %+v, %v", s, err)
	}
	r2 := r
	r2.Filter = FilterRegenerate
	if _, err := m.NewDatasetJob(r2, 0, 1); !errors.Is(err, ErrInvalidArg) ||
		!strings.Contains(err.Error(), "filter is regenerate now, drop there") {
		t.Errorf("another filter on the same folder: %v", err)
	}
}

func TestDatasetLandmarkTemplatesAndAttrOP(t *testing.T) {
	m := tiny(t)
	dir := t.TempDir()
	npy := filepath.Join(dir, "ids.npy")
	if err := WriteNpy(npy, randVectors(22, 1, VectorDim), 1, VectorDim); err != nil {
		t.Fatal(err)
	}
	pts := []float32{38, 52, 74, 52, 56, 72, 42, 92, 70, 92}
	lm, err := RenderLandmarks(pts)
	if err != nil {
		t.Fatal(err)
	}
	lmDir := filepath.Join(dir, "lm")
	if err := os.Mkdir(lmDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteImage(filepath.Join(lmDir, "a.png"), lm, ImageSize, ImageSize, nil); err != nil {
		t.Fatal(err)
	}
	shifted := make([]float32, len(pts))
	for i, x := range pts {
		shifted[i] = x + 3
	}
	r := DefaultDatasetRecipe()
	r.Identities, r.OutDir, r.Seed = npy, filepath.Join(dir, "out"), 4
	r.PerturbImages, r.PoseImages, r.PosePoints = 1, 2, shifted
	r.PoseLandmarks, r.PoseOrder = []string{lmDir}, PoseSample
	r.AttrOPImages, r.AttrOPIterations, r.AttrOPQuality, r.AttrOPMaxRetries = 1, 1, 0, 0
	r.AttrOPYaw = []float32{10}
	r.Measure = MeasureSimilarity
	job, err := m.NewDatasetJob(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Run(nil); err != nil {
		t.Fatal(err)
	}
	st, _ := job.Stats()
	job.Close()
	if st.ImagesTotal != 4 || st.ImagesWritten != 4 || st.ImagesMeasured != 4 {
		t.Errorf("stats %+v", st)
	}
	rows := manifestRows(t, r.OutDir)
	sort.Slice(rows, func(a, b int) bool {
		ia, _ := strconv.Atoi(rows[a]["image"])
		ib, _ := strconv.Atoi(rows[b]["image"])
		return ia < ib
	})
	var sources []string
	for _, row := range rows {
		sources = append(sources, row["source"])
		if row["status"] != "ok" || row["similarity"] == "" || row["quality"] != "" {
			t.Errorf("row %v", row)
		}
	}
	if strings.Join(sources, ",") != "perturb,pose,pose,attrop" {
		t.Errorf("sources %v", sources)
	}
	if rep, err := VerifyDataset(r.OutDir); err != nil || !rep.OK {
		t.Errorf("verify: %+v, %v", rep, err)
	}
	r.PoseOrder = PoseCycle
	if _, err := m.NewDatasetJob(r, 0, 1); !errors.Is(err, ErrInvalidArg) || !strings.Contains(err.Error(), "pose_order is") {
		t.Errorf("another pose order: %v", err)
	}
}
