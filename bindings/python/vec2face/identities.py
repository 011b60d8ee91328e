"""Identity vectors: perturbation, samplers, sampling, centres, separability.

Vectors are float32 [n][dim] row-major (dim 512 for ArcFace features;
smaller dims accepted). A flat buffer without numpy needs ``dim=``.
"""

from __future__ import annotations

import ctypes
import dataclasses
import os
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple, Union

from ._handle import Handle
from . import _buffers as B
from . import _ctypes_api as _api
from . import _lib
from ._buffers import Array, ArrayIn
from .core import SEPARABILITY_BINS, VECTOR_DIM, ProgressFn, call, interruptible, make_progress
from .errors import InvalidArgumentError
from .files import take_array

if TYPE_CHECKING:
    from .model import Model

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["perturb", "Sampler", "SampleStats", "sample_identities", "identity_centres",
           "identity_centres_from_folder",
           "separability", "SeparabilityReport"]


def _row_len(obj: Any, dim: Optional[int]) -> Optional[int]:
    """dim if given; None when a numpy array or list of rows brings its own;
    else V2F_VECTOR_DIM for flat buffers."""
    if dim is not None:
        return dim
    if B._is_ndarray(obj) and obj.ndim >= 2:
        return None
    if isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], (list, tuple)):
        return None
    return VECTOR_DIM


def perturb(vectors: ArrayIn, *, seed: int = 0, dim: Optional[int] = None,
            images_per_vector: int = 1, identity_index: Optional[ArrayIn] = None,
            identity_base: int = 0, image_index: Optional[ArrayIn] = None, image_base: int = 0,
            eps: Optional[Union[Sequence[float], ArrayIn]] = None,
            eps_shares: Optional[Union[Sequence[float], ArrayIn]] = None,
            return_eps: bool = False) -> Any:
    """Intra-class variation: out = v + N(0, eps^2 I) rescaled to |v|.
    Returns (n * images_per_vector, dim) float32 (row i * k + j is image j of
    vector i), and with return_eps=True also the eps of each image."""
    lib = _lib.get()
    v = B.floats_in(vectors, "vectors", _row_len(vectors, dim))
    n, d = v.rows, v.row_len
    o = _api.new_opts(lib, _api.v2f_perturb_opts)
    o.seed = seed
    o.dim = d
    o.images_per_vector = images_per_vector
    ids = B.u64_in(identity_index, "identity_index", n)
    imgs = B.u64_in(image_index, "image_index", n)
    o.identity_index, o.image_index = B.ptr(ids), B.ptr(imgs)
    o.identity_base, o.image_base = identity_base, image_base
    keep: List[object] = [ids, imgs]
    if eps is not None:
        e = B.floats_in(list(eps) if not B._is_ndarray(eps) else eps, "eps")
        keep.append(e)
        o.eps, o.eps_count = e.ptr, e.count
        if eps_shares is not None:
            s = B.floats_in(list(eps_shares) if not B._is_ndarray(eps_shares) else eps_shares,
                            "eps_shares")
            if s.count != e.count:
                raise InvalidArgumentError(f"eps_shares: {s.count} values for {e.count} eps")
            keep.append(s)
            o.eps_shares = s.ptr
    elif eps_shares is not None:
        raise InvalidArgumentError("eps_shares without eps")
    total = n * images_per_vector
    out = B.floats_out((total, d))
    eps_out = B.floats_out((total,)) if return_eps else None
    if eps_out is not None:
        o.eps_out = eps_out.ptr
    call(lib.v2f_perturb(v.ptr, n, ctypes.byref(o), out.ptr))
    del keep
    return (out.obj, eps_out.obj) if eps_out is not None else out.obj


@dataclasses.dataclass(frozen=True)
class SampleStats:
    kept: int
    candidates: int
    rejected_similar: int
    rejected_excluded: int
    rejected_invalid: int
    comparisons: int
    flops: float
    seconds: float
    gflops: float

    @classmethod
    def _from(cls, s: Any) -> "SampleStats":
        return cls(*(getattr(s, f[0]) for f in _api.v2f_sample_stats._fields_[1:]))


class Sampler(Handle):
    """A model of identity vectors: Sampler.fit(centres), Sampler.isotropic(dim,
    mean, std) or Sampler.load(path). Immutable; usable from several threads.
    """

    _FREE = "v2f_sampler_free"
    _WHAT = "sampler"

    def __init__(self, _handle: ctypes.c_void_p, _lib_handle: Any) -> None:
        self._init_handle(_lib_handle)
        self._adopt(_handle)

    @classmethod
    def fit(cls, centres: ArrayIn, dim: Optional[int] = None, shrinkage: float = 0.0) -> "Sampler":
        """Fit mean and covariance to [n][dim] real identity centres."""
        lib = _lib.get()
        c = B.floats_in(centres, "centres", _row_len(centres, dim))
        o = _api.new_opts(lib, _api.v2f_sampler_fit_opts)
        o.shrinkage = shrinkage
        h = ctypes.c_void_p()
        call(lib.v2f_sampler_fit(c.ptr, c.rows, c.row_len, ctypes.byref(o), ctypes.byref(h)))
        return cls(h, lib)

    @classmethod
    def isotropic(cls, dim: int = VECTOR_DIM, norm_mean: float = 1.0,
                  norm_std: float = 0.0) -> "Sampler":
        """Uniformly random directions with a norm from N(norm_mean, norm_std^2) > 0."""
        lib = _lib.get()
        h = ctypes.c_void_p()
        call(lib.v2f_sampler_new_isotropic(dim, norm_mean, norm_std, ctypes.byref(h)))
        return cls(h, lib)

    @classmethod
    def load(cls, path: PathLike) -> "Sampler":
        """A sampler saved by save() (or numpy with the same members)."""
        lib = _lib.get()
        h = ctypes.c_void_p()
        call(lib.v2f_sampler_load(os.fsencode(path), ctypes.byref(h)))
        return cls(h, lib)

    def save(self, path: PathLike) -> None:
        with self._use() as h:
            call(self._lib.v2f_sampler_save(h, os.fsencode(path)))

    @property
    def dim(self) -> int:
        with self._use() as h:
            return int(self._lib.v2f_sampler_dim(h))

    def mean(self) -> Optional[Array]:
        """Fitted mean (dim,) float32 (a copy), None for an isotropic sampler."""
        with self._use() as h:
            d = int(self._lib.v2f_sampler_dim(h))
            p = self._lib.v2f_sampler_mean(h)
            return None if not p else B.floats_from_address(p, (d,))

    def cov(self) -> Optional[Array]:
        """Fitted covariance (dim, dim) float32 (a copy), None when isotropic."""
        with self._use() as h:
            d = int(self._lib.v2f_sampler_dim(h))
            p = self._lib.v2f_sampler_cov(h)
            return None if not p else B.floats_from_address(p, (d, d))

    def candidates(self, seed: int, first: int, n: int) -> Array:
        """Raw candidates first .. first + n - 1 of the stream of `seed`."""
        out = B.floats_out((n, self.dim))
        with self._use() as h:
            call(self._lib.v2f_sampler_candidates(h, seed, first, n, out.ptr))
        return out.obj

    def sample(self, n: int, *, seed: int = 0, max_similarity: float = 0.3, threads: int = 0,
               exclude: Optional[ArrayIn] = None, resume: Optional[ArrayIn] = None,
               resume_candidates: int = 0, max_candidates: int = 0, block_size: int = 0,
               progress: Optional[ProgressFn] = None) -> Tuple[Array, "SampleStats"]:
        """See sample_identities."""
        return sample_identities(self, n, seed=seed, max_similarity=max_similarity,
                                 threads=threads, exclude=exclude, resume=resume,
                                 resume_candidates=resume_candidates,
                                 max_candidates=max_candidates, block_size=block_size,
                                 progress=progress)


def sample_identities(sampler: Sampler, n: int, *, seed: int = 0, max_similarity: float = 0.3,
                      threads: int = 0, exclude: Optional[ArrayIn] = None,
                      resume: Optional[ArrayIn] = None, resume_candidates: int = 0,
                      max_candidates: int = 0, block_size: int = 0,
                      progress: Optional[ProgressFn] = None) -> Tuple[Array, SampleStats]:
    """Draw n vectors whose pairwise cosine (and cosine to every `exclude`
    row) is below max_similarity (default 0.3). Returns (vectors (n, dim)
    float32, SampleStats).

    resume: the rows kept by an earlier call (same sampler, seed, threshold)
    with resume_candidates = its stats.candidates. On cancellation or
    max_candidates, the exception carries ``.vectors`` (the valid rows) and
    ``.stats`` to resume from. Ctrl-C cancels after the current block and
    raises KeyboardInterrupt carrying the same ``.vectors`` and ``.stats``.
    threads (0: online CPUs), max_candidates (0: 1000 * n + 100000) and
    block_size (0: 256) are v2f_sample_opts_init's defaults.
    """
    lib = sampler._lib
    d = sampler.dim
    o = _api.new_opts(lib, _api.v2f_sample_opts)
    o.seed = seed
    if max_similarity is not None:
        o.max_similarity = max_similarity
    o.threads = threads
    keep: List[object] = []
    if exclude is not None:
        ex = B.floats_in(exclude, "exclude", d)
        keep.append(ex)
        o.exclude, o.exclude_rows, o.exclude_dim = ex.ptr, ex.rows, d
    out = B.floats_out((n, d))
    if resume is not None:
        r = B.floats_in(resume, "resume", d)
        if r.rows > n:
            raise InvalidArgumentError(f"resume: {r.rows} rows for n = {n}")
        if r.count:
            assert out.ptr is not None and r.ptr is not None
            ctypes.memmove(out.ptr, r.ptr, r.count * 4)
        o.resume_kept = r.rows
        o.resume_candidates = resume_candidates
    o.max_candidates = max_candidates
    o.block_size = block_size
    st = _api.new_out_struct(_api.v2f_sample_stats)
    with sampler._use() as h, interruptible() as intr:
        prog = make_progress(progress, intr)
        if prog is not None:
            o.progress = prog.cfn
            keep.append(prog)
        status = lib.v2f_sample_identities(h, n, ctypes.byref(o), out.ptr, ctypes.byref(st))
    stats = SampleStats._from(st)
    try:
        call(status, prog)
    except BaseException as e:  # a Vec2FaceError, Ctrl-C, or the callback's exception
        e.stats = stats  # type: ignore[attr-defined]
        e.vectors = _head(out.obj, stats.kept, d)  # type: ignore[attr-defined]
        raise
    return out.obj, stats


def _head(obj: Any, rows: int, dim: int) -> Array:
    if B._is_ndarray(obj):
        return obj[:rows].copy()
    return obj[:rows * dim]


def identity_centres(features: ArrayIn, labels: ArrayIn, num_ids: int, *,
                     dim: Optional[int] = None, normalize: bool = False,
                     return_counts: bool = False) -> Any:
    """Mean feature of each label: (num_ids, dim) float32 (row = label).
    labels: n integers in [0, num_ids) (converted to int64). With
    return_counts=True also the features per identity (uint64)."""
    lib = _lib.get()
    f = B.floats_in(features, "features", _row_len(features, dim))
    lab = B.i64_in(labels, "labels", f.rows)
    o = _api.new_opts(lib, _api.v2f_centres_opts)
    o.normalize = 1 if normalize else 0
    counts = B.u64_out(num_ids) if return_counts else None
    if counts is not None:
        o.counts_out = counts.ptr
    h = ctypes.c_void_p()
    call(lib.v2f_identity_centres_from_features(f.ptr, f.rows, f.row_len, B.ptr(lab), num_ids,
                                                ctypes.byref(o), ctypes.byref(h)))
    centres = take_array(lib, h)
    return (centres, counts.obj) if counts is not None else centres


def identity_centres_from_folder(model: "Model", root: PathLike, *, normalize: bool = False,
                                 resize: bool = False, return_counts: bool = False,
                                 progress: Optional[ProgressFn] = None) -> Any:
    """Identity centres from ROOT/<id>/*.png|*.jpg|*.jpeg (one subfolder per
    identity, rows in byte order of the subfolder names): the mean ArcFace
    feature of each identity's crops, (identities, 512) float32. With
    return_counts=True also the images per identity. Needs arcface.pt."""
    lib = model._lib
    root_b = os.fsencode(root)
    counts = None
    if return_counts:
        # the library writes one entry per identity subfolder: size the
        # buffer by every entry of root, an upper bound
        try:
            entries = len(os.listdir(root))
        except OSError:
            entries = 0
        counts = B.u64_out(max(entries, 1))
    o = _api.new_opts(lib, _api.v2f_centres_opts)
    o.normalize = 1 if normalize else 0
    o.resize = 1 if resize else 0
    if counts is not None:
        o.counts_out = counts.ptr
    h = ctypes.c_void_p()
    with model._use() as mh, interruptible() as intr:
        prog = make_progress(progress, intr)
        if prog is not None:
            o.progress = prog.cfn
        status = lib.v2f_identity_centres_from_folder(mh, root_b, ctypes.byref(o),
                                                      ctypes.byref(h))
    call(status, prog)
    rows = lib.v2f_array_rows(h)
    centres = take_array(lib, h)
    if not return_counts:
        return centres
    assert counts is not None
    c = counts.obj
    return centres, c[:rows]


@dataclasses.dataclass(frozen=True)
class SeparabilityReport:
    n: int
    separated: int          # identities whose nearest neighbour cosine <= threshold
    threshold: float
    nn_min: float
    nn_mean: float
    nn_max: float
    histogram: Tuple[int, ...]  # SEPARABILITY_BINS counts over [-1, 1]
    nn: Optional[Array] = None  # per-vector nearest-neighbour cosine when asked for

    @property
    def fraction(self) -> float:
        return self.separated / self.n if self.n else 0.0


def separability(vectors: ArrayIn, threshold: float = 0.4, *, dim: Optional[int] = None,
                 threads: int = 0, return_nn: bool = False,
                 progress: Optional[ProgressFn] = None) -> "SeparabilityReport":
    """Separability of a set of identity vectors (all pairs)."""
    lib = _lib.get()
    v = B.floats_in(vectors, "vectors", _row_len(vectors, dim))
    o = _api.new_opts(lib, _api.v2f_separability_opts)
    o.threads = threads
    nn = B.floats_out((v.rows,)) if return_nn else None
    if nn is not None:
        o.nn_out = nn.ptr
    r = _api.new_out_struct(_api.v2f_separability_report)
    with interruptible() as intr:
        prog = make_progress(progress, intr)
        if prog is not None:
            o.progress = prog.cfn
        status = lib.v2f_separability(v.ptr, v.rows, v.row_len, threshold, ctypes.byref(o),
                                      ctypes.byref(r))
    call(status, prog)
    assert len(r.histogram) == SEPARABILITY_BINS
    return SeparabilityReport(r.n, r.separated, r.threshold, r.nn_min, r.nn_mean, r.nn_max,
                              tuple(r.histogram), nn.obj if nn is not None else None)
