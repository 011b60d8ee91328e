//! Safe Rust binding of **libvec2face**, which turns face-recognition
//! feature vectors (512-d, ArcFace style) into 112x112 face images with the
//! Vec2Face+ networks.
//!
//! The C header `include/vec2face/vec2face.h` documents every call; this
//! crate wraps all of them:
//!
//! * [`Model`]: load a model directory, [`Model::generate`],
//!   [`Model::generate_pose`] (with [`render_landmarks`]),
//!   [`Model::sample_masks`], the estimators ([`Model::extract_features`],
//!   [`Model::estimate_quality`], [`Model::estimate_pose`]) and
//!   [`Model::attrop`] ([`AttrOp`]);
//! * identities: [`perturb`], [`Sampler`] (fit, isotropic, save/load,
//!   candidates, [`Sampler::sample`]), [`identity_centres`],
//!   [`separability`], [`Model::identity_centres_from_folder`];
//! * datasets: [`DatasetRecipe`] turned into a folder of images by a
//!   [`DatasetJob`] (resumable, shardable, with [`DatasetStats`]), checked
//!   by [`dataset_verify`] ([`DatasetReport`]) and measured by
//!   [`dataset_report`] (report.json / .html, contact sheet;
//!   [`DatasetSummary`]);
//! * files: [`image_read`], [`image_write`], [`npy_read`], [`npz_read`],
//!   [`npy_write`]; [`raw_to_rgb`]; [`version`], [`abi_version`],
//!   [`set_log_callback`].
//!
//! Conventions: slices in, `Vec` out. Vectors are `f32` `[n][dim]` row-major
//! (dim 512 for the model), images are `u8` RGB HWC, [`IMAGE_BYTES`] each,
//! contiguous. Every fallible call returns [`Result`]; an [`Error`] carries
//! the C status and the library's message. The first call that needs the
//! library checks that it has this crate's [`ABI_VERSION`].
//!
//! # Linking and running
//!
//! The build script asks `pkg-config` for `vec2face` and accepts library
//! versions >= 0.3.0, < 0.4.0 (this crate's minor; in 0.x a minor release
//! breaks); another version stops the build, saying which one it found and
//! where. For a library installed into a prefix (`cmake --install build
//! --prefix $HOME/.local`):
//!
//! ```text
//! PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig cargo build
//! ```
//!
//! When the library's directory is not one of the dynamic loader's default
//! directories (`/usr/lib`, `/lib64`, `/usr/lib/<triplet>`, ...), the build
//! script adds an rpath to it (`-Wl,-rpath,<libdir>`), so this crate's tests
//! and examples run without `LD_LIBRARY_PATH`. Cargo applies such linker
//! arguments only to the crate that emits them, so a program of your own
//! gets the rpath from a two-line `build.rs` reading the directories this
//! crate publishes as `DEP_VEC2FACE_RPATH` (what `examples/rust` does):
//!
//! ```no_run
//! // build.rs of a crate that depends on vec2face
//! fn main() {
//!     for dir in std::env::var("DEP_VEC2FACE_RPATH").unwrap_or_default().split(':') {
//!         if !dir.is_empty() {
//!             println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
//!         }
//!     }
//! }
//! ```
//!
//! Without it, run the program with `LD_LIBRARY_PATH=<libdir>`, or install
//! the library into the loader's path. Other settings: `VEC2FACE_LIB_DIR`
//! (link from that directory, with an rpath to it, without pkg-config),
//! `VEC2FACE_NO_RPATH=1` (never add an rpath, e.g. for distribution
//! packages), `PKG_CONFIG` (the pkg-config program).
//!
//! Threads: [`Model`] and [`Sampler`] are `Send + Sync` (the header promises
//! both may be used from several threads at once); [`AttrOp`] is `Send` but
//! not `Sync` (one thread at a time), and so is [`DatasetJob`].
//!
//! # Example
//!
//! ```no_run
//! use vec2face::{GenOptions, Model, VECTOR_DIM, IMAGE_SIZE};
//!
//! # fn main() -> Result<(), vec2face::Error> {
//! let model = Model::load("models/vec2face-plus")?;
//! let vectors = vec![0.1_f32; 4 * VECTOR_DIM]; // 4 identities
//! let opts = GenOptions { seed: 42, ..GenOptions::default() };
//! let rgb = model.generate(&vectors, &opts)?; // 4 x 112x112x3 bytes
//! for (i, image) in rgb.chunks(vec2face::IMAGE_BYTES).enumerate() {
//!     let size = IMAGE_SIZE as u32;
//!     vec2face::image_write(format!("face{i}.png"), image, size, size)?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The library functions that need no model work the same way:
//!
//! ```
//! // Two vectors of dim 8, three noisy copies each, norms preserved.
//! let v: Vec<f32> = (0..16).map(|i| i as f32 + 1.0).collect();
//! let opts = vec2face::PerturbOptions { dim: 8, images_per_vector: 3, ..Default::default() };
//! let out = vec2face::perturb(&v, &opts).unwrap();
//! assert_eq!(out.len(), 2 * 3 * 8);
//! ```
#![warn(missing_docs)]

mod attrop;
mod dataset;
mod error;
mod files;
mod identity;
mod model;
mod report;
pub mod sys;

pub use attrop::{AttrOp, AttrOpLosses, AttrOpOptions, PoseInput};
pub use dataset::{
    DatasetFilter, DatasetFormat, DatasetJob, DatasetMeasure, DatasetRecipe, DatasetReport,
    DatasetStats, MergeOptions, MergeStats, PoseOrder, dataset_merge, dataset_verify,
};
pub use error::{Error, Result, Status};
pub use files::{
    Array, ImageReadOptions, ImageWriteOptions, image_read, image_read_with, image_write,
    image_write_with, npy_read, npy_write, npz_read,
};
pub use identity::{
    PerturbOptions, SampleOptions, SampleStats, Sampled, Sampler, SeparabilityOptions,
    SeparabilityReport, identity_centres, perturb, perturb_with_eps, separability,
};
pub use model::{
    FolderCentresOptions, GenOptions, Masks, MasksRef, Model, ModelInfo, PartInfo, Precision,
    RuntimeOptions,
};
pub use report::{DatasetSummary, ReportMeasured, ReportOptions, dataset_report};

use core::ffi::{CStr, c_char, c_int, c_void};
use std::any::Any;
use std::ffi::CString;
use std::fmt;
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use error::check;

/// The ABI version this crate was written for; the loaded library's
/// `v2f_abi_version()` must equal it.
pub const ABI_VERSION: i32 = sys::V2F_ABI_VERSION;
/// Length of an identity vector.
pub const VECTOR_DIM: usize = sys::V2F_VECTOR_DIM;
/// Image side in pixels.
pub const IMAGE_SIZE: usize = sys::V2F_IMAGE_SIZE;
/// PNG zlib level used for `png_level = -1` (since 0.3).
pub const PNG_LEVEL_DEFAULT: i32 = sys::V2F_PNG_LEVEL_DEFAULT;
/// Bytes of one uint8 RGB image (112 x 112 x 3).
pub const IMAGE_BYTES: usize = sys::V2F_IMAGE_BYTES;
/// Floats of one raw image (3 x 112 x 112, CHW).
pub const RAW_IMAGE_FLOATS: usize = 3 * sys::V2F_IMAGE_SIZE * sys::V2F_IMAGE_SIZE;
/// Tokens per image (7 x 7): mask arrays are `[n][NUM_TOKENS]` bytes.
pub const NUM_TOKENS: usize = sys::V2F_NUM_TOKENS;
/// Length of a pose condition vector.
pub const COND_DIM: usize = sys::V2F_COND_DIM;
/// Bins of [`SeparabilityReport::histogram`].
pub const SEPARABILITY_BINS: usize = sys::V2F_SEPARABILITY_BINS;

// ------------------------------------------------------------------ versions

/// The loaded library's version string, e.g. `"0.3.0"`.
pub fn version() -> String {
    // SAFETY: static storage, never NULL.
    unsafe { CStr::from_ptr(sys::v2f_version()) }
        .to_string_lossy()
        .into_owned()
}

/// The loaded library's ABI version (`v2f_abi_version()`).
pub fn abi_version() -> i32 {
    // SAFETY: no arguments.
    unsafe { sys::v2f_abi_version() }
}

/// The library's short description of a C status code ("invalid argument").
pub fn status_str(code: i32) -> String {
    // SAFETY: constant strings, never NULL (unknown codes included).
    unsafe { CStr::from_ptr(sys::v2f_status_str(code)) }
        .to_string_lossy()
        .into_owned()
}

/// Checks a library ABI version against [`ABI_VERSION`]: `Ok` when equal,
/// else an [`Error`] with [`Status::AbiMismatch`] that says both versions.
/// Every entry point runs it (once) on `v2f_abi_version()`.
pub fn check_abi_version(found: i32) -> Result<()> {
    if found == ABI_VERSION {
        return Ok(());
    }
    Err(Error::new(
        Status::AbiMismatch,
        format!(
            "libvec2face ABI version mismatch: the loaded library reports ABI version {found}, \
             but the vec2face crate {} was written for ABI version {ABI_VERSION}; \
             build against a libvec2face with ABI version {ABI_VERSION} \
             (or update the crate)",
            env!("CARGO_PKG_VERSION")
        ),
    ))
}

/// The ABI check, done once per process.
pub(crate) fn ensure_abi() -> Result<()> {
    static CHECKED: OnceLock<Result<()>> = OnceLock::new();
    CHECKED
        .get_or_init(|| {
            check_abi_version(abi_version()).map_err(|e| {
                Error::new(
                    e.status(),
                    format!("{} (library version {})", e.message(), version()),
                )
            })
        })
        .clone()
}

/// Bytes for `n` images, `None` on overflow (`v2f_image_bytes`).
pub fn image_bytes(n: usize) -> Option<usize> {
    n.checked_mul(IMAGE_BYTES)
}

// --------------------------------------------------------------- enums

/// Model parts: one TorchScript file each in a model directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Part {
    /// `generator.pt`
    Generator = sys::V2F_PART_GENERATOR,
    /// `pose_generator.pt`
    PoseGenerator = sys::V2F_PART_POSE_GENERATOR,
    /// `pose_cond.pt` (landmark encoder)
    PoseCond = sys::V2F_PART_POSE_COND,
    /// `arcface.pt`
    ArcFace = sys::V2F_PART_ARCFACE,
    /// `magface.pt`
    MagFace = sys::V2F_PART_MAGFACE,
    /// `headpose.pt`
    HeadPose = sys::V2F_PART_HEADPOSE,
}

impl Part {
    /// All parts, in C order.
    pub const ALL: [Part; 6] = [
        Part::Generator,
        Part::PoseGenerator,
        Part::PoseCond,
        Part::ArcFace,
        Part::MagFace,
        Part::HeadPose,
    ];

    /// The file name of the part in a model directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Part::Generator => "generator.pt",
            Part::PoseGenerator => "pose_generator.pt",
            Part::PoseCond => "pose_cond.pt",
            Part::ArcFace => "arcface.pt",
            Part::MagFace => "magface.pt",
            Part::HeadPose => "headpose.pt",
        }
    }

    /// The C value (`v2f_part`).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The part for a C value.
    pub fn from_code(code: i32) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Log levels of [`set_log_callback`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(i32)]
pub enum LogLevel {
    /// `V2F_LOG_ERROR`
    Error = sys::V2F_LOG_ERROR,
    /// `V2F_LOG_WARN`
    Warn = sys::V2F_LOG_WARN,
    /// `V2F_LOG_INFO`
    Info = sys::V2F_LOG_INFO,
    /// `V2F_LOG_DEBUG` (every failure is logged at this level)
    Debug = sys::V2F_LOG_DEBUG,
}

impl LogLevel {
    fn from_code(code: i32) -> LogLevel {
        match code {
            sys::V2F_LOG_ERROR => LogLevel::Error,
            sys::V2F_LOG_WARN => LogLevel::Warn,
            sys::V2F_LOG_INFO => LogLevel::Info,
            _ => LogLevel::Debug,
        }
    }
}

// --------------------------------------------------------------- logging

type LogFn = Box<dyn FnMut(LogLevel, &str) + Send + 'static>;

/// The installed callback (a leaked `Box<LogFn>`, as an address).
static LOG_FN: Mutex<usize> = Mutex::new(0);

unsafe extern "C" fn log_trampoline(level: i32, msg: *const c_char, user: *mut c_void) {
    // SAFETY: `user` is the Box<LogFn> installed by set_log_callback; the
    // library calls it under its own lock, so never concurrently, and it is
    // only freed after v2f_set_log_callback replaced it (under that lock).
    let f = unsafe { &mut *(user as *mut LogFn) };
    let msg = if msg.is_null() {
        std::borrow::Cow::Borrowed("")
    } else {
        // SAFETY: valid during the call.
        unsafe { CStr::from_ptr(msg) }.to_string_lossy()
    };
    // A panic must not unwind into C; it is dropped here.
    let _ = catch_unwind(AssertUnwindSafe(|| f(LogLevel::from_code(level), &msg)));
}

/// Installs the process-global log callback, called with messages up to
/// `max_level` (every failure is logged at [`LogLevel::Debug`]). The
/// library calls it under a global lock, on the thread that logs; it must
/// not call into libvec2face itself (that would deadlock). Replaces any
/// earlier callback; a panic in it is caught and ignored.
pub fn set_log_callback<F>(max_level: LogLevel, f: F)
where
    F: FnMut(LogLevel, &str) + Send + 'static,
{
    let boxed: Box<LogFn> = Box::new(Box::new(f));
    install_log(Box::into_raw(boxed), max_level as i32);
}

/// Removes the log callback (the library then logs nothing).
pub fn clear_log_callback() {
    install_log(core::ptr::null_mut(), sys::V2F_LOG_WARN);
}

fn install_log(new: *mut LogFn, level: i32) {
    let mut current = LOG_FN.lock().unwrap_or_else(|e| e.into_inner());
    let f: sys::v2f_log_fn = if new.is_null() {
        None
    } else {
        Some(log_trampoline)
    };
    // SAFETY: the trampoline matches v2f_log_fn; `new` lives until replaced.
    unsafe { sys::v2f_set_log_callback(f, level, new as *mut c_void) };
    let old = std::mem::replace(&mut *current, new as usize) as *mut LogFn;
    if !old.is_null() {
        // SAFETY: the library no longer calls it (the replacement above was
        // made under the lock the calls run under); it came from into_raw.
        drop(unsafe { Box::from_raw(old) });
    }
}

// --------------------------------------------------------------- progress

/// A progress callback `(done, total)`: return `ControlFlow::Break(())` to
/// cancel the call (it then fails with [`Status::Cancelled`]). A panic in
/// it cancels the call and is resumed after it returns.
#[derive(Clone, Copy)]
pub struct Progress<'a>(pub &'a (dyn Fn(u64, u64) -> ControlFlow<()> + Sync));

impl fmt::Debug for Progress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}

struct ProgressCtx<'a> {
    f: &'a (dyn Fn(u64, u64) -> ControlFlow<()> + Sync),
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

unsafe extern "C" fn progress_trampoline(user: *mut c_void, done: u64, total: u64) -> c_int {
    // SAFETY: `user` is the ProgressCtx of with_progress, alive for the call.
    let ctx = unsafe { &*(user as *const ProgressCtx) };
    match catch_unwind(AssertUnwindSafe(|| (ctx.f)(done, total))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(payload) => {
            let mut slot = ctx.panic.lock().unwrap_or_else(|e| e.into_inner());
            slot.get_or_insert(payload);
            1
        }
    }
}

/// Runs `call` with the C callback pair for `progress`; resumes a panic of
/// the callback afterwards.
pub(crate) fn with_progress<R>(
    progress: Option<Progress<'_>>,
    call: impl FnOnce(sys::v2f_progress_fn, *mut c_void) -> R,
) -> R {
    let Some(Progress(f)) = progress else {
        return call(None, core::ptr::null_mut());
    };
    let ctx = ProgressCtx {
        f,
        panic: Mutex::new(None),
    };
    let r = call(
        Some(progress_trampoline),
        &ctx as *const ProgressCtx as *mut c_void,
    );
    if let Some(payload) = ctx.panic.into_inner().unwrap_or_else(|e| e.into_inner()) {
        resume_unwind(payload);
    }
    r
}

// --------------------------------------------------------------- helpers

pub(crate) fn path_cstring(path: &Path) -> Result<CString> {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path
        .to_str()
        .ok_or_else(|| Error::invalid(format!("{}: path is not valid UTF-8", path.display())))?
        .as_bytes()
        .to_vec();
    CString::new(bytes)
        .map_err(|_| Error::invalid(format!("{}: path contains a NUL byte", path.display())))
}

pub(crate) fn str_cstring(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::invalid(format!("{what} {s:?} contains a NUL byte")))
}

/// Number of rows of `width` elements in a slice of `len`; an error when
/// `len` is not a multiple of `width`.
pub(crate) fn rows_of(len: usize, width: usize, what: &str) -> Result<usize> {
    if width == 0 {
        return Err(Error::invalid(format!("{what}: row width is 0")));
    }
    if len % width != 0 {
        return Err(Error::invalid(format!(
            "{what}: length {len} is not a multiple of {width}"
        )));
    }
    Ok(len / width)
}

/// Checks that an optional per-row slice has exactly `want` elements.
pub(crate) fn check_len<T>(s: Option<&[T]>, want: usize, what: &str) -> Result<()> {
    match s {
        Some(s) if s.len() != want => Err(Error::invalid(format!(
            "{what}: {} elements, need {want}",
            s.len()
        ))),
        _ => Ok(()),
    }
}

pub(crate) fn opt_ptr<T>(s: Option<&[T]>) -> *const T {
    s.map_or(core::ptr::null(), <[T]>::as_ptr)
}

/// A zeroed output buffer of `a * b` elements (an Overflow error when that
/// does not fit).
pub(crate) fn out_buf<T: Clone + Default>(a: usize, b: usize) -> Result<Vec<T>> {
    let n = a
        .checked_mul(b)
        .filter(|n| {
            n.checked_mul(size_of::<T>())
                .is_some_and(|b| b <= isize::MAX as usize)
        })
        .ok_or_else(|| Error::new(Status::Overflow, format!("{a} x {b} elements is too large")))?;
    Ok(vec![T::default(); n])
}

pub(crate) fn c_chars_to_string(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

// ----------------------------------------------------------- conversions

/// Draws landmark images for [`Model::generate_pose`]: black 112x112,
/// filled dots of radius 3 px; eyes red, nose tip green, mouth corners blue.
/// `points5` is `[n][5][2]` (x, y) pixel coordinates: left eye, right eye,
/// nose tip, left mouth corner, right mouth corner. Returns `n` images.
pub fn render_landmarks(points5: &[f32]) -> Result<Vec<u8>> {
    ensure_abi()?;
    let n = rows_of(points5.len(), 10, "points5 ([n][5][2])")?;
    let mut rgb = out_buf(n, IMAGE_BYTES)?;
    // SAFETY: points5 holds n*10 floats, rgb n images.
    check(unsafe { sys::v2f_render_landmarks(points5.as_ptr(), n, rgb.as_mut_ptr()) })?;
    Ok(rgb)
}

/// Converts raw float images (`[n][3][112][112]`, about [-1, 1]) to uint8
/// RGB the way the official code does.
pub fn raw_to_rgb(raw: &[f32]) -> Result<Vec<u8>> {
    ensure_abi()?;
    let n = rows_of(raw.len(), RAW_IMAGE_FLOATS, "raw images ([n][3][112][112])")?;
    let mut rgb = out_buf(n, IMAGE_BYTES)?;
    // SAFETY: raw holds n raw images, rgb n images.
    check(unsafe { sys::v2f_raw_to_rgb(raw.as_ptr(), n, rgb.as_mut_ptr()) })?;
    Ok(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_check_accepts_own_version() {
        assert!(check_abi_version(ABI_VERSION).is_ok());
        assert!(ensure_abi().is_ok());
    }

    #[test]
    fn abi_check_rejects_other_version() {
        let e = check_abi_version(ABI_VERSION + 1).unwrap_err();
        assert_eq!(e.status(), Status::AbiMismatch);
        assert!(
            e.message()
                .contains(&format!("ABI version {}", ABI_VERSION + 1)),
            "{e}"
        );
        assert!(e.to_string().contains("ABI version mismatch"), "{e}");
    }

    #[test]
    fn status_round_trip() {
        for code in 1..=10 {
            assert_eq!(Status::from_code(code).unwrap().code(), Some(code));
        }
        assert_eq!(Status::from_code(0), None);
        assert_eq!(Status::from_code(99), Some(Status::Unknown(99)));
        assert_eq!(Status::Io.to_string(), "input/output error");
    }
}
