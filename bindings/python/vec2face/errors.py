"""Exceptions of the libvec2face binding.

Every failing C call raises a subclass of :class:`Vec2FaceError` chosen by
its status (one class per status family); the exception carries the status
code, its name and the library's message (``v2f_last_error()``). A status
this binding does not know raises :class:`Vec2FaceError` itself.

FileIOError is also an OSError (``except OSError`` catches a missing
model folder), InvalidArgumentError a ValueError, NoMemoryError a
MemoryError and SizeOverflowError an OverflowError.

Finding or loading the library fails with :class:`LibraryNotFoundError` or
:class:`AbiMismatchError`, both ImportError subclasses.
"""

from __future__ import annotations

from typing import Dict, Optional, Type

from ._ctypes_api import Status

__all__ = [
    "Vec2FaceError", "InvalidArgumentError", "FileIOError", "FormatError",
    "UnsupportedError", "ModelError", "BackendError", "NoMemoryError", "CancelledError",
    "SizeOverflowError", "InternalError", "BusyError", "LibraryNotFoundError", "AbiMismatchError",
    "STATUS_NAMES", "error_for",
]

STATUS_NAMES: Dict[int, str] = {int(s): "V2F_" + s.name for s in Status}


class Vec2FaceError(Exception):
    """A libvec2face call failed.

    Attributes: ``status`` (int code), ``status_name`` (e.g. "V2F_E_IO"),
    ``message`` (the library's message for this failure).
    """

    status: int = -1

    def __init__(self, message: str, status: Optional[int] = None,
                 status_name: Optional[str] = None) -> None:
        if status is None:
            status = type(self).status
        self.status = int(status)  # a plain int, also for the class's Status member
        self.status_name = status_name or STATUS_NAMES.get(status, f"V2F_STATUS_{status}")
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} [{self.status_name}]"


class InvalidArgumentError(Vec2FaceError, ValueError):
    """V2F_E_INVALID_ARG: NULL pointer, bad size, bad option, NaN input. Also
    raised by the binding for buffers of the wrong size or shape."""
    status = Status.E_INVALID_ARG


class FileIOError(Vec2FaceError, OSError):
    """V2F_E_IO: file missing, unreadable, unwritable. Also an OSError
    (``errno`` and ``filename`` are None: the library reports the path and
    the reason in the message)."""
    status = Status.E_IO

    def __init__(self, message: str, status: Optional[int] = None,
                 status_name: Optional[str] = None) -> None:
        super().__init__(message, status, status_name)
        self.strerror = message


class FormatError(Vec2FaceError):
    """V2F_E_FORMAT: file content malformed or of another type."""
    status = Status.E_FORMAT


class UnsupportedError(Vec2FaceError):
    """V2F_E_UNSUPPORTED: missing model part, device, precision."""
    status = Status.E_UNSUPPORTED


class ModelError(Vec2FaceError):
    """V2F_E_MODEL: model file broken or of the wrong kind."""
    status = Status.E_MODEL


class BackendError(Vec2FaceError):
    """V2F_E_BACKEND: libtorch failed at run time."""
    status = Status.E_BACKEND


class NoMemoryError(Vec2FaceError, MemoryError):
    """V2F_E_NO_MEMORY."""
    status = Status.E_NO_MEMORY


class CancelledError(Vec2FaceError):
    """V2F_E_CANCELLED: a progress callback asked to stop."""
    status = Status.E_CANCELLED


class SizeOverflowError(Vec2FaceError, OverflowError):
    """V2F_E_OVERFLOW: a size computation would overflow."""
    status = Status.E_OVERFLOW


class InternalError(Vec2FaceError):
    """V2F_E_INTERNAL."""
    status = Status.E_INTERNAL


class BusyError(Vec2FaceError):
    """V2F_E_BUSY (@since 0.3): the dataset shard is being made by another
    process or job (its lock is held); run again later, or wait_lock=True."""
    status = Status.E_BUSY


_BY_STATUS: Dict[int, Type[Vec2FaceError]] = {cls.status: cls for cls in (
    InvalidArgumentError, FileIOError, FormatError, UnsupportedError, ModelError, BackendError,
    NoMemoryError, CancelledError, SizeOverflowError, InternalError, BusyError)}


def error_for(status: int, message: str) -> Vec2FaceError:
    """The exception for a failing status: its family's class, or
    Vec2FaceError for a code this binding does not know."""
    cls = _BY_STATUS.get(status, Vec2FaceError)
    return cls(message, status)


class LibraryNotFoundError(ImportError):
    """libvec2face could not be found or loaded; the message lists where the
    binding looked."""


class AbiMismatchError(ImportError):
    """The loaded libvec2face reports another ABI version than the binding's."""
