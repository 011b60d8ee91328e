"""Datasets: generate a folder of images of many identities, resumably, in shards.

    with vec2face.Model("models/tiny") as m, \\
            vec2face.DatasetJob(m, "ids.npy", "out", seed=1, perturb_images=4) as job:
        stats = job.run(progress=lambda done, total: print(done, total))
    report = vec2face.verify_dataset("out")
    assert report.ok, report.first_problem

The folder (see "Datasets" in vec2face.h): ``recipe.txt``,
``<identity %06d>/<image %03d>.png|jpg`` and ``manifest/part-K-of-N.csv``.
A job with the same recipe on the same folder resumes (skips the images on
disk); another recipe, seed or identities file is refused with
InvalidArgumentError ("recipe differs from the one in ...: seed is ...").

A DatasetJob is single-threaded: use it from one thread at a time (a lock
in the binding enforces this; the model may be shared). Shards of one recipe
may run at the same time, in separate jobs or processes.
"""

import ctypes
import dataclasses
import enum
import numbers
import os
import threading

from ._handle import Handle
from . import _buffers as B
from . import _ctypes_api as _api
from . import _lib
from .core import Status, call, make_progress
from .errors import InvalidArgumentError

__all__ = ["DatasetFilter", "DatasetFormat", "DatasetJob", "DatasetMeasure", "DatasetPoseOrder",
           "DatasetStats", "DatasetReport", "verify_dataset"]


class DatasetFormat(enum.IntEnum):
    """Image file format of a dataset (v2f_dataset_format)."""
    PNG = 0
    JPEG = 1


_FORMAT_NAMES = {"png": DatasetFormat.PNG, "jpeg": DatasetFormat.JPEG,
                 "jpg": DatasetFormat.JPEG}


def _format(value):
    """A DatasetFormat from a DatasetFormat, an int or "png" / "jpeg" / "jpg"."""
    if isinstance(value, str):
        try:
            return _FORMAT_NAMES[value.lower().lstrip(".")]
        except KeyError:
            raise InvalidArgumentError(
                f"format: {value!r}; one of 'png', 'jpeg' (or 'jpg')") from None
    try:
        return DatasetFormat(value)
    except ValueError:
        raise InvalidArgumentError(f"format: {value!r} is no DatasetFormat") from None


class DatasetMeasure(enum.IntFlag):
    """What a recipe measures per image (v2f_dataset_measure, @since 0.2)."""
    SIMILARITY = 1  # ArcFace cosine to the identity's vector (arcface.pt)
    QUALITY = 2     # MagFace norm (magface.pt)
    YAW = 4         # head pose yaw (headpose.pt)


class DatasetFilter(enum.IntEnum):
    """The identity-consistency filter (v2f_dataset_filter, @since 0.2)."""
    NONE = 0
    DROP = 1
    REGENERATE = 2


class DatasetPoseOrder(enum.IntEnum):
    """How a pose image picks its template (v2f_dataset_pose_order, @since 0.2)."""
    CYCLE = 0
    SAMPLE = 1


def _named(enum_cls, value, what):
    """An enum_cls member from a member, an int or its (case-insensitive) name."""
    if isinstance(value, str):
        try:
            return enum_cls[value.upper()]
        except KeyError:
            names = ", ".join(repr(m.name.lower()) for m in enum_cls)
            raise InvalidArgumentError(f"{what}: {value!r}; one of {names}") from None
    try:
        return enum_cls(value)
    except ValueError:
        raise InvalidArgumentError(f"{what}: {value!r} is no {enum_cls.__name__}") from None


def _measure(value):
    """DatasetMeasure bits from flags, an int, a name or a sequence of names."""
    if isinstance(value, (str, numbers.Integral)):
        value = [value]
    bits = DatasetMeasure(0)
    for v in value:
        if isinstance(v, str):
            bits |= _named(DatasetMeasure, v, "measure")
        elif isinstance(v, numbers.Integral) and 0 <= int(v) <= int(sum(DatasetMeasure)):
            bits |= DatasetMeasure(int(v))
        else:
            raise InvalidArgumentError(f"measure: {v!r}; DatasetMeasure flags or "
                                       "'similarity', 'quality', 'yaw'")
    return bits


@dataclasses.dataclass(frozen=True)
class DatasetStats:
    """Counts of a job (its shard): identities [identity_first, identity_end)."""
    identity_first: int
    identity_end: int
    identities_total: int
    identities_skipped: int   # complete before this run
    identities_done: int      # complete now (skipped included)
    images_total: int         # of this shard
    images_written: int       # generated and written by this run
    images_skipped: int       # already on disk before this run
    rows_added: int           # manifest rows added for files on disk without one
    # @since 0.2, counts of this run:
    images_measured: int = 0      # generation attempts measured
    filter_rejected: int = 0      # attempts below filter_threshold
    filter_regenerated: int = 0   # images kept after more than one attempt
    images_dropped: int = 0       # images dropped by the filter

    @classmethod
    def _from(cls, s):
        return cls(**{f.name: int(getattr(s, f.name)) for f in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class DatasetReport:
    """What verify_dataset found. ``ok``: complete and consistent;
    otherwise ``problems`` counts everything wrong, ``first_problem`` names
    the first and ``message`` is the library's summary."""
    ok: bool
    identities: int
    identities_complete: int
    images_expected: int
    images_ok: int
    images_missing: int
    images_corrupt: int
    manifest_parts: int
    manifest_rows: int
    problems: int
    first_problem: str        # "" when none
    message: str = ""
    images_dropped: int = 0   # rows with status "dropped" (the filter; @since 0.2)


def _floats(obj, name):
    """A float32 Buf of a number, a sequence or a numpy array (one row)."""
    if isinstance(obj, numbers.Real):
        obj = [float(obj)]
    elif not B._is_ndarray(obj):
        obj = list(obj)
    return B.floats_in(obj, name)


def _shard(shard):
    try:
        k, n = shard
        k, n = int(k), int(n)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"shard: {shard!r}; need (index, count)") from None
    if not (n >= 1 and 0 <= k < n and n < 2 ** 32):
        raise InvalidArgumentError(f"shard: ({k}, {n}); need 0 <= index < count")
    return k, n


class DatasetJob(Handle):
    """DatasetJob(model, identities, out_dir, *, seed=0, perturb_images=None,
    eps=None, eps_shares=None, pose_images=None, pose_points=None,
    pose_eps=None, format="png", jpeg_quality=None, batch_size=None,
    shard=(0, 1)).

    Shard ``shard = (k, n)`` of the recipe (v2f_dataset_recipe; None keeps
    the library default): identities is a float32 .npy file [num_ids][512];
    out_dir is created when missing and gets recipe.txt (or must match the
    one there: InvalidArgumentError naming the setting that changed).
    perturb_images (default 4) images per identity from perturbation with
    the eps mixture eps / eps_shares (a number or a sequence; default
    0.3/0.5/0.7 with shares 0.4/0.4/0.2); pose_images (default 0) more
    from the pose generator with pose_eps (default 0.7), conditioned on
    pose_points, five-point templates [t][10] (or numpy (t, 5, 2)) float32
    cycled by image index. format "png" or "jpeg" (a DatasetFormat too),
    jpeg_quality (default 95), batch_size (default: the model's
    info.default_batch_size; may change between restarts). The model must stay open while the job lives (the job keeps
    a reference to it).

    Since 0.2 (all off by default; see v2f_dataset_recipe):
    measure: DatasetMeasure flags, or names ("similarity", "quality",
    "yaw"), recorded per image in the manifest; filter: DatasetFilter or
    "none" / "drop" / "regenerate", with filter_threshold (a cosine) and
    filter_max_attempts; attrop_images more images per identity made by
    AttrOP toward attrop_quality and the |yaw| targets attrop_yaw (a number
    or a sequence), attrop_iterations counted steps, attrop_max_retries;
    pose_order: DatasetPoseOrder or "cycle" / "sample"; pose_landmarks:
    paths of landmark images or folders of them, templates after the
    pose_points ones.

    Since 0.3: png_level, the PNG zlib level 0..9 (default 6); it changes
    file sizes, not pixels, and is not part of the recipe digest.
    """

    _FREE = "v2f_dataset_job_free"
    _WHAT = "dataset job"

    def __init__(self, model, identities, out_dir, *, seed=0, perturb_images=None, eps=None,
                 eps_shares=None, pose_images=None, pose_points=None, pose_eps=None,
                 format="png", jpeg_quality=None, batch_size=None, shard=(0, 1),
                 measure=None, filter=None, filter_threshold=None, filter_max_attempts=None,
                 attrop_images=None, attrop_quality=None, attrop_yaw=None,
                 attrop_iterations=None, attrop_max_retries=None, pose_order=None,
                 pose_landmarks=None, png_level=None):
        self._lib = model._lib
        self._model = model  # keeps the model alive while the job lives
        self._handle = None
        self._lock = threading.Lock()
        self.out_dir = os.fspath(out_dir)
        self.shard = _shard(shard)
        r = _api.new_opts(self._lib, _api.v2f_dataset_recipe)
        r.identities = os.fsencode(identities)
        r.out_dir = os.fsencode(out_dir)
        r.seed = seed
        r.format = int(_format(format))
        for name, v in (("perturb_images", perturb_images), ("pose_images", pose_images),
                        ("pose_eps", pose_eps), ("jpeg_quality", jpeg_quality),
                        ("batch_size", batch_size), ("filter_threshold", filter_threshold),
                        ("filter_max_attempts", filter_max_attempts),
                        ("attrop_images", attrop_images), ("attrop_quality", attrop_quality),
                        ("attrop_iterations", attrop_iterations),
                        ("attrop_max_retries", attrop_max_retries),
                        ("png_level", png_level)):
            if v is not None:
                setattr(r, name, v)
        if measure is not None:
            r.measure = int(_measure(measure))
        if filter is not None:
            r.filter = int(_named(DatasetFilter, filter, "filter"))
        if pose_order is not None:
            r.pose_order = int(_named(DatasetPoseOrder, pose_order, "pose_order"))
        keep = []
        if attrop_yaw is not None:
            y = _floats(attrop_yaw, "attrop_yaw")
            keep.append(y)
            r.attrop_yaw, r.attrop_yaw_count = y.ptr, y.count
        if pose_landmarks is not None:
            if isinstance(pose_landmarks, (str, bytes, os.PathLike)):
                pose_landmarks = [pose_landmarks]
            paths = [os.fsencode(p) for p in pose_landmarks]
            arr = (ctypes.c_char_p * max(len(paths), 1))(*paths)
            keep.append(arr)
            r.pose_landmarks = ctypes.cast(arr, ctypes.POINTER(ctypes.c_char_p))
            r.pose_landmark_count = len(paths)
        if eps is not None:
            e = _floats(eps, "eps")
            keep.append(e)
            r.eps, r.eps_count = e.ptr, e.count
            if eps_shares is not None:
                s = _floats(eps_shares, "eps_shares")
                if s.count != e.count:
                    raise InvalidArgumentError(f"eps_shares: {s.count} values for {e.count} eps")
                keep.append(s)
                r.eps_shares = s.ptr
        elif eps_shares is not None:
            raise InvalidArgumentError("eps_shares without eps")
        if pose_points is not None:
            p = B.floats_in(pose_points, "pose_points", 10)
            keep.append(p)
            r.pose_points, r.pose_templates = p.ptr, p.rows
        h = ctypes.c_void_p()
        call(self._lib.v2f_dataset_job_new(model._h(), ctypes.byref(r), self.shard[0],
                                           self.shard[1], ctypes.byref(h)))
        self._handle = h
        del keep  # the library copied the recipe

    def __repr__(self):
        k, n = self.shard
        return (f"<vec2face.DatasetJob {self.out_dir!r} shard {k} of {n}"
                f"{' closed' if self.closed else ''}>")

    def run(self, progress=None):
        """Make the shard's missing images; returns its DatasetStats.

        progress(done, total) (images of this shard complete / in all) is
        called after the scan of the folder and after every batch; a truthy
        return stops after the current batch with CancelledError, and an
        exception inside it stops the run the same way and is re-raised.
        A stopped or failed run leaves a folder that run() (or a new job of
        the same recipe) resumes; the exception carries ``.stats``.
        """
        with self._lock:
            prog = make_progress(progress)
            cfn = prog.cfn if prog is not None else _api.PROGRESS_FN()
            status = self._lib.v2f_dataset_job_run(self._h(), cfn, None)
            stats = self._stats()
            try:
                call(status, prog)
            except Exception as e:  # a Vec2FaceError, or what the progress callback raised
                e.stats = stats
                raise
            return stats

    def _stats(self):
        s = _api.new_out_struct(_api.v2f_dataset_stats)
        call(self._lib.v2f_dataset_job_stats(self._h(), ctypes.byref(s)))
        return DatasetStats._from(s)

    @property
    def stats(self):
        """The job's DatasetStats so far."""
        with self._lock:
            return self._stats()


def verify_dataset(out_dir):
    """Check a dataset folder against its recipe.txt: every identity has
    every image, every file decodes as 112x112, every image has exactly one
    manifest row, no temporary file is left. Returns a DatasetReport, also
    when problems were found (``ok`` False, ``first_problem``); raises
    FileIOError when there is no readable recipe.txt."""
    lib = _lib.get()
    r = _api.new_out_struct(_api.v2f_dataset_report)
    status = lib.v2f_dataset_verify(os.fsencode(out_dir), ctypes.byref(r))
    message = ""
    if status == Status.E_FORMAT:
        message = _lib.last_error()  # problems found: a report, not an exception
    else:
        call(status)
    counts = {f.name: int(getattr(r, f.name)) for f in dataclasses.fields(DatasetReport)
              if f.name not in ("ok", "first_problem", "message")}
    return DatasetReport(ok=status == Status.OK, **counts,
                         first_problem=r.first_problem.decode("utf-8", "replace"),
                         message=message)


verify = verify_dataset
