//! Raw declarations of the C API in `include/vec2face/vec2face.h`, written by
//! hand. Every `#[repr(C)]` struct, enum value and constant here is checked
//! against the C compiler's view by `tests/layout.rs` (through the
//! `v2f_print_layout` program generated from the header).
//!
//! Everything here is `unsafe` to call; the crate root has the safe layer.
#![allow(non_camel_case_types, missing_docs)]

use core::ffi::{c_char, c_int, c_void};

// ---------------------------------------------------------------- versions

pub const V2F_VERSION_MAJOR: i64 = 0;
pub const V2F_VERSION_MINOR: i64 = 3;
pub const V2F_VERSION_PATCH: i64 = 0;
/// The ABI version this crate was written for.
pub const V2F_ABI_VERSION: i32 = 0;

// ------------------------------------------------------------------ sizes

pub const V2F_VECTOR_DIM: usize = 512;
pub const V2F_IMAGE_SIZE: usize = 112;
pub const V2F_IMAGE_BYTES: usize = 112 * 112 * 3;
pub const V2F_NUM_TOKENS: usize = 49;
pub const V2F_COND_DIM: usize = 768;
pub const V2F_SEPARABILITY_BINS: usize = 200;
/// PNG zlib level of `png_level = -1` (since 0.3).
pub const V2F_PNG_LEVEL_DEFAULT: i32 = 6;

// ------------------------------------------------------------------ enums
// C enums are passed as `int`; values are plain constants so that an
// unexpected value from the library can never be an invalid Rust enum.

pub type v2f_status = c_int;
pub const V2F_OK: v2f_status = 0;
pub const V2F_E_INVALID_ARG: v2f_status = 1;
pub const V2F_E_IO: v2f_status = 2;
pub const V2F_E_FORMAT: v2f_status = 3;
pub const V2F_E_UNSUPPORTED: v2f_status = 4;
pub const V2F_E_MODEL: v2f_status = 5;
pub const V2F_E_BACKEND: v2f_status = 6;
pub const V2F_E_NO_MEMORY: v2f_status = 7;
pub const V2F_E_CANCELLED: v2f_status = 8;
pub const V2F_E_OVERFLOW: v2f_status = 9;
pub const V2F_E_INTERNAL: v2f_status = 10;
pub const V2F_E_BUSY: v2f_status = 11;

pub type v2f_log_level = c_int;
pub const V2F_LOG_ERROR: v2f_log_level = 0;
pub const V2F_LOG_WARN: v2f_log_level = 1;
pub const V2F_LOG_INFO: v2f_log_level = 2;
pub const V2F_LOG_DEBUG: v2f_log_level = 3;

pub type v2f_part = c_int;
pub const V2F_PART_GENERATOR: v2f_part = 0;
pub const V2F_PART_POSE_GENERATOR: v2f_part = 1;
pub const V2F_PART_POSE_COND: v2f_part = 2;
pub const V2F_PART_ARCFACE: v2f_part = 3;
pub const V2F_PART_MAGFACE: v2f_part = 4;
pub const V2F_PART_HEADPOSE: v2f_part = 5;
pub const V2F_PART_COUNT: v2f_part = 6;

pub type v2f_precision = c_int;
pub const V2F_PRECISION_FP32: v2f_precision = 0;
pub const V2F_PRECISION_BF16: v2f_precision = 1;
pub const V2F_PRECISION_FP16: v2f_precision = 2;

pub type v2f_attrop_mode = c_int;
pub const V2F_ATTROP_ENABLED: v2f_attrop_mode = 0;
pub const V2F_ATTROP_DISABLED: v2f_attrop_mode = 1;

pub type v2f_dataset_format = c_int;
pub const V2F_DATASET_PNG: v2f_dataset_format = 0;
pub const V2F_DATASET_JPEG: v2f_dataset_format = 1;

pub type v2f_dataset_measure = c_int;
pub const V2F_DATASET_MEASURE_SIMILARITY: v2f_dataset_measure = 1;
pub const V2F_DATASET_MEASURE_QUALITY: v2f_dataset_measure = 2;
pub const V2F_DATASET_MEASURE_YAW: v2f_dataset_measure = 4;

pub type v2f_dataset_filter = c_int;
pub const V2F_DATASET_FILTER_NONE: v2f_dataset_filter = 0;
pub const V2F_DATASET_FILTER_DROP: v2f_dataset_filter = 1;
pub const V2F_DATASET_FILTER_REGENERATE: v2f_dataset_filter = 2;

pub type v2f_dataset_pose_order = c_int;
pub const V2F_DATASET_POSE_CYCLE: v2f_dataset_pose_order = 0;
pub const V2F_DATASET_POSE_SAMPLE: v2f_dataset_pose_order = 1;

// Bits of v2f_dataset_summary.measured (unsigned #defines, which the layout
// printer does not list; tests/report.rs reads them from the header text).
pub const V2F_REPORT_CONSISTENCY: u32 = 1;
pub const V2F_REPORT_INPUT: u32 = 2;
pub const V2F_REPORT_QUALITY: u32 = 4;
pub const V2F_REPORT_YAW: u32 = 8;
pub const V2F_REPORT_SEPARABILITY: u32 = 16;

// -------------------------------------------------------------- callbacks

pub type v2f_log_fn =
    Option<unsafe extern "C" fn(level: i32, msg: *const c_char, user: *mut c_void)>;
pub type v2f_progress_fn =
    Option<unsafe extern "C" fn(user: *mut c_void, done: u64, total: u64) -> c_int>;

// ---------------------------------------------------------------- handles

#[repr(C)]
pub struct v2f_model {
    _private: [u8; 0],
}
#[repr(C)]
pub struct v2f_array {
    _private: [u8; 0],
}
#[repr(C)]
pub struct v2f_attrop {
    _private: [u8; 0],
}
#[repr(C)]
pub struct v2f_sampler {
    _private: [u8; 0],
}
#[repr(C)]
pub struct v2f_dataset_job {
    _private: [u8; 0],
}

// ---------------------------------------------------------------- structs

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_runtime_opts {
    pub struct_size: u32,
    pub device: *const c_char,
    pub threads: i32,
    pub precision: i32,
    // @since 0.2
    pub max_model_bytes: u64,
    pub memory_limit: u64,
    // @since 0.3
    pub attrop: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_model_info {
    pub struct_size: u32,
    pub parts: u32,
    pub vector_dim: i32,
    pub image_size: i32,
    pub cond_dim: i32,
    pub threads: i32,
    pub precision: i32,
    pub device: [c_char; 32],
    // @since 0.3
    pub default_batch_size: i32,
    pub attrop: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_part_info {
    pub struct_size: u32,
    pub present: i32,
    pub format_version: i32,
    pub kind: [c_char; 32],
    pub source_sha256: [c_char; 72],
    pub exporter: [c_char; 32],
    pub mask_ratio_min: f32,
    pub mask_ratio_max: f32,
    pub mask_ratio_mu: f32,
    pub mask_ratio_std: f32,
    pub num_dropped: i32,
    pub lora_rank: i32,
    pub lora_alpha: f32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_gen_opts {
    pub struct_size: u32,
    pub seed: u64,
    pub identity_index: *const u64,
    pub identity_base: u64,
    pub image_index: *const u64,
    pub image_base: u64,
    pub mask_ratio_min: f32,
    pub mask_ratio_max: f32,
    pub mask_ratio_mu: f32,
    pub mask_ratio_std: f32,
    pub dropped: *const u8,
    pub masked: *const u8,
    pub batch_size: i32,
    pub raw_out: *mut f32,
    pub progress: v2f_progress_fn,
    pub progress_user: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_attrop_opts {
    pub struct_size: u32,
    pub lr: f32,
    pub target_sim: f32,
    pub quality_target: f32,
    pub yaw_target: f32,
    pub identity_model: i32,
    pub quality_model: i32,
    pub max_retries: i32,
    pub seed: u64,
    pub identity_index: *const u64,
    pub identity_base: u64,
    pub image_base: u64,
    pub landmarks: *const u8,
    pub condition: *const f32,
    pub dropped: *const u8,
    pub masked: *const u8,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_attrop_losses {
    pub struct_size: u32,
    pub identity: f32,
    pub quality: f32,
    pub pose: f32,
    pub total: f32,
    pub counted: i32,
    pub steps: i32,
    pub retries: i32,
    pub identity_per_vector: *mut f32,
    pub quality_per_vector: *mut f32,
    pub pose_per_vector: *mut f32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_perturb_opts {
    pub struct_size: u32,
    pub seed: u64,
    pub dim: u32,
    pub images_per_vector: u32,
    pub identity_index: *const u64,
    pub identity_base: u64,
    pub image_index: *const u64,
    pub image_base: u64,
    pub eps: *const f32,
    pub eps_shares: *const f32,
    pub eps_count: i32,
    pub eps_out: *mut f32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_sampler_fit_opts {
    pub struct_size: u32,
    pub shrinkage: f32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_sample_opts {
    pub struct_size: u32,
    pub seed: u64,
    pub max_similarity: f32,
    pub threads: i32,
    pub exclude: *const f32,
    pub exclude_rows: u64,
    pub exclude_dim: u64,
    pub resume_kept: u64,
    pub resume_candidates: u64,
    pub max_candidates: u64,
    pub block_size: i32,
    pub progress: v2f_progress_fn,
    pub progress_user: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v2f_sample_stats {
    pub struct_size: u32,
    pub kept: u64,
    pub candidates: u64,
    pub rejected_similar: u64,
    pub rejected_excluded: u64,
    pub rejected_invalid: u64,
    pub comparisons: u64,
    pub flops: f64,
    pub seconds: f64,
    pub gflops: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_centres_opts {
    pub struct_size: u32,
    pub normalize: i32,
    pub counts_out: *mut u64,
    pub resize: i32,
    pub progress: v2f_progress_fn,
    pub progress_user: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_separability_opts {
    pub struct_size: u32,
    pub threads: i32,
    pub nn_out: *mut f32,
    pub progress: v2f_progress_fn,
    pub progress_user: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_separability_report {
    pub struct_size: u32,
    pub n: u64,
    pub separated: u64,
    pub threshold: f32,
    pub nn_min: f32,
    pub nn_mean: f32,
    pub nn_max: f32,
    pub histogram: [u64; V2F_SEPARABILITY_BINS],
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_dataset_recipe {
    pub struct_size: u32,
    pub identities: *const c_char,
    pub out_dir: *const c_char,
    pub seed: u64,
    pub perturb_images: i32,
    pub eps_count: i32,
    pub eps: *const f32,
    pub eps_shares: *const f32,
    pub pose_images: i32,
    pub pose_templates: i32,
    pub pose_points: *const f32,
    pub pose_eps: f32,
    pub format: i32,
    pub jpeg_quality: i32,
    pub batch_size: i32,
    // @since 0.2
    pub measure: u32,
    pub filter: i32,
    pub filter_threshold: f32,
    pub filter_max_attempts: i32,
    pub attrop_images: i32,
    pub attrop_quality: f32,
    pub attrop_yaw_count: i32,
    pub attrop_yaw: *const f32,
    pub attrop_iterations: i32,
    pub attrop_max_retries: i32,
    pub pose_order: i32,
    pub pose_landmark_count: i32,
    pub pose_landmarks: *const *const c_char,
    pub png_level: i32, // @since 0.3
    // @since 0.3; in what was png_level's tail padding, so it must be set
    // (a struct literal leaves padding undefined and the library reads it).
    pub wait_lock: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v2f_dataset_stats {
    pub struct_size: u32,
    pub identity_first: u64,
    pub identity_end: u64,
    pub identities_total: u64,
    pub identities_skipped: u64,
    pub identities_done: u64,
    pub images_total: u64,
    pub images_written: u64,
    pub images_skipped: u64,
    pub rows_added: u64,
    // @since 0.2
    pub images_measured: u64,
    pub filter_rejected: u64,
    pub filter_regenerated: u64,
    pub images_dropped: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_dataset_report {
    pub struct_size: u32,
    pub identities: u64,
    pub identities_complete: u64,
    pub images_expected: u64,
    pub images_ok: u64,
    pub images_missing: u64,
    pub images_corrupt: u64,
    pub manifest_parts: u64,
    pub manifest_rows: u64,
    pub problems: u64,
    pub first_problem: [c_char; 512],
    // @since 0.2
    pub images_dropped: u64,
}

// @since 0.4
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_dataset_merge_opts {
    pub struct_size: u32,
    pub link: i32,
    pub verify: i32,
    pub progress: v2f_progress_fn,
    pub progress_user: *mut c_void,
}

// @since 0.4
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v2f_dataset_merge_stats {
    pub struct_size: u32,
    pub sources: u64,
    pub files_copied: u64,
    pub parts_merged: u64,
    pub files_skipped: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_dataset_report_opts {
    pub struct_size: u32,
    pub out_prefix: *const c_char,
    pub identities: *const c_char,
    pub batch_size: i32,
    pub histogram_bins: i32,
    pub threshold: f32,
    pub sheet_identities: i32,
    pub sheet_images: i32,
    pub sheet_tile: i32,
    pub per_image: i32,
    pub progress: v2f_progress_fn,
    pub progress_user: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v2f_dataset_summary {
    pub struct_size: u32,
    pub measured: u32,
    pub identities: u64,
    pub identities_measured: u64,
    pub identities_complete: u64,
    pub images_expected: u64,
    pub images_read: u64,
    pub images_missing: u64,
    pub images_unreadable: u64,
    pub images_dropped: u64,
    pub cos_mean_centre_mean: f32,
    pub cos_mean_centre_min: f32,
    pub cos_input_mean: f32,
    pub cos_input_min: f32,
    pub separability_n: u64,
    pub separated: u64,
    pub threshold: f32,
    pub quality_mean: f32,
    pub quality_min: f32,
    pub quality_max: f32,
    pub yaw_mean: f32,
    pub yaw_min: f32,
    pub yaw_max: f32,
    pub abs_yaw_mean: f32,
    pub sheet_width: i32,
    pub sheet_height: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_image_read_opts {
    pub struct_size: u32,
    pub resize: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v2f_image_write_opts {
    pub struct_size: u32,
    pub jpeg_quality: i32,
    pub png_level: i32, // @since 0.3
}

// -------------------------------------------------------------- functions

// The library is linked by build.rs (pkg-config or VEC2FACE_LIB_DIR).
unsafe extern "C" {
    // Versions and errors
    pub fn v2f_version() -> *const c_char;
    pub fn v2f_abi_version() -> i32;
    pub fn v2f_status_str(status: v2f_status) -> *const c_char;
    pub fn v2f_last_error() -> *const c_char;
    pub fn v2f_set_log_callback(f: v2f_log_fn, max_level: i32, user: *mut c_void);
    pub fn v2f_image_bytes(n: usize) -> usize;

    // Models
    pub fn v2f_runtime_opts_init(o: *mut v2f_runtime_opts, size: usize);
    pub fn v2f_model_load(
        dir: *const c_char,
        opts: *const v2f_runtime_opts,
        out: *mut *mut v2f_model,
    ) -> v2f_status;
    pub fn v2f_model_free(model: *mut v2f_model);
    pub fn v2f_model_info_get(model: *const v2f_model, info: *mut v2f_model_info) -> v2f_status;
    pub fn v2f_model_part_info(
        model: *const v2f_model,
        part: i32,
        info: *mut v2f_part_info,
    ) -> v2f_status;

    // Generation
    pub fn v2f_gen_opts_init(o: *mut v2f_gen_opts, size: usize);
    pub fn v2f_sample_masks(
        model: *const v2f_model,
        part: i32,
        n: usize,
        opts: *const v2f_gen_opts,
        dropped_out: *mut u8,
        masked_out: *mut u8,
    ) -> v2f_status;
    pub fn v2f_generate(
        model: *const v2f_model,
        vectors: *const f32,
        n: usize,
        opts: *const v2f_gen_opts,
        rgb_out: *mut u8,
    ) -> v2f_status;
    pub fn v2f_generate_pose(
        model: *const v2f_model,
        vectors: *const f32,
        landmarks: *const u8,
        n: usize,
        opts: *const v2f_gen_opts,
        rgb_out: *mut u8,
    ) -> v2f_status;
    pub fn v2f_render_landmarks(points5: *const f32, n: usize, rgb_out: *mut u8) -> v2f_status;
    pub fn v2f_raw_to_rgb(raw: *const f32, n: usize, rgb_out: *mut u8) -> v2f_status;

    // Estimators
    pub fn v2f_extract_features(
        model: *const v2f_model,
        which: i32,
        rgb: *const u8,
        n: usize,
        features_out: *mut f32,
    ) -> v2f_status;
    pub fn v2f_estimate_quality(
        model: *const v2f_model,
        rgb: *const u8,
        n: usize,
        quality_out: *mut f32,
    ) -> v2f_status;
    pub fn v2f_estimate_pose(
        model: *const v2f_model,
        rgb: *const u8,
        n: usize,
        angles_out: *mut f32,
    ) -> v2f_status;

    // AttrOP
    pub fn v2f_attrop_opts_init(o: *mut v2f_attrop_opts, size: usize);
    pub fn v2f_attrop_new(
        model: *const v2f_model,
        vectors: *const f32,
        class_vectors: *const f32,
        n: usize,
        opts: *const v2f_attrop_opts,
        out: *mut *mut v2f_attrop,
    ) -> v2f_status;
    pub fn v2f_attrop_step(h: *mut v2f_attrop, losses: *mut v2f_attrop_losses) -> v2f_status;
    pub fn v2f_attrop_run(
        h: *mut v2f_attrop,
        iterations: i32,
        losses: *mut v2f_attrop_losses,
    ) -> v2f_status;
    pub fn v2f_attrop_vectors(h: *const v2f_attrop, out: *mut f32) -> v2f_status;
    pub fn v2f_attrop_gradient(h: *const v2f_attrop, out: *mut f32) -> v2f_status;
    pub fn v2f_attrop_images(h: *const v2f_attrop, rgb_out: *mut u8) -> v2f_status;
    pub fn v2f_attrop_free(h: *mut v2f_attrop);

    // Identities
    pub fn v2f_perturb_opts_init(o: *mut v2f_perturb_opts, size: usize);
    pub fn v2f_perturb(
        vectors: *const f32,
        n: usize,
        opts: *const v2f_perturb_opts,
        out: *mut f32,
    ) -> v2f_status;
    pub fn v2f_sampler_fit_opts_init(o: *mut v2f_sampler_fit_opts, size: usize);
    pub fn v2f_sampler_fit(
        centres: *const f32,
        n: usize,
        dim: usize,
        opts: *const v2f_sampler_fit_opts,
        out: *mut *mut v2f_sampler,
    ) -> v2f_status;
    pub fn v2f_sampler_new_isotropic(
        dim: usize,
        norm_mean: f32,
        norm_std: f32,
        out: *mut *mut v2f_sampler,
    ) -> v2f_status;
    pub fn v2f_sampler_save(s: *const v2f_sampler, path: *const c_char) -> v2f_status;
    pub fn v2f_sampler_load(path: *const c_char, out: *mut *mut v2f_sampler) -> v2f_status;
    pub fn v2f_sampler_free(s: *mut v2f_sampler);
    pub fn v2f_sampler_dim(s: *const v2f_sampler) -> usize;
    pub fn v2f_sampler_mean(s: *const v2f_sampler) -> *const f32;
    pub fn v2f_sampler_cov(s: *const v2f_sampler) -> *const f32;
    pub fn v2f_sampler_candidates(
        s: *const v2f_sampler,
        seed: u64,
        first: u64,
        n: usize,
        out: *mut f32,
    ) -> v2f_status;
    pub fn v2f_sample_opts_init(o: *mut v2f_sample_opts, size: usize);
    pub fn v2f_sample_identities(
        s: *const v2f_sampler,
        n: usize,
        opts: *const v2f_sample_opts,
        out: *mut f32,
        stats: *mut v2f_sample_stats,
    ) -> v2f_status;
    pub fn v2f_centres_opts_init(o: *mut v2f_centres_opts, size: usize);
    pub fn v2f_identity_centres_from_features(
        features: *const f32,
        n: usize,
        dim: usize,
        labels: *const i64,
        num_ids: usize,
        opts: *const v2f_centres_opts,
        out: *mut *mut v2f_array,
    ) -> v2f_status;
    pub fn v2f_identity_centres_from_folder(
        model: *const v2f_model,
        root: *const c_char,
        opts: *const v2f_centres_opts,
        out: *mut *mut v2f_array,
    ) -> v2f_status;
    pub fn v2f_separability_opts_init(o: *mut v2f_separability_opts, size: usize);
    pub fn v2f_separability(
        vectors: *const f32,
        n: usize,
        dim: usize,
        threshold: f32,
        opts: *const v2f_separability_opts,
        report: *mut v2f_separability_report,
    ) -> v2f_status;

    // Datasets
    pub fn v2f_dataset_recipe_init(r: *mut v2f_dataset_recipe, size: usize);
    pub fn v2f_dataset_job_new(
        model: *const v2f_model,
        recipe: *const v2f_dataset_recipe,
        shard_index: u32,
        shard_count: u32,
        out: *mut *mut v2f_dataset_job,
    ) -> v2f_status;
    pub fn v2f_dataset_job_run(
        job: *mut v2f_dataset_job,
        progress: v2f_progress_fn,
        user: *mut c_void,
    ) -> v2f_status;
    pub fn v2f_dataset_job_stats(
        job: *const v2f_dataset_job,
        stats: *mut v2f_dataset_stats,
    ) -> v2f_status;
    pub fn v2f_dataset_job_free(job: *mut v2f_dataset_job);
    pub fn v2f_dataset_verify(
        out_dir: *const c_char,
        report: *mut v2f_dataset_report,
    ) -> v2f_status;
    pub fn v2f_dataset_merge_opts_init(o: *mut v2f_dataset_merge_opts, size: usize);
    pub fn v2f_dataset_merge(
        out_dir: *const c_char,
        src_dirs: *const *const c_char,
        n_src: usize,
        opts: *const v2f_dataset_merge_opts,
        stats: *mut v2f_dataset_merge_stats,
        report: *mut v2f_dataset_report,
    ) -> v2f_status;

    // Dataset reports
    pub fn v2f_dataset_report_opts_init(o: *mut v2f_dataset_report_opts, size: usize);
    pub fn v2f_dataset_report_write(
        model: *const v2f_model,
        dir: *const c_char,
        opts: *const v2f_dataset_report_opts,
        summary: *mut v2f_dataset_summary,
    ) -> v2f_status;

    // Image files
    pub fn v2f_image_read_opts_init(o: *mut v2f_image_read_opts, size: usize);
    pub fn v2f_image_read(
        path: *const c_char,
        opts: *const v2f_image_read_opts,
        rgb_out: *mut u8,
    ) -> v2f_status;
    pub fn v2f_image_write_opts_init(o: *mut v2f_image_write_opts, size: usize);
    pub fn v2f_image_write(
        path: *const c_char,
        rgb: *const u8,
        width: i32,
        height: i32,
        opts: *const v2f_image_write_opts,
    ) -> v2f_status;

    // Arrays
    pub fn v2f_npy_read(path: *const c_char, out: *mut *mut v2f_array) -> v2f_status;
    pub fn v2f_npz_read(
        path: *const c_char,
        name: *const c_char,
        out: *mut *mut v2f_array,
    ) -> v2f_status;
    pub fn v2f_npy_write(
        path: *const c_char,
        data: *const f32,
        rows: usize,
        cols: usize,
    ) -> v2f_status;
    pub fn v2f_array_rows(a: *const v2f_array) -> usize;
    pub fn v2f_array_cols(a: *const v2f_array) -> usize;
    pub fn v2f_array_data(a: *const v2f_array) -> *const f32;
    pub fn v2f_array_free(a: *mut v2f_array);
}
