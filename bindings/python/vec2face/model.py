"""Models: loading, generation, landmarks, raw conversion, estimators.

    from vec2face.model import Model
    with Model("models/tiny") as m:
        images = m.generate(vectors, seed=42)      # (n, 112, 112, 3) uint8

A Model is immutable after load and may be used from several threads at
once (ctypes releases the GIL during each C call).
"""

import ctypes
import dataclasses
import os
import threading

from ._handle import Handle
from . import _buffers as B
from . import _ctypes_api as _api
from . import _lib
from .core import (IMAGE_BYTES, IMAGE_SIZE, NUM_TOKENS, VECTOR_DIM, Part, Precision,
                   call, make_progress, part as _part)
from .errors import InvalidArgumentError

__all__ = ["Model", "ModelInfo", "PartInfo", "render_landmarks", "raw_to_rgb"]

_IMG_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 3)
_RAW_SHAPE = (3, IMAGE_SIZE, IMAGE_SIZE)
_RAW_FLOATS = 3 * IMAGE_SIZE * IMAGE_SIZE


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    parts: frozenset          # the Parts present
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


def _gen_opts(lib, n, seed=0, identity_index=None, identity_base=0, image_index=None,
              image_base=0, mask_ratio_min=None, mask_ratio_max=None, mask_ratio_mu=None,
              mask_ratio_std=None, dropped=None, masked=None, batch_size=0, progress=None):
    """(v2f_gen_opts, keepalive list, Progress or None)."""
    o = _api.new_opts(lib, _api.v2f_gen_opts)
    keep = []
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
    prog = make_progress(progress)
    if prog is not None:
        o.progress = prog.cfn
        keep.append(prog)
    return o, keep, prog


def _precision(value):
    """The C value of a Precision, an int or "fp32" / "bf16" / "fp16"."""
    if isinstance(value, str):
        try:
            return Precision[value.upper()]
        except KeyError:
            raise InvalidArgumentError(f"precision: {value!r}; one of 'fp32', 'bf16', 'fp16'") from None
    return int(value)  # the library judges other values (V2F_E_UNSUPPORTED / INVALID_ARG)


def _check_rows(buf, n, name):
    if buf.rows != n:
        raise InvalidArgumentError(f"{name}: {buf.rows} rows, need {n}")


class Model(Handle):
    """A loaded model directory (any subset of the six part files).

    Model(path, device=None, threads=0, precision=Precision.FP32,
    max_model_bytes=0, memory_limit=0, attrop=True); use as a context
    manager or call close(). precision may also be "fp32" / "bf16" / "fp16". max_model_bytes: the
    largest accepted part file (0: 16 GiB); memory_limit: the most one call
    may need, in bytes (0: half the physical memory; 2**64 - 1: no cap);
    attrop=False loads without the autograd copies (less memory, same
    images; AttrOP then raises UnsupportedError).
    Raises FileIOError (no such directory, no part), ModelError (broken or
    mismatched file, over max_model_bytes), UnsupportedError (device,
    precision), ...
    """

    _FREE = "v2f_model_free"
    _WHAT = "model"

    def __init__(self, path, device=None, threads=0, precision=Precision.FP32,
                 max_model_bytes=0, memory_limit=0, attrop=True):
        lib = _lib.get()
        self._lib = lib
        self._handle = None
        self._lock = threading.Lock()
        self.path = str(path)
        o = _api.new_opts(lib, _api.v2f_runtime_opts)
        dev = None if device is None else str(device).encode()
        o.device = dev
        o.threads = threads
        o.precision = int(_precision(precision))
        o.max_model_bytes = max_model_bytes
        o.memory_limit = memory_limit
        o.attrop = 0 if attrop else 1   # V2F_ATTROP_ENABLED / _DISABLED
        h = ctypes.c_void_p()
        call(lib.v2f_model_load(os.fsencode(path), ctypes.byref(o), ctypes.byref(h)))
        self._handle = h

    @classmethod
    def load(cls, path, device=None, threads=0, precision=Precision.FP32, max_model_bytes=0,
             memory_limit=0, attrop=True):
        return cls(path, device=device, threads=threads, precision=precision,
                   max_model_bytes=max_model_bytes, memory_limit=memory_limit, attrop=attrop)

    def __repr__(self):
        return f"<vec2face.Model {self.path!r}{' closed' if self.closed else ''}>"

    # ----------------------------------------------------------- info
    @property
    def info(self):
        i = _api.new_out_struct(_api.v2f_model_info)
        call(self._lib.v2f_model_info_get(self._h(), ctypes.byref(i)))
        return ModelInfo(parts=frozenset(p for p in Part if i.parts & (1 << p)),
                         vector_dim=i.vector_dim, image_size=i.image_size, cond_dim=i.cond_dim,
                         threads=i.threads, precision=i.precision,
                         device=i.device.decode("utf-8", "replace"),
                         default_batch_size=i.default_batch_size, attrop=i.attrop == 0)

    def has_part(self, part):
        return _part(part) in self.info.parts

    def part_info(self, part):
        p = _part(part)
        i = _api.new_out_struct(_api.v2f_part_info)
        call(self._lib.v2f_model_part_info(self._h(), int(p), ctypes.byref(i)))
        s = lambda b: b.decode("utf-8", "replace")  # noqa: E731
        return PartInfo(part=p, present=bool(i.present), format_version=i.format_version,
                        kind=s(i.kind), source_sha256=s(i.source_sha256), exporter=s(i.exporter),
                        mask_ratio_min=i.mask_ratio_min, mask_ratio_max=i.mask_ratio_max,
                        mask_ratio_mu=i.mask_ratio_mu, mask_ratio_std=i.mask_ratio_std,
                        num_dropped=i.num_dropped, lora_rank=i.lora_rank,
                        lora_alpha=i.lora_alpha)

    # ----------------------------------------------------------- generation
    def generate(self, vectors, *, raw=False, **opts):
        """Images of n identity vectors ([n][512] float32) with the plain
        generator: (n, 112, 112, 3) uint8 (numpy) or a bytearray of n * 37632.

        Keyword options (v2f_gen_opts): seed, identity_index, identity_base,
        image_index, image_base, mask_ratio_min/max/mu/std, dropped and
        masked ([n][49] 0/1 bytes), batch_size, progress(done, total) ->
        truthy to cancel. raw=True also returns the float images
        (n, 3, 112, 112): (rgb, raw).
        """
        vec = B.floats_in(vectors, "vectors", VECTOR_DIM)
        return self._gen(vec, None, raw, opts)

    def generate_pose(self, vectors, landmarks, *, raw=False, **opts):
        """Images whose pose follows n landmark images ([n][112][112][3]
        uint8, see render_landmarks); same options as generate. Needs
        pose_cond.pt and pose_generator.pt (UnsupportedError otherwise)."""
        vec = B.floats_in(vectors, "vectors", VECTOR_DIM)
        lm = B.bytes_in(landmarks, "landmarks", IMAGE_BYTES)
        _check_rows(lm, vec.rows, "landmarks")
        return self._gen(vec, lm, raw, opts)

    def _gen(self, vec, lm, raw, opts):
        n = vec.rows
        o, keep, prog = _gen_opts(self._lib, n, **opts)
        rgb = B.bytes_out((n,) + _IMG_SHAPE)
        raw_out = B.floats_out((n,) + _RAW_SHAPE) if raw else None
        if raw_out is not None:
            o.raw_out = raw_out.ptr
        if lm is None:
            st = self._lib.v2f_generate(self._h(), vec.ptr, n, ctypes.byref(o), rgb.ptr)
        else:
            st = self._lib.v2f_generate_pose(self._h(), vec.ptr, lm.ptr, n, ctypes.byref(o),
                                             rgb.ptr)
        call(st, prog)
        del keep
        return (rgb.obj, raw_out.obj) if raw else rgb.obj

    def sample_masks(self, n, part=Part.GENERATOR, **opts):
        """The (dropped, masked) masks, each [n][49] 0/1 bytes, that the
        generator (or pose generator) would use with these options."""
        o, keep, prog = _gen_opts(self._lib, n, **opts)
        d = B.bytes_out((n, NUM_TOKENS))
        m = B.bytes_out((n, NUM_TOKENS))
        call(self._lib.v2f_sample_masks(self._h(), int(_part(part)), n, ctypes.byref(o),
                                        d.ptr, m.ptr), prog)
        del keep
        return d.obj, m.obj

    # ----------------------------------------------------------- estimators
    def features(self, images, which=Part.ARCFACE):
        """Identity features (n, 512) float32 of n aligned face crops
        ([n][112][112][3] uint8) with ArcFace (default) or MagFace."""
        img = B.bytes_in(images, "images", IMAGE_BYTES)
        out = B.floats_out((img.rows, VECTOR_DIM))
        call(self._lib.v2f_extract_features(self._h(), int(_part(which)), img.ptr, img.rows,
                                            out.ptr))
        return out.obj

    def quality(self, images):
        """MagFace quality (n,) float32 of n face crops."""
        img = B.bytes_in(images, "images", IMAGE_BYTES)
        out = B.floats_out((img.rows,))
        call(self._lib.v2f_estimate_quality(self._h(), img.ptr, img.rows, out.ptr))
        return out.obj

    def pose(self, images):
        """Head pose (n, 3) float32 degrees (pitch, yaw, roll) of n face crops."""
        img = B.bytes_in(images, "images", IMAGE_BYTES)
        out = B.floats_out((img.rows, 3))
        call(self._lib.v2f_estimate_pose(self._h(), img.ptr, img.rows, out.ptr))
        return out.obj

    def centres_from_folder(self, root, **opts):
        """Identity centres from a folder tree of face crops (see
        vec2face.identities.identity_centres_from_folder)."""
        from .identities import identity_centres_from_folder
        return identity_centres_from_folder(self, root, **opts)

    def report_dataset(self, dataset_dir, **opts):
        """Measure a dataset folder with this model and write its report
        files; returns a DatasetSummary (see vec2face.report.report_dataset)."""
        from .report import report_dataset
        return report_dataset(dataset_dir, self, **opts)

    def attrop(self, vectors, class_vectors=None, **opts):
        """An AttrOP run on this model (see vec2face.attrop.AttrOP)."""
        from .attrop import AttrOP
        return AttrOP(self, vectors, class_vectors, **opts)


def render_landmarks(points5):
    """Landmark images (n, 112, 112, 3) uint8 from [n][5][2] float32 (x, y)
    points: left eye, right eye, nose tip, left and right mouth corner."""
    lib = _lib.get()
    pts = B.floats_in(points5, "points5", 10)
    out = B.bytes_out((pts.rows,) + _IMG_SHAPE)
    call(lib.v2f_render_landmarks(pts.ptr, pts.rows, out.ptr))
    return out.obj


def raw_to_rgb(raw):
    """uint8 HWC images (n, 112, 112, 3) from raw float CHW images
    [n][3][112][112], as the official code converts them."""
    lib = _lib.get()
    r = B.floats_in(raw, "raw", _RAW_FLOATS)
    out = B.bytes_out((r.rows,) + _IMG_SHAPE)
    call(lib.v2f_raw_to_rgb(r.ptr, r.rows, out.ptr))
    return out.obj

