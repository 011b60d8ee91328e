package vec2face

// The 0.2 runtime options reach the library: MaxModelBytes, MemoryLimit,
// PrecisionBF16.

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestMaxModelBytes(t *testing.T) {
	_, err := LoadModel(modelDir(t, "tiny"), &RuntimeOptions{Threads: 2, MaxModelBytes: 1000})
	if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), "max_model_bytes") {
		t.Errorf("MaxModelBytes 1000: %v", err)
	}
}

func TestMemoryLimit(t *testing.T) {
	v := make([]float32, VectorDim)
	for i := range v {
		v[i] = 0.5
	}
	m, err := LoadModel(modelDir(t, "tiny"), &RuntimeOptions{Threads: 2, MemoryLimit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Generate(v, nil); !errors.Is(err, ErrNoMemory) || !strings.Contains(err.Error(), "memory_limit") {
		t.Errorf("MemoryLimit 1 MiB: %v", err)
	}
	m2, err := LoadModel(modelDir(t, "tiny"), &RuntimeOptions{Threads: 2, MemoryLimit: math.MaxUint64})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if rgb, err := m2.Generate(v, nil); err != nil || len(rgb) != ImageBytes {
		t.Errorf("no cap: %d bytes, %v", len(rgb), err)
	}
}

func TestPrecisionBF16(t *testing.T) {
	// bf16 needs AVX512-BF16/AMX or CUDA: a model that loads reports it.
	m, err := LoadModel(modelDir(t, "tiny"), &RuntimeOptions{Threads: 2, Precision: PrecisionBF16})
	if err != nil {
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("bf16: %v", err)
		}
		return
	}
	defer m.Close()
	if info, err := m.Info(); err != nil || info.Precision != PrecisionBF16 {
		t.Errorf("info: %+v, %v", info, err)
	}
}

func TestDisableAttrOp(t *testing.T) {
	// 0.3: DisableAttrOp loads without the autograd copies: the same
	// images, AttrOp refused naming the option.
	on, err := LoadModel(modelDir(t, "tiny"), &RuntimeOptions{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer on.Close()
	off, err := LoadModel(modelDir(t, "tiny"), &RuntimeOptions{Threads: 2, DisableAttrOp: true})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	iOn, _ := on.Info()
	iOff, _ := off.Info()
	if !iOn.AttrOp || iOff.AttrOp || iOn.DefaultBatchSize != 8 || iOff.DefaultBatchSize != 8 {
		t.Errorf("info: %+v / %+v", iOn, iOff)
	}
	v := make([]float32, VectorDim)
	for i := range v {
		v[i] = float32((i*7)%11-5) * 0.25
	}
	a, errA := on.Generate(v, &GenOptions{Seed: 3})
	b, errB := off.Generate(v, &GenOptions{Seed: 3})
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Errorf("images differ (%v, %v)", errA, errB)
	}
	if _, err := off.NewAttrOp(v, nil, nil); !errors.Is(err, ErrUnsupported) ||
		!strings.Contains(err.Error(), "V2F_ATTROP_DISABLED") {
		t.Errorf("AttrOp: %v", err)
	}
}
