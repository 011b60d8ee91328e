"""Image files (PNG, JPEG) and float32 arrays (.npy, .npz) through libvec2face."""

from __future__ import annotations

import ctypes
import os
from typing import Any, List, Optional, Tuple, Union

from . import _buffers as B
from . import _ctypes_api as _api
from . import _lib
from ._buffers import Array, ArrayIn
from .core import IMAGE_BYTES, IMAGE_SIZE, call
from .errors import InvalidArgumentError

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["read_image", "write_image", "write_images", "read_npy", "read_npz", "write_npy"]


def read_image(path: PathLike, resize: bool = False) -> Array:
    """One 112x112 RGB image from a PNG or JPEG file: (112, 112, 3) uint8 or
    a bytearray of 37632. resize=True scales any size to 112x112; otherwise
    another size is FormatError."""
    lib = _lib.get()
    o = _api.new_opts(lib, _api.v2f_image_read_opts)
    o.resize = 1 if resize else 0
    out = B.bytes_out((IMAGE_SIZE, IMAGE_SIZE, 3))
    call(lib.v2f_image_read(os.fsencode(path), ctypes.byref(o), out.ptr))
    return out.obj


def write_image(path: PathLike, rgb: ArrayIn, width: int = IMAGE_SIZE,
                height: int = IMAGE_SIZE, jpeg_quality: Optional[int] = 95,
                png_level: Optional[int] = -1) -> None:
    """Write one row-major RGB image (width * height * 3 bytes); the format
    comes from the extension (.png, .jpg, .jpeg). Atomic. png_level: zlib
    level 0..9 of a PNG (-1 or None: the library default, 6; since 0.3);
    jpeg_quality 1..100 (95)."""
    lib = _lib.get()
    img = B.bytes_in(rgb, "rgb", width * height * 3, ((height, width, 3), (width * height * 3,)))
    if img.count != width * height * 3:
        raise InvalidArgumentError(
            f"rgb: {img.count} bytes for a {width}x{height} RGB image ({width * height * 3})")
    o = _api.new_opts(lib, _api.v2f_image_write_opts)
    if jpeg_quality is not None:
        o.jpeg_quality = jpeg_quality
    if png_level is not None:
        o.png_level = png_level
    call(lib.v2f_image_write(os.fsencode(path), img.ptr, width, height, ctypes.byref(o)))


def write_images(pattern: str, images: ArrayIn, jpeg_quality: Optional[int] = 95,
                 png_level: Optional[int] = -1) -> List[str]:
    """Write n 112x112 images to pattern.format(i) (e.g. "out/{}.png");
    returns the paths."""
    imgs = B.bytes_in(images, "images", IMAGE_BYTES, B.IMAGE_ROWS)
    paths: List[str] = []
    if not imgs.rows:
        return paths
    assert imgs.ptr is not None
    for i in range(imgs.rows):
        p = pattern.format(i)
        write_image(p, ctypes.string_at(imgs.ptr + i * IMAGE_BYTES, IMAGE_BYTES),
                    jpeg_quality=jpeg_quality, png_level=png_level)
        paths.append(p)
    return paths


def take_array(lib: Any, handle: Any) -> Array:
    """Copy a v2f_array into a (rows, cols) float32 result and free it."""
    try:
        rows = lib.v2f_array_rows(handle)
        cols = lib.v2f_array_cols(handle)
        return B.floats_from_address(lib.v2f_array_data(handle), (rows, cols))
    finally:
        lib.v2f_array_free(handle)


def read_npy(path: PathLike) -> Array:
    """A 2-D (or 1-D, as one row) little-endian float32 C-order .npy as a
    (rows, cols) float32 array (array.array('f') without numpy; its shape
    is lost then: use read_npy_shape)."""
    return read_npy_shape(path)[0]


def read_npy_shape(path: PathLike) -> Tuple[Array, Tuple[int, int]]:
    """(data, (rows, cols)) of a float32 .npy."""
    lib = _lib.get()
    h = ctypes.c_void_p()
    call(lib.v2f_npy_read(os.fsencode(path), ctypes.byref(h)))
    shape = (int(lib.v2f_array_rows(h)), int(lib.v2f_array_cols(h)))
    return take_array(lib, h), shape


def read_npz(path: PathLike, name: str) -> Array:
    """Member `name` (with or without ".npy") of an .npz as (rows, cols)
    float32. A missing member is FormatError listing the members."""
    lib = _lib.get()
    h = ctypes.c_void_p()
    call(lib.v2f_npz_read(os.fsencode(path), name.encode(), ctypes.byref(h)))
    return take_array(lib, h)


def write_npy(path: PathLike, data: ArrayIn, cols: Optional[int] = None) -> None:
    """Write 2-D float32 data as .npy (atomically). cols: the row length for a
    flat buffer (numpy arrays give their own shape)."""
    lib = _lib.get()
    d = B.floats_in(data, "data", cols)
    call(lib.v2f_npy_write(os.fsencode(path), d.ptr, d.rows, d.row_len))
