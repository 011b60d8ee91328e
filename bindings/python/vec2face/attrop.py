"""AttrOP: attribute optimisation of identity vectors (official `gen_image`).

    with model.attrop(vectors, seed=1, yaw_target=30) as op:
        losses = op.run(10)
        vectors = op.vectors()
        images = op.images()

An AttrOP handle is single-threaded: use it from one thread at a time (a
lock in the binding enforces this; the model may be shared).
"""

from __future__ import annotations

import ctypes
import dataclasses
import threading
from typing import TYPE_CHECKING, Any, List, Optional, Tuple, Union

from ._handle import Handle
from . import _buffers as B
from . import _ctypes_api as _api
from ._buffers import Array, ArrayIn
from .core import COND_DIM, IMAGE_BYTES, IMAGE_SIZE, NUM_TOKENS, VECTOR_DIM, Part, call
from .core import part as _part
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from .model import Model

PartLike = Union[Part, int, str]

__all__ = ["AttrOP", "Losses"]


@dataclasses.dataclass(frozen=True)
class Losses:
    """Losses of the last optimiser step (batch means) and counts for the call;
    the per-vector lists/arrays are present when asked for."""
    identity: float
    quality: float
    pose: float
    total: float
    counted: bool
    steps: int
    retries: int
    identity_per_vector: Optional[Array] = None
    quality_per_vector: Optional[Array] = None
    pose_per_vector: Optional[Array] = None


class AttrOP(Handle):
    """AttrOP(model, vectors, class_vectors=None, *, options).

    vectors and class_vectors: (n, 512) float32 (class_vectors: identity
    centres for the hinged identity loss; None: the input vectors).
    Options (v2f_attrop_opts, defaults those of v2f_attrop_opts_init):
    lr (Adam, 0.1), target_sim (0.3, on 1 - cos), quality_target (MagFace
    norm 24; 0: no quality loss), yaw_target (|yaw| degrees; negative: no
    pose loss), identity_model / quality_model (Part or name), max_retries
    (30), seed, identity_index, identity_base, image_base, landmarks ([n]
    landmark images) or condition ([n][768]), dropped and masked ([n][49]).

    The handle keeps its model's C object alive: closing the model first
    is safe (the model is freed when this handle is closed too).
    """

    _FREE = "v2f_attrop_free"
    _WHAT = "AttrOP handle"

    def __init__(self, model: "Model", vectors: ArrayIn, class_vectors: Optional[ArrayIn] = None,
                 *, lr: float = 0.1, target_sim: float = 0.3, quality_target: float = 24.0,
                 yaw_target: float = -1.0, identity_model: PartLike = Part.ARCFACE,
                 quality_model: PartLike = Part.MAGFACE, max_retries: int = 30, seed: int = 0,
                 identity_index: Optional[ArrayIn] = None, identity_base: int = 0,
                 image_base: int = 0, landmarks: Optional[ArrayIn] = None,
                 condition: Optional[ArrayIn] = None, dropped: Optional[ArrayIn] = None,
                 masked: Optional[ArrayIn] = None) -> None:
        self._init_handle(model._lib)
        self._model = model
        self._call_lock = threading.Lock()  # one call at a time (C: single-threaded)
        vec = B.floats_in(vectors, "vectors", VECTOR_DIM)
        n = self.n = vec.rows
        cls = None
        if class_vectors is not None:
            cls = B.floats_in(class_vectors, "class_vectors", VECTOR_DIM)
            if cls.rows != n:
                raise InvalidArgumentError(f"class_vectors: {cls.rows} rows for {n} vectors")
        o = _api.new_opts(self._lib, _api.v2f_attrop_opts)
        for name, v in (("lr", lr), ("target_sim", target_sim),
                        ("quality_target", quality_target), ("yaw_target", yaw_target),
                        ("max_retries", max_retries)):
            if v is not None:
                setattr(o, name, v)
        if identity_model is not None:
            o.identity_model = int(_part(identity_model))
        if quality_model is not None:
            o.quality_model = int(_part(quality_model))
        o.seed = seed
        keep: List[object] = [vec, cls]
        ids = B.u64_in(identity_index, "identity_index", n)
        keep.append(ids)
        o.identity_index = B.ptr(ids)
        o.identity_base = identity_base
        o.image_base = image_base
        if landmarks is not None:
            lm = B.bytes_in(landmarks, "landmarks", IMAGE_BYTES, B.IMAGE_ROWS)
            self._rows(lm, "landmarks")
            keep.append(lm)
            o.landmarks = lm.ptr
        if condition is not None:
            c = B.floats_in(condition, "condition", COND_DIM)
            self._rows(c, "condition")
            keep.append(c)
            o.condition = c.ptr
        if (dropped is None) != (masked is None):
            raise InvalidArgumentError("give both dropped and masked, or neither")
        if dropped is not None:
            d = B.bytes_in(dropped, "dropped", NUM_TOKENS)
            m = B.bytes_in(masked, "masked", NUM_TOKENS)
            self._rows(d, "dropped")
            self._rows(m, "masked")
            keep += [d, m]
            o.dropped, o.masked = d.ptr, m.ptr
        h = ctypes.c_void_p()
        with model._use() as mh:
            call(self._lib.v2f_attrop_new(mh, vec.ptr, B.ptr(cls), n, ctypes.byref(o),
                                          ctypes.byref(h)))
            self._adopt(h, parents=(model,))  # the C handle uses the C model
        self._keep = keep  # the library copies them; kept anyway, cheaply

    def _rows(self, buf: B.Buf, name: str) -> None:
        if buf.rows != self.n:
            raise InvalidArgumentError(f"{name}: {buf.rows} rows for {self.n} vectors")

    # ----------------------------------------------------------- steps
    def _losses(self, per_vector: bool) -> Tuple[_api.v2f_attrop_losses, Optional[List[B.Out]]]:
        l = _api.new_out_struct(_api.v2f_attrop_losses)
        outs = None
        if per_vector:
            outs = [B.floats_out((self.n,)) for _ in range(3)]
            l.identity_per_vector, l.quality_per_vector, l.pose_per_vector = (
                o.ptr for o in outs)
        return l, outs

    @staticmethod
    def _result(l: _api.v2f_attrop_losses, outs: Optional[List[B.Out]]) -> Losses:
        pv: List[Any] = [o.obj for o in outs] if outs else [None, None, None]
        return Losses(l.identity, l.quality, l.pose, l.total, bool(l.counted), l.steps,
                      l.retries, *pv)

    def step(self, per_vector: bool = False) -> Losses:
        """One Adam step with fresh masks; returns its Losses."""
        with self._call_lock, self._use() as h:
            l, outs = self._losses(per_vector)
            call(self._lib.v2f_attrop_step(h, ctypes.byref(l)))
            return self._result(l, outs)

    def run(self, iterations: int, per_vector: bool = False) -> Losses:
        """The official loop: `iterations` counted steps (up to max_retries
        more); returns the last step's Losses and the call's counts."""
        with self._call_lock, self._use() as h:
            l, outs = self._losses(per_vector)
            call(self._lib.v2f_attrop_run(h, int(iterations), ctypes.byref(l)))
            return self._result(l, outs)

    def vectors(self) -> Array:
        """The optimised vectors (n, 512) float32."""
        with self._call_lock, self._use() as h:
            out = B.floats_out((self.n, VECTOR_DIM))
            call(self._lib.v2f_attrop_vectors(h, out.ptr))
            return out.obj

    def gradient(self) -> Array:
        """Gradient (n, 512) of the last step's total loss w.r.t. the vectors."""
        with self._call_lock, self._use() as h:
            out = B.floats_out((self.n, VECTOR_DIM))
            call(self._lib.v2f_attrop_gradient(h, out.ptr))
            return out.obj

    def images(self) -> Array:
        """Final images (n, 112, 112, 3) uint8 of the optimised vectors."""
        with self._call_lock, self._use() as h:
            out = B.bytes_out((self.n, IMAGE_SIZE, IMAGE_SIZE, 3))
            call(self._lib.v2f_attrop_images(h, out.ptr))
            return out.obj
