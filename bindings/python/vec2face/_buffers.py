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

import array
import ctypes
import os
import sys

from .errors import InvalidArgumentError

_numpy = None  # the module, False when absent, None before the first look


def numpy_module():
    """numpy when importable (and not disabled), else None."""
    global _numpy
    if os.environ.get("VEC2FACE_NO_NUMPY"):
        return None
    if _numpy is None:
        try:
            import numpy
            _numpy = numpy
        except ImportError:
            _numpy = False
    return _numpy or None


def _is_ndarray(obj):
    np = sys.modules.get("numpy")
    return np is not None and isinstance(obj, np.ndarray)


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


class Buf:
    """A pointer into a caller's (or a converted) buffer, kept alive by `keep`."""
    __slots__ = ("ptr", "count", "rows", "row_len", "keep")

    def __init__(self, ptr, count, keep, row_len=None):
        self.ptr = ptr
        self.count = count
        self.keep = keep
        self.row_len = row_len
        self.rows = None


def _address_of_buffer(obj, name):
    """(address, nbytes, itemsize, format, keep) of a buffer-protocol object."""
    if isinstance(obj, array.array):
        addr, n = obj.buffer_info()
        return addr, n * obj.itemsize, obj.itemsize, obj.typecode, obj
    if isinstance(obj, bytes):
        addr = ctypes.cast(ctypes.c_char_p(obj), ctypes.c_void_p).value
        return addr, len(obj), 1, "B", obj
    try:
        mv = memoryview(obj)
    except TypeError:
        return None
    if not mv.c_contiguous:
        raise InvalidArgumentError(f"{name}: the buffer is not C-contiguous")
    fmt = mv.format.lstrip("@=<")
    if mv.readonly:
        data = mv.tobytes()
        addr = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value
        return addr, len(data), mv.itemsize, fmt, data
    cbuf = (ctypes.c_char * mv.nbytes).from_buffer(mv)
    return ctypes.addressof(cbuf), mv.nbytes, mv.itemsize, fmt, (cbuf, mv)


def _flatten(obj, name):
    """A list of numbers or of equal-length rows -> (flat list, row length or None)."""
    if not obj:
        return [], None
    if isinstance(obj[0], (list, tuple)) or _is_ndarray(obj[0]):
        row_len = len(obj[0])
        flat = []
        for r in obj:
            if len(r) != row_len:
                raise InvalidArgumentError(f"{name}: rows of different lengths")
            flat.extend(r)
        return flat, row_len
    return list(obj), None


def _typed_in(obj, name, row_len, np_dtype, typecode, itemsize, what):
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
        if row_len is None:
            row_len = _prod(obj.shape[1:]) if obj.ndim >= 2 else obj.size
        return _finish(Buf(obj.ctypes.data, obj.size, obj, row_len), name, what)
    if isinstance(obj, (list, tuple)):
        flat, rl = _flatten(obj, name)
        try:
            conv = array.array(typecode, flat)
        except (TypeError, OverflowError) as e:
            raise TypeError(f"{name}: cannot convert to {what}: {e}") from None
        if row_len is None:
            row_len = rl if rl is not None else len(flat)
        return _finish(Buf(conv.buffer_info()[0], len(conv), conv, row_len), name, what)
    got = _address_of_buffer(obj, name)
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


def _finish(buf, name, what):
    if buf.row_len <= 0 or buf.count % buf.row_len:
        raise InvalidArgumentError(
            f"{name}: {buf.count} {what} is not a whole number of rows of {buf.row_len}")
    buf.rows = buf.count // buf.row_len
    return buf


def floats_in(obj, name, row_len=None):
    """float32 input; rows of `row_len` values (None: from a numpy shape or a
    list of rows, else the whole buffer is one row)."""
    return _typed_in(obj, name, row_len, "float32", "f", 4, "float32 values")


def bytes_in(obj, name, row_len):
    """uint8 input in rows of `row_len` bytes."""
    return _typed_in(obj, name, row_len, "uint8", "B", 1, "bytes")


def _ints_in(obj, name, count, np_dtype, typecode):
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


def u64_in(obj, name, count=None):
    """uint64 indices (any integers, converted; small)."""
    return _ints_in(obj, name, count, "uint64", "Q")


def i64_in(obj, name, count=None):
    """int64 labels (any integers, converted)."""
    return _ints_in(obj, name, count, "int64", "q")


def ptr(buf):
    """Address of a Buf, or None (NULL) for None."""
    return None if buf is None else buf.ptr


# ---------------------------------------------------------------- outputs


class Out:
    """A freshly allocated result buffer and its address."""
    __slots__ = ("obj", "ptr", "_keep")

    def __init__(self, obj, ptr, keep=None):
        self.obj = obj
        self.ptr = ptr
        self._keep = keep


def floats_out(shape):
    count = _prod(shape)
    np = numpy_module()
    if np is not None:
        arr = np.empty(shape, np.float32)
        return Out(arr, arr.ctypes.data)
    arr = array.array("f", bytes(4 * count))
    return Out(arr, arr.buffer_info()[0])


def bytes_out(shape):
    count = _prod(shape)
    np = numpy_module()
    if np is not None:
        arr = np.empty(shape, np.uint8)
        return Out(arr, arr.ctypes.data)
    ba = bytearray(count)
    return Out(ba, _bytearray_address(ba))


def u64_out(count):
    np = numpy_module()
    if np is not None:
        arr = np.zeros(count, np.uint64)
        return Out(arr, arr.ctypes.data)
    arr = array.array("Q", bytes(8 * count))
    return Out(arr, arr.buffer_info()[0])


def _bytearray_address(ba):
    if not ba:
        return None
    # from_buffer exports the bytearray only while the ctypes object lives;
    # the address stays valid as long as the bytearray is not resized.
    c = (ctypes.c_char * len(ba)).from_buffer(ba)
    addr = ctypes.addressof(c)
    del c
    return addr


def floats_from_address(addr, shape):
    """A copy of library-owned float32 data at `addr`."""
    count = _prod(shape)
    raw = ctypes.string_at(addr, 4 * count)
    np = numpy_module()
    if np is not None:
        return np.frombuffer(raw, np.float32).reshape(shape).copy()
    arr = array.array("f")
    arr.frombytes(raw)
    return arr
