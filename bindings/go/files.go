package vec2face

/*
#include <vec2face/vec2face.h>
*/
import "C"

import "unsafe"

// Array is a 2-D float32 array, row-major.
type Array struct {
	Rows, Cols int
	Data       []float32 // Rows*Cols values
}

// takeArray copies a library-owned array into Go memory and frees it.
func takeArray(a *C.v2f_array) *Array {
	defer C.v2f_array_free(a)
	r, c := int(C.v2f_array_rows(a)), int(C.v2f_array_cols(a))
	out := &Array{Rows: r, Cols: c, Data: make([]float32, r*c)}
	if r*c > 0 {
		copy(out.Data, unsafe.Slice((*float32)(unsafe.Pointer(C.v2f_array_data(a))), r*c))
	}
	return out
}

// ReadNpy reads a 2-D (or 1-D, as one row) little-endian float32 C-order
// .npy file.
func ReadNpy(path string) (*Array, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	cp := cstr(path)
	defer cfree(cp)
	var a *C.v2f_array
	if err := call(func() C.v2f_status { return C.v2f_npy_read(cp, &a) }); err != nil {
		return nil, err
	}
	return takeArray(a), nil
}

// ReadNpz reads member name (with or without ".npy") of an .npz archive.
func ReadNpz(path, name string) (*Array, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	cp, cn := cstr(path), cstr(name)
	defer cfree(cp)
	defer cfree(cn)
	var a *C.v2f_array
	if err := call(func() C.v2f_status { return C.v2f_npz_read(cp, cn, &a) }); err != nil {
		return nil, err
	}
	return takeArray(a), nil
}

// WriteNpy writes data [rows*cols] as a 2-D float32 .npy, atomically.
func WriteNpy(path string, data []float32, rows, cols int) error {
	if err := ensure(); err != nil {
		return err
	}
	if rows <= 0 || cols <= 0 || len(data) != rows*cols {
		return invalid("WriteNpy: %d values for %d x %d", len(data), rows, cols)
	}
	cp := cstr(path)
	defer cfree(cp)
	return call(func() C.v2f_status {
		return C.v2f_npy_write(cp, fptr(data), C.size_t(rows), C.size_t(cols))
	})
}

// ImageReadOptions for ReadImage; zero value (or nil): defaults.
type ImageReadOptions struct {
	// Resize any size to 112x112 (bilinear); false: other sizes are
	// ErrFormat.
	Resize bool
}

// ReadImage reads a PNG or JPEG file as one 112x112 RGB image
// (ImageBytes bytes).
func ReadImage(path string, opts *ImageReadOptions) ([]byte, error) {
	if err := ensure(); err != nil {
		return nil, err
	}
	var o C.v2f_image_read_opts
	C.v2f_image_read_opts_init(&o, C.sizeof_v2f_image_read_opts)
	if opts != nil && opts.Resize {
		o.resize = 1
	}
	cp := cstr(path)
	defer cfree(cp)
	rgb := make([]byte, ImageBytes)
	if err := call(func() C.v2f_status { return C.v2f_image_read(cp, &o, bptr(rgb)) }); err != nil {
		return nil, err
	}
	return rgb, nil
}

// ImageWriteOptions for WriteImage; zero value (or nil): defaults.
type ImageWriteOptions struct {
	JPEGQuality int // 1..100; 0 = default (95)
	// PNGLevel is the PNG zlib level 0..9; nil = the library's default
	// (6). It changes file sizes, never pixels (since 0.3).
	PNGLevel *int
}

// WriteImage writes one RGB image (width*height*3 bytes); the format comes
// from the extension (.png, .jpg, .jpeg). Atomic: no partial file on error.
func WriteImage(path string, rgb []byte, width, height int, opts *ImageWriteOptions) error {
	if err := ensure(); err != nil {
		return err
	}
	if width <= 0 || height <= 0 || len(rgb) != width*height*3 {
		return invalid("WriteImage: %d bytes for %d x %d RGB", len(rgb), width, height)
	}
	var o C.v2f_image_write_opts
	C.v2f_image_write_opts_init(&o, C.sizeof_v2f_image_write_opts)
	if opts != nil && opts.JPEGQuality != 0 {
		o.jpeg_quality = C.int32_t(opts.JPEGQuality)
	}
	if opts != nil && opts.PNGLevel != nil {
		if *opts.PNGLevel < -1 || *opts.PNGLevel > 9 {
			// Checked here too: a huge int would wrap in the int32 field.
			return invalid("WriteImage: PNGLevel %d; use 0..9, or -1 for the default", *opts.PNGLevel)
		}
		o.png_level = C.int32_t(*opts.PNGLevel)
	}
	cp := cstr(path)
	defer cfree(cp)
	return call(func() C.v2f_status {
		return C.v2f_image_write(cp, bptr(rgb), C.int32_t(width), C.int32_t(height), &o)
	})
}
