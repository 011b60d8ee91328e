"""Models: loading, generation, landmarks, raw conversion, estimators.

    from vec2face.model import Model
    with Model("models/tiny") as m:
        images = m.generate(vectors, seed=42)      # (n, 112, 112, 3) uint8

A Model is immutable after load and may be used from several threads at
once (ctypes releases the GIL during each C call); close() from one thread
while others are inside a call waits for nothing and frees nothing in use
(see vec2face._handle).
"""

from __future__ import annotations

import ctypes
import dataclasses
import os
from typing import TYPE_CHECKING, Any, FrozenSet, List, Optional, Tuple, Union

from ._handle import Handle
from . import _buffers as B
from . import _ctypes_api as _api
from . import _lib
from ._buffers import Array, ArrayIn
from .core import (IMAGE_SIZE, NUM_TOKENS, VECTOR_DIM, Part, Precision, Progress,
                   ProgressFn, call, interruptible, make_progress, part as _part)
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from .attrop import AttrOP
    from .report import DatasetSummary

__all__ = ["Model", "ModelInfo", "PartInfo", "render_landmarks", "raw_to_rgb"]

PathLike = Union[str, "os.PathLike[str]"]
PartLike = Union[Part, int, str]

_IMG_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 3)
_RAW_SHAPE = (3, IMAGE_SIZE, IMAGE_SIZE)
_RAW_FLOATS = 3 * IMAGE_SIZE * IMAGE_SIZE
_IMAGE_BYTES = IMAGE_SIZE * IMAGE_SIZE * 3


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    parts: FrozenSet[Part]    # the Parts present
    vector_dim: int
    image_size: int
    cond_dim: int
    threads: int
    precision: int
    device: str
    default_batch_size: int   # images per pass when batch_size is 0
    attrop: bool              # False: loaded with attrop=False


@dataclasses.dataclass(frozen=True)
class PartInfo:
    part: Part
    present: bool
    format_version: int
    kind: str
    source_sha256: str
    exporter: str
    mask_ratio_min: float
    mask_ratio_max: float
    mask_ratio_mu: float
    mask_ratio_std: float
    num_dropped: int
    lora_rank: int
    lora_alpha: float


def _gen_opts(lib: Any, n: int, seed: int, identity_index: Optional[ArrayIn],
              identity_base: int, image_index: Optional[ArrayIn], image_base: int,
              mask_ratio_min: Optional[float], mask_ratio_max: Optional[float],
              mask_ratio_mu: Optional[float], mask_ratio_std: Optional[float],
              dropped: Optional[ArrayIn], masked: Optional[ArrayIn], batch_size: int,
              prog: Optional[Progress]) -> Tuple[_api.v2f_gen_opts, List[object]]:
    """(v2f_gen_opts, keepalive list). None keeps the library's default
    (v2f_gen_opts_init: the model's mask ratios)."""
    o = _api.new_opts(lib, _api.v2f_gen_opts)
    keep: List[object] = []
    o.seed = seed
    ids = B.u64_in(identity_index, "identity_index", n)
    imgs = B.u64_in(image_index, "image_index", n)
    keep += [ids, imgs]
    o.identity_index = B.ptr(ids)
    o.image_index = B.ptr(imgs)
    o.identity_base = identity_base
    o.image_base = image_base
    for name, v in (("mask_ratio_min", mask_ratio_min), ("mask_ratio_max", mask_ratio_max),
                    ("mask_ratio_mu", mask_ratio_mu), ("mask_ratio_std", mask_ratio_std)):
        if v is not None:
            setattr(o, name, v)
    if (dropped is None) != (masked is None):
        raise InvalidArgumentError("give both dropped and masked, or neither")
    if dropped is not None:
        d = B.bytes_in(dropped, "dropped", NUM_TOKENS)
        m = B.bytes_in(masked, "masked", NUM_TOKENS)
        for name, b in (("dropped", d), ("masked", m)):
            if b.rows != n:
                raise InvalidArgumentError(f"{name}: {b.rows} masks for {n} images")
        keep += [d, m]
        o.dropped, o.masked = d.ptr, m.ptr
    o.batch_size = batch_size
    if prog is not None:
        o.progress = prog.cfn
        keep.append(prog)
    return o, keep


def _precision(value: Union[Precision, int, str]) -> int:
    """The C value of a Precision, an int or "fp32" / "bf16" / "fp16"."""
    if isinstance(value, str):
        try:
            return int(Precision[value.upper()])
        except KeyError:
            raise InvalidArgumentError(f"precision: {value!r}; one of 'fp32', 'bf16', 'fp16'") from None
    return int(value)  # the library judges other values (V2F_E_UNSUPPORTED / INVALID_ARG)


def _check_rows(buf: B.Buf, n: int, name: str) -> None:
    if buf.rows != n:
        raise InvalidArgumentError(f"{name}: {buf.rows} rows, need {n}")


class Model(Handle):
    """A loaded model directory (any subset of the six part files).

    device: "cpu" (None) or "cuda:N"; threads: intra-op threads (0: the
    CPUs this process may use); precision: Precision or "fp32" / "bf16" /
    "fp16"; max_model_bytes: the largest accepted part file (0: 16 GiB);
    memory_limit: the most one call may need, in bytes (0: half the
    physical memory; 2**64 - 1: no cap); attrop=False loads without the
    autograd copies (less memory, same images; AttrOP then raises
    UnsupportedError). Use as a context manager or call close().

    A Model may be used from several threads at once. close() from any
    thread is safe: the C model is freed once the calls in flight and the
    AttrOP / DatasetJob handles made from it have ended.

    Raises FileIOError (no such directory, no part), ModelError (broken or
    mismatched file, over max_model_bytes), UnsupportedError (device,
    precision), ...
    """

    _FREE = "v2f_model_free"
    _WHAT = "model"

    def __init__(self, path: PathLike, device: Optional[str] = None, threads: int = 0,
                 precision: Union[Precision, int, str] = Precision.FP32,
                 max_model_bytes: int = 0, memory_limit: int = 0, attrop: bool = True) -> None:
        lib = _lib.get()
        self._init_handle(lib)
        self.path = os.fspath(path)
        o = _api.new_opts(lib, _api.v2f_runtime_opts)
        o.device = None if device is None else str(device).encode()
        o.threads = threads
        o.precision = _precision(precision)
        o.max_model_bytes = max_model_bytes
        o.memory_limit = memory_limit
        o.attrop = 0 if attrop else 1   # V2F_ATTROP_ENABLED / _DISABLED
        h = ctypes.c_void_p()
        call(lib.v2f_model_load(os.fsencode(path), ctypes.byref(o), ctypes.byref(h)))
        self._adopt(h)

    @classmethod
    def load(cls, path: PathLike, device: Optional[str] = None, threads: int = 0,
             precision: Union[Precision, int, str] = Precision.FP32, max_model_bytes: int = 0,
             memory_limit: int = 0, attrop: bool = True) -> "Model":
        return cls(path, device=device, threads=threads, precision=precision,
                   max_model_bytes=max_model_bytes, memory_limit=memory_limit, attrop=attrop)

    def __repr__(self) -> str:
        return f"<vec2face.Model {self.path!r}{' closed' if self.closed else ''}>"

    # ----------------------------------------------------------- info
    @property
    def info(self) -> ModelInfo:
        i = _api.new_out_struct(_api.v2f_model_info)
        with self._use() as h:
            call(self._lib.v2f_model_info_get(h, ctypes.byref(i)))
        return ModelInfo(parts=frozenset(p for p in Part if i.parts & (1 << p)),
                         vector_dim=i.vector_dim, image_size=i.image_size, cond_dim=i.cond_dim,
                         threads=i.threads, precision=i.precision,
                         device=i.device.decode("utf-8", "replace"),
                         default_batch_size=i.default_batch_size, attrop=i.attrop == 0)

    def has_part(self, part: PartLike) -> bool:
        return _part(part) in self.info.parts

    def part_info(self, part: PartLike) -> PartInfo:
        p = _part(part)
        i = _api.new_out_struct(_api.v2f_part_info)
        with self._use() as h:
            call(self._lib.v2f_model_part_info(h, int(p), ctypes.byref(i)))

        def s(b: bytes) -> str:
            return b.decode("utf-8", "replace")

        return PartInfo(part=p, present=bool(i.present), format_version=i.format_version,
                        kind=s(i.kind), source_sha256=s(i.source_sha256), exporter=s(i.exporter),
                        mask_ratio_min=i.mask_ratio_min, mask_ratio_max=i.mask_ratio_max,
                        mask_ratio_mu=i.mask_ratio_mu, mask_ratio_std=i.mask_ratio_std,
                        num_dropped=i.num_dropped, lora_rank=i.lora_rank,
                        lora_alpha=i.lora_alpha)

    # ----------------------------------------------------------- generation
    def generate(self, vectors: ArrayIn, *, raw: bool = False, seed: int = 0,
                 identity_index: Optional[ArrayIn] = None, identity_base: int = 0,
                 image_index: Optional[ArrayIn] = None, image_base: int = 0,
                 mask_ratio_min: float = -1.0, mask_ratio_max: float = -1.0,
                 mask_ratio_mu: float = -1.0, mask_ratio_std: float = -1.0,
                 dropped: Optional[ArrayIn] = None, masked: Optional[ArrayIn] = None,
                 batch_size: int = 0, progress: Optional[ProgressFn] = None) -> Any:
        """Images of n identity vectors (float32, shape (512,) or (n, 512))
        with the plain generator: (n, 112, 112, 3) uint8 (numpy) or a
        bytearray of n * 37632.

        Options (v2f_gen_opts): seed; identity_index / image_index (n
        integers; None: identity_base + i and image_base); mask_ratio_*
        (negative: the model's); dropped and masked ([n][49] 0/1 bytes, both
        or neither: exact masks); batch_size (0: the model's
        default_batch_size); progress(done, total) -> truthy to cancel
        (CancelledError). Ctrl-C cancels after the current batch and
        raises KeyboardInterrupt. raw=True also returns the float images
        (n, 3, 112, 112): (rgb, raw).
        """
        vec = B.floats_in(vectors, "vectors", VECTOR_DIM)
        return self._gen(vec, None, raw, seed, identity_index, identity_base, image_index,
                         image_base, mask_ratio_min, mask_ratio_max, mask_ratio_mu,
                         mask_ratio_std, dropped, masked, batch_size, progress)

    def generate_pose(self, vectors: ArrayIn, landmarks: ArrayIn, *, raw: bool = False,
                      seed: int = 0, identity_index: Optional[ArrayIn] = None,
                      identity_base: int = 0, image_index: Optional[ArrayIn] = None,
                      image_base: int = 0, mask_ratio_min: float = -1.0,
                      mask_ratio_max: float = -1.0,
                      mask_ratio_mu: float = -1.0,
                      mask_ratio_std: Optional[float] = None, dropped: Optional[ArrayIn] = None,
                      masked: Optional[ArrayIn] = None, batch_size: int = 0,
                      progress: Optional[ProgressFn] = None) -> Any:
        """Images whose pose follows n landmark images ((n, 112, 112, 3)
        uint8, see render_landmarks); same options as generate. Needs
        pose_cond.pt and pose_generator.pt (UnsupportedError otherwise)."""
        vec = B.floats_in(vectors, "vectors", VECTOR_DIM)
        lm = B.bytes_in(landmarks, "landmarks", _IMAGE_BYTES, B.IMAGE_ROWS)
        _check_rows(lm, vec.rows, "landmarks")
        return self._gen(vec, lm, raw, seed, identity_index, identity_base, image_index,
                         image_base, mask_ratio_min, mask_ratio_max, mask_ratio_mu,
                         mask_ratio_std, dropped, masked, batch_size, progress)

    def _gen(self, vec: B.Buf, lm: Optional[B.Buf], raw: bool, seed: int,
             identity_index: Optional[ArrayIn], identity_base: int,
             image_index: Optional[ArrayIn], image_base: int, mask_ratio_min: Optional[float],
             mask_ratio_max: Optional[float], mask_ratio_mu: Optional[float],
             mask_ratio_std: Optional[float], dropped: Optional[ArrayIn],
             masked: Optional[ArrayIn], batch_size: int,
             progress: Optional[ProgressFn]) -> Any:
        n = vec.rows
        rgb = B.bytes_out((n,) + _IMG_SHAPE)
        raw_out = B.floats_out((n,) + _RAW_SHAPE) if raw else None
        with self._use() as h, interruptible() as intr:
            prog = make_progress(progress, intr)
            o, keep = _gen_opts(self._lib, n, seed, identity_index, identity_base, image_index,
                                image_base, mask_ratio_min, mask_ratio_max, mask_ratio_mu,
                                mask_ratio_std, dropped, masked, batch_size, prog)
            if raw_out is not None:
                o.raw_out = raw_out.ptr
            if lm is None:
                st = self._lib.v2f_generate(h, vec.ptr, n, ctypes.byref(o), rgb.ptr)
            else:
                st = self._lib.v2f_generate_pose(h, vec.ptr, lm.ptr, n, ctypes.byref(o),
                                                 rgb.ptr)
        call(st, prog)
        del keep
        return (rgb.obj, raw_out.obj) if raw_out is not None else rgb.obj

    def sample_masks(self, n: int, part: PartLike = Part.GENERATOR, *, seed: int = 0,
                     identity_index: Optional[ArrayIn] = None, identity_base: int = 0,
                     image_index: Optional[ArrayIn] = None, image_base: int = 0,
                     mask_ratio_min: float = -1.0,
                     mask_ratio_max: float = -1.0,
                     mask_ratio_mu: float = -1.0,
                     mask_ratio_std: float = -1.0) -> Tuple[Array, Array]:
        """The (dropped, masked) masks, each [n][49] 0/1 bytes, that the
        generator (or pose generator) would use with these options."""
        o, keep = _gen_opts(self._lib, n, seed, identity_index, identity_base, image_index,
                            image_base, mask_ratio_min, mask_ratio_max, mask_ratio_mu,
                            mask_ratio_std, None, None, 0, None)
        d = B.bytes_out((n, NUM_TOKENS))
        m = B.bytes_out((n, NUM_TOKENS))
        with self._use() as h:
            call(self._lib.v2f_sample_masks(h, int(_part(part)), n, ctypes.byref(o),
                                            d.ptr, m.ptr))
        del keep
        return d.obj, m.obj

    # ----------------------------------------------------------- estimators
    def features(self, images: ArrayIn, which: PartLike = Part.ARCFACE) -> Array:
        """Identity features (n, 512) float32 of n aligned face crops
        ((n, 112, 112, 3) uint8) with ArcFace (default) or MagFace."""
        img = B.bytes_in(images, "images", _IMAGE_BYTES, B.IMAGE_ROWS)
        out = B.floats_out((img.rows, VECTOR_DIM))
        with self._use() as h:
            call(self._lib.v2f_extract_features(h, int(_part(which)), img.ptr, img.rows,
                                                out.ptr))
        return out.obj

    def quality(self, images: ArrayIn) -> Array:
        """MagFace quality (n,) float32 of n face crops."""
        img = B.bytes_in(images, "images", _IMAGE_BYTES, B.IMAGE_ROWS)
        out = B.floats_out((img.rows,))
        with self._use() as h:
            call(self._lib.v2f_estimate_quality(h, img.ptr, img.rows, out.ptr))
        return out.obj

    def pose(self, images: ArrayIn) -> Array:
        """Head pose (n, 3) float32 degrees (pitch, yaw, roll) of n face crops."""
        img = B.bytes_in(images, "images", _IMAGE_BYTES, B.IMAGE_ROWS)
        out = B.floats_out((img.rows, 3))
        with self._use() as h:
            call(self._lib.v2f_estimate_pose(h, img.ptr, img.rows, out.ptr))
        return out.obj

    def centres_from_folder(self, root: PathLike, *, normalize: bool = False,
                            resize: bool = False, return_counts: bool = False,
                            progress: Optional[ProgressFn] = None) -> Any:
        """Identity centres from a folder tree of face crops (see
        vec2face.identities.identity_centres_from_folder)."""
        from .identities import identity_centres_from_folder
        return identity_centres_from_folder(self, root, normalize=normalize, resize=resize,
                                            return_counts=return_counts, progress=progress)

    def report_dataset(self, dataset_dir: PathLike, *, out_prefix: Optional[PathLike] = None,
                       identities: Optional[PathLike] = None, batch_size: Optional[int] = None,
                       histogram_bins: Optional[int] = None, threshold: Optional[float] = None,
                       sheet_identities: Optional[int] = None,
                       sheet_images: Optional[int] = None, sheet_tile: Optional[int] = None,
                       per_image: bool = False,
                       progress: Optional[ProgressFn] = None) -> "DatasetSummary":
        """Measure a dataset folder with this model and write its report
        files; returns a DatasetSummary (see vec2face.report.report_dataset)."""
        from .report import report_dataset
        return report_dataset(dataset_dir, self, out_prefix=out_prefix, identities=identities,
                              batch_size=batch_size, histogram_bins=histogram_bins,
                              threshold=threshold, sheet_identities=sheet_identities,
                              sheet_images=sheet_images, sheet_tile=sheet_tile,
                              per_image=per_image, progress=progress)

    def attrop(self, vectors: ArrayIn, class_vectors: Optional[ArrayIn] = None, *,
               lr: float = 0.1, target_sim: float = 0.3, quality_target: float = 24.0,
               yaw_target: float = -1.0, identity_model: PartLike = Part.ARCFACE,
               quality_model: PartLike = Part.MAGFACE, max_retries: int = 30,
               seed: int = 0, identity_index: Optional[ArrayIn] = None, identity_base: int = 0,
               image_base: int = 0, landmarks: Optional[ArrayIn] = None,
               condition: Optional[ArrayIn] = None, dropped: Optional[ArrayIn] = None,
               masked: Optional[ArrayIn] = None) -> "AttrOP":
        """An AttrOP run on this model (see vec2face.attrop.AttrOP)."""
        from .attrop import AttrOP
        return AttrOP(self, vectors, class_vectors, lr=lr, target_sim=target_sim,
                      quality_target=quality_target, yaw_target=yaw_target,
                      identity_model=identity_model, quality_model=quality_model,
                      max_retries=max_retries, seed=seed, identity_index=identity_index,
                      identity_base=identity_base, image_base=image_base, landmarks=landmarks,
                      condition=condition, dropped=dropped, masked=masked)


def render_landmarks(points5: ArrayIn) -> Array:
    """Landmark images (n, 112, 112, 3) uint8 from (n, 5, 2) float32 (x, y)
    points: left eye, right eye, nose tip, left and right mouth corner."""
    lib = _lib.get()
    pts = B.floats_in(points5, "points5", 10, B.POINTS_ROWS)
    out = B.bytes_out((pts.rows,) + _IMG_SHAPE)
    call(lib.v2f_render_landmarks(pts.ptr, pts.rows, out.ptr))
    return out.obj


def raw_to_rgb(raw: ArrayIn) -> Array:
    """uint8 HWC images (n, 112, 112, 3) from raw float CHW images
    (n, 3, 112, 112), as the official code converts them."""
    lib = _lib.get()
    r = B.floats_in(raw, "raw", _RAW_FLOATS, B.RAW_ROWS)
    out = B.bytes_out((r.rows,) + _IMG_SHAPE)
    call(lib.v2f_raw_to_rgb(r.ptr, r.rows, out.ptr))
    return out.obj
