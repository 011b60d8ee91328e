"""Passing caller buffers to C and allocating results.

Inputs
  numpy arrays must already have the C dtype (float32 for vectors, features,
  points and raw images; uint8 for images, landmarks and masks) and be
  C-contiguous: they are passed by pointer, never copied. Anything else is
  *rejected* with a TypeError (wrong dtype) or InvalidArgumentError (not
  C-contiguous, wrong size) naming the fix
  (``numpy.ascontiguousarray(x, dtype=numpy.float32)``). Index and label
  arrays (small) are the exception: any integer array or sequence is
  converted.
  Without numpy: ``bytes`` (passed without copy), writable buffers
  (``bytearray``, ``array.array('f')`` / ``array.array('B')``, writable
  ``memoryview``: no copy), read-only buffers other than bytes (copied), and
  lists of numbers or of rows (converted).

Outputs
  numpy arrays when numpy can be imported (lazily, at the first call), else
  ``array.array('f')`` for floats and ``bytearray`` for bytes (flat,
  row-major). Set the environment variable VEC2FACE_NO_NUMPY=1 to get the
  stdlib types even where numpy is installed.
"""

from __future__ import annotations

import array
import importlib
import ctypes
import os
import sys
from typing import Any, List, Optional, Sequence, Tuple

from .errors import InvalidArgumentError

#: An array the binding returns: a numpy.ndarray (float32 or uint8, shaped)
#: when numpy can be imported, else a flat array.array('f') / bytearray.
Array = Any
#: An array input: a numpy array of the C dtype, a buffer (bytes,
#: bytearray, array.array, memoryview) or a (nested) list of numbers.
ArrayIn = Any

Shape = Tuple[int, ...]

#: The accepted per-row shapes of an image batch: (n, 112, 112, 3) or
#: (n, 37632); one image (112, 112, 3) or (37632,) is one row.
IMAGE_ROWS: Tuple[Shape, ...] = ((112, 112, 3), (112 * 112 * 3,))
POINTS_ROWS: Tuple[Shape, ...] = ((5, 2), (10,))
RAW_ROWS: Tuple[Shape, ...] = ((3, 112, 112), (3 * 112 * 112,))

_numpy: Any = None  # the module, False when absent, None before the first look


def numpy_module() -> Any:
    """numpy when importable (and not disabled), else None."""
    global _numpy
    if os.environ.get("VEC2FACE_NO_NUMPY"):
        return None
    if _numpy is None:
        try:
            # importlib: numpy is optional, also for type checkers
            _numpy = importlib.import_module("numpy")
        except ImportError:
            _numpy = False
    return _numpy or None


def _is_ndarray(obj: object) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and isinstance(obj, np.ndarray)


def _prod(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


class Buf:
    """A pointer into a caller's (or a converted) buffer, kept alive by `keep`."""
    __slots__ = ("ptr", "count", "rows", "row_len", "keep")

    def __init__(self, ptr: Optional[int], count: int, keep: object,
                 row_len: Optional[int] = None) -> None:
        self.ptr = ptr
        self.count = count
        self.keep = keep
        self.row_len: int = 0 if row_len is None else row_len
        self.rows: int = 0


def _shape_str(shapes: Sequence[Shape]) -> str:
    alts: List[str] = []
    for rs in shapes:
        alts.append(str(tuple(rs)))
        alts.append("(N, " + ", ".join(str(d) for d in rs) + ")")
    return " or ".join(alts)


def check_shape(shape: Shape, shapes: Sequence[Shape], name: str) -> None:
    """A shape must be one row (a member of shapes) or rows of one: (N,) + row.
    Anything else (e.g. vectors of shape (1, 2, 512)) is an error naming it,
    never reinterpreted as a different number of rows."""
    shape = tuple(int(d) for d in shape)
    for rs in shapes:
        if shape == tuple(rs) or shape[1:] == tuple(rs):
            return
    raise InvalidArgumentError(f"{name}: array of shape {shape}; need {_shape_str(shapes)}")


def _address_of_buffer(obj: Any, name: str,
                       shapes: Optional[Sequence[Shape]]) -> Optional[Tuple[int, int, int, str, Any]]:
    """(address, nbytes, itemsize, format, keep) of a buffer-protocol object."""
    if isinstance(obj, array.array):
        addr, n = obj.buffer_info()
        return addr, n * obj.itemsize, obj.itemsize, obj.typecode, obj
    if isinstance(obj, bytes):
        baddr = ctypes.cast(ctypes.c_char_p(obj), ctypes.c_void_p).value
        return int(baddr or 0), len(obj), 1, "B", obj
    try:
        mv = memoryview(obj)
    except TypeError:
        return None
    if not mv.c_contiguous:
        raise InvalidArgumentError(f"{name}: the buffer is not C-contiguous")
    if mv.ndim > 1 and shapes is not None:
        check_shape(tuple(mv.shape or ()), shapes, name)
    fmt = mv.format.lstrip("@=<")
    if mv.readonly:
        data = mv.tobytes()
        daddr = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value
        return int(daddr or 0), len(data), mv.itemsize, fmt, data
    cbuf = (ctypes.c_char * mv.nbytes).from_buffer(mv)
    return ctypes.addressof(cbuf), mv.nbytes, mv.itemsize, fmt, (cbuf, mv)


def _flatten(obj: Sequence[Any], name: str) -> Tuple[List[Any], Optional[int]]:
    """A list of numbers or of equal-length rows -> (flat list, row length or None)."""
    if not obj:
        return [], None
    if isinstance(obj[0], (list, tuple)) or _is_ndarray(obj[0]):
        row_len = len(obj[0])
        flat: List[Any] = []
        for r in obj:
            if len(r) != row_len:
                raise InvalidArgumentError(f"{name}: rows of different lengths")
            flat.extend(r)
        return flat, row_len
    return list(obj), None


def _typed_in(obj: Any, name: str, row_len: Optional[int], np_dtype: str, typecode: str,
              itemsize: int, what: str, shapes: Optional[Sequence[Shape]]) -> Buf:
    if shapes is None and row_len is not None:
        shapes = ((row_len,),)
    if obj is None:
        raise InvalidArgumentError(f"{name}: None given")
    if _is_ndarray(obj):
        if obj.dtype != np_dtype:
            raise TypeError(
                f"{name}: numpy array of dtype {obj.dtype}, need {np_dtype} (no silent copies: "
                f"pass numpy.ascontiguousarray(x, dtype=numpy.{np_dtype}))")
        if not obj.flags.c_contiguous:
            raise InvalidArgumentError(
                f"{name}: numpy array is not C-contiguous (no silent copies: pass "
                f"numpy.ascontiguousarray(x))")
        if shapes is not None:
            check_shape(obj.shape, shapes, name)
            if row_len is None:
                row_len = _prod(shapes[0])
        elif obj.ndim > 2:
            raise InvalidArgumentError(f"{name}: array of shape {tuple(obj.shape)}; need "
                                       "(dim,) or (N, dim)")
        if row_len is None:
            row_len = int(obj.shape[1]) if obj.ndim == 2 else int(obj.size)
        return _finish(Buf(obj.ctypes.data, obj.size, obj, row_len), name, what)
    if isinstance(obj, (list, tuple)):
        flat, rl = _flatten(obj, name)
        if rl is not None and row_len is not None and shapes is not None and \
                rl not in {row_len} | {rs[-1] for rs in shapes}:
            raise InvalidArgumentError(f"{name}: rows of {rl} values; need {row_len} per row")
        try:
            conv = array.array(typecode, flat)
        except (TypeError, OverflowError) as e:
            raise TypeError(f"{name}: cannot convert to {what}: {e}") from None
        if row_len is None:
            row_len = rl if rl is not None else len(flat)
        return _finish(Buf(conv.buffer_info()[0], len(conv), conv, row_len), name, what)
    got = _address_of_buffer(obj, name, shapes)
    if got is None:
        raise TypeError(f"{name}: expected a numpy array, a buffer or a list, got "
                        f"{type(obj).__name__}")
    addr, nbytes, isz, fmt, keep = got
    byte_fmt = fmt in ("B", "b", "c")
    if not byte_fmt and (isz != itemsize or fmt != typecode):
        raise TypeError(f"{name}: buffer of format {fmt!r}, need {what} ({typecode!r}) or raw bytes")
    if nbytes % itemsize:
        raise InvalidArgumentError(f"{name}: {nbytes} bytes is not a whole number of {what}")
    count = nbytes // itemsize
    if row_len is None:
        row_len = count
    return _finish(Buf(addr, count, keep, row_len), name, what)


def _finish(buf: Buf, name: str, what: str) -> Buf:
    if buf.row_len <= 0 or buf.count % buf.row_len:
        raise InvalidArgumentError(
            f"{name}: {buf.count} {what} is not a whole number of rows of {buf.row_len}")
    buf.rows = buf.count // buf.row_len
    return buf


def floats_in(obj: ArrayIn, name: str, row_len: Optional[int] = None,
              shapes: Optional[Sequence[Shape]] = None) -> Buf:
    """float32 input; rows of `row_len` values (None: from a numpy shape or a
    list of rows, else the whole buffer is one row). A numpy array (or a
    shaped buffer) must be one row or rows of one: its shape is a member of
    `shapes` (default ``(row_len,)``) or ``(N,)`` + one."""
    return _typed_in(obj, name, row_len, "float32", "f", 4, "float32 values", shapes)


def bytes_in(obj: ArrayIn, name: str, row_len: Optional[int],
             shapes: Optional[Sequence[Shape]] = None) -> Buf:
    """uint8 input in rows of `row_len` bytes (shapes: as floats_in)."""
    return _typed_in(obj, name, row_len, "uint8", "B", 1, "bytes", shapes)


def _ints_in(obj: Any, name: str, count: Optional[int], np_dtype: str,
             typecode: str) -> Optional[Buf]:
    if obj is None:
        return None
    if _is_ndarray(obj):
        np = sys.modules["numpy"]
        if not np.issubdtype(obj.dtype, np.integer):
            raise TypeError(f"{name}: need integers, got dtype {obj.dtype}")
        arr = np.ascontiguousarray(obj, dtype=np_dtype).reshape(-1)
        buf = Buf(arr.ctypes.data, arr.size, arr)
    else:
        try:
            arr = array.array(typecode, obj if isinstance(obj, array.array) and
                              obj.typecode == typecode else [int(v) for v in obj])
        except (TypeError, ValueError, OverflowError) as e:
            raise TypeError(f"{name}: need a sequence of integers ({e})") from None
        buf = Buf(arr.buffer_info()[0], len(arr), arr)
    if count is not None and buf.count != count:
        raise InvalidArgumentError(f"{name}: {buf.count} values, need {count}")
    return buf


def u64_in(obj: Any, name: str, count: Optional[int] = None) -> Optional[Buf]:
    """uint64 indices (any integers, converted; small)."""
    return _ints_in(obj, name, count, "uint64", "Q")


def i64_in(obj: Any, name: str, count: Optional[int] = None) -> Optional[Buf]:
    """int64 labels (any integers, converted)."""
    return _ints_in(obj, name, count, "int64", "q")


def ptr(buf: Optional[Buf]) -> Optional[int]:
    """Address of a Buf, or None (NULL) for None."""
    return None if buf is None else buf.ptr


# ---------------------------------------------------------------- outputs


class Out:
    """A freshly allocated result buffer and its address."""
    __slots__ = ("obj", "ptr", "_keep")

    def __init__(self, obj: Any, ptr: Optional[int], keep: object = None) -> None:
        self.obj = obj
        self.ptr = ptr
        self._keep = keep


def floats_out(shape: Shape) -> Out:
    count = _prod(shape)
    np = numpy_module()
    if np is not None:
        arr = np.empty(shape, np.float32)
        return Out(arr, arr.ctypes.data)
    arr = array.array("f", bytes(4 * count))
    return Out(arr, arr.buffer_info()[0])


def bytes_out(shape: Shape) -> Out:
    count = _prod(shape)
    np = numpy_module()
    if np is not None:
        arr = np.empty(shape, np.uint8)
        return Out(arr, arr.ctypes.data)
    ba = bytearray(count)
    return Out(ba, _bytearray_address(ba))


def u64_out(count: int) -> Out:
    np = numpy_module()
    if np is not None:
        arr = np.zeros(count, np.uint64)
        return Out(arr, arr.ctypes.data)
    arr = array.array("Q", bytes(8 * count))
    return Out(arr, arr.buffer_info()[0])


def _bytearray_address(ba: bytearray) -> Optional[int]:
    if not ba:
        return None
    # from_buffer exports the bytearray only while the ctypes object lives;
    # the address stays valid as long as the bytearray is not resized.
    c = (ctypes.c_char * len(ba)).from_buffer(ba)
    addr = ctypes.addressof(c)
    del c
    return addr


def floats_from_address(addr: int, shape: Shape) -> Array:
    """A copy of library-owned float32 data at `addr`."""
    count = _prod(shape)
    raw = ctypes.string_at(addr, 4 * count)
    np = numpy_module()
    if np is not None:
        return np.frombuffer(raw, np.float32).reshape(shape).copy()
    arr = array.array("f")
    arr.frombytes(raw)
    return arr
