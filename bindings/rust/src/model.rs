//! Models: loading, generation, masks and the estimators.

use crate::error::{Error, Result, check};
use crate::files::Array;
use crate::identity::centres_opts_default;
use crate::{
    IMAGE_BYTES, NUM_TOKENS, Part, Progress, RAW_IMAGE_FLOATS, VECTOR_DIM, c_chars_to_string,
    check_len, ensure_abi, opt_ptr, out_buf, path_cstring, rows_of, str_cstring, sys,
    with_progress,
};
use core::ptr::{self, NonNull};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Numeric precision of a model's generators.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Precision {
    /// `V2F_PRECISION_FP32`
    #[default]
    Fp32,
    /// `V2F_PRECISION_BF16` (since 0.2): the generators run in bfloat16
    /// (inputs and outputs stay f32); needs a CPU with AVX512-BF16 or
    /// AMX-BF16, or a CUDA device, else [`crate::Status::Unsupported`].
    Bf16,
    /// `V2F_PRECISION_FP16` (since 0.3): the generators run in float16 on
    /// a CUDA device; elsewhere [`crate::Status::Unsupported`].
    Fp16,
}

impl Precision {
    fn code(self) -> i32 {
        match self {
            Precision::Fp32 => sys::V2F_PRECISION_FP32,
            Precision::Bf16 => sys::V2F_PRECISION_BF16,
            Precision::Fp16 => sys::V2F_PRECISION_FP16,
        }
    }
}

/// Runtime options of [`Model::load_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuntimeOptions {
    /// `"cpu"` (default when `None`) or `"cuda:N"` when the linked libtorch
    /// has CUDA.
    pub device: Option<String>,
    /// Intra-op threads; 0 = the CPUs this process may run on. libtorch's
    /// pool is process-wide: the last load sets it.
    pub threads: i32,
    /// Precision of the generators (default fp32).
    pub precision: Precision,
    /// Largest accepted part file in bytes (and the most its zip entries
    /// may unpack to); 0 (default): 16 GiB. A bigger file is
    /// [`crate::Status::Model`].
    pub max_model_bytes: u64,
    /// Memory cap of one call on this model in bytes: a call estimated to
    /// need more fails with [`crate::Status::NoMemory`] before allocating.
    /// 0 (default): half the physical memory; `u64::MAX`: no cap.
    pub memory_limit: u64,
    /// True: load without the autograd copies of the networks (less
    /// memory, the same images); AttrOP then fails with
    /// [`crate::Status::Unsupported`]. Default false (AttrOP available).
    pub disable_attrop: bool,
}

/// What a model holds (`v2f_model_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelInfo {
    /// Bit `1 << part` set when the part is present (see [`ModelInfo::has`]).
    pub parts: u32,
    /// 512.
    pub vector_dim: i32,
    /// 112.
    pub image_size: i32,
    /// 768.
    pub cond_dim: i32,
    /// Intra-op threads in use.
    pub threads: i32,
    /// `v2f_precision` value.
    pub precision: i32,
    /// `"cpu"`, `"cuda:0"`, ...
    pub device: String,
    /// Images per forward pass when a batch size option is 0.
    pub default_batch_size: i32,
    /// False when loaded with [`RuntimeOptions::disable_attrop`].
    pub attrop: bool,
}

impl ModelInfo {
    /// Whether the model has `part`.
    pub fn has(&self, part: Part) -> bool {
        self.parts & (1u32 << part.code()) != 0
    }
}

/// Metadata of one part file (`v2f_part_info`).
#[derive(Clone, Debug, PartialEq)]
pub struct PartInfo {
    /// False when the file was absent (all else is then empty/zero).
    pub present: bool,
    /// Format version of the exported file.
    pub format_version: i32,
    /// `"generator"`, `"pose_generator"`, ...
    pub kind: String,
    /// SHA-256 of the official checkpoint, or `"random:..."`.
    pub source_sha256: String,
    /// Exporter version.
    pub exporter: String,
    /// Generator parts only (zero otherwise): mask ratio distribution.
    pub mask_ratio_min: f32,
    /// See `mask_ratio_min`.
    pub mask_ratio_max: f32,
    /// See `mask_ratio_min`.
    pub mask_ratio_mu: f32,
    /// See `mask_ratio_min`.
    pub mask_ratio_std: f32,
    /// Dropped tokens per image: `ceil(49 * mask_ratio_min)`.
    pub num_dropped: i32,
    /// 0 when no LoRA was merged.
    pub lora_rank: i32,
    /// LoRA alpha.
    pub lora_alpha: f32,
}

/// Explicit masks for exact replay, borrowed: `[n][49]` bytes of 0/1 each;
/// `dropped` must be a subset of `masked`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MasksRef<'a> {
    /// Dropped tokens, `[n][NUM_TOKENS]`.
    pub dropped: &'a [u8],
    /// Masked tokens, `[n][NUM_TOKENS]`.
    pub masked: &'a [u8],
}

/// Masks from [`Model::sample_masks`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Masks {
    /// Dropped tokens, `[n][NUM_TOKENS]`.
    pub dropped: Vec<u8>,
    /// Masked tokens, `[n][NUM_TOKENS]`.
    pub masked: Vec<u8>,
}

impl Masks {
    /// Borrows these masks for [`GenOptions::masks`].
    pub fn as_ref(&self) -> MasksRef<'_> {
        MasksRef {
            dropped: &self.dropped,
            masked: &self.masked,
        }
    }
}

/// Options of generation (`v2f_gen_opts`). `Default` takes the library's
/// defaults (`v2f_gen_opts_init`).
#[derive(Clone, Copy, Debug)]
pub struct GenOptions<'a> {
    /// Seed of the counter-based randomness.
    pub seed: u64,
    /// Identity index of each vector `[n]`; `None`: `identity_base + i`.
    pub identity_index: Option<&'a [u64]>,
    /// See `identity_index`.
    pub identity_base: u64,
    /// Image index of each vector `[n]`; `None`: all use `image_base`.
    pub image_index: Option<&'a [u64]>,
    /// See `image_index`.
    pub image_base: u64,
    /// Mask ratio distribution, a normal(mu, std) truncated to [min, max];
    /// negative values (the default) take the model's own. `mask_ratio_min`
    /// must equal the model's.
    pub mask_ratio_min: f32,
    /// See `mask_ratio_min`.
    pub mask_ratio_max: f32,
    /// See `mask_ratio_min`.
    pub mask_ratio_mu: f32,
    /// See `mask_ratio_min`.
    pub mask_ratio_std: f32,
    /// Explicit masks for exact replay; `None`: sampled.
    pub masks: Option<MasksRef<'a>>,
    /// Images per forward pass; 0 = the model's
    /// [`ModelInfo::default_batch_size`] (16 before 0.3).
    pub batch_size: i32,
    /// Progress (images done, total); may cancel.
    pub progress: Option<Progress<'a>>,
}

impl Default for GenOptions<'_> {
    fn default() -> Self {
        let mut o = core::mem::MaybeUninit::<sys::v2f_gen_opts>::zeroed();
        // SAFETY: fills the whole struct (size passed is its size).
        let o = unsafe {
            sys::v2f_gen_opts_init(o.as_mut_ptr(), size_of::<sys::v2f_gen_opts>());
            o.assume_init()
        };
        GenOptions {
            seed: o.seed,
            identity_index: None,
            identity_base: o.identity_base,
            image_index: None,
            image_base: o.image_base,
            mask_ratio_min: o.mask_ratio_min,
            mask_ratio_max: o.mask_ratio_max,
            mask_ratio_mu: o.mask_ratio_mu,
            mask_ratio_std: o.mask_ratio_std,
            masks: None,
            batch_size: o.batch_size,
            progress: None,
        }
    }
}

impl GenOptions<'_> {
    /// The C struct for `n` images; checks every slice's length (the C
    /// library reads `n` elements from each pointer).
    fn c_opts(&self, n: usize) -> Result<sys::v2f_gen_opts> {
        check_len(self.identity_index, n, "GenOptions::identity_index")?;
        check_len(self.image_index, n, "GenOptions::image_index")?;
        let masks = n.saturating_mul(NUM_TOKENS);
        if let Some(m) = self.masks {
            check_len(
                Some(m.dropped),
                masks,
                "GenOptions::masks.dropped ([n][49])",
            )?;
            check_len(Some(m.masked), masks, "GenOptions::masks.masked ([n][49])")?;
        }
        Ok(sys::v2f_gen_opts {
            struct_size: size_of::<sys::v2f_gen_opts>() as u32,
            seed: self.seed,
            identity_index: opt_ptr(self.identity_index),
            identity_base: self.identity_base,
            image_index: opt_ptr(self.image_index),
            image_base: self.image_base,
            mask_ratio_min: self.mask_ratio_min,
            mask_ratio_max: self.mask_ratio_max,
            mask_ratio_mu: self.mask_ratio_mu,
            mask_ratio_std: self.mask_ratio_std,
            dropped: self.masks.map_or(ptr::null(), |m| m.dropped.as_ptr()),
            masked: self.masks.map_or(ptr::null(), |m| m.masked.as_ptr()),
            batch_size: self.batch_size,
            raw_out: ptr::null_mut(),
            progress: None,
            progress_user: ptr::null_mut(),
        })
    }
}

/// Options of [`Model::identity_centres_from_folder`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FolderCentresOptions<'a> {
    /// Average unit-norm features instead of the plain features (the
    /// official code uses plain means).
    pub normalize: bool,
    /// Resize images that are not 112x112 (bilinear) instead of failing.
    pub resize: bool,
    /// Progress (identities done, total); may cancel.
    pub progress: Option<Progress<'a>>,
}

/// A loaded model directory (`v2f_model`): immutable after load, so it is
/// `Send + Sync` and may be used from several threads at once.
pub struct Model {
    ptr: NonNull<sys::v2f_model>,
}

// SAFETY: the header: "A v2f_model is immutable after load and may be used
// from several threads at once."
unsafe impl Send for Model {}
// SAFETY: as above.
unsafe impl Sync for Model {}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: owned pointer from v2f_model_load; no borrow outlives self
        // (AttrOp borrows the model).
        unsafe { sys::v2f_model_free(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("ptr", &self.ptr).finish()
    }
}

impl Model {
    /// Opens a model directory with default runtime options (CPU).
    /// A missing directory is [`crate::Status::Io`]; a missing part only
    /// disables the calls that need it.
    pub fn load(dir: impl AsRef<Path>) -> Result<Model> {
        Model::load_with(dir, &RuntimeOptions::default())
    }

    /// Opens a model directory with runtime options.
    pub fn load_with(dir: impl AsRef<Path>, opts: &RuntimeOptions) -> Result<Model> {
        ensure_abi()?;
        let dir = path_cstring(dir.as_ref())?;
        let device = opts
            .device
            .as_deref()
            .map(|d| str_cstring(d, "device"))
            .transpose()?;
        let mut o = core::mem::MaybeUninit::<sys::v2f_runtime_opts>::zeroed();
        // SAFETY: init fills the struct.
        let mut o = unsafe {
            sys::v2f_runtime_opts_init(o.as_mut_ptr(), size_of::<sys::v2f_runtime_opts>());
            o.assume_init()
        };
        o.device = device.as_ref().map_or(ptr::null(), |d| d.as_ptr());
        o.threads = opts.threads;
        o.precision = opts.precision.code();
        o.max_model_bytes = opts.max_model_bytes;
        o.memory_limit = opts.memory_limit;
        o.attrop = if opts.disable_attrop {
            sys::V2F_ATTROP_DISABLED
        } else {
            sys::V2F_ATTROP_ENABLED
        };
        let mut out = ptr::null_mut();
        // SAFETY: valid C strings and struct alive for the call.
        check(unsafe { sys::v2f_model_load(dir.as_ptr(), &o, &mut out) })?;
        NonNull::new(out)
            .map(|ptr| Model { ptr })
            .ok_or_else(|| Error::new(crate::Status::Internal, "v2f_model_load returned NULL"))
    }

    /// The raw handle (still owned by this `Model`).
    pub fn as_ptr(&self) -> *const sys::v2f_model {
        self.ptr.as_ptr()
    }

    /// What the model holds.
    pub fn info(&self) -> Result<ModelInfo> {
        // SAFETY: plain-old-data struct; zero is a valid value.
        let mut i: sys::v2f_model_info = unsafe { core::mem::zeroed() };
        i.struct_size = size_of::<sys::v2f_model_info>() as u32;
        // SAFETY: valid handle and struct.
        check(unsafe { sys::v2f_model_info_get(self.as_ptr(), &mut i) })?;
        Ok(ModelInfo {
            parts: i.parts,
            vector_dim: i.vector_dim,
            image_size: i.image_size,
            cond_dim: i.cond_dim,
            threads: i.threads,
            precision: i.precision,
            device: c_chars_to_string(&i.device),
            default_batch_size: i.default_batch_size,
            attrop: i.attrop == sys::V2F_ATTROP_ENABLED,
        })
    }

    /// Whether the model has `part` (false if the info cannot be read).
    pub fn has_part(&self, part: Part) -> bool {
        self.info().is_ok_and(|i| i.has(part))
    }

    /// Metadata of one part.
    pub fn part_info(&self, part: Part) -> Result<PartInfo> {
        // SAFETY: plain-old-data struct; zero is a valid value.
        let mut i: sys::v2f_part_info = unsafe { core::mem::zeroed() };
        i.struct_size = size_of::<sys::v2f_part_info>() as u32;
        // SAFETY: valid handle and struct.
        check(unsafe { sys::v2f_model_part_info(self.as_ptr(), part.code(), &mut i) })?;
        Ok(PartInfo {
            present: i.present != 0,
            format_version: i.format_version,
            kind: c_chars_to_string(&i.kind),
            source_sha256: c_chars_to_string(&i.source_sha256),
            exporter: c_chars_to_string(&i.exporter),
            mask_ratio_min: i.mask_ratio_min,
            mask_ratio_max: i.mask_ratio_max,
            mask_ratio_mu: i.mask_ratio_mu,
            mask_ratio_std: i.mask_ratio_std,
            num_dropped: i.num_dropped,
            lora_rank: i.lora_rank,
            lora_alpha: i.lora_alpha,
        })
    }

    /// The masks the generator (`part` = [`Part::Generator`] or
    /// [`Part::PoseGenerator`]) would use for `n` images with these options.
    pub fn sample_masks(&self, part: Part, n: usize, opts: &GenOptions<'_>) -> Result<Masks> {
        let o = opts.c_opts(n)?;
        let mut dropped = out_buf(n, NUM_TOKENS)?;
        let mut masked = out_buf(n, NUM_TOKENS)?;
        // SAFETY: buffers of n*49 bytes; option slices checked for n.
        check(unsafe {
            sys::v2f_sample_masks(
                self.as_ptr(),
                part.code(),
                n,
                &o,
                dropped.as_mut_ptr(),
                masked.as_mut_ptr(),
            )
        })?;
        Ok(Masks { dropped, masked })
    }

    /// Generation into `rgb` (n images) and, when given, `raw` (n raw
    /// images); the caller has checked both lengths against `vectors`.
    fn generate_impl(
        &self,
        vectors: &[f32],
        landmarks: Option<&[u8]>,
        opts: &GenOptions<'_>,
        rgb: &mut [u8],
        raw: Option<&mut [f32]>,
    ) -> Result<()> {
        let n = rows_of(vectors.len(), VECTOR_DIM, "vectors ([n][512])")?;
        if let Some(l) = landmarks {
            let m = rows_of(l.len(), IMAGE_BYTES, "landmarks ([n][112][112][3])")?;
            if m != n {
                return Err(Error::invalid(format!(
                    "{n} vectors but {m} landmark images; need one each"
                )));
            }
        }
        debug_assert_eq!(rgb.len(), n * IMAGE_BYTES);
        let mut o = opts.c_opts(n)?;
        if let Some(raw) = raw {
            debug_assert_eq!(raw.len(), n * RAW_IMAGE_FLOATS);
            o.raw_out = raw.as_mut_ptr();
        }
        with_progress(opts.progress, |f, user| {
            o.progress = f;
            o.progress_user = user;
            // SAFETY: vectors n*512, landmarks n images, rgb n images, raw
            // n raw images (or NULL); option slices checked for n.
            check(unsafe {
                match landmarks {
                    None => {
                        sys::v2f_generate(self.as_ptr(), vectors.as_ptr(), n, &o, rgb.as_mut_ptr())
                    }
                    Some(l) => sys::v2f_generate_pose(
                        self.as_ptr(),
                        vectors.as_ptr(),
                        l.as_ptr(),
                        n,
                        &o,
                        rgb.as_mut_ptr(),
                    ),
                }
            })
        })
    }

    /// Allocating generation: n images, and n raw images when `want_raw`.
    fn generate_vec(
        &self,
        vectors: &[f32],
        landmarks: Option<&[u8]>,
        opts: &GenOptions<'_>,
        want_raw: bool,
    ) -> Result<(Vec<u8>, Vec<f32>)> {
        let n = rows_of(vectors.len(), VECTOR_DIM, "vectors ([n][512])")?;
        let mut rgb = out_buf(n, IMAGE_BYTES)?;
        let mut raw: Vec<f32> = if want_raw {
            out_buf(n, RAW_IMAGE_FLOATS)?
        } else {
            Vec::new()
        };
        let raw_out = if want_raw { Some(&mut raw[..]) } else { None };
        self.generate_impl(vectors, landmarks, opts, &mut rgb, raw_out)?;
        Ok((rgb, raw))
    }

    /// As [`Model::generate`], writing the `n` images into `rgb`, which must
    /// hold exactly `n *` [`IMAGE_BYTES`] bytes for `n` vectors (a buffer
    /// reused across calls, a memory-mapped file, ...). A wrong length fails
    /// with [`crate::Status::InvalidArg`] before anything is written.
    pub fn generate_into(
        &self,
        vectors: &[f32],
        rgb: &mut [u8],
        opts: &GenOptions<'_>,
    ) -> Result<()> {
        let n = rows_of(vectors.len(), VECTOR_DIM, "vectors ([n][512])")?;
        let want = n.checked_mul(IMAGE_BYTES).ok_or_else(|| {
            Error::new(crate::Status::Overflow, format!("{n} images is too large"))
        })?;
        if rgb.len() != want {
            return Err(Error::invalid(format!(
                "generate_into: rgb has {} bytes; {n} vectors need {want} ({n} x {IMAGE_BYTES})",
                rgb.len()
            )));
        }
        self.generate_impl(vectors, None, opts, rgb, None)
    }

    /// Generates one image per vector (`vectors` is `[n][512]`) with the
    /// plain generator; returns `n` RGB images.
    pub fn generate(&self, vectors: &[f32], opts: &GenOptions<'_>) -> Result<Vec<u8>> {
        Ok(self.generate_vec(vectors, None, opts, false)?.0)
    }

    /// As [`Model::generate`], also returning the raw float images
    /// `[n][3][112][112]` (CHW, about [-1, 1]).
    pub fn generate_with_raw(
        &self,
        vectors: &[f32],
        opts: &GenOptions<'_>,
    ) -> Result<(Vec<u8>, Vec<f32>)> {
        self.generate_vec(vectors, None, opts, true)
    }

    /// Generates images whose pose follows `landmarks` (one landmark image
    /// per vector, see [`crate::render_landmarks`]); needs
    /// `pose_generator.pt` and `pose_cond.pt`.
    pub fn generate_pose(
        &self,
        vectors: &[f32],
        landmarks: &[u8],
        opts: &GenOptions<'_>,
    ) -> Result<Vec<u8>> {
        Ok(self.generate_vec(vectors, Some(landmarks), opts, false)?.0)
    }

    /// As [`Model::generate_pose`], also returning the raw float images.
    pub fn generate_pose_with_raw(
        &self,
        vectors: &[f32],
        landmarks: &[u8],
        opts: &GenOptions<'_>,
    ) -> Result<(Vec<u8>, Vec<f32>)> {
        self.generate_vec(vectors, Some(landmarks), opts, true)
    }

    /// Identity features `[n][512]` (not normalised) of `n` aligned face
    /// crops with ArcFace or MagFace (`which`).
    pub fn extract_features(&self, which: Part, rgb: &[u8]) -> Result<Vec<f32>> {
        let n = rows_of(rgb.len(), IMAGE_BYTES, "images ([n][112][112][3])")?;
        let mut out = out_buf(n, VECTOR_DIM)?;
        // SAFETY: n images in, n*512 floats out.
        check(unsafe {
            sys::v2f_extract_features(
                self.as_ptr(),
                which.code(),
                rgb.as_ptr(),
                n,
                out.as_mut_ptr(),
            )
        })?;
        Ok(out)
    }

    /// Quality of `n` face crops: the L2 norm of the MagFace feature.
    pub fn estimate_quality(&self, rgb: &[u8]) -> Result<Vec<f32>> {
        let n = rows_of(rgb.len(), IMAGE_BYTES, "images ([n][112][112][3])")?;
        let mut out = out_buf(n, 1)?;
        // SAFETY: n images in, n floats out.
        check(unsafe {
            sys::v2f_estimate_quality(self.as_ptr(), rgb.as_ptr(), n, out.as_mut_ptr())
        })?;
        Ok(out)
    }

    /// Head pose of `n` face crops: `[pitch, yaw, roll]` in degrees each.
    pub fn estimate_pose(&self, rgb: &[u8]) -> Result<Vec<[f32; 3]>> {
        let n = rows_of(rgb.len(), IMAGE_BYTES, "images ([n][112][112][3])")?;
        let mut out: Vec<[f32; 3]> = out_buf(n, 1)?;
        // SAFETY: n images in; [f32; 3] is 3 contiguous floats, n of them.
        check(unsafe {
            sys::v2f_estimate_pose(
                self.as_ptr(),
                rgb.as_ptr(),
                n,
                out.as_mut_ptr().cast::<f32>(),
            )
        })?;
        Ok(out)
    }

    /// Identity centres from a folder tree of aligned face crops
    /// (`ROOT/<id>/*.png|*.jpg|*.jpeg`): the mean ArcFace feature of each
    /// identity. Row `i` is the `i`-th subfolder in byte order of its name.
    /// Returns the centres `[identities][512]` and the image count of each
    /// identity. Needs `arcface.pt`.
    pub fn identity_centres_from_folder(
        &self,
        root: impl AsRef<Path>,
        opts: &FolderCentresOptions<'_>,
    ) -> Result<(Array, Vec<u64>)> {
        let root = root.as_ref();
        let c_root = path_cstring(root)?;
        // counts_out needs one entry per identity subfolder before the call:
        // size it by the entries of ROOT (a superset), and stop the call at
        // the first progress report if the folder grew in between (the
        // library reports progress after each identity, so at most entry 0
        // is written before that check).
        let cap = std::fs::read_dir(root)
            .map(|d| d.count())
            .unwrap_or(0)
            .max(1);
        let mut counts: Vec<u64> = out_buf(cap, 1)?;
        let grew = AtomicBool::new(false);
        let user = opts.progress;
        let guard = |done: u64, total: u64| {
            if total > cap as u64 {
                grew.store(true, Ordering::Relaxed);
                return ControlFlow::Break(());
            }
            match user {
                Some(Progress(f)) => f(done, total),
                None => ControlFlow::Continue(()),
            }
        };
        let mut o = centres_opts_default();
        o.normalize = opts.normalize as i32;
        o.resize = opts.resize as i32;
        o.counts_out = counts.as_mut_ptr();
        let mut out = ptr::null_mut();
        let r = with_progress(Some(Progress(&guard)), |f, u| {
            o.progress = f;
            o.progress_user = u;
            // SAFETY: valid handle, C string and counts buffer (see above).
            check(unsafe {
                sys::v2f_identity_centres_from_folder(self.as_ptr(), c_root.as_ptr(), &o, &mut out)
            })
        });
        if grew.load(Ordering::Relaxed) {
            return Err(Error::new(
                crate::Status::Io,
                format!("{}: the folder changed during the call", root.display()),
            ));
        }
        r?;
        // SAFETY: a fresh array owned by us.
        let array = unsafe { Array::take(out) }?;
        counts.truncate(array.rows);
        Ok((array, counts))
    }

    /// Starts AttrOP on `vectors` (`[n][512]`), see [`crate::AttrOp::new`].
    pub fn attrop<'m>(
        &'m self,
        vectors: &[f32],
        class_vectors: Option<&[f32]>,
        opts: &crate::AttrOpOptions<'_>,
    ) -> Result<crate::AttrOp<'m>> {
        crate::AttrOp::new(self, vectors, class_vectors, opts)
    }
}
