package vec2face

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/libvec2face/libvec2face/bindings/go/internal/layout"
)

// env returns a required environment variable (set by the ctest entry).
func env(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the tests through ctest (ctest -R go) or set "+
			"V2F_TEST_MODELS and V2F_PRINT_LAYOUT (and V2F_EXAMPLE_GENERATE) by hand", name)
	}
	return v
}

func modelDir(t testing.TB, name string) string {
	return filepath.Join(env(t, "V2F_TEST_MODELS"), name)
}

var (
	tinyOnce  sync.Once
	tinyModel *Model
	tinyErr   error
)

// tiny is the shared tiny model (all six parts).
func tiny(t testing.TB) *Model {
	t.Helper()
	dir := modelDir(t, "tiny")
	tinyOnce.Do(func() { tinyModel, tinyErr = LoadModel(dir, &RuntimeOptions{Threads: 2}) })
	if tinyErr != nil {
		t.Fatalf("LoadModel(%s): %v", dir, tinyErr)
	}
	return tinyModel
}

func randVectors(seed int64, n, dim int) []float32 {
	r := rand.New(rand.NewSource(seed))
	v := make([]float32, n*dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func finite(t *testing.T, what string, v []float32) {
	t.Helper()
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Fatalf("%s[%d] = %v", what, i, x)
		}
	}
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

func norm(a []float32) float64 {
	var s float64
	for _, x := range a {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// ---------------------------------------------------------------------

// goConstants is every constant the package exposes, by C name.
var goConstants = map[string]int64{
	"V2F_OK": int64(StatusOK), "V2F_E_INVALID_ARG": int64(StatusInvalidArg),
	"V2F_E_IO": int64(StatusIO), "V2F_E_FORMAT": int64(StatusFormat),
	"V2F_E_UNSUPPORTED": int64(StatusUnsupported), "V2F_E_MODEL": int64(StatusModel),
	"V2F_E_BACKEND": int64(StatusBackend), "V2F_E_NO_MEMORY": int64(StatusNoMemory),
	"V2F_E_CANCELLED": int64(StatusCancelled), "V2F_E_OVERFLOW": int64(StatusOverflow),
	"V2F_E_INTERNAL": int64(StatusInternal), "V2F_E_BUSY": int64(StatusBusy),
	"V2F_LOG_ERROR": int64(LogError), "V2F_LOG_WARN": int64(LogWarn),
	"V2F_LOG_INFO": int64(LogInfo), "V2F_LOG_DEBUG": int64(LogDebug),
	"V2F_PART_GENERATOR": int64(PartGenerator), "V2F_PART_POSE_GENERATOR": int64(PartPoseGenerator),
	"V2F_PART_POSE_COND": int64(PartPoseCond), "V2F_PART_ARCFACE": int64(PartArcFace),
	"V2F_PART_MAGFACE": int64(PartMagFace), "V2F_PART_HEADPOSE": int64(PartHeadPose),
	"V2F_PART_COUNT": int64(PartCount), "V2F_PRECISION_FP32": int64(PrecisionFP32),
	"V2F_VERSION_MAJOR": VersionMajor, "V2F_VERSION_MINOR": VersionMinor,
	"V2F_VERSION_PATCH": VersionPatch, "V2F_ABI_VERSION": ABIVersion,
	"V2F_VECTOR_DIM": VectorDim, "V2F_IMAGE_SIZE": ImageSize, "V2F_IMAGE_BYTES": ImageBytes,
	"V2F_NUM_TOKENS": NumTokens, "V2F_COND_DIM": CondDim,
	"V2F_SEPARABILITY_BINS": SeparabilityBins, "V2F_PNG_LEVEL_DEFAULT": PNGLevelDefault,
	"V2F_DATASET_PNG": int64(DatasetPNG), "V2F_DATASET_JPEG": int64(DatasetJPEG),
	"V2F_PRECISION_BF16":             int64(PrecisionBF16),
	"V2F_PRECISION_FP16":             int64(PrecisionFP16),
	"V2F_ATTROP_ENABLED":             attropEnabled,
	"V2F_ATTROP_DISABLED":            attropDisabled,
	"V2F_DATASET_MEASURE_SIMILARITY": int64(MeasureSimilarity),
	"V2F_DATASET_MEASURE_QUALITY":    int64(MeasureQuality),
	"V2F_DATASET_MEASURE_YAW":        int64(MeasureYaw),
	"V2F_DATASET_FILTER_NONE":        int64(FilterNone),
	"V2F_DATASET_FILTER_DROP":        int64(FilterDrop),
	"V2F_DATASET_FILTER_REGENERATE":  int64(FilterRegenerate),
	"V2F_DATASET_POSE_CYCLE":         int64(PoseCycle),
	"V2F_DATASET_POSE_SAMPLE":        int64(PoseSample),
}

func TestLayout(t *testing.T) {
	out, err := exec.Command(env(t, "V2F_PRINT_LAYOUT")).Output()
	if err != nil {
		t.Fatalf("v2f_print_layout: %v", err)
	}
	printed := map[string][2]uint64{}
	consts := map[string]int64{}
	enumOf := map[string]string{} // constant -> its enum ("" for a #define)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 {
			t.Fatalf("bad layout line %q", sc.Text())
		}
		switch f[0] {
		case "enum":
			v, _ := strconv.ParseInt(f[3], 10, 64)
			consts[f[2]] = v
			enumOf[f[2]] = f[1]
		case "const":
			v, _ := strconv.ParseInt(f[2], 10, 64)
			consts[f[1]] = v
		default:
			off, _ := strconv.ParseUint(f[2], 10, 64)
			size, _ := strconv.ParseUint(f[3], 10, 64)
			printed[f[0]+"."+f[1]] = [2]uint64{off, size}
		}
	}
	if len(printed) < 100 || len(consts) < 30 {
		t.Fatalf("layout output too short: %d fields, %d constants", len(printed), len(consts))
	}
	// A struct or enum the binding does not know at all is new API that is
	// not wrapped yet: reported, not failed, so that C work landing in the
	// header does not break this suite; a new field of a known struct or a
	// new value of a known enum fails.
	seen := map[string]bool{}
	knownStruct := map[string]bool{}
	for _, e := range layout.Fields() {
		key := e.Struct + "." + e.Field
		seen[key] = true
		knownStruct[e.Struct] = true
		want, ok := printed[key]
		if !ok {
			t.Errorf("%s: in the Go table but not in the header", key)
			continue
		}
		if got := [2]uint64{uint64(e.Offset), uint64(e.Size)}; got != want {
			t.Errorf("%s: cgo sees offset/size %v, C prints %v", key, got, want)
		}
	}
	var unwrapped []string
	for key := range printed {
		if seen[key] {
			continue
		}
		if st := strings.SplitN(key, ".", 2)[0]; !knownStruct[st] {
			unwrapped = append(unwrapped, key)
			continue
		}
		t.Errorf("%s: new field of a wrapped struct: update internal/layout/layout.go and the binding", key)
	}
	knownEnum := map[string]bool{}
	for name := range goConstants {
		knownEnum[enumOf[name]] = true
	}
	delete(knownEnum, "") // a new #define is new API too
	cc := layout.Constants()
	for name, want := range consts {
		if _, ok := goConstants[name]; !ok && !knownEnum[enumOf[name]] {
			unwrapped = append(unwrapped, name)
			continue
		}
		if got, ok := cc[name]; !ok || got != want {
			t.Errorf("%s: cgo sees %d (present %v), C prints %d", name, got, ok, want)
		}
		if got, ok := goConstants[name]; !ok || got != want {
			t.Errorf("%s: Go constant %d (present %v), C prints %d", name, got, ok, want)
		}
	}
	for _, key := range unwrapped {
		// Wrapped sections must stay checked, not just logged.
		if strings.HasPrefix(key, "v2f_dataset") || strings.HasPrefix(key, "V2F_DATASET") {
			t.Errorf("%s: dataset API not in internal/layout/layout.go / goConstants", key)
		}
	}
	if len(unwrapped) > 0 {
		sort.Strings(unwrapped)
		t.Logf("NOT WRAPPED by the Go binding yet (new API in the header): %s",
			strings.Join(unwrapped, ", "))
	}
	for name := range goConstants {
		if _, ok := consts[name]; !ok {
			t.Errorf("%s: Go constant not in the header", name)
		}
	}
	if RawImageFloats != 3*ImageSize*ImageSize {
		t.Errorf("RawImageFloats = %d", RawImageFloats)
	}
}

func TestVersions(t *testing.T) {
	if err := ensure(); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d.%d.%d", VersionMajor, VersionMinor, VersionPatch)
	if Version() != want {
		t.Errorf("Version() = %q, header says %q", Version(), want)
	}
	if LibraryABIVersion() != ABIVersion {
		t.Errorf("LibraryABIVersion() = %d", LibraryABIVersion())
	}
	if ImageBytesFor(3) != 3*ImageBytes || ImageBytesFor(-1) != 0 {
		t.Errorf("ImageBytesFor")
	}
	if StatusIO.String() == "" || PartPoseGenerator.String() != "pose_generator" {
		t.Errorf("String(): %q %q", StatusIO, PartPoseGenerator)
	}
}

func TestABIMismatch(t *testing.T) {
	if err := checkABI(ABIVersion, ABIVersion, "0.1.0"); err != nil {
		t.Fatalf("same version: %v", err)
	}
	err := checkABI(ABIVersion+7, ABIVersion, "9.9.9")
	if !errors.Is(err, ErrABIMismatch) {
		t.Fatalf("errors.Is(%v, ErrABIMismatch) is false", err)
	}
	msg := err.Error()
	for _, want := range []string{"9.9.9", fmt.Sprintf("ABI version %d", ABIVersion+7),
		fmt.Sprintf("written for ABI version %d", ABIVersion)} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestModelInfo(t *testing.T) {
	m := tiny(t)
	info, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	for p := PartGenerator; p < PartCount; p++ {
		if !info.Has(p) {
			t.Errorf("tiny lacks %v", p)
		}
	}
	if info.VectorDim != VectorDim || info.ImageSize != ImageSize || info.CondDim != CondDim || info.Device != "cpu" {
		t.Errorf("info %+v", info)
	}
	pi, err := m.PartInfo(PartGenerator)
	if err != nil {
		t.Fatal(err)
	}
	if !pi.Present || pi.Kind != "generator" || pi.NumDropped <= 0 || pi.SourceSHA256 == "" {
		t.Errorf("part info %+v", pi)
	}
}

// The Go binding and the C example give the same bytes for the same seed.
func TestGenerateMatchesC(t *testing.T) {
	const n, seed = 5, 1234
	m := tiny(t)
	dir := t.TempDir()
	vecs := randVectors(1, n, VectorDim)
	npy := filepath.Join(dir, "vectors.npy")
	if err := WriteNpy(npy, vecs, n, VectorDim); err != nil {
		t.Fatal(err)
	}
	back, err := ReadNpy(npy)
	if err != nil || back.Rows != n || back.Cols != VectorDim || !equalF(back.Data, vecs) {
		t.Fatalf("npy round trip: %v", err)
	}
	example := os.Getenv("V2F_EXAMPLE_GENERATE")
	if example == "" {
		t.Skip("V2F_EXAMPLE_GENERATE is not set: the C examples were not built " +
			"(-DV2F_BUILD_EXAMPLES=OFF)")
	}
	cdir := filepath.Join(dir, "c")
	os.Mkdir(cdir, 0o755)
	cmd := exec.Command(example, modelDir(t, "tiny"), npy, cdir,
		"--per-id", "1", "--seed", strconv.Itoa(seed))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("C example: %v\n%s", err, out)
	}
	rgb, err := m.Generate(vecs, &GenOptions{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		cpng := filepath.Join(cdir, fmt.Sprintf("%d_0.png", i))
		cimg, err := ReadImage(cpng, nil)
		if err != nil {
			t.Fatal(err)
		}
		gimg := rgb[i*ImageBytes : (i+1)*ImageBytes]
		if !bytes.Equal(cimg, gimg) {
			t.Fatalf("image %d differs from the C example's", i)
		}
		gpng := filepath.Join(dir, fmt.Sprintf("go_%d.png", i))
		if err := WriteImage(gpng, gimg, ImageSize, ImageSize, nil); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(cpng)
		b, _ := os.ReadFile(gpng)
		if !bytes.Equal(a, b) {
			t.Errorf("PNG file %d differs from the C example's", i)
		}
	}
	// Same keys, another split and explicit indices: same masks, pixels
	// within the documented batch-split contract (1/255).
	ids := []uint64{3, 4}
	part, err := m.Generate(vecs[3*VectorDim:], &GenOptions{Seed: seed, IdentityIndex: ids, ImageIndex: []uint64{0, 0}, BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxByteDiff(part, rgb[3*ImageBytes:]); d > 1 {
		t.Errorf("split generation differs by %d/255", d)
	}
	// Raw output converts to the same bytes.
	raw := make([]float32, 2*RawImageFloats)
	if _, err := m.Generate(vecs[:2*VectorDim], &GenOptions{Seed: seed, RawOut: raw}); err != nil {
		t.Fatal(err)
	}
	conv, err := RawToRGB(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxByteDiff(conv, rgb[:2*ImageBytes]); d > 1 {
		t.Errorf("RawToRGB(raw) of a 2-image call differs from the 5-image call by %d/255", d)
	}
}

func equalF(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMasksReplay(t *testing.T) {
	m := tiny(t)
	vecs := randVectors(2, 2, VectorDim)
	opts := &GenOptions{Seed: 9}
	dropped, masked, err := m.SampleMasks(PartGenerator, 2, opts)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Generate(vecs, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Generate(vecs, &GenOptions{Seed: 777, Dropped: dropped, Masked: masked})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("explicit masks do not replay the sampled ones")
	}
}

func TestGeneratePose(t *testing.T) {
	m := tiny(t)
	points := []float32{38, 52, 74, 52, 56, 72, 42, 92, 70, 92, 36, 50, 70, 54, 50, 70, 40, 90, 66, 94}
	lm, err := RenderLandmarks(points)
	if err != nil {
		t.Fatal(err)
	}
	if len(lm) != 2*ImageBytes || bytes.Count(lm, []byte{0}) == len(lm) {
		t.Fatal("landmark images empty")
	}
	vecs := randVectors(3, 2, VectorDim)
	rgb, err := m.GeneratePose(vecs, lm, &GenOptions{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.GeneratePose(vecs, lm, &GenOptions{Seed: 5})
	if err != nil || !bytes.Equal(rgb, again) {
		t.Fatalf("pose generation not deterministic: %v", err)
	}
	if _, err := m.GeneratePose(vecs, lm[:ImageBytes], nil); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("short landmarks: %v", err)
	}
}

func TestEstimators(t *testing.T) {
	m := tiny(t)
	rgb, err := m.Generate(randVectors(4, 3, VectorDim), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, which := range []Part{PartArcFace, PartMagFace} {
		f, err := m.ExtractFeatures(which, rgb)
		if err != nil {
			t.Fatal(err)
		}
		if len(f) != 3*VectorDim {
			t.Fatalf("%v: %d features", which, len(f))
		}
		finite(t, which.String(), f)
	}
	q, err := m.EstimateQuality(rgb)
	if err != nil || len(q) != 3 {
		t.Fatalf("quality: %v %v", q, err)
	}
	finite(t, "quality", q)
	p, err := m.EstimatePose(rgb)
	if err != nil || len(p) != 9 {
		t.Fatalf("pose: %v %v", p, err)
	}
	finite(t, "pose", p)
	if _, err := m.ExtractFeatures(PartGenerator, rgb); !errors.Is(err, ErrInvalidArg) && !errors.Is(err, ErrUnsupported) {
		t.Errorf("features with the generator: %v", err)
	}
}

func TestAttrOpStep(t *testing.T) {
	m := tiny(t)
	vecs := randVectors(5, 2, VectorDim)
	opts := DefaultAttrOpOptions()
	if opts.LR <= 0 || opts.IdentityModel != PartArcFace || opts.QualityModel != PartMagFace {
		t.Fatalf("defaults %+v", opts)
	}
	opts.Seed = 3
	a, err := m.NewAttrOp(vecs, nil, &opts)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	l, err := a.Step()
	if err != nil {
		t.Fatal(err)
	}
	if l.Steps != 1 || len(l.IdentityPerVector) != 2 {
		t.Errorf("losses %+v", l)
	}
	finite(t, "losses", []float32{l.Identity, l.Quality, l.Pose, l.Total})
	finite(t, "identity per vector", l.IdentityPerVector)
	g, err := a.Gradient()
	if err != nil {
		t.Fatal(err)
	}
	finite(t, "gradient", g)
	if norm(g) == 0 {
		t.Error("zero gradient")
	}
	v, err := a.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	if equalF(v, vecs) {
		t.Error("the step did not change the vectors")
	}
	img, err := a.Images()
	if err != nil || len(img) != 2*ImageBytes {
		t.Fatalf("images: %v", err)
	}
	a.Close()
	if _, err := a.Step(); !errors.Is(err, ErrClosed) {
		t.Errorf("step after close: %v", err)
	}
}

func TestAttrOpKeepsModel(t *testing.T) {
	m, err := LoadModel(modelDir(t, "tiny"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.NewAttrOp(randVectors(6, 1, VectorDim), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Close() // the C model stays until the AttrOp is closed
	if _, err := m.Generate(randVectors(6, 1, VectorDim), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("generate after close: %v", err)
	}
	if _, err := a.Images(); err != nil {
		t.Fatalf("AttrOp after Model.Close: %v", err)
	}
	a.Close()
}

func TestIsotropicSampling(t *testing.T) {
	const dim, n = 32, 60
	const thr = 0.3
	s, err := NewIsotropicSampler(dim, 20, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dim() != dim || s.Mean() != nil || s.Cov() != nil {
		t.Fatalf("isotropic sampler: dim %d", s.Dim())
	}
	opts := DefaultSampleOptions()
	if opts.MaxSimilarity != 0.3 {
		t.Errorf("default threshold %v", opts.MaxSimilarity)
	}
	opts.Seed, opts.MaxSimilarity, opts.Threads = 11, thr, 2
	out, st, err := s.SampleIdentities(n, &opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Kept != n || st.Candidates < n {
		t.Errorf("stats %+v", st)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			if c := cosine(out[i*dim:(i+1)*dim], out[j*dim:(j+1)*dim]); c >= thr {
				t.Fatalf("pair (%d, %d) has cosine %v >= %v", i, j, c, thr)
			}
		}
	}
	// Another thread count and block size: same vectors.
	opts.Threads, opts.BlockSize = 1, 7
	again, _, err := s.SampleIdentities(n, &opts)
	if err != nil || !equalF(out, again) {
		t.Fatalf("sampling not deterministic: %v", err)
	}
	// Resume from the first half.
	half := make([]float32, n*dim)
	hopts := opts
	hst, err := s.SampleIdentitiesInto(half[:n/2*dim], &hopts)
	if err != nil {
		t.Fatal(err)
	}
	hopts.ResumeKept, hopts.ResumeCandidates = hst.Kept, hst.Candidates
	if _, err := s.SampleIdentitiesInto(half, &hopts); err != nil {
		t.Fatal(err)
	}
	if !equalF(half, out) {
		t.Error("resumed sampling differs")
	}
	// Candidates are pure functions of (seed, k).
	c1, err := s.Candidates(4, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := s.Candidates(4, 11, 1)
	if !equalF(c1[dim:2*dim], c2) {
		t.Error("candidate 11 differs")
	}
	// Cancel via progress.
	opts.Progress = func(done, total uint64) bool { return true }
	_, _, err = s.SampleIdentities(n, &opts)
	if !errors.Is(err, ErrCancelled) {
		t.Errorf("cancelled sampling: %v", err)
	}
	// Exclusion set: nothing close to the excluded vectors.
	ex := out[:5*dim]
	eopts := DefaultSampleOptions()
	eopts.Seed, eopts.Exclude = 12, ex
	kept, st2, err := s.SampleIdentities(10, &eopts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		for j := 0; j < 5; j++ {
			if cosine(kept[i*dim:(i+1)*dim], ex[j*dim:(j+1)*dim]) >= 0.3 {
				t.Fatalf("kept %d too close to excluded %d", i, j)
			}
		}
	}
	_ = st2
}

func TestFittedSamplerAndFiles(t *testing.T) {
	const dim = 8
	centres := randVectors(7, 40, dim)
	s, err := FitSampler(centres, dim, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.Mean()) != dim || len(s.Cov()) != dim*dim {
		t.Fatal("mean/cov")
	}
	path := filepath.Join(t.TempDir(), "sampler.npz")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := LoadSampler(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a, _ := s.Candidates(1, 0, 4)
	b, _ := l.Candidates(1, 0, 4)
	if !equalF(a, b) {
		t.Error("loaded sampler draws other vectors")
	}
	mean, err := ReadNpz(path, "mean")
	if err != nil || mean.Rows != 1 || mean.Cols != dim || !equalF(mean.Data, s.Mean()) {
		t.Fatalf("npz mean: %v", err)
	}
	if _, err := ReadNpz(path, "nope"); !errors.Is(err, ErrFormat) {
		t.Errorf("missing member: %v", err)
	}
	if _, err := FitSampler(centres[:3*dim], dim, 0); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("too few rows: %v", err)
	}
}

func TestPerturb(t *testing.T) {
	const n, per = 4, 3
	vecs := randVectors(8, n, VectorDim)
	out, eps, err := Perturb(vecs, &PerturbOptions{Seed: 5, ImagesPerVector: per})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != n*per*VectorDim || len(eps) != n*per {
		t.Fatalf("sizes %d %d", len(out), len(eps))
	}
	for i := 0; i < n; i++ {
		want := norm(vecs[i*VectorDim : (i+1)*VectorDim])
		for j := 0; j < per; j++ {
			r := i*per + j
			row := out[r*VectorDim : (r+1)*VectorDim]
			if got := norm(row); math.Abs(got-want) > 1e-4*want {
				t.Errorf("row %d: norm %v, input %v", r, got, want)
			}
			if e := eps[r]; e != 0.3 && e != 0.5 && e != 0.7 {
				t.Errorf("eps[%d] = %v", r, e)
			}
			if cosine(row, vecs[i*VectorDim:(i+1)*VectorDim]) > 0.9999 {
				t.Errorf("row %d not perturbed", r)
			}
		}
	}
	// Keys: vector 2 alone with identity index 2 gives the same rows.
	one, _, err := Perturb(vecs[2*VectorDim:3*VectorDim], &PerturbOptions{Seed: 5, ImagesPerVector: per, IdentityBase: 2})
	if err != nil || !equalF(one, out[2*per*VectorDim:3*per*VectorDim]) {
		t.Errorf("perturbation depends on the batch: %v", err)
	}
	_, eps2, err := Perturb(vecs, &PerturbOptions{Eps: []float32{0.25}})
	if err != nil || eps2[0] != 0.25 {
		t.Errorf("custom eps: %v %v", eps2, err)
	}
}

func TestCentresAndSeparability(t *testing.T) {
	const dim = 16
	feats := randVectors(9, 6, dim)
	labels := []int64{0, 1, 2, 0, 1, 2}
	centres, counts, err := IdentityCentres(feats, dim, labels, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	for id := 0; id < 3; id++ {
		if counts[id] != 2 {
			t.Errorf("counts %v", counts)
		}
		for k := 0; k < dim; k++ {
			want := (feats[id*dim+k] + feats[(id+3)*dim+k]) / 2
			if math.Abs(float64(centres[id*dim+k]-want)) > 1e-6 {
				t.Fatalf("centre %d[%d] = %v, want %v", id, k, centres[id*dim+k], want)
			}
		}
	}
	if _, _, err := IdentityCentres(feats, dim, []int64{0, 1, 2, 0, 1, 9}, 3, false); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("bad label: %v", err)
	}
	vecs := randVectors(10, 20, dim)
	rep, err := Separability(vecs, dim, 0.4, &SeparabilityOptions{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	var sep uint64
	var total uint64
	for i := 0; i < 20; i++ {
		best := -2.0
		for j := 0; j < 20; j++ {
			if j != i {
				best = math.Max(best, cosine(vecs[i*dim:(i+1)*dim], vecs[j*dim:(j+1)*dim]))
			}
		}
		if math.Abs(best-float64(rep.NN[i])) > 1e-5 {
			t.Errorf("nn[%d] = %v, brute force %v", i, rep.NN[i], best)
		}
		if float32(best) <= 0.4 {
			sep++
		}
	}
	for _, c := range rep.Histogram {
		total += c
	}
	if rep.N != 20 || total != 20 || rep.Separated != sep || rep.Threshold != 0.4 {
		t.Errorf("report n %d separated %d (brute force %d) histogram total %d", rep.N, rep.Separated, sep, total)
	}
}

func TestImages(t *testing.T) {
	dir := t.TempDir()
	img := make([]byte, ImageBytes)
	for i := range img {
		img[i] = byte(i * 7)
	}
	png := filepath.Join(dir, "a.png")
	if err := WriteImage(png, img, ImageSize, ImageSize, nil); err != nil {
		t.Fatal(err)
	}
	back, err := ReadImage(png, nil)
	if err != nil || !bytes.Equal(back, img) {
		t.Fatalf("png round trip: %v", err)
	}
	jpg := filepath.Join(dir, "a.jpg")
	if err := WriteImage(jpg, img, ImageSize, ImageSize, &ImageWriteOptions{JPEGQuality: 90}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadImage(jpg, nil); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.png")
	if err := WriteImage(small, img[:20*10*3], 20, 10, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadImage(small, nil); !errors.Is(err, ErrFormat) {
		t.Errorf("20x10 without resize: %v", err)
	}
	if r, err := ReadImage(small, &ImageReadOptions{Resize: true}); err != nil || len(r) != ImageBytes {
		t.Errorf("resize: %v", err)
	}
	if err := WriteImage(filepath.Join(dir, "a.bmp"), img, ImageSize, ImageSize, nil); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("bmp: %v", err)
	}
}

func TestErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-model")
	_, err := LoadModel(missing, nil)
	if !errors.Is(err, ErrIO) {
		t.Fatalf("missing directory: %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusIO || !strings.Contains(e.Message, missing) {
		t.Errorf("missing directory: %#v", err)
	}
	if errors.Is(err, ErrFormat) {
		t.Error("IO error matches ErrFormat")
	}
	g, err := LoadModel(modelDir(t, "gen_only"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	vecs := randVectors(11, 1, VectorDim)
	lm, _ := RenderLandmarks(make([]float32, 10))
	_, err = g.GeneratePose(vecs, lm, nil)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "pose_generator.pt") {
		t.Errorf("gen_only GeneratePose: %v", err)
	}
	if _, err := g.Generate(vecs, nil); err != nil {
		t.Errorf("gen_only Generate: %v", err)
	}
	bad := append([]float32(nil), vecs...)
	bad[17] = float32(math.NaN())
	if _, err := g.Generate(bad, nil); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("NaN input: %v", err)
	}
	if _, err := g.Generate(vecs[:100], nil); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("short vectors: %v", err)
	}
	if _, err := LoadModel(modelDir(t, "garbage"), nil); err == nil || errors.Is(err, ErrIO) {
		t.Errorf("garbage model: %v", err)
	}
	if _, err := ReadNpy(filepath.Join(t.TempDir(), "x.npy")); !errors.Is(err, ErrIO) {
		t.Errorf("missing npy: %v", err)
	}
	g.Close()
	g.Close()
	if _, err := g.Info(); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrInvalidArg) {
		t.Errorf("closed model: %v", err)
	}
}

func TestProgressAndConcurrency(t *testing.T) {
	m := tiny(t)
	vecs := randVectors(12, 4, VectorDim)
	var calls int
	var last uint64
	_, err := m.Generate(vecs, &GenOptions{BatchSize: 2, Progress: func(done, total uint64) bool {
		calls++
		last = done
		return false
	}})
	if err != nil || calls == 0 || last != 4 {
		t.Errorf("progress: %v calls %d last %d", err, calls, last)
	}
	_, err = m.Generate(vecs, &GenOptions{BatchSize: 2, Progress: func(done, total uint64) bool { return true }})
	if !errors.Is(err, ErrCancelled) {
		t.Errorf("cancel: %v", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("panic in the callback came back as %v", r)
			}
		}()
		m.Generate(vecs, &GenOptions{BatchSize: 2, Progress: func(done, total uint64) bool { panic("boom") }})
	}()
	want, err := m.Generate(vecs, &GenOptions{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			got, err := m.Generate(vecs, &GenOptions{Seed: 3})
			if err == nil && !bytes.Equal(got, want) {
				err = errors.New("different bytes")
			}
			errs[g] = err
		}(g)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent generation: %v", err)
		}
	}
	var mu sync.Mutex
	var msgs []string
	if err := SetLogCallback(func(l LogLevel, msg string) { mu.Lock(); msgs = append(msgs, msg); mu.Unlock() }, LogDebug); err != nil {
		t.Fatal(err)
	}
	g, err := LoadModel(modelDir(t, "gen_only"), nil)
	if err == nil {
		g.Close()
	}
	SetLogCallback(nil, LogError)
	t.Logf("%d log messages while loading", len(msgs))
}

// The example program (examples/go) writes the images Generate makes.
func TestExampleProgram(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	m := tiny(t)
	dir := t.TempDir()
	vecs := randVectors(13, 3, VectorDim)
	npy := filepath.Join(dir, "v.npy")
	if err := WriteNpy(npy, vecs, 3, VectorDim); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goTool, "run", ".", "-per-id", "2", "-seed", "21", "-n", "2",
		modelDir(t, "tiny"), npy, dir)
	cmd.Dir = filepath.Join("..", "..", "examples", "go")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run examples/go: %v\n%s", err, out)
	}
	ids, imgs := []uint64{0, 0, 1, 1}, []uint64{0, 1, 0, 1}
	rep := make([]float32, 0, 4*VectorDim)
	for _, id := range ids {
		rep = append(rep, vecs[id*VectorDim:(id+1)*VectorDim]...)
	}
	want, err := m.Generate(rep, &GenOptions{Seed: 21, IdentityIndex: ids, ImageIndex: imgs})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		got, err := ReadImage(filepath.Join(dir, fmt.Sprintf("%d_%d.png", ids[i], imgs[i])), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want[i*ImageBytes:(i+1)*ImageBytes]) {
			t.Errorf("example image %d_%d differs", ids[i], imgs[i])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "2_0.png")); err == nil {
		t.Error("-n 2 wrote row 2")
	}
}

// A dataset of 2 identities x 2 perturbation images: files, stats,
// verification, restart, a missing file, cancel, a callback's panic, the
// job keeping its model, and a changed seed.
func TestDatasetJob(t *testing.T) {
	m := tiny(t)
	dir := t.TempDir()
	npy := filepath.Join(dir, "ids.npy")
	if err := WriteNpy(npy, randVectors(14, 2, VectorDim), 2, VectorDim); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "ds")
	r := DefaultDatasetRecipe()
	if r.PerturbImages != 4 || r.PoseImages != 0 || r.PoseEps != 0.7 || r.Format != DatasetPNG ||
		r.JPEGQuality != 95 || r.BatchSize != 0 || r.Identities != "" || r.Eps != nil {
		t.Errorf("DefaultDatasetRecipe: %+v", r)
	}
	r.Identities, r.OutDir, r.Seed, r.PerturbImages, r.BatchSize = npy, out, 5, 2, 2
	r.Eps, r.EpsShares = []float32{0.3, 0.6}, []float32{1, 3} // pinned in the C recipe
	job, err := m.NewDatasetJob(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	var last, total uint64
	if err := job.Run(func(done, tot uint64) bool { calls, last, total = calls+1, done, tot; return false }); err != nil {
		t.Fatal(err)
	}
	if calls < 2 || last != 4 || total != 4 {
		t.Errorf("progress: %d calls, last %d of %d", calls, last, total)
	}
	st, err := job.Stats()
	want := DatasetStats{IdentityEnd: 2, IdentitiesTotal: 2, IdentitiesDone: 2, ImagesTotal: 4, ImagesWritten: 4}
	if err != nil || st != want {
		t.Errorf("stats: %+v, %v; want %+v", st, err, want)
	}
	job.Close()
	job.Close()
	if err := job.Run(nil); !errors.Is(err, ErrClosed) {
		t.Errorf("run after close: %v", err)
	}
	if _, err := job.Stats(); !errors.Is(err, ErrClosed) {
		t.Errorf("stats after close: %v", err)
	}
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			img, err := ReadImage(filepath.Join(out, fmt.Sprintf("%06d", i), fmt.Sprintf("%03d.png", j)), nil)
			if err != nil || len(img) != ImageBytes {
				t.Errorf("image %d/%d: %d bytes, %v", i, j, len(img), err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "recipe.txt")); err != nil {
		t.Error(err)
	}
	if parts, _ := filepath.Glob(filepath.Join(out, "manifest", "part-*.csv")); len(parts) != 1 {
		t.Errorf("manifest parts: %v", parts)
	}
	rep, err := VerifyDataset(out)
	wantRep := DatasetReport{OK: true, Identities: 2, IdentitiesComplete: 2, ImagesExpected: 4,
		ImagesOK: 4, ManifestParts: 1, ManifestRows: 4}
	if err != nil || rep != wantRep {
		t.Errorf("verify: %+v, %v; want %+v", rep, err, wantRep)
	}

	// A restart (batch size may change) skips everything.
	r.BatchSize = 4
	job, err = m.NewDatasetJob(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Run(nil); err != nil {
		t.Fatal(err)
	}
	st, err = job.Stats()
	want = DatasetStats{IdentityEnd: 2, IdentitiesTotal: 2, IdentitiesSkipped: 2, IdentitiesDone: 2,
		ImagesTotal: 4, ImagesSkipped: 4}
	if err != nil || st != want {
		t.Errorf("restart stats: %+v, %v; want %+v", st, err, want)
	}
	job.Close()

	// A missing file: the report comes back with the error.
	victim := filepath.Join("000001", "001.png")
	if err := os.Remove(filepath.Join(out, victim)); err != nil {
		t.Fatal(err)
	}
	rep, err = VerifyDataset(out)
	if !errors.Is(err, ErrFormat) || rep.OK || rep.Problems == 0 || rep.ImagesMissing != 1 ||
		rep.ImagesOK != 3 || !strings.Contains(rep.FirstProblem, victim) {
		t.Errorf("verify with %s missing: %+v, %v", victim, rep, err)
	}

	// Cancel, then a panic in the callback, then resume with a job whose
	// model is closed (the job keeps the C model; gen_only loads fast).
	m2, err := LoadModel(modelDir(t, "gen_only"), &RuntimeOptions{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	job, err = m2.NewDatasetJob(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	m2.Close()
	if err := job.Run(func(done, total uint64) bool { return true }); !errors.Is(err, ErrCancelled) {
		t.Errorf("cancel: %v", err)
	}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("panic in the callback came back as %v", p)
			}
		}()
		job.Run(func(done, total uint64) bool { panic("boom") })
	}()
	if err := job.Run(nil); err != nil {
		t.Fatalf("resume with the model closed: %v", err)
	}
	if rep, err := VerifyDataset(out); err != nil || !rep.OK {
		t.Errorf("verify after resume: %+v, %v", rep, err)
	}

	// Another seed on the same folder is refused, naming the setting.
	r.Seed = 6
	if _, err := m.NewDatasetJob(r, 0, 1); !errors.Is(err, ErrInvalidArg) || !strings.Contains(err.Error(), "seed is") {
		t.Errorf("other seed: %v", err)
	}
	if _, err := m.NewDatasetJob(r, 1, 1); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("shard 1 of 1: %v", err)
	}
	if _, err := VerifyDataset(t.TempDir()); !errors.Is(err, ErrIO) {
		t.Errorf("verify without recipe.txt: %v", err)
	}
}

// maxByteDiff is the largest |a[i]-b[i]|, or 256 when the lengths differ.
func maxByteDiff(a, b []byte) int {
	if len(a) != len(b) {
		return 256
	}
	worst := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		if d > worst {
			worst = d
		}
	}
	return worst
}
