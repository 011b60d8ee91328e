"""ctypes declarations of the whole public C API (include/vec2face/vec2face.h).

Every structure mirrors its C struct field for field (checked against the C
compiler's layout by tests/test_layout.py); every function gets argtypes and
restype in :func:`bind`. Data pointers are declared ``c_void_p`` so that a
numpy array's ``ctypes.data`` or a buffer's address can be passed as is;
opaque handles are ``c_void_p`` too.

This module imports only the standard library.
"""

from __future__ import annotations

import ctypes
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_float, c_int,
                    c_int32, c_size_t, c_uint32, c_uint64, c_void_p)
from typing import Any, Dict, List, Tuple, Type, TypeVar

_S = TypeVar("_S", bound=Structure)

# The ABI version this binding was written for (V2F_ABI_VERSION).
ABI_VERSION = 0

# ---------------------------------------------------------------- constants, enums
# Generated from the headers by tools/apigen (python3 tools/apigen python):
# the numeric #defines, CONSTANTS, REPORT_FLAGS, the status table (Status:
# vec2face.Status, errors.STATUS_NAMES and the exception classes' codes all
# come from it) and ENUMS (C values).
# ("X as X": re-exported under mypy --strict.)
from ._abi_generated import (
    CONSTANTS as CONSTANTS, ENUMS as ENUMS, REPORT_FLAGS as REPORT_FLAGS, Status as Status,
    V2F_ABI_VERSION as V2F_ABI_VERSION, V2F_COND_DIM as V2F_COND_DIM,
    V2F_IMAGE_BYTES as V2F_IMAGE_BYTES, V2F_IMAGE_SIZE as V2F_IMAGE_SIZE,
    V2F_NUM_TOKENS as V2F_NUM_TOKENS, V2F_PNG_LEVEL_DEFAULT as V2F_PNG_LEVEL_DEFAULT,
    V2F_SEPARABILITY_BINS as V2F_SEPARABILITY_BINS, V2F_VECTOR_DIM as V2F_VECTOR_DIM,
    V2F_VERSION_MAJOR as V2F_VERSION_MAJOR, V2F_VERSION_MINOR as V2F_VERSION_MINOR,
    V2F_VERSION_PATCH as V2F_VERSION_PATCH,
)

# ---------------------------------------------------------------- callbacks
# typedef void (*v2f_log_fn)(int32_t level, const char *msg, void *user);
LOG_FN = CFUNCTYPE(None, c_int32, c_char_p, c_void_p)
# typedef int (*v2f_progress_fn)(void *user, uint64_t done, uint64_t total);
PROGRESS_FN = CFUNCTYPE(c_int, c_void_p, c_uint64, c_uint64)

# ---------------------------------------------------------------- structs


class v2f_runtime_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("device", c_char_p), ("threads", c_int32),
                ("precision", c_int32), ("max_model_bytes", c_uint64),
                ("memory_limit", c_uint64), ("attrop", c_int32)]


class v2f_model_info(Structure):
    _fields_ = [("struct_size", c_uint32), ("parts", c_uint32), ("vector_dim", c_int32),
                ("image_size", c_int32), ("cond_dim", c_int32), ("threads", c_int32),
                ("precision", c_int32), ("device", c_char * 32),
                ("default_batch_size", c_int32), ("attrop", c_int32)]


class v2f_part_info(Structure):
    _fields_ = [("struct_size", c_uint32), ("present", c_int32), ("format_version", c_int32),
                ("kind", c_char * 32), ("source_sha256", c_char * 72), ("exporter", c_char * 32),
                ("mask_ratio_min", c_float), ("mask_ratio_max", c_float),
                ("mask_ratio_mu", c_float), ("mask_ratio_std", c_float),
                ("num_dropped", c_int32), ("lora_rank", c_int32), ("lora_alpha", c_float)]


class v2f_gen_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("seed", c_uint64),
                ("identity_index", c_void_p), ("identity_base", c_uint64),
                ("image_index", c_void_p), ("image_base", c_uint64),
                ("mask_ratio_min", c_float), ("mask_ratio_max", c_float),
                ("mask_ratio_mu", c_float), ("mask_ratio_std", c_float),
                ("dropped", c_void_p), ("masked", c_void_p), ("batch_size", c_int32),
                ("raw_out", c_void_p), ("progress", PROGRESS_FN), ("progress_user", c_void_p)]


class v2f_attrop_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("lr", c_float), ("target_sim", c_float),
                ("quality_target", c_float), ("yaw_target", c_float),
                ("identity_model", c_int32), ("quality_model", c_int32),
                ("max_retries", c_int32), ("seed", c_uint64), ("identity_index", c_void_p),
                ("identity_base", c_uint64), ("image_base", c_uint64),
                ("landmarks", c_void_p), ("condition", c_void_p),
                ("dropped", c_void_p), ("masked", c_void_p)]


class v2f_attrop_losses(Structure):
    _fields_ = [("struct_size", c_uint32), ("identity", c_float), ("quality", c_float),
                ("pose", c_float), ("total", c_float), ("counted", c_int32),
                ("steps", c_int32), ("retries", c_int32),
                ("identity_per_vector", c_void_p), ("quality_per_vector", c_void_p),
                ("pose_per_vector", c_void_p)]


class v2f_perturb_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("seed", c_uint64), ("dim", c_uint32),
                ("images_per_vector", c_uint32), ("identity_index", c_void_p),
                ("identity_base", c_uint64), ("image_index", c_void_p),
                ("image_base", c_uint64), ("eps", c_void_p), ("eps_shares", c_void_p),
                ("eps_count", c_int32), ("eps_out", c_void_p)]


class v2f_sampler_fit_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("shrinkage", c_float)]


class v2f_sample_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("seed", c_uint64), ("max_similarity", c_float),
                ("threads", c_int32), ("exclude", c_void_p), ("exclude_rows", c_uint64),
                ("exclude_dim", c_uint64), ("resume_kept", c_uint64),
                ("resume_candidates", c_uint64), ("max_candidates", c_uint64),
                ("block_size", c_int32), ("progress", PROGRESS_FN),
                ("progress_user", c_void_p)]


class v2f_sample_stats(Structure):
    _fields_ = [("struct_size", c_uint32), ("kept", c_uint64), ("candidates", c_uint64),
                ("rejected_similar", c_uint64), ("rejected_excluded", c_uint64),
                ("rejected_invalid", c_uint64), ("comparisons", c_uint64),
                ("flops", c_double), ("seconds", c_double), ("gflops", c_double)]


class v2f_centres_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("normalize", c_int32), ("counts_out", c_void_p),
                ("resize", c_int32), ("progress", PROGRESS_FN), ("progress_user", c_void_p)]


class v2f_separability_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("threads", c_int32), ("nn_out", c_void_p),
                ("progress", PROGRESS_FN), ("progress_user", c_void_p)]


class v2f_separability_report(Structure):
    _fields_ = [("struct_size", c_uint32), ("n", c_uint64), ("separated", c_uint64),
                ("threshold", c_float), ("nn_min", c_float), ("nn_mean", c_float),
                ("nn_max", c_float), ("histogram", c_uint64 * V2F_SEPARABILITY_BINS)]


class v2f_image_read_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("resize", c_int32)]


class v2f_image_write_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("jpeg_quality", c_int32),
                ("png_level", c_int32)]  # png_level @since 0.3


class v2f_dataset_recipe(Structure):
    _fields_ = [("struct_size", c_uint32), ("identities", c_char_p), ("out_dir", c_char_p),
                ("seed", c_uint64), ("perturb_images", c_int32), ("eps_count", c_int32),
                ("eps", c_void_p), ("eps_shares", c_void_p), ("pose_images", c_int32),
                ("pose_templates", c_int32), ("pose_points", c_void_p), ("pose_eps", c_float),
                ("format", c_int32), ("jpeg_quality", c_int32), ("batch_size", c_int32),
                # @since 0.2
                ("measure", c_uint32), ("filter", c_int32), ("filter_threshold", c_float),
                ("filter_max_attempts", c_int32), ("attrop_images", c_int32),
                ("attrop_quality", c_float), ("attrop_yaw_count", c_int32),
                ("attrop_yaw", c_void_p), ("attrop_iterations", c_int32),
                ("attrop_max_retries", c_int32), ("pose_order", c_int32),
                ("pose_landmark_count", c_int32), ("pose_landmarks", POINTER(c_char_p)),
                ("png_level", c_int32),  # @since 0.3
                ("wait_lock", c_int32)]  # @since 0.3


class v2f_dataset_stats(Structure):
    _fields_ = [("struct_size", c_uint32), ("identity_first", c_uint64),
                ("identity_end", c_uint64), ("identities_total", c_uint64),
                ("identities_skipped", c_uint64), ("identities_done", c_uint64),
                ("images_total", c_uint64), ("images_written", c_uint64),
                ("images_skipped", c_uint64), ("rows_added", c_uint64),
                # @since 0.2
                ("images_measured", c_uint64), ("filter_rejected", c_uint64),
                ("filter_regenerated", c_uint64), ("images_dropped", c_uint64)]


class v2f_dataset_report(Structure):
    _fields_ = [("struct_size", c_uint32), ("identities", c_uint64),
                ("identities_complete", c_uint64), ("images_expected", c_uint64),
                ("images_ok", c_uint64), ("images_missing", c_uint64),
                ("images_corrupt", c_uint64), ("manifest_parts", c_uint64),
                ("manifest_rows", c_uint64), ("problems", c_uint64),
                ("first_problem", c_char * 512),
                ("images_dropped", c_uint64)]  # @since 0.2


class v2f_dataset_merge_opts(Structure):  # @since 0.4
    _fields_ = [("struct_size", c_uint32), ("link", c_int32), ("verify", c_int32),
                ("progress", PROGRESS_FN), ("progress_user", c_void_p)]


class v2f_dataset_merge_stats(Structure):  # @since 0.4
    _fields_ = [("struct_size", c_uint32), ("sources", c_uint64), ("files_copied", c_uint64),
                ("parts_merged", c_uint64), ("files_skipped", c_uint64)]


class v2f_dataset_report_opts(Structure):
    _fields_ = [("struct_size", c_uint32), ("out_prefix", c_char_p), ("identities", c_char_p),
                ("batch_size", c_int32), ("histogram_bins", c_int32), ("threshold", c_float),
                ("sheet_identities", c_int32), ("sheet_images", c_int32),
                ("sheet_tile", c_int32), ("per_image", c_int32), ("progress", PROGRESS_FN),
                ("progress_user", c_void_p)]


class v2f_dataset_summary(Structure):
    _fields_ = [("struct_size", c_uint32), ("measured", c_uint32), ("identities", c_uint64),
                ("identities_measured", c_uint64), ("identities_complete", c_uint64),
                ("images_expected", c_uint64), ("images_read", c_uint64),
                ("images_missing", c_uint64), ("images_unreadable", c_uint64),
                ("images_dropped", c_uint64), ("cos_mean_centre_mean", c_float),
                ("cos_mean_centre_min", c_float), ("cos_input_mean", c_float),
                ("cos_input_min", c_float), ("separability_n", c_uint64),
                ("separated", c_uint64), ("threshold", c_float), ("quality_mean", c_float),
                ("quality_min", c_float), ("quality_max", c_float), ("yaw_mean", c_float),
                ("yaw_min", c_float), ("yaw_max", c_float), ("abs_yaw_mean", c_float),
                ("sheet_width", c_int32), ("sheet_height", c_int32)]


STRUCTS: Dict[str, Type[Structure]] = {cls.__name__: cls for cls in (
    v2f_runtime_opts, v2f_model_info, v2f_part_info, v2f_gen_opts, v2f_attrop_opts,
    v2f_attrop_losses, v2f_perturb_opts, v2f_sampler_fit_opts, v2f_sample_opts,
    v2f_sample_stats, v2f_centres_opts, v2f_separability_opts, v2f_separability_report,
    v2f_dataset_recipe, v2f_dataset_stats, v2f_dataset_report, v2f_dataset_merge_opts,
    v2f_dataset_merge_stats, v2f_dataset_report_opts, v2f_dataset_summary,
    v2f_image_read_opts, v2f_image_write_opts)}

# ---------------------------------------------------------------- functions
_status = c_int  # v2f_status (an int-sized enum)
_vp = c_void_p
_handle_out = POINTER(c_void_p)

# name: (restype, argtypes)
FUNCTIONS: Dict[str, Tuple[Any, List[Any]]] = {
    # versions, errors, logging, sizes
    "v2f_version": (c_char_p, []),
    "v2f_abi_version": (c_int32, []),
    "v2f_status_str": (c_char_p, [c_int]),
    "v2f_last_error": (c_char_p, []),
    "v2f_set_log_callback": (None, [LOG_FN, c_int32, _vp]),
    "v2f_image_bytes": (c_size_t, [c_size_t]),
    # models
    "v2f_runtime_opts_init": (None, [POINTER(v2f_runtime_opts), c_size_t]),
    "v2f_model_load": (_status, [c_char_p, POINTER(v2f_runtime_opts), _handle_out]),
    "v2f_model_free": (None, [_vp]),
    "v2f_model_info_get": (_status, [_vp, POINTER(v2f_model_info)]),
    "v2f_model_part_info": (_status, [_vp, c_int32, POINTER(v2f_part_info)]),
    # generation
    "v2f_gen_opts_init": (None, [POINTER(v2f_gen_opts), c_size_t]),
    "v2f_sample_masks": (_status, [_vp, c_int32, c_size_t, POINTER(v2f_gen_opts), _vp, _vp]),
    "v2f_generate": (_status, [_vp, _vp, c_size_t, POINTER(v2f_gen_opts), _vp]),
    "v2f_generate_pose": (_status, [_vp, _vp, _vp, c_size_t, POINTER(v2f_gen_opts), _vp]),
    "v2f_render_landmarks": (_status, [_vp, c_size_t, _vp]),
    "v2f_raw_to_rgb": (_status, [_vp, c_size_t, _vp]),
    # estimators
    "v2f_extract_features": (_status, [_vp, c_int32, _vp, c_size_t, _vp]),
    "v2f_estimate_quality": (_status, [_vp, _vp, c_size_t, _vp]),
    "v2f_estimate_pose": (_status, [_vp, _vp, c_size_t, _vp]),
    # AttrOP
    "v2f_attrop_opts_init": (None, [POINTER(v2f_attrop_opts), c_size_t]),
    "v2f_attrop_new": (_status, [_vp, _vp, _vp, c_size_t, POINTER(v2f_attrop_opts),
                                 _handle_out]),
    "v2f_attrop_step": (_status, [_vp, POINTER(v2f_attrop_losses)]),
    "v2f_attrop_run": (_status, [_vp, c_int32, POINTER(v2f_attrop_losses)]),
    "v2f_attrop_vectors": (_status, [_vp, _vp]),
    "v2f_attrop_gradient": (_status, [_vp, _vp]),
    "v2f_attrop_images": (_status, [_vp, _vp]),
    "v2f_attrop_free": (None, [_vp]),
    # identities
    "v2f_perturb_opts_init": (None, [POINTER(v2f_perturb_opts), c_size_t]),
    "v2f_perturb": (_status, [_vp, c_size_t, POINTER(v2f_perturb_opts), _vp]),
    "v2f_sampler_fit_opts_init": (None, [POINTER(v2f_sampler_fit_opts), c_size_t]),
    "v2f_sampler_fit": (_status, [_vp, c_size_t, c_size_t, POINTER(v2f_sampler_fit_opts),
                                  _handle_out]),
    "v2f_sampler_new_isotropic": (_status, [c_size_t, c_float, c_float, _handle_out]),
    "v2f_sampler_save": (_status, [_vp, c_char_p]),
    "v2f_sampler_load": (_status, [c_char_p, _handle_out]),
    "v2f_sampler_free": (None, [_vp]),
    "v2f_sampler_dim": (c_size_t, [_vp]),
    "v2f_sampler_mean": (_vp, [_vp]),
    "v2f_sampler_cov": (_vp, [_vp]),
    "v2f_sampler_candidates": (_status, [_vp, c_uint64, c_uint64, c_size_t, _vp]),
    "v2f_sample_opts_init": (None, [POINTER(v2f_sample_opts), c_size_t]),
    "v2f_sample_identities": (_status, [_vp, c_size_t, POINTER(v2f_sample_opts), _vp,
                                        POINTER(v2f_sample_stats)]),
    "v2f_centres_opts_init": (None, [POINTER(v2f_centres_opts), c_size_t]),
    "v2f_identity_centres_from_features": (_status, [_vp, c_size_t, c_size_t, _vp, c_size_t,
                                                     POINTER(v2f_centres_opts), _handle_out]),
    "v2f_identity_centres_from_folder": (_status, [_vp, c_char_p, POINTER(v2f_centres_opts),
                                                   _handle_out]),
    "v2f_separability_opts_init": (None, [POINTER(v2f_separability_opts), c_size_t]),
    "v2f_separability": (_status, [_vp, c_size_t, c_size_t, c_float,
                                   POINTER(v2f_separability_opts),
                                   POINTER(v2f_separability_report)]),
    # datasets
    "v2f_dataset_recipe_init": (None, [POINTER(v2f_dataset_recipe), c_size_t]),
    "v2f_dataset_job_new": (_status, [_vp, POINTER(v2f_dataset_recipe), c_uint32, c_uint32,
                                      _handle_out]),
    "v2f_dataset_job_run": (_status, [_vp, PROGRESS_FN, _vp]),
    "v2f_dataset_job_stats": (_status, [_vp, POINTER(v2f_dataset_stats)]),
    "v2f_dataset_job_free": (None, [_vp]),
    "v2f_dataset_verify": (_status, [c_char_p, POINTER(v2f_dataset_report)]),
    "v2f_dataset_merge_opts_init": (None, [POINTER(v2f_dataset_merge_opts), c_size_t]),
    "v2f_dataset_merge": (_status, [c_char_p, POINTER(c_char_p), c_size_t,
                                    POINTER(v2f_dataset_merge_opts),
                                    POINTER(v2f_dataset_merge_stats),
                                    POINTER(v2f_dataset_report)]),
    # dataset reports
    "v2f_dataset_report_opts_init": (None, [POINTER(v2f_dataset_report_opts), c_size_t]),
    "v2f_dataset_report_write": (_status, [_vp, c_char_p, POINTER(v2f_dataset_report_opts),
                                           POINTER(v2f_dataset_summary)]),
    # image files
    "v2f_image_read_opts_init": (None, [POINTER(v2f_image_read_opts), c_size_t]),
    "v2f_image_read": (_status, [c_char_p, POINTER(v2f_image_read_opts), _vp]),
    "v2f_image_write_opts_init": (None, [POINTER(v2f_image_write_opts), c_size_t]),
    "v2f_image_write": (_status, [c_char_p, _vp, c_int32, c_int32,
                                  POINTER(v2f_image_write_opts)]),
    # arrays
    "v2f_npy_read": (_status, [c_char_p, _handle_out]),
    "v2f_npz_read": (_status, [c_char_p, c_char_p, _handle_out]),
    "v2f_npy_write": (_status, [c_char_p, _vp, c_size_t, c_size_t]),
    "v2f_array_rows": (c_size_t, [_vp]),
    "v2f_array_cols": (c_size_t, [_vp]),
    "v2f_array_data": (_vp, [_vp]),
    "v2f_array_free": (None, [_vp]),
}

# opts struct -> its init function
OPTS_INIT: Dict[Type[Structure], str] = {
    v2f_runtime_opts: "v2f_runtime_opts_init",
    v2f_gen_opts: "v2f_gen_opts_init",
    v2f_attrop_opts: "v2f_attrop_opts_init",
    v2f_perturb_opts: "v2f_perturb_opts_init",
    v2f_sampler_fit_opts: "v2f_sampler_fit_opts_init",
    v2f_sample_opts: "v2f_sample_opts_init",
    v2f_centres_opts: "v2f_centres_opts_init",
    v2f_separability_opts: "v2f_separability_opts_init",
    v2f_dataset_recipe: "v2f_dataset_recipe_init",
    v2f_dataset_report_opts: "v2f_dataset_report_opts_init",
    v2f_image_read_opts: "v2f_image_read_opts_init",
    v2f_image_write_opts: "v2f_image_write_opts_init",
}


def bind(cdll: Any) -> List[str]:
    """Set argtypes/restype of every API function on `cdll`. Returns the names
    of functions the library lacks (an older or foreign library)."""
    missing: List[str] = []
    for name, (restype, argtypes) in FUNCTIONS.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    return missing


def new_opts(cdll: Any, cls: Type[_S]) -> _S:
    """A `cls` options struct filled with the library's defaults by its
    v2f_*_opts_init (which also sets struct_size)."""
    o = cls()
    getattr(cdll, OPTS_INIT[cls])(ctypes.byref(o), ctypes.sizeof(cls))
    return o


def new_out_struct(cls: Type[_S]) -> _S:
    """A struct the library fills (info, losses, stats, report): zeroed, with
    struct_size set by the caller as the header asks."""
    o = cls()
    setattr(o, "struct_size", ctypes.sizeof(cls))
    return o
