"""Dataset reports: measure a dataset folder, write report.json / .html and
a contact sheet, and get the headline numbers back.

    with vec2face.Model("models/tiny") as m:
        summary = vec2face.report_dataset("out", m)
    print(summary.images_read, summary.cos_mean_centre_mean, summary.json_path)

What is measured (see "Dataset reports" in vec2face.h): the images of every
identity of recipe.txt; with arcface.pt the cosines of each image's feature
to its identity's mean centre and input vector and the separability of the
mean centres; with magface.pt the quality; with headpose.pt the yaw. A
model without a part (or no model at all) leaves that section unmeasured:
its bit is missing from ``summary.measured`` and its values are 0.
"""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import os
from typing import TYPE_CHECKING, Any, Dict, Optional, Union

from . import _ctypes_api as _api
from . import _lib
from .core import ProgressFn, call, interruptible, make_progress

if TYPE_CHECKING:
    from .model import Model

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["ReportMeasured", "DatasetSummary", "report_dataset"]


class ReportMeasured(enum.IntFlag):
    """Bits of DatasetSummary.measured (V2F_REPORT_*)."""
    CONSISTENCY = 1   # ArcFace: cosines to the mean centre
    INPUT = 2         # ... and to the input vectors
    QUALITY = 4       # MagFace
    YAW = 8           # head pose
    SEPARABILITY = 16  # over the mean centres


@dataclasses.dataclass(frozen=True)
class DatasetSummary:
    """The headline numbers of a report (v2f_dataset_summary; everything is
    in report.json) and where the three files were written."""
    measured: ReportMeasured
    identities: int            # in the recipe
    identities_measured: int   # with at least one image read
    identities_complete: int   # every image read or dropped
    images_expected: int
    images_read: int
    images_missing: int        # no file and not dropped
    images_unreadable: int     # present but not a 112x112 image
    images_dropped: int        # dropped by the filter (manifest status "dropped")
    cos_mean_centre_mean: float
    cos_mean_centre_min: float
    cos_input_mean: float
    cos_input_min: float
    separability_n: int        # mean centres compared
    separated: int             # of them with nearest-neighbour cosine <= threshold
    threshold: float
    quality_mean: float
    quality_min: float
    quality_max: float
    yaw_mean: float
    yaw_min: float
    yaw_max: float
    abs_yaw_mean: float
    sheet_width: int
    sheet_height: int
    json_path: str
    html_path: str
    sheet_path: str

    @classmethod
    def _from(cls, s: Any, prefix: str) -> "DatasetSummary":
        values: Dict[str, Any] = {}
        for field in _api.v2f_dataset_summary._fields_[1:]:
            name, ctype = field[0], field[1]
            v = getattr(s, name)
            values[name] = float(v) if ctype is ctypes.c_float else int(v)
        values["measured"] = ReportMeasured(values["measured"])
        return cls(**values, json_path=prefix + "report.json",
                   html_path=prefix + "report.html", sheet_path=prefix + "contact_sheet.png")


def report_dataset(dataset_dir: PathLike, model: Optional["Model"] = None, *,
                   out_prefix: Optional[PathLike] = None, identities: Optional[PathLike] = None,
                   batch_size: Optional[int] = 32, histogram_bins: Optional[int] = 20,
                   threshold: Optional[float] = 0.4, sheet_identities: Optional[int] = 16,
                   sheet_images: Optional[int] = 8, sheet_tile: Optional[int] = 56,
                   per_image: bool = False,
                   progress: Optional[ProgressFn] = None) -> DatasetSummary:
    """Measure a dataset folder and write <out_prefix>report.json,
    report.html and contact_sheet.png (v2f_dataset_report_write); returns a
    DatasetSummary.

    model: a Model with any of arcface.pt, magface.pt, headpose.pt, or None
    (counts and contact sheet only). out_prefix: where the files go (default
    "<dataset_dir>/"; a folder needs its trailing "/"; the folder must
    exist). identities: the .npy to use instead of the one recipe.txt names.
    batch_size (32), histogram_bins (20), threshold (0.4, separability),
    sheet_identities (16 rows), sheet_images (8 columns), sheet_tile (56 px,
    a divisor of 112): the defaults of v2f_dataset_report_opts_init
    (None keeps them too). per_image: also list
    every image's values in report.json. progress(done, total) after every
    batch; a truthy return cancels (CancelledError, no file written) and an
    exception inside it is re-raised.
    An incomplete dataset is reported as far as it goes (see the counts).
    Raises FileIOError (no readable recipe.txt, a file that cannot be
    written), InvalidArgumentError (an option, named), FormatError, ...
    """
    lib = model._lib if model is not None else _lib.get()
    o = _api.new_opts(lib, _api.v2f_dataset_report_opts)
    ddir = os.fspath(dataset_dir)
    if out_prefix is not None:
        prefix = os.fspath(out_prefix)
        o.out_prefix = os.fsencode(prefix)
    else:
        prefix = ddir.rstrip("/") + "/" if ddir.strip("/") else ddir
    if identities is not None:
        o.identities = os.fsencode(identities)
    for name, v in (("batch_size", batch_size), ("histogram_bins", histogram_bins),
                    ("threshold", threshold), ("sheet_identities", sheet_identities),
                    ("sheet_images", sheet_images), ("sheet_tile", sheet_tile)):
        if v is not None:
            setattr(o, name, v)
    o.per_image = 1 if per_image else 0
    s = _api.new_out_struct(_api.v2f_dataset_summary)

    def run(h: Optional[ctypes.c_void_p]) -> DatasetSummary:
        with interruptible() as intr:
            prog = make_progress(progress, intr)
            if prog is not None:
                o.progress = prog.cfn
            status = lib.v2f_dataset_report_write(h, os.fsencode(ddir), ctypes.byref(o),
                                                  ctypes.byref(s))
        call(status, prog)
        return DatasetSummary._from(s, prefix)

    if model is None:
        return run(None)
    with model._use() as mh:
        return run(mh)
