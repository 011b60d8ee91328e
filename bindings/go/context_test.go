package vec2face

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The long calls take the package's ProgressFunc (a compile-time check).
var (
	_ func(ProgressFunc) error                  = (&DatasetJob{}).Run
	_ func(context.Context, ProgressFunc) error = (&DatasetJob{}).RunContext
)

// cancelled checks that err is a cancel caused by ctx: it matches both the
// context's error and the library's.
func cancelled(t *testing.T, what string, err, ctxErr error) {
	t.Helper()
	if !errors.Is(err, ctxErr) || !errors.Is(err, ErrCancelled) {
		t.Fatalf("%s: %v; want an error matching %v and ErrCancelled", what, err, ctxErr)
	}
}

// cancelAtProgress returns a progress function and a context: at the first
// report with done >= from, another goroutine cancels the context (the
// callback waits until it has, so the call sees the cancel at this very
// report) and records the time and done.
type cancelAtProgress struct {
	ctx      context.Context
	at       time.Time
	doneAt   uint64
	reported bool
	progress ProgressFunc
}

func newCancelAtProgress(from uint64) *cancelAtProgress {
	ctx, cancel := context.WithCancel(context.Background())
	c := &cancelAtProgress{ctx: ctx}
	reached := make(chan struct{})
	var once sync.Once
	go func() {
		<-reached
		c.at = time.Now()
		cancel()
	}()
	c.progress = func(done, total uint64) bool {
		if done >= from && done > 0 {
			once.Do(func() {
				c.doneAt, c.reported = done, true
				close(reached)
				<-ctx.Done()
			})
		}
		return false
	}
	return c
}

// A dataset job cancelled through its context mid-run stops after at most
// the batch in flight, promptly, and a new job resumes it: the files on
// disk are skipped and the finished dataset verifies.
func TestDatasetRunContextCancelAndResume(t *testing.T) {
	m := tiny(t)
	dir := t.TempDir()
	const ids, perID, batch = 10, 2, 2
	npy := filepath.Join(dir, "ids.npy")
	if err := WriteNpy(npy, randVectors(41, ids, VectorDim), ids, VectorDim); err != nil {
		t.Fatal(err)
	}
	r := DefaultDatasetRecipe()
	r.Identities, r.OutDir, r.Seed, r.PerturbImages, r.BatchSize = npy, filepath.Join(dir, "ds"), 8, perID, batch
	const total = ids * perID

	// Done before the call: nothing is made, the context's error comes back.
	pre, cancelPre := context.WithCancel(context.Background())
	cancelPre()
	job, err := m.NewDatasetJob(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := job.RunContext(pre, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunContext with a done context: %v", err)
	}
	if st, _ := job.Stats(); st.ImagesWritten != 0 {
		t.Fatalf("RunContext with a done context wrote %d images", st.ImagesWritten)
	}

	c := newCancelAtProgress(batch)
	err = job.RunContext(c.ctx, c.progress)
	latency := time.Since(c.at)
	cancelled(t, "RunContext cancelled mid-run", err, context.Canceled)
	st, err := job.Stats()
	if err != nil {
		t.Fatal(err)
	}
	job.Close()
	// The library stops after the batch being written; the batch already
	// generated is written too.
	if !c.reported || st.ImagesWritten < c.doneAt || st.ImagesWritten > c.doneAt+2*batch ||
		st.ImagesWritten >= total {
		t.Fatalf("cancel at %d images done (reported %v): %d of %d written", c.doneAt, c.reported,
			st.ImagesWritten, total)
	}

	// Resume with a new job (a context that is never cancelled).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	job, err = m.NewDatasetJob(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	start := time.Now()
	if err := job.RunContext(ctx, nil); err != nil {
		t.Fatalf("resume: %v", err)
	}
	rest := time.Since(start)
	st2, _ := job.Stats()
	if st2.ImagesSkipped != st.ImagesWritten || st2.ImagesWritten != total-st.ImagesWritten {
		t.Errorf("resume after %d images: skipped %d, wrote %d (of %d)", st.ImagesWritten,
			st2.ImagesSkipped, st2.ImagesWritten, total)
	}
	if rep, err := VerifyDataset(r.OutDir); err != nil || !rep.OK || rep.ImagesOK != total {
		t.Errorf("verify after resume: %+v, %v", rep, err)
	}
	// Promptly: the cancel cost at most two batches, the rest of the job
	// (at least 12 more images) took longer.
	t.Logf("cancel to return: %v; the remaining %d images: %v", latency, total-st.ImagesWritten, rest)
	if latency > rest {
		t.Errorf("RunContext took %v to return after the cancel, longer than the %v of the "+
			"remaining %d images", latency, rest, total-st.ImagesWritten)
	}
}

// Sampling cancelled through its context keeps the rows found so far,
// which resume to exactly the vectors of an uncancelled call; a deadline
// works the same way.
func TestSampleIdentitiesContext(t *testing.T) {
	const dim, n = 32, 80
	s, err := NewIsotropicSampler(dim, 20, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opts := DefaultSampleOptions()
	opts.Seed, opts.Threads, opts.BlockSize = 12, 1, 4
	want, _, err := s.SampleIdentities(n, &opts)
	if err != nil {
		t.Fatal(err)
	}

	c := newCancelAtProgress(10)
	copts := opts
	copts.Progress = c.progress
	out := make([]float32, n*dim)
	st, err := s.SampleIdentitiesIntoContext(c.ctx, out, &copts)
	latency := time.Since(c.at)
	cancelled(t, "SampleIdentitiesIntoContext", err, context.Canceled)
	if st.Kept < c.doneAt || st.Kept >= n {
		t.Fatalf("cancelled at %d kept: stats %+v", c.doneAt, st)
	}
	t.Logf("sampling: cancel to return %v, %d of %d kept", latency, st.Kept, n)
	if latency > 5*time.Second {
		t.Errorf("sampling took %v to return after the cancel", latency)
	}
	ropts := opts
	ropts.ResumeKept, ropts.ResumeCandidates = st.Kept, st.Candidates
	if _, err := s.SampleIdentitiesIntoContext(context.Background(), out, &ropts); err != nil {
		t.Fatal(err)
	}
	if !equalF(out, want) {
		t.Error("sampling resumed after a context cancel differs from one uncancelled call")
	}

	// nil options take a context too; a deadline already passed.
	past, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, _, err := s.SampleIdentitiesContext(past, n, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("past deadline: %v", err)
	}
	// A deadline during the call (no Progress of the caller's own).
	big := DefaultSampleOptions()
	big.Seed, big.Threads, big.BlockSize, big.MaxSimilarity = 3, 1, 1, -0.99 // nothing passes
	big.MaxCandidates = 1 << 40
	soon, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	start := time.Now()
	_, _, err = s.SampleIdentitiesContext(soon, 4, &big)
	cancelled(t, "SampleIdentitiesContext past its deadline", err, context.DeadlineExceeded)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a 200 ms deadline returned after %v", d)
	}
}

// AttrOp.RunContext runs the official loop step by step: the same vectors
// and counts as Run; cancelled, it stops between steps and the vectors are
// those of the steps it reports.
func TestAttrOpRunContext(t *testing.T) {
	m := tiny(t)
	vecs := randVectors(43, 1, VectorDim)
	opts := DefaultAttrOpOptions()
	opts.Seed, opts.MaxRetries = 4, 1
	newOp := func() *AttrOp {
		a, err := m.NewAttrOp(vecs, nil, &opts)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a, b := newOp(), newOp()
	defer a.Close()
	defer b.Close()
	start := time.Now()
	la, err := a.Run(1)
	perStep := time.Since(start) / time.Duration(max(la.Steps, 1))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lb, err := b.RunContext(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	va, _ := a.Vectors()
	vb, _ := b.Vectors()
	if !equalF(va, vb) || la.Steps != lb.Steps || la.Retries != lb.Retries || la.Counted != lb.Counted ||
		la.Total != lb.Total || !equalF(la.IdentityPerVector, lb.IdentityPerVector) {
		t.Fatalf("RunContext differs from Run: %+v vs %+v", lb, la)
	}
	if la.Steps < 1 || la.Steps > 1+opts.MaxRetries {
		t.Fatalf("Run(1): %d steps", la.Steps)
	}

	// Cancelled from another goroutine during a long run, half-way
	// through its first step.
	c := newOp()
	defer c.Close()
	ctx2, cancel2 := context.WithCancel(context.Background())
	var at time.Time
	go func() {
		time.Sleep(perStep / 2)
		at = time.Now()
		cancel2()
	}()
	lc, err := c.RunContext(ctx2, 100000)
	latency := time.Since(at)
	cancelled(t, "AttrOp.RunContext", err, context.Canceled)
	t.Logf("AttrOP: %v per step, cancel to return %v after %d steps", perStep, latency, lc.Steps)
	if lc.Steps < 1 || lc.Steps >= 100000 {
		t.Fatalf("cancelled run: %d steps", lc.Steps)
	}
	if latency > 2*perStep+time.Second {
		t.Errorf("RunContext returned %v after the cancel (%v per step)", latency, perStep)
	}
	// The vectors are those of lc.Steps steps (a's, when it took as many).
	vd := va
	if lc.Steps != la.Steps {
		d := newOp()
		defer d.Close()
		for i := 0; i < lc.Steps; i++ {
			if _, err := d.Step(); err != nil {
				t.Fatal(err)
			}
		}
		vd, _ = d.Vectors()
	}
	vc, _ := c.Vectors()
	if !equalF(vc, vd) {
		t.Errorf("after a cancel at %d steps the vectors are not those of %d steps", lc.Steps, lc.Steps)
	}
	if _, err := c.RunContext(ctx2, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("RunContext with a done context: %v", err)
	}
	if _, err := c.RunContext(ctx, 0); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("RunContext(0 iterations): %v", err)
	}
}

// Generation, separability, reports and folder centres stop through their
// context too; generation into a buffer leaves it alone when the context
// is done before the call.
func TestOtherContextCalls(t *testing.T) {
	m := tiny(t)
	vecs := randVectors(44, 6, VectorDim)

	ctx, cancel := context.WithCancel(context.Background())
	_, err := m.GenerateContext(ctx, vecs, &GenOptions{BatchSize: 1, Progress: func(done, total uint64) bool {
		cancel() // the caller's own callback may cancel the context
		return false
	}})
	cancelled(t, "GenerateContext", err, context.Canceled)
	rgb := bytes.Repeat([]byte{9}, 6*ImageBytes)
	if err := m.GenerateIntoContext(ctx, rgb, vecs, nil); !errors.Is(err, context.Canceled) ||
		!bytes.Equal(rgb, bytes.Repeat([]byte{9}, 6*ImageBytes)) {
		t.Errorf("GenerateIntoContext with a done context: %v", err)
	}
	lm, _ := RenderLandmarks([]float32{38, 52, 74, 52, 56, 72, 42, 92, 70, 92})
	if _, err := m.GeneratePoseContext(ctx, vecs[:VectorDim], lm, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("GeneratePoseContext with a done context: %v", err)
	}
	// An uncancelled context: the bytes of Generate.
	live, stop := context.WithCancel(context.Background())
	defer stop()
	want, _ := m.Generate(vecs, &GenOptions{Seed: 2, BatchSize: 2})
	got, err := m.GenerateContext(live, vecs, &GenOptions{Seed: 2, BatchSize: 2})
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("GenerateContext: %v", err)
	}

	c := newCancelAtProgress(1)
	_, err = SeparabilityContext(c.ctx, randVectors(45, 400, 16), 16, 0.4,
		&SeparabilityOptions{Threads: 1, Progress: c.progress})
	cancelled(t, "SeparabilityContext", err, context.Canceled)

	// A small dataset for the report.
	dir := t.TempDir()
	npy := filepath.Join(dir, "ids.npy")
	if err := WriteNpy(npy, randVectors(46, 3, VectorDim), 3, VectorDim); err != nil {
		t.Fatal(err)
	}
	r := DefaultDatasetRecipe()
	r.Identities, r.OutDir, r.PerturbImages, r.BatchSize = npy, filepath.Join(dir, "ds"), 2, 2
	job, err := m.NewDatasetJob(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := job.Run(nil); err != nil {
		t.Fatal(err)
	}
	job.Close()
	ropts := DefaultReportOptions()
	ropts.BatchSize = 1
	ropts.OutPrefix = filepath.Join(dir, "rep-")
	c = newCancelAtProgress(1)
	ropts.Progress = c.progress
	_, err = m.ReportDatasetContext(c.ctx, r.OutDir, &ropts)
	cancelled(t, "ReportDatasetContext", err, context.Canceled)
	if _, err := os.Stat(ropts.OutPrefix + "report.json"); !os.IsNotExist(err) {
		t.Errorf("a cancelled report wrote report.json (%v)", err)
	}
	ropts.Progress = nil
	if _, err := ReportDatasetContext(live, nil, r.OutDir, &ropts); err != nil {
		t.Errorf("ReportDatasetContext: %v", err)
	}

	// Folder centres: the mean ArcFace features of each subfolder.
	root := filepath.Join(dir, "faces")
	imgs, err := m.Generate(randVectors(47, 5, VectorDim), nil)
	if err != nil {
		t.Fatal(err)
	}
	labels := []int64{0, 0, 1, 2, 2}
	for i, l := range labels {
		sub := filepath.Join(root, fmt.Sprintf("id%d", l))
		os.MkdirAll(sub, 0o755)
		if err := WriteImage(filepath.Join(sub, fmt.Sprintf("%d.png", i)), imgs[i*ImageBytes:(i+1)*ImageBytes],
			ImageSize, ImageSize, nil); err != nil {
			t.Fatal(err)
		}
	}
	feats, err := m.ExtractFeatures(PartArcFace, imgs)
	if err != nil {
		t.Fatal(err)
	}
	wantC, wantN, err := IdentityCentres(feats, VectorDim, labels, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	var reports int
	centres, counts, err := m.IdentityCentresFromFolderContext(live, root, &FolderCentresOptions{
		Progress: func(done, total uint64) bool { reports++; return total != 3 }})
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 3 || counts[0] != wantN[0] || counts[1] != wantN[1] || counts[2] != wantN[2] || reports == 0 {
		t.Errorf("folder centres: counts %v (want %v), %d progress reports", counts, wantN, reports)
	}
	for i := range wantC {
		if math.Abs(float64(centres[i]-wantC[i])) > 1e-4 {
			t.Fatalf("folder centre value %d: %v, from the features %v", i, centres[i], wantC[i])
		}
	}
	c = newCancelAtProgress(1)
	_, _, err = m.IdentityCentresFromFolderContext(c.ctx, root, &FolderCentresOptions{Progress: c.progress})
	cancelled(t, "IdentityCentresFromFolderContext", err, context.Canceled)
	if _, _, err := m.IdentityCentresFromFolder(filepath.Join(dir, "missing"), nil); !errors.Is(err, ErrIO) {
		t.Errorf("folder centres of a missing folder: %v", err)
	}
}
