"""The lifetime of a C handle, shared by Model, AttrOP, DatasetJob and Sampler.

A handle counts its users: every call holds a use while it is inside C,
and a handle made from another (an AttrOP or a DatasetJob from a Model)
holds a use of its parent until it is itself freed. close() marks the
handle closed at once (later calls raise ValueError) and frees the C
object when the last use ends: at once when nothing uses it, else when the
last call in flight returns or the last child is closed. So closing a
Model while another thread is inside ``generate``, or while an AttrOP made
from it lives, never frees memory a C call still reads (the Go binding
does the same with its RWMutex and reference count).

Subclasses set ``_FREE`` (the name of the C free function) and ``_WHAT``
(for messages), call :meth:`_init_handle` first in ``__init__`` and
:meth:`_adopt` once the C object exists.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from typing import Any, Iterator, Optional, Sequence, TypeVar

_T = TypeVar("_T", bound="Handle")


class Handle:
    _FREE = ""
    _WHAT = "handle"

    _lib: Any
    _handle: Optional[ctypes.c_void_p]

    def _init_handle(self, lib: Any) -> None:
        self._lib = lib
        self._handle = None
        self._state = threading.Lock()  # guards _handle, _users, _closed
        self._users = 0
        self._closed = False
        self._parents: Sequence[Handle] = ()

    def _adopt(self, handle: ctypes.c_void_p, parents: Sequence["Handle"] = ()) -> None:
        """Take ownership of a new C object; each parent gets a use that
        this handle gives back when its C object is freed."""
        taken = []
        try:
            for p in parents:
                p._acquire()
                taken.append(p)
        except BaseException:
            getattr(self._lib, self._FREE)(handle)
            for p in taken:
                p._release()
            raise
        with self._state:
            self._handle = handle
            self._parents = tuple(taken)

    def _acquire(self) -> ctypes.c_void_p:
        """One more use; the C handle, which stays valid until _release."""
        with self._state:
            h = self._handle
            if self._closed or h is None:
                raise ValueError(f"the {self._WHAT} is closed")
            self._users += 1
            return h

    def _release(self) -> None:
        with self._state:
            self._users -= 1
            h = self._take_if_unused()
        if h is not None:
            self._free(h)

    @contextlib.contextmanager
    def _use(self) -> Iterator[ctypes.c_void_p]:
        """``with self._use() as h:`` holds a use of the C handle `h`."""
        h = self._acquire()
        try:
            yield h
        finally:
            self._release()

    def _take_if_unused(self) -> Optional[ctypes.c_void_p]:
        # with self._state held
        if self._closed and self._users == 0 and self._handle is not None:
            h, self._handle = self._handle, None
            return h
        return None

    def _free(self, h: ctypes.c_void_p) -> None:
        try:
            getattr(self._lib, self._FREE)(h)
        finally:
            for p in self._parents:
                p._release()
            self._parents = ()

    def close(self) -> None:
        """Close the handle: later calls raise ValueError. The C object is
        freed now, or when the last call in flight (another thread's) or
        the last AttrOP / DatasetJob made from it ends. Idempotent."""
        state = getattr(self, "_state", None)
        if state is None:  # __init__ failed before _init_handle
            return
        with state:
            self._closed = True
            h = self._take_if_unused()
        if h is not None:
            self._free(h)

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # No call can be in flight (it would hold a reference to self).
        if getattr(self, "_handle", None) is not None:
            self.close()

    @property
    def closed(self) -> bool:
        """True once close() was called (the C object may still be in use
        by a call in flight or a child handle)."""
        return bool(getattr(self, "_closed", True))
