"""Finding and loading libvec2face.

Search order (the first that loads wins):
  1. the ``VEC2FACE_LIBRARY`` environment variable (a path to the .so; when
     set and it cannot be loaded, nothing else is tried),
  2. next to the package (``vec2face/libvec2face.so.0``, a bundled copy),
  3. the prefix the package was installed into: ``<prefix>/lib``,
     ``lib64`` or ``lib/<multiarch>`` where the package is in
     ``<prefix>/lib/pythonX.Y/site-packages``, and the running
     interpreter's ``sys.prefix`` (a venv: ``cmake --install build
     --prefix $VIRTUAL_ENV``),
  4. ``pkg-config --variable=libdir vec2face`` (PKG_CONFIG_PATH is honoured),
  5. the build tree of the repository this package lives in, when it lives
     in a checkout (``<repo>/build/libvec2face.so.0``),
  6. the dynamic loader's own search for ``libvec2face.so.0``
     (LD_LIBRARY_PATH, the ldconfig cache, /lib, /usr/lib).

The library is loaded on first use (importing the package never needs it),
its functions get argtypes/restype, and ``v2f_abi_version()`` must equal
:data:`ABI_VERSION`, else :class:`AbiMismatchError`. When nothing loads,
:class:`LibraryNotFoundError` lists every place tried and why it failed.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path
from typing import Any, List, Optional, Tuple

from . import _ctypes_api as _api
from .errors import AbiMismatchError, LibraryNotFoundError, error_for

ABI_VERSION = _api.ABI_VERSION

if sys.platform == "darwin":
    _SONAME = "libvec2face.0.dylib"
elif sys.platform == "win32":
    _SONAME = "vec2face.dll"
else:
    _SONAME = "libvec2face.so.0"

_PACKAGE_DIR = Path(__file__).resolve().parent

_lock = threading.Lock()
_loaded: Optional[Tuple[Any, str]] = None  # (CDLL, path)


def _libdirs(prefix: Path) -> List[Path]:
    """The library folders GNUInstallDirs may use under `prefix`."""
    dirs = [prefix / "lib"]
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        dirs.append(prefix / "lib" / str(multiarch))
    dirs.append(prefix / "lib64")
    return dirs


def _install_prefixes() -> List[Tuple[str, Path]]:
    """[(description, prefix)]: where this package was installed, then the
    interpreter's prefix (a venv), without duplicates."""
    out: List[Tuple[str, Path]] = []
    parent = _PACKAGE_DIR.parent
    if parent.name in ("site-packages", "dist-packages"):
        # <prefix>/lib/pythonX.Y/site-packages or <prefix>/lib/python3/dist-packages
        out.append(("package prefix", parent.parent.parent.parent))
    out.append(("sys.prefix", Path(sys.prefix)))
    seen = set()
    uniq = []
    for what, p in out:
        key = os.path.normpath(str(p))
        if key not in seen:
            seen.add(key)
            uniq.append((what, p))
    return uniq


def _pkg_config_libdir() -> Tuple[Optional[str], str]:
    """(libdir or None, why not) from `pkg-config --variable=libdir vec2face`."""
    exe = shutil.which("pkg-config")
    if exe is None:
        return None, "pkg-config not installed"
    try:
        r = subprocess.run([exe, "--variable=libdir", "vec2face"], capture_output=True,
                           text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        return None, f"pkg-config failed: {e}"
    libdir = r.stdout.strip()
    if r.returncode != 0 or not libdir:
        return None, "no vec2face.pc on PKG_CONFIG_PATH or pkg-config's default path"
    return libdir, ""


def candidates() -> List[Tuple[str, str]]:
    """[(description, path-or-name)] in search order (pkg-config is asked here)."""
    out: List[Tuple[str, str]] = []
    env = os.environ.get("VEC2FACE_LIBRARY")
    if env:
        out.append(("VEC2FACE_LIBRARY", env))
    out.append(("next to the package", str(_PACKAGE_DIR / _SONAME)))
    for what, prefix in _install_prefixes():
        for d in _libdirs(prefix):
            out.append((what, str(d / _SONAME)))
    libdir, _why = _pkg_config_libdir()
    if libdir is not None:
        out.append(("pkg-config", str(Path(libdir) / _SONAME)))
    repo = _PACKAGE_DIR.parent.parent.parent
    if (repo / "include" / "vec2face" / "vec2face.h").exists():  # a source checkout
        out.append(("build tree", str(repo / "build" / _SONAME)))
    out.append(("system", _SONAME))
    return out


def check_abi(cdll: Any, path: str, expected: int = ABI_VERSION) -> int:
    """Raise AbiMismatchError unless the library's v2f_abi_version() is
    `expected`."""
    try:
        fn = cdll.v2f_abi_version
    except AttributeError:
        raise AbiMismatchError(f"{path} has no v2f_abi_version(): not libvec2face") from None
    fn.restype = ctypes.c_int32
    fn.argtypes = []
    got = int(fn())
    if got != expected:
        raise AbiMismatchError(
            f"{path} has ABI version {got}, but this vec2face binding needs ABI version "
            f"{expected}: install a matching libvec2face or binding, or point "
            f"VEC2FACE_LIBRARY at one")
    return got


def load_from(path: str) -> Any:
    """Load, check and bind the library at `path` (does not cache it)."""
    cdll = ctypes.CDLL(path)
    check_abi(cdll, path)
    missing = _api.bind(cdll)
    if missing:
        raise AbiMismatchError(f"{path} lacks {', '.join(missing)}: an older libvec2face?")
    return cdll


def _search() -> Tuple[Any, str]:
    tried: List[str] = []
    explicit = bool(os.environ.get("VEC2FACE_LIBRARY"))
    for what, path in candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(f"  {what}: {path} (no such file)")
            if what == "VEC2FACE_LIBRARY":
                break  # an explicit choice is never silently replaced
            continue
        try:
            return load_from(path), path
        except OSError as e:
            tried.append(f"  {what}: {path} ({e})")
            if what == "VEC2FACE_LIBRARY":
                break
    if not explicit:
        libdir, why = _pkg_config_libdir()
        if libdir is None:
            tried.insert(-1, f"  pkg-config: {why}")
    raise LibraryNotFoundError(
        "cannot load libvec2face; looked at:\n" + "\n".join(tried) +
        "\ninstall it (cmake --install build --prefix PREFIX, with PREFIX the venv, "
        "/usr/local, or a prefix on PKG_CONFIG_PATH), or set "
        "VEC2FACE_LIBRARY=/path/to/" + _SONAME)


def get() -> Any:
    """The loaded, checked library (loading it on first call)."""
    global _loaded
    loaded = _loaded
    if loaded is not None:
        return loaded[0]
    with _lock:
        if _loaded is None:
            _loaded = _search()
        return _loaded[0]


def path() -> str:
    """Path (or name) of the loaded library."""
    get()
    assert _loaded is not None
    return _loaded[1]


def last_error() -> str:
    msg: bytes = get().v2f_last_error()
    return msg.decode("utf-8", "replace")


def check(status: int, context: Optional[str] = None) -> None:
    """Raise the exception of a failing status with this thread's message."""
    if status:
        msg = last_error()
        if context and context not in msg:
            msg = f"{context}: {msg}" if msg else context
        raise error_for(status, msg)
