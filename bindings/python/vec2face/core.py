"""Versions, status names, logging, enums, constants, progress and Ctrl-C."""

from __future__ import annotations

import contextlib
import enum
import signal
import threading
from types import FrameType
from typing import Any, Callable, Iterator, Optional, Union

from . import _ctypes_api as _api
from . import _lib
from ._ctypes_api import Status as Status  # re-exported: vec2face.Status
from .errors import CancelledError

COND_DIM = _api.V2F_COND_DIM
IMAGE_BYTES = _api.V2F_IMAGE_BYTES
IMAGE_SIZE = _api.V2F_IMAGE_SIZE
NUM_TOKENS = _api.V2F_NUM_TOKENS
SEPARABILITY_BINS = _api.V2F_SEPARABILITY_BINS
VECTOR_DIM = _api.V2F_VECTOR_DIM

#: A progress callable: fn(done, total); a truthy return cancels the call.
ProgressFn = Callable[[int, int], object]

ABI_VERSION = _api.ABI_VERSION
HEADER_VERSION = (_api.V2F_VERSION_MAJOR, _api.V2F_VERSION_MINOR, _api.V2F_VERSION_PATCH)


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
    def filename(self) -> str:
        return self.name.lower() + ".pt"


PART_COUNT = 6


class Precision(enum.IntEnum):
    FP32 = 0
    BF16 = 1  # @since 0.2: the generators in bfloat16 (needs AVX512-BF16/AMX or CUDA)
    FP16 = 2  # @since 0.3: the generators in float16 (CUDA devices only)


def part(value: Union["Part", int, str]) -> Part:
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


def version() -> str:
    """The loaded library's version string, e.g. "0.1.0"."""
    return str(_lib.get().v2f_version().decode())


def abi_version() -> int:
    """The loaded library's ABI version (equal to ABI_VERSION once loaded)."""
    return int(_lib.get().v2f_abi_version())


def library_path() -> str:
    """Where the loaded library came from."""
    return _lib.path()


def status_str(status: int) -> str:
    """The library's short description of a status code."""
    return str(_lib.get().v2f_status_str(int(status)).decode())


def last_error() -> str:
    """This thread's message for its last failing call ("" if none)."""
    return _lib.last_error()


def image_bytes(n: int) -> int:
    """Bytes of n uint8 RGB images (0 when that overflows size_t)."""
    return int(_lib.get().v2f_image_bytes(n))


_log_lock = threading.Lock()
_log_keep: Any = None  # the installed C callback (kept alive while installed)


def set_log_callback(fn: Optional[Callable[[LogLevel, str], object]],
                     max_level: Union[LogLevel, int] = LogLevel.WARN) -> None:
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

        def trampoline(level: int, msg: Optional[bytes], user: Any) -> None:
            try:
                try:
                    lv = LogLevel(level)
                except ValueError:
                    lv = level  # type: ignore[assignment]  # a level newer than this binding
                fn(lv, msg.decode("utf-8", "replace") if msg else "")
            except BaseException:  # never let an exception cross into C
                pass

        cfn = _api.LOG_FN(trampoline)
        lib.v2f_set_log_callback(cfn, int(max_level), None)
        _log_keep = cfn


# ---------------------------------------------------------------- progress, Ctrl-C


class _Interrupt:
    """Set by our SIGINT handler while a long call runs on the main thread."""

    def __init__(self) -> None:
        self.hit = False


_sig_lock = threading.Lock()
_sig_depth = 0
_sig_current: Optional[_Interrupt] = None
_sig_saved: Any = None


@contextlib.contextmanager
def interruptible() -> Iterator[Optional[_Interrupt]]:
    """Around a long C call that reports progress: on the main thread, and
    while SIGINT has Python's default handler, Ctrl-C only sets a flag
    (the default handler would raise KeyboardInterrupt inside the ctypes
    callback, where ctypes prints "Exception ignored" and goes on). The
    progress trampoline sees the flag and cancels the call
    (V2F_E_CANCELLED); :func:`call` then raises KeyboardInterrupt. Yields
    the flag, or None where nothing was changed (another thread, or a
    handler of the program's own, which then runs as usual)."""
    global _sig_depth, _sig_current, _sig_saved
    if threading.current_thread() is not threading.main_thread():
        yield None
        return
    with _sig_lock:
        if _sig_depth == 0:
            try:
                handler = signal.getsignal(signal.SIGINT)
            except ValueError:  # no signals in this interpreter
                handler = None
            if handler is not signal.default_int_handler:
                _sig_current = None
            else:
                flag = _Interrupt()

                def on_sigint(signum: int, frame: Optional[FrameType]) -> None:
                    flag.hit = True

                _sig_saved = signal.signal(signal.SIGINT, on_sigint)
                _sig_current = flag
        _sig_depth += 1
        current = _sig_current
    try:
        yield current
    finally:
        with _sig_lock:
            _sig_depth -= 1
            if _sig_depth == 0 and _sig_current is not None:
                signal.signal(signal.SIGINT, _sig_saved)
                _sig_current = _sig_saved = None


class Progress:
    """A v2f_progress_fn around an optional Python callable fn(done, total)
    -> truthy to cancel, and the Ctrl-C flag of :func:`interruptible`. An
    exception inside fn cancels the call and is re-raised by :func:`call`;
    nothing ever propagates into ctypes."""

    def __init__(self, fn: Optional[ProgressFn], interrupt: Optional[_Interrupt] = None) -> None:
        self.fn = fn
        self.interrupt = interrupt
        self.exc: Optional[BaseException] = None
        self.cfn = _api.PROGRESS_FN(self._call)

    @property
    def interrupted(self) -> bool:
        return self.interrupt is not None and self.interrupt.hit

    def _call(self, user: Any, done: int, total: int) -> int:
        try:
            if self.interrupted or self.exc is not None:
                return 1
            if self.fn is not None and self.fn(int(done), int(total)):
                return 1
            return 1 if self.interrupted else 0
        except BaseException as e:  # noqa: BLE001 - re-raised after the call
            self.exc = e
            return 1


def make_progress(fn: Optional[ProgressFn],
                  interrupt: Optional[_Interrupt] = None) -> Optional[Progress]:
    """A Progress when there is something to report to (fn) or a Ctrl-C to
    watch for (interrupt), else None (no callback: the call runs uncut)."""
    if fn is None and interrupt is None:
        return None
    return Progress(fn, interrupt)


def call(status: int, progress: Optional[Progress] = None, context: Optional[str] = None) -> None:
    """Check a status after a call (outside :func:`interruptible`): Ctrl-C
    during the call raises KeyboardInterrupt (from the CancelledError, if
    it cancelled), an exception raised by a progress callback wins next."""
    if progress is not None and progress.interrupted:
        progress.interrupt = None
        try:
            _lib.check(status, context)
        except CancelledError as err:
            raise KeyboardInterrupt("vec2face: cancelled by Ctrl-C") from err
        raise KeyboardInterrupt("vec2face: Ctrl-C during the call")
    if status and progress is not None and progress.exc is not None:
        exc = progress.exc
        progress.exc = None
        try:
            _lib.check(status, context)
        except CancelledError as err:
            raise exc from err
    _lib.check(status, context)
