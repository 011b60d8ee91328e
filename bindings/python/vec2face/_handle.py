"""The lifetime of a C handle, shared by Model, AttrOP and Sampler.

Subclasses set ``_FREE`` (the name of the C free function) and ``_WHAT``
(for messages), and keep ``self._handle``, ``self._lock`` and ``self._lib``.
"""


class Handle:
    _FREE = ""
    _WHAT = "handle"

    def close(self):
        """Free the C object; later calls raise ValueError. Idempotent."""
        with self._lock:
            h, self._handle = self._handle, None
        if h is not None:
            getattr(self._lib, self._FREE)(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_handle", None) is not None:
            self.close()

    @property
    def closed(self):
        return self._handle is None

    def _h(self):
        h = self._handle
        if h is None:
            raise ValueError(f"the {self._WHAT} is closed")
        return h
