package vec2face_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	vec2face "github.com/libvec2face/libvec2face/bindings/go"
)

// Generate two face images from two identity vectors and save the first.
func Example() {
	model, err := vec2face.LoadModel(filepath.Join(os.Getenv("V2F_TEST_MODELS"), "tiny"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()

	vectors := make([]float32, 2*vec2face.VectorDim) // two 512-d vectors
	for i := range vectors {
		vectors[i] = float32(i%7) - 3
	}
	rgb, err := model.Generate(vectors, &vec2face.GenOptions{Seed: 42})
	if err != nil {
		log.Fatal(err)
	}
	dir, _ := os.MkdirTemp("", "vec2face-example")
	defer os.RemoveAll(dir)
	err = vec2face.WriteImage(filepath.Join(dir, "face0.png"), rgb[:vec2face.ImageBytes],
		vec2face.ImageSize, vec2face.ImageSize, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d images, %d bytes each\n", len(rgb)/vec2face.ImageBytes, vec2face.ImageBytes)

	// Errors carry the library's status and message.
	_, err = vec2face.LoadModel("/no/such/model", nil)
	fmt.Println("IO error:", errors.Is(err, vec2face.ErrIO))
	// Output:
	// 2 images, 37632 bytes each
	// IO error: true
}
