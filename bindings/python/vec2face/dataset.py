"""Datasets: generate a folder of images of many identities, resumably, in shards.

    with vec2face.Model("models/tiny") as m, \\
            vec2face.DatasetJob(m, "ids.npy", "out", seed=1, perturb_images=4) as job:
        stats = job.run(progress=lambda done, total: print(done, total))
    report = vec2face.verify_dataset("out")
    assert report.ok, report.first_problem
    # shards made in folders of their own (no shared filesystem):
    merged = vec2face.merge_datasets("all", ["node0", "node1"])
    assert merged.report.ok, merged.report.first_problem

The folder (see "Datasets" in vec2face.h): ``recipe.txt``,
``<identity %06d>/<image %03d>.png|jpg`` and ``manifest/part-K-of-N.csv``.
A job with the same recipe on the same folder resumes (skips the images on
disk); another recipe, seed or identities file is refused with
InvalidArgumentError ("recipe differs from the one in ...: seed is ...").

A DatasetJob is single-threaded: use it from one thread at a time (a lock
in the binding enforces this; the model may be shared). Shards of one recipe
may run at the same time, in separate jobs or processes.
"""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import numbers
import os
import threading
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Sequence, Tuple, Type, TypeVar, Union

from ._handle import Handle
from . import _buffers as B
from . import _ctypes_api as _api
from . import _lib
from ._buffers import ArrayIn
from .core import ProgressFn, Status, call, interruptible, make_progress
from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from .model import Model

PathLike = Union[str, "os.PathLike[str]"]
_E = TypeVar("_E", bound=enum.Enum)

__all__ = ["DatasetFilter", "DatasetFormat", "DatasetJob", "DatasetMeasure", "DatasetPoseOrder",
           "DatasetStats", "DatasetReport", "verify_dataset", "MergeStats", "merge_datasets"]


class DatasetFormat(enum.IntEnum):
    """Image file format of a dataset (v2f_dataset_format)."""
    PNG = 0
    JPEG = 1


_FORMAT_NAMES = {"png": DatasetFormat.PNG, "jpeg": DatasetFormat.JPEG,
                 "jpg": DatasetFormat.JPEG}


def _format(value: Union["DatasetFormat", int, str]) -> "DatasetFormat":
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


def _named(enum_cls: Type[_E], value: Union[_E, int, str], what: str) -> _E:
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


MeasureLike = Union[DatasetMeasure, int, str, Iterable[Union[DatasetMeasure, int, str]]]


def _measure(value: MeasureLike) -> DatasetMeasure:
    """DatasetMeasure bits from flags, an int, a name, "all", a comma list
    ("similarity,quality", as `vec2face generate --measure` takes) or a
    sequence of these."""
    items: Iterable[Any]
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, (int, numbers.Integral)):
        items = [value]
    else:
        items = value
    bits = DatasetMeasure(0)
    for v in items:
        if isinstance(v, str) and v.lower() == "all":
            bits |= DatasetMeasure.SIMILARITY | DatasetMeasure.QUALITY | DatasetMeasure.YAW
        elif isinstance(v, str) and v.upper() in DatasetMeasure.__members__:
            bits |= DatasetMeasure[v.upper()]
        elif isinstance(v, numbers.Integral) and 0 <= int(v) <= int(sum(DatasetMeasure)):
            bits |= DatasetMeasure(int(v))
        else:
            raise InvalidArgumentError(f"measure: {v!r}; DatasetMeasure flags or "
                                       "'similarity', 'quality', 'yaw', 'all'")
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
    def _from(cls, s: Any) -> "DatasetStats":
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


def _floats(obj: Union[float, Sequence[float], ArrayIn], name: str) -> B.Buf:
    """A float32 Buf of a number, a sequence or a numpy array (one row)."""
    if isinstance(obj, (int, float, numbers.Real)):
        return B.floats_in([float(obj)], name)
    if not B._is_ndarray(obj):
        return B.floats_in(list(obj), name)
    return B.floats_in(obj, name)


def _shard(shard: Tuple[int, int]) -> Tuple[int, int]:
    try:
        k, n = shard
        k, n = int(k), int(n)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"shard: {shard!r}; need (index, count)") from None
    if not (n >= 1 and 0 <= k < n and n < 2 ** 32):
        raise InvalidArgumentError(f"shard: ({k}, {n}); need 0 <= index < count")
    return k, n


class DatasetJob(Handle):
    """DatasetJob(model, identities, out_dir, *, recipe options, shard=(0, 1)).

    Shard ``shard = (k, n)`` of the recipe (v2f_dataset_recipe; the
    defaults are those of v2f_dataset_recipe_init): identities is a
    float32 .npy file [num_ids][512]; out_dir is created when missing and
    gets recipe.txt (or must match the one there: InvalidArgumentError
    naming the setting that changed).
    perturb_images (4) images per identity from perturbation with the eps
    mixture eps / eps_shares (a number or a sequence; None: 0.3/0.5/0.7
    with shares 0.4/0.4/0.2); pose_images (0) more from the pose generator
    with pose_eps (0.7), conditioned on pose_points, five-point templates
    (t, 5, 2) or (t, 10) float32 cycled by image index. format "png" or
    "jpeg" (a DatasetFormat too), jpeg_quality (95), batch_size (0: the
    model's info.default_batch_size; may change between restarts). The
    job keeps its model's C object alive: closing the model first is safe.

    Since 0.2 (all off by default; see v2f_dataset_recipe):
    measure: DatasetMeasure flags, names ("similarity", "quality",
    "yaw", "all", or a comma list of them), recorded per image in the
    manifest; filter: DatasetFilter or "none" / "drop" / "regenerate",
    with filter_threshold (a cosine) and filter_max_attempts (3; DROP: 1);
    attrop_images more images per identity made by AttrOP toward
    attrop_quality (24) and the |yaw| targets attrop_yaw (a number or a
    sequence), attrop_iterations (5) counted steps, attrop_max_retries
    (30); pose_order: DatasetPoseOrder or "cycle" / "sample";
    pose_landmarks: paths of landmark images or folders of them,
    templates after the pose_points ones.

    Since 0.3: png_level, the PNG zlib level 0..9 (-1: the default, 6); it
    changes file sizes, not pixels, and is not part of the recipe digest.
    wait_lock: when another process or job holds the shard's lock, False
    (the default) fails run() with BusyError, True waits for it (Ctrl-C
    still cancels the wait).
    """

    _FREE = "v2f_dataset_job_free"
    _WHAT = "dataset job"

    def __init__(self, model: "Model", identities: PathLike, out_dir: PathLike, *,
                 seed: int = 0, perturb_images: int = 4,
                 eps: Optional[Union[float, Sequence[float], ArrayIn]] = None,
                 eps_shares: Optional[Union[float, Sequence[float], ArrayIn]] = None,
                 pose_images: int = 0, pose_points: Optional[ArrayIn] = None,
                 pose_eps: float = 0.7, format: Union[DatasetFormat, int, str] = "png",
                 jpeg_quality: int = 95, batch_size: int = 0, shard: Tuple[int, int] = (0, 1),
                 measure: MeasureLike = 0,
                 filter: Union[DatasetFilter, int, str] = DatasetFilter.NONE,
                 filter_threshold: float = 0.0, filter_max_attempts: int = 3,
                 attrop_images: int = 0, attrop_quality: float = 24.0,
                 attrop_yaw: Optional[Union[float, Sequence[float], ArrayIn]] = None,
                 attrop_iterations: int = 5, attrop_max_retries: int = 30,
                 pose_order: Union[DatasetPoseOrder, int, str] = DatasetPoseOrder.CYCLE,
                 pose_landmarks: Optional[Union[PathLike, Sequence[PathLike]]] = None,
                 png_level: int = -1, wait_lock: bool = False) -> None:
        self._init_handle(model._lib)
        self._model = model
        self._call_lock = threading.Lock()  # one call at a time (C: single-threaded)
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
        r.wait_lock = 1 if wait_lock else 0
        if measure is not None:
            r.measure = int(_measure(measure))
        if filter is not None:
            r.filter = int(_named(DatasetFilter, filter, "filter"))
        if pose_order is not None:
            r.pose_order = int(_named(DatasetPoseOrder, pose_order, "pose_order"))
        keep: List[object] = []
        if attrop_yaw is not None:
            y = _floats(attrop_yaw, "attrop_yaw")
            keep.append(y)
            r.attrop_yaw, r.attrop_yaw_count = y.ptr, y.count
        if pose_landmarks is not None:
            lm_list: Sequence[Any]
            if isinstance(pose_landmarks, (str, bytes, os.PathLike)):
                lm_list = [pose_landmarks]
            else:
                lm_list = pose_landmarks
            paths = [os.fsencode(p) for p in lm_list]
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
            p = B.floats_in(pose_points, "pose_points", 10, B.POINTS_ROWS)
            keep.append(p)
            r.pose_points, r.pose_templates = p.ptr, p.rows
        h = ctypes.c_void_p()
        with model._use() as mh:
            call(self._lib.v2f_dataset_job_new(mh, ctypes.byref(r), self.shard[0],
                                               self.shard[1], ctypes.byref(h)))
            self._adopt(h, parents=(model,))  # the C job uses the C model
        del keep  # the library copied the recipe

    def __repr__(self) -> str:
        k, n = self.shard
        return (f"<vec2face.DatasetJob {self.out_dir!r} shard {k} of {n}"
                f"{' closed' if self.closed else ''}>")

    def run(self, progress: Optional[ProgressFn] = None) -> DatasetStats:
        """Make the shard's missing images; returns its DatasetStats.

        progress(done, total) (images of this shard complete / in all) is
        called after the scan of the folder and after every batch; a truthy
        return stops after the current batch with CancelledError, and an
        exception inside it stops the run the same way and is re-raised.
        Ctrl-C stops after the current batch too and raises
        KeyboardInterrupt. A stopped or failed run leaves a folder that
        run() (or a new job of the same recipe) resumes; the exception
        carries ``.stats``.
        """
        with self._call_lock, self._use() as h:
            with interruptible() as intr:
                prog = make_progress(progress, intr)
                cfn = prog.cfn if prog is not None else _api.PROGRESS_FN()
                status = self._lib.v2f_dataset_job_run(h, cfn, None)
            stats = self._stats(h)
            try:
                call(status, prog)
            except BaseException as e:  # a Vec2FaceError, Ctrl-C, or the callback's exception
                e.stats = stats  # type: ignore[attr-defined]
                raise
            return stats

    def _stats(self, h: ctypes.c_void_p) -> DatasetStats:
        s = _api.new_out_struct(_api.v2f_dataset_stats)
        call(self._lib.v2f_dataset_job_stats(h, ctypes.byref(s)))
        return DatasetStats._from(s)

    @property
    def stats(self) -> DatasetStats:
        """The job's DatasetStats so far."""
        with self._call_lock, self._use() as h:
            return self._stats(h)


def verify_dataset(out_dir: PathLike) -> DatasetReport:
    """Check a dataset folder against its recipe.txt: every identity has
    every image, every file decodes as 112x112, every image has exactly one
    manifest row, no temporary file is left. Returns a DatasetReport, also
    when problems were found (``ok`` False, ``first_problem``); raises
    FileIOError when there is no readable recipe.txt."""
    lib = _lib.get()
    r = _api.new_out_struct(_api.v2f_dataset_report)
    return _report(lib.v2f_dataset_verify(os.fsencode(out_dir), ctypes.byref(r)), r)


verify = verify_dataset


def _report(status: int, r: Any) -> DatasetReport:
    """A DatasetReport from a filled v2f_dataset_report: V2F_E_FORMAT
    (problems found) is a report, not an exception."""
    message = ""
    if status == Status.E_FORMAT:
        message = _lib.last_error()
    else:
        call(status)
    counts = {f.name: int(getattr(r, f.name)) for f in dataclasses.fields(DatasetReport)
              if f.name not in ("ok", "first_problem", "message")}
    return DatasetReport(ok=status == Status.OK, **counts,
                         first_problem=r.first_problem.decode("utf-8", "replace"),
                         message=message)


@dataclasses.dataclass(frozen=True)
class MergeStats:
    """What merge_datasets did (v2f_dataset_merge_stats) and the verify
    report of the merged folder (``report.ok`` False: merged, but not
    complete yet, e.g. shards still missing)."""
    sources: int          # source folders merged
    files_copied: int     # images (and manifest parts DST lacked) copied or linked
    parts_merged: int     # manifest parts written as the union of their rows
    files_skipped: int    # already in DST with the same bytes, or the same in two sources
    report: DatasetReport


def merge_datasets(out_dir: PathLike, sources: Iterable[PathLike], *, link: bool = False,
                   progress: Optional[ProgressFn] = None) -> MergeStats:
    """Combine dataset folders of one recipe (e.g. shards made on machines
    without a shared filesystem) into out_dir, then verify it
    (v2f_dataset_merge). Every check runs before the first write: sources
    of other recipes or a file of the same name with other bytes raise
    InvalidArgumentError naming both, with nothing written. ``link``:
    hard-link images instead of copying them. progress(done, total)
    (files written / to write) before the first write and after each file;
    a truthy return (or Ctrl-C) stops after the current file, leaving no
    temporary file; calling again finishes the merge."""
    lib = _lib.get()
    srcs = [os.fsencode(s) for s in sources]
    if not srcs:
        raise InvalidArgumentError("merge_datasets: at least one source folder is needed")
    arr = (ctypes.c_char_p * len(srcs))(*srcs)
    opts = _api.v2f_dataset_merge_opts()
    lib.v2f_dataset_merge_opts_init(ctypes.byref(opts), ctypes.sizeof(opts))
    opts.link = 1 if link else 0
    st = _api.new_out_struct(_api.v2f_dataset_merge_stats)
    r = _api.new_out_struct(_api.v2f_dataset_report)
    with interruptible() as intr:
        prog = make_progress(progress, intr)
        if prog is not None:
            opts.progress = prog.cfn
        status = lib.v2f_dataset_merge(os.fsencode(out_dir), arr, len(srcs),
                                       ctypes.byref(opts), ctypes.byref(st), ctypes.byref(r))
    if status != Status.E_FORMAT or st.sources == 0:
        call(status, prog)   # a refusal is V2F_E_FORMAT too, with no stats
    return MergeStats(sources=int(st.sources), files_copied=int(st.files_copied),
                      parts_merged=int(st.parts_merged), files_skipped=int(st.files_skipped),
                      report=_report(status, r))


merge = merge_datasets
