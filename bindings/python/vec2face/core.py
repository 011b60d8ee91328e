"""Versions, status names, logging, enums and constants of libvec2face."""

import enum
import threading

from . import _ctypes_api as _api
from . import _lib
from ._ctypes_api import (V2F_COND_DIM as COND_DIM, V2F_IMAGE_BYTES as IMAGE_BYTES,  # noqa: F401
                          V2F_IMAGE_SIZE as IMAGE_SIZE, V2F_NUM_TOKENS as NUM_TOKENS,
                          V2F_SEPARABILITY_BINS as SEPARABILITY_BINS,
                          V2F_VECTOR_DIM as VECTOR_DIM)
from .errors import CancelledError

ABI_VERSION = _api.ABI_VERSION
HEADER_VERSION = (_api.V2F_VERSION_MAJOR, _api.V2F_VERSION_MINOR, _api.V2F_VERSION_PATCH)


class Status(enum.IntEnum):
    OK = 0
    E_INVALID_ARG = 1
    E_IO = 2
    E_FORMAT = 3
    E_UNSUPPORTED = 4
    E_MODEL = 5
    E_BACKEND = 6
    E_NO_MEMORY = 7
    E_CANCELLED = 8
    E_OVERFLOW = 9
    E_INTERNAL = 10


class LogLevel(enum.IntEnum):
    ERROR = 0
    WARN = 1
    INFO = 2
    DEBUG = 3


class Part(enum.IntEnum):
    """Model parts (one TorchScript file each)."""
    GENERATOR = 0
    POSE_GENERATOR = 1
    POSE_COND = 2
    ARCFACE = 3
    MAGFACE = 4
    HEADPOSE = 5

    @property
    def filename(self):
        return self.name.lower() + ".pt"


PART_COUNT = 6


class Precision(enum.IntEnum):
    FP32 = 0
    BF16 = 1  # @since 0.2: the generators in bfloat16 (needs AVX512-BF16/AMX or CUDA)
    FP16 = 2  # @since 0.3: the generators in float16 (CUDA devices only)


def part(value):
    """A Part from a Part, an int or a name ("arcface", "pose_generator.pt")."""
    if isinstance(value, str):
        key = value.lower()
        if key.endswith(".pt"):
            key = key[:-3]
        try:
            return Part[key.upper()]
        except KeyError:
            raise ValueError(f"unknown model part {value!r}; one of "
                             f"{', '.join(p.name.lower() for p in Part)}") from None
    return Part(value)


def version():
    """The loaded library's version string, e.g. "0.1.0"."""
    return _lib.get().v2f_version().decode()


def abi_version():
    """The loaded library's ABI version (equal to ABI_VERSION once loaded)."""
    return int(_lib.get().v2f_abi_version())


def library_path():
    """Where the loaded library came from."""
    return _lib.path()


def status_str(status):
    """The library's short description of a status code."""
    return _lib.get().v2f_status_str(int(status)).decode()


def last_error():
    """This thread's message for its last failing call ("" if none)."""
    return _lib.last_error()


def image_bytes(n):
    """Bytes of n uint8 RGB images (0 when that overflows size_t)."""
    return int(_lib.get().v2f_image_bytes(n))


_log_lock = threading.Lock()
_log_keep = None  # the installed C callback (kept alive while installed)


def set_log_callback(fn, max_level=LogLevel.WARN):
    """Install the process-global log callback fn(level: LogLevel, message: str)
    for messages up to `max_level`; None removes it. The library calls it
    from any thread, serialised; exceptions it raises are ignored."""
    global _log_keep
    lib = _lib.get()
    with _log_lock:
        if fn is None:
            lib.v2f_set_log_callback(_api.LOG_FN(), int(max_level), None)
            _log_keep = None
            return

        def trampoline(level, msg, user):
            try:
                try:
                    level = LogLevel(level)
                except ValueError:
                    pass
                fn(level, msg.decode("utf-8", "replace") if msg else "")
            except BaseException:  # never let an exception cross into C
                pass

        cfn = _api.LOG_FN(trampoline)
        lib.v2f_set_log_callback(cfn, int(max_level), None)
        _log_keep = cfn


class Progress:
    """Wraps a Python progress callable fn(done, total) -> truthy to cancel
    as a v2f_progress_fn; an exception inside fn cancels the call and is
    re-raised by :meth:`check`."""

    def __init__(self, fn):
        self.fn = fn
        self.exc = None
        self.cfn = _api.PROGRESS_FN(self._call)

    def _call(self, user, done, total):
        try:
            return 1 if self.fn(int(done), int(total)) else 0
        except BaseException as e:  # noqa: BLE001 - re-raised after the call
            self.exc = e
            return 1


def make_progress(fn):
    return None if fn is None else Progress(fn)


def call(status, progress=None, context=None):
    """Check a status; an exception raised by a progress callback wins."""
    if status and progress is not None and progress.exc is not None:
        exc = progress.exc
        progress.exc = None
        try:
            _lib.check(status, context)
        except CancelledError as err:
            raise exc from err
    _lib.check(status, context)
