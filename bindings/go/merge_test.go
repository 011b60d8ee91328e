package vec2face

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mergeShards makes shards 0..n-1 of a 4-identity recipe (seed) in
// folders of their own.
func mergeShards(t *testing.T, dir string, seed uint64, n int) []string {
	m := tiny(t)
	npy := filepath.Join(dir, "ids.npy")
	if err := WriteNpy(npy, randVectors(21, 4, VectorDim), 4, VectorDim); err != nil {
		t.Fatal(err)
	}
	var outs []string
	for k := 0; k < n; k++ {
		r := DefaultDatasetRecipe()
		r.Identities, r.Seed, r.PerturbImages, r.BatchSize = npy, seed, 2, 1
		r.OutDir = filepath.Join(dir, fmt.Sprintf("s%d-seed%d", k, seed))
		job, err := m.NewDatasetJob(r, k, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := job.Run(nil); err != nil {
			t.Fatal(err)
		}
		job.Close()
		outs = append(outs, r.OutDir)
	}
	return outs
}

// treeFiles maps every file under d (relative path) to its bytes and mtime.
func treeFiles(t *testing.T, d string) map[string]string {
	out := map[string]string{}
	err := filepath.Walk(d, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(d, p)
		out[rel] = fi.ModTime().String() + "\x00" + string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMergeDatasets(t *testing.T) {
	dir := t.TempDir()
	s := mergeShards(t, dir, 7, 2)
	dst := filepath.Join(dir, "all")
	ms, err := MergeDatasets(dst, s, nil)
	if err != nil || !ms.Report.OK || ms.Sources != 2 || ms.FilesCopied != 10 || ms.PartsMerged != 0 ||
		ms.Report.IdentitiesComplete != 4 {
		t.Fatalf("merge: %+v, %v", ms, err)
	}
	if rep, err := VerifyDataset(dst); err != nil || !rep.OK {
		t.Errorf("verify: %+v, %v", rep, err)
	}
	for k, src := range s {
		for i := 2 * k; i < 2*k+2; i++ {
			for j := 0; j < 2; j++ {
				rel := filepath.Join(fmt.Sprintf("%06d", i), fmt.Sprintf("%03d.png", j))
				a, _ := os.ReadFile(filepath.Join(dst, rel))
				b, _ := os.ReadFile(filepath.Join(src, rel))
				if len(a) == 0 || !bytes.Equal(a, b) {
					t.Errorf("%s differs from its shard's", rel)
				}
			}
		}
	}
	before := treeFiles(t, dst)
	again, err := MergeDatasets(dst, s, nil)
	if err != nil || again.FilesCopied != 0 || again.PartsMerged != 0 {
		t.Errorf("merge again: %+v, %v", again, err)
	}
	after := treeFiles(t, dst)
	if len(after) != len(before) {
		t.Errorf("merge again changed the file list")
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("merge again rewrote %s", k)
		}
	}
	half, err := MergeDatasets(filepath.Join(dir, "half"), s[:1], nil)
	if !errors.Is(err, ErrFormat) || half.Report.OK || half.Report.ImagesMissing != 4 || half.FilesCopied != 5 {
		t.Errorf("half: %+v, %v", half, err)
	}

	// Refused before any write: another seed, a conflicting file.
	other := mergeShards(t, dir, 8, 1)
	fresh := filepath.Join(dir, "fresh")
	if _, err := MergeDatasets(fresh, []string{s[0], other[0]}, nil); !errors.Is(err, ErrInvalidArg) ||
		!strings.Contains(err.Error(), "seed") {
		t.Errorf("other seed: %v", err)
	}
	bad := filepath.Join(dir, "bad")
	for _, rel := range []string{"recipe.txt", "000003/000.png", "000003/001.png"} {
		b, err := os.ReadFile(filepath.Join(s[1], rel))
		if err != nil {
			t.Fatal(err)
		}
		if rel == "000003/001.png" {
			b[len(b)-20] ^= 0xff
		}
		os.MkdirAll(filepath.Dir(filepath.Join(bad, rel)), 0o777)
		if err := os.WriteFile(filepath.Join(bad, rel), b, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := MergeDatasets(fresh, []string{s[1], bad}, nil); !errors.Is(err, ErrInvalidArg) ||
		!strings.Contains(err.Error(), filepath.Join(bad, "000003/001.png")) {
		t.Errorf("conflict: %v", err)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("a refused merge created %s", fresh)
	}

	// Cancelled by the context after 3 files: no temporary file left; the
	// same call finishes with links.
	cut := filepath.Join(dir, "cut")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := &MergeOptions{Link: true, Progress: func(done, total uint64) bool {
		if done >= 3 {
			cancel()
		}
		return false
	}}
	if _, err := MergeDatasetsContext(ctx, cut, s, o); !errors.Is(err, context.Canceled) ||
		!errors.Is(err, ErrCancelled) {
		t.Errorf("cancelled merge: %v", err)
	}
	for rel := range treeFiles(t, cut) {
		if strings.HasPrefix(filepath.Base(rel), ".") {
			t.Errorf("left behind: %s", rel)
		}
	}
	ms, err = MergeDatasets(cut, s, &MergeOptions{Link: true})
	if err != nil || !ms.Report.OK || ms.FilesCopied != 7 {
		t.Errorf("finish: %+v, %v", ms, err)
	}
	a, _ := os.Stat(filepath.Join(cut, "000000", "000.png"))
	b, _ := os.Stat(filepath.Join(s[0], "000000", "000.png"))
	if !os.SameFile(a, b) {
		t.Errorf("Link: not a hard link of the shard's image")
	}
}
