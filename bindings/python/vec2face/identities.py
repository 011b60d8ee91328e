"""Identity vectors: perturbation, samplers, sampling, centres, separability.

Vectors are float32 [n][dim] row-major (dim 512 for ArcFace features;
smaller dims accepted). A flat buffer without numpy needs ``dim=``.
"""

import ctypes
import dataclasses
import os
import threading

from ._handle import Handle
from . import _buffers as B
from . import _ctypes_api as _api
from . import _lib
from .core import SEPARABILITY_BINS, VECTOR_DIM, call, make_progress
from .errors import InvalidArgumentError
from .files import take_array

__all__ = ["perturb", "Sampler", "SampleStats", "sample_identities", "identity_centres",
           "identity_centres_from_folder",
           "separability", "SeparabilityReport"]


def _row_len(obj, dim):
    """dim if given; None when a numpy array or list of rows brings its own;
    else V2F_VECTOR_DIM for flat buffers."""
    if dim is not None:
        return dim
    if B._is_ndarray(obj) and obj.ndim >= 2:
        return None
    if isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], (list, tuple)):
        return None
    return VECTOR_DIM


def perturb(vectors, *, seed=0, dim=None, images_per_vector=1, identity_index=None,
            identity_base=0, image_index=None, image_base=0, eps=None, eps_shares=None,
            return_eps=False):
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
    keep = [ids, imgs]
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
    return (out.obj, eps_out.obj) if return_eps else out.obj


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
    def _from(cls, s):
        return cls(*(getattr(s, f) for f, _ in _api.v2f_sample_stats._fields_[1:]))


class Sampler(Handle):
    """A model of identity vectors: Sampler.fit(centres), Sampler.isotropic(dim,
    mean, std) or Sampler.load(path). Immutable; usable from several threads.
    """

    _FREE = "v2f_sampler_free"
    _WHAT = "sampler"

    def __init__(self, _handle, _lib_handle):
        self._lib = _lib_handle
        self._handle = _handle
        self._lock = threading.Lock()

    @classmethod
    def fit(cls, centres, dim=None, shrinkage=0.0):
        """Fit mean and covariance to [n][dim] real identity centres."""
        lib = _lib.get()
        c = B.floats_in(centres, "centres", _row_len(centres, dim))
        o = _api.new_opts(lib, _api.v2f_sampler_fit_opts)
        o.shrinkage = shrinkage
        h = ctypes.c_void_p()
        call(lib.v2f_sampler_fit(c.ptr, c.rows, c.row_len, ctypes.byref(o), ctypes.byref(h)))
        return cls(h, lib)

    @classmethod
    def isotropic(cls, dim=VECTOR_DIM, norm_mean=1.0, norm_std=0.0):
        """Uniformly random directions with a norm from N(norm_mean, norm_std^2) > 0."""
        lib = _lib.get()
        h = ctypes.c_void_p()
        call(lib.v2f_sampler_new_isotropic(dim, norm_mean, norm_std, ctypes.byref(h)))
        return cls(h, lib)

    @classmethod
    def load(cls, path):
        """A sampler saved by save() (or numpy with the same members)."""
        lib = _lib.get()
        h = ctypes.c_void_p()
        call(lib.v2f_sampler_load(os.fsencode(path), ctypes.byref(h)))
        return cls(h, lib)

    def save(self, path):
        call(self._lib.v2f_sampler_save(self._h(), os.fsencode(path)))

    @property
    def dim(self):
        return int(self._lib.v2f_sampler_dim(self._h()))

    def mean(self):
        """Fitted mean (dim,) float32 (a copy), None for an isotropic sampler."""
        p = self._lib.v2f_sampler_mean(self._h())
        return None if not p else B.floats_from_address(p, (self.dim,))

    def cov(self):
        """Fitted covariance (dim, dim) float32 (a copy), None when isotropic."""
        p = self._lib.v2f_sampler_cov(self._h())
        d = self.dim
        return None if not p else B.floats_from_address(p, (d, d))

    def candidates(self, seed, first, n):
        """Raw candidates first .. first + n - 1 of the stream of `seed`."""
        out = B.floats_out((n, self.dim))
        call(self._lib.v2f_sampler_candidates(self._h(), seed, first, n, out.ptr))
        return out.obj

    def sample(self, n, **opts):
        """See sample_identities."""
        return sample_identities(self, n, **opts)


def sample_identities(sampler, n, *, seed=0, max_similarity=None, threads=0, exclude=None,
                      resume=None, resume_candidates=0, max_candidates=0, block_size=0,
                      progress=None):
    """Draw n vectors whose pairwise cosine (and cosine to every `exclude`
    row) is below max_similarity (default 0.3). Returns (vectors (n, dim)
    float32, SampleStats).

    resume: the rows kept by an earlier call (same sampler, seed, threshold)
    with resume_candidates = its stats.candidates. On cancellation or
    max_candidates, the exception carries ``.vectors`` (the valid rows) and
    ``.stats`` to resume from.
    """
    lib = sampler._lib
    d = sampler.dim
    o = _api.new_opts(lib, _api.v2f_sample_opts)
    o.seed = seed
    if max_similarity is not None:
        o.max_similarity = max_similarity
    o.threads = threads
    keep = []
    if exclude is not None:
        ex = B.floats_in(exclude, "exclude", d)
        keep.append(ex)
        o.exclude, o.exclude_rows, o.exclude_dim = ex.ptr, ex.rows, d
    out = B.floats_out((n, d))
    if resume is not None:
        r = B.floats_in(resume, "resume", d)
        if r.rows > n:
            raise InvalidArgumentError(f"resume: {r.rows} rows for n = {n}")
        ctypes.memmove(out.ptr, r.ptr, r.count * 4)
        o.resume_kept = r.rows
        o.resume_candidates = resume_candidates
    o.max_candidates = max_candidates
    o.block_size = block_size
    prog = make_progress(progress)
    if prog is not None:
        o.progress = prog.cfn
        keep.append(prog)
    st = _api.new_out_struct(_api.v2f_sample_stats)
    status = lib.v2f_sample_identities(sampler._h(), n, ctypes.byref(o), out.ptr,
                                       ctypes.byref(st))
    stats = SampleStats._from(st)
    try:
        call(status, prog)
    except Exception as e:  # a Vec2FaceError, or what the progress callback raised
        e.stats = stats
        e.vectors = _head(out.obj, stats.kept, d)
        raise
    return out.obj, stats


def _head(obj, rows, dim):
    if B._is_ndarray(obj):
        return obj[:rows].copy()
    return obj[:rows * dim]


def identity_centres(features, labels, num_ids, *, dim=None, normalize=False,
                     return_counts=False):
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
    call(lib.v2f_identity_centres_from_features(f.ptr, f.rows, f.row_len, lab.ptr, num_ids,
                                                ctypes.byref(o), ctypes.byref(h)))
    centres = take_array(lib, h)
    return (centres, counts.obj) if return_counts else centres


def identity_centres_from_folder(model, root, *, normalize=False, resize=False,
                                 return_counts=False, progress=None):
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
    prog = make_progress(progress)
    if prog is not None:
        o.progress = prog.cfn
    h = ctypes.c_void_p()
    call(lib.v2f_identity_centres_from_folder(model._h(), root_b, ctypes.byref(o),
                                              ctypes.byref(h)), prog)
    rows = lib.v2f_array_rows(h)
    centres = take_array(lib, h)
    if not return_counts:
        return centres
    c = counts.obj
    return centres, (c[:rows] if B._is_ndarray(c) else c[:rows])


@dataclasses.dataclass(frozen=True)
class SeparabilityReport:
    n: int
    separated: int          # identities whose nearest neighbour cosine <= threshold
    threshold: float
    nn_min: float
    nn_mean: float
    nn_max: float
    histogram: tuple        # SEPARABILITY_BINS counts over [-1, 1]
    nn: object = None       # per-vector nearest-neighbour cosine when asked for

    @property
    def fraction(self):
        return self.separated / self.n if self.n else 0.0


def separability(vectors, threshold=0.4, *, dim=None, threads=0, return_nn=False,
                 progress=None):
    """Separability of a set of identity vectors (all pairs)."""
    lib = _lib.get()
    v = B.floats_in(vectors, "vectors", _row_len(vectors, dim))
    o = _api.new_opts(lib, _api.v2f_separability_opts)
    o.threads = threads
    nn = B.floats_out((v.rows,)) if return_nn else None
    if nn is not None:
        o.nn_out = nn.ptr
    prog = make_progress(progress)
    if prog is not None:
        o.progress = prog.cfn
    r = _api.new_out_struct(_api.v2f_separability_report)
    call(lib.v2f_separability(v.ptr, v.rows, v.row_len, threshold, ctypes.byref(o),
                              ctypes.byref(r)), prog)
    assert len(r.histogram) == SEPARABILITY_BINS
    return SeparabilityReport(r.n, r.separated, r.threshold, r.nn_min, r.nn_mean, r.nn_max,
                              tuple(r.histogram), nn.obj if nn is not None else None)
