"""Finding and loading libvec2face.

Search order:
  1. the ``VEC2FACE_LIBRARY`` environment variable (a path to the .so; when
     set and it cannot be loaded, nothing else is tried),
  2. the build tree of the repository this package lives in, when it lives
     in a checkout (``<repo>/build/libvec2face.so.0``),
  3. the system's ``libvec2face.so.0`` (the dynamic loader's search path).

The library is loaded on first use (importing the package never needs it),
its functions get argtypes/restype, and ``v2f_abi_version()`` must equal
:data:`ABI_VERSION`, else :class:`AbiMismatchError`.
"""

import ctypes
import os
import sys
import threading
from pathlib import Path

from . import _ctypes_api as _api
from .errors import AbiMismatchError, LibraryNotFoundError, error_for

ABI_VERSION = _api.ABI_VERSION

if sys.platform == "darwin":
    _SONAME = "libvec2face.0.dylib"
elif sys.platform == "win32":
    _SONAME = "vec2face.dll"
else:
    _SONAME = "libvec2face.so.0"

_lock = threading.Lock()
_loaded = None  # (CDLL, path)


def candidates():
    """[(description, path-or-name)] in search order."""
    out = []
    env = os.environ.get("VEC2FACE_LIBRARY")
    if env:
        out.append(("VEC2FACE_LIBRARY", env))
    repo = Path(__file__).resolve().parent.parent.parent.parent
    if (repo / "include" / "vec2face" / "vec2face.h").exists():  # a source checkout
        out.append(("build tree", str(repo / "build" / _SONAME)))
    out.append(("system", _SONAME))
    return out


def check_abi(cdll, path, expected=ABI_VERSION):
    """Raise AbiMismatchError unless the library's v2f_abi_version() is
    `expected`."""
    try:
        fn = cdll.v2f_abi_version
    except AttributeError:
        raise AbiMismatchError(f"{path} has no v2f_abi_version(): not libvec2face") from None
    fn.restype = ctypes.c_int32
    fn.argtypes = []
    got = fn()
    if got != expected:
        raise AbiMismatchError(
            f"{path} has ABI version {got}, but this vec2face binding needs ABI version "
            f"{expected}: install a matching libvec2face or binding, or point "
            f"VEC2FACE_LIBRARY at one")
    return got


def load_from(path):
    """Load, check and bind the library at `path` (does not cache it)."""
    cdll = ctypes.CDLL(path)
    check_abi(cdll, path)
    missing = _api.bind(cdll)
    if missing:
        raise AbiMismatchError(f"{path} lacks {', '.join(missing)}: an older libvec2face?")
    return cdll


def get():
    """The loaded, checked library (loading it on first call)."""
    global _loaded
    if _loaded is not None:
        return _loaded[0]
    with _lock:
        if _loaded is None:
            tried = []
            for what, path in candidates():
                if os.sep in path and not os.path.exists(path):
                    tried.append(f"  {what}: {path} (no such file)")
                    if what == "VEC2FACE_LIBRARY":
                        break  # an explicit choice is never silently replaced
                    continue
                try:
                    cdll = load_from(path)
                except OSError as e:
                    tried.append(f"  {what}: {path} ({e})")
                    if what == "VEC2FACE_LIBRARY":
                        break
                    continue
                _loaded = (cdll, path)
                break
            if _loaded is None:
                raise LibraryNotFoundError(
                    "cannot load libvec2face; looked at:\n" + "\n".join(tried) +
                    "\nbuild it (cmake + ninja in build/), install it, or set "
                    "VEC2FACE_LIBRARY=/path/to/" + _SONAME)
    return _loaded[0]


def path():
    """Path (or name) of the loaded library."""
    get()
    return _loaded[1]


def last_error():
    return get().v2f_last_error().decode("utf-8", "replace")


def check(status, context=None):
    """Raise the exception of a failing status with this thread's message."""
    if status:
        msg = last_error()
        if context and context not in msg:
            msg = f"{context}: {msg}" if msg else context
        raise error_for(status, msg)
