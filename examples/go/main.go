// Command generate turns identity vectors from an .npy file into PNG face
// images with the Go binding of libvec2face:
//
//	go run . [-per-id K] [-seed S] [-n N] MODEL_DIR VECTORS.npy OUT_DIR
//
// It writes OUT_DIR/<row>_<k>.png, K images (different masks) per vector,
// exactly the files the C example v2f_example_generate writes.
// Build against the build tree with PKG_CONFIG_PATH=<build dir>, or against
// an installed prefix with PKG_CONFIG_PATH=<prefix>/lib/pkgconfig (and
// CGO_LDFLAGS=-Wl,-rpath,<prefix>/lib, or LD_LIBRARY_PATH at run time, when
// the prefix is outside the loader's path). go.mod's replace line uses this
// checkout's bindings/go; in a module of your own, point it at yours.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	vec2face "github.com/libvec2face/libvec2face/bindings/go"
)

func main() {
	perID := flag.Int("per-id", 1, "images per vector, each with its own masks")
	seed := flag.Uint64("seed", 0, "seed of the mask randomness")
	limit := flag.Int("n", 0, "use only the first N vectors (0: all)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(),
			"usage: generate [-per-id K] [-seed S] [-n N] MODEL_DIR VECTORS.npy OUT_DIR\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 3 || *perID < 1 || *perID > 1000 || *limit < 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), flag.Arg(2), *perID, *limit, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run(modelDir, vectorsPath, outDir string, perID, limit int, seed uint64) error {
	arr, err := vec2face.ReadNpy(vectorsPath)
	if err != nil {
		return err
	}
	if arr.Cols != vec2face.VectorDim {
		return fmt.Errorf("%s: %d columns, need %d", vectorsPath, arr.Cols, vec2face.VectorDim)
	}
	rows := arr.Rows
	if limit > 0 && limit < rows {
		rows = limit
	}
	model, err := vec2face.LoadModel(modelDir, nil)
	if err != nil {
		return err
	}
	defer model.Close()

	// Image k of row r: identity index r, image index k.
	n := rows * perID
	vecs := make([]float32, 0, n*vec2face.VectorDim)
	ids := make([]uint64, 0, n)
	imgs := make([]uint64, 0, n)
	for r := 0; r < rows; r++ {
		for k := 0; k < perID; k++ {
			vecs = append(vecs, arr.Data[r*vec2face.VectorDim:(r+1)*vec2face.VectorDim]...)
			ids = append(ids, uint64(r))
			imgs = append(imgs, uint64(k))
		}
	}
	rgb, err := model.Generate(vecs, &vec2face.GenOptions{Seed: seed, IdentityIndex: ids, ImageIndex: imgs})
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		path := filepath.Join(outDir, fmt.Sprintf("%d_%d.png", ids[i], imgs[i]))
		img := rgb[i*vec2face.ImageBytes : (i+1)*vec2face.ImageBytes]
		if err := vec2face.WriteImage(path, img, vec2face.ImageSize, vec2face.ImageSize, nil); err != nil {
			return err
		}
	}
	fmt.Printf("wrote %d images to %s\n", n, outDir)
	return nil
}
