package vec2face

import (
	"runtime"
	"testing"
	"time"
)

// An AttrOp dropped without Close is freed by its finalizer, which also
// releases its reference on the model: the C model of a closed Model then
// goes too.
func TestFinalizerReleasesModel(t *testing.T) {
	m, err := LoadModel(modelDir(t, "tiny"), nil)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		if _, err := m.NewAttrOp(randVectors(6, 1, VectorDim), nil, nil); err != nil {
			t.Fatal(err)
		}
	}()
	m.Close()
	for i := 0; i < 100 && m.refs.Load() != 0; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := m.refs.Load(); n != 0 {
		t.Fatalf("the dropped AttrOp still holds the model: refs %d", n)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.ptr != nil {
		t.Error("the C model outlived the Close of the model and of its last AttrOp")
	}
}
