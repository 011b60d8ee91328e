"""libvec2face Python package: the ctypes binding (stdlib only, numpy optional).

The model converter and the reference networks, which need PyTorch, are the
separate package ``vec2face_torch`` (python3 -m vec2face_torch.export).
"""

__version__ = "0.3.0"

from typing import List  # noqa: E402

# The ctypes binding of libvec2face (stdlib only; numpy optional and imported
# lazily; the library itself is loaded at the first call).
from .errors import (AbiMismatchError, BackendError, BusyError, CancelledError,  # noqa: E402,F401
                     FileIOError, FormatError, InternalError, InvalidArgumentError,
                     LibraryNotFoundError, ModelError, NoMemoryError, SizeOverflowError,
                     UnsupportedError, Vec2FaceError)
from .core import (ABI_VERSION, COND_DIM, IMAGE_BYTES, IMAGE_SIZE, NUM_TOKENS,  # noqa: E402,F401
                   SEPARABILITY_BINS, VECTOR_DIM, LogLevel, Part, Precision, Status,
                   abi_version, image_bytes, last_error, library_path, set_log_callback,
                   status_str, version)
from .model import Model, ModelInfo, PartInfo, raw_to_rgb, render_landmarks  # noqa: E402,F401
from .attrop import AttrOP, Losses  # noqa: E402,F401
from .identities import (Sampler, SampleStats, SeparabilityReport,  # noqa: E402,F401
                         identity_centres, identity_centres_from_folder, perturb,
                         sample_identities, separability)
from .files import (read_image, read_npy, read_npy_shape, read_npz, write_image,  # noqa: E402,F401
                    write_images, write_npy)
from .dataset import (DatasetFilter, DatasetFormat, DatasetJob, DatasetMeasure,  # noqa: E402,F401
                      DatasetPoseOrder, DatasetReport, DatasetStats, MergeStats,
                      merge_datasets, verify_dataset)
from .report import DatasetSummary, ReportMeasured, report_dataset  # noqa: E402,F401

# The public names (also what `from vec2face import *` and type checkers see).
__all__: List[str] = [
    "AbiMismatchError", "BackendError", "BusyError", "CancelledError", "FileIOError", "FormatError",
    "InternalError", "InvalidArgumentError", "LibraryNotFoundError", "ModelError",
    "NoMemoryError", "SizeOverflowError", "UnsupportedError", "Vec2FaceError",
    "ABI_VERSION", "COND_DIM", "IMAGE_BYTES", "IMAGE_SIZE", "NUM_TOKENS", "SEPARABILITY_BINS",
    "VECTOR_DIM", "LogLevel", "Part", "Precision", "Status", "abi_version", "image_bytes",
    "last_error", "library_path", "set_log_callback", "status_str", "version",
    "Model", "ModelInfo", "PartInfo", "raw_to_rgb", "render_landmarks", "AttrOP", "Losses",
    "Sampler", "SampleStats", "SeparabilityReport", "identity_centres",
    "identity_centres_from_folder", "perturb", "sample_identities", "separability",
    "read_image", "read_npy", "read_npy_shape", "read_npz", "write_image", "write_images",
    "write_npy", "DatasetFilter", "DatasetFormat", "DatasetJob", "DatasetMeasure",
    "DatasetPoseOrder", "DatasetReport", "DatasetStats", "verify_dataset", "MergeStats", "merge_datasets", "DatasetSummary",
    "ReportMeasured", "report_dataset",
]
