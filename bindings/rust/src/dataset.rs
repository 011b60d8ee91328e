//! Datasets: a recipe turned into a folder of face images, resumable and
//! shardable, and its verification.

use crate::error::{Error, Result, Status, check};
use crate::model::Model;
use crate::{
    Progress, c_chars_to_string, check_len, ensure_abi, opt_ptr, path_cstring, rows_of, sys,
    with_progress,
};
use core::ffi::c_char;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use std::ffi::CString;
use std::path::{Path, PathBuf};

/// Image file format of a dataset (`v2f_dataset_format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DatasetFormat {
    /// `V2F_DATASET_PNG`: `<image>.png` (the default).
    #[default]
    Png,
    /// `V2F_DATASET_JPEG`: `<image>.jpg`.
    Jpeg,
}

impl DatasetFormat {
    /// The C value (`v2f_dataset_format`).
    pub fn code(self) -> i32 {
        match self {
            DatasetFormat::Png => sys::V2F_DATASET_PNG,
            DatasetFormat::Jpeg => sys::V2F_DATASET_JPEG,
        }
    }

    /// The format for a C value.
    pub fn from_code(code: i32) -> Option<DatasetFormat> {
        match code {
            sys::V2F_DATASET_PNG => Some(DatasetFormat::Png),
            sys::V2F_DATASET_JPEG => Some(DatasetFormat::Jpeg),
            _ => None,
        }
    }
}

/// What a recipe measures per image and records in the manifest
/// (`v2f_dataset_measure` bits, since 0.2); combine with `|`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DatasetMeasure(pub u32);

impl DatasetMeasure {
    /// Nothing (the default).
    pub const NONE: DatasetMeasure = DatasetMeasure(0);
    /// ArcFace cosine of the image to its identity's vector (arcface.pt).
    pub const SIMILARITY: DatasetMeasure =
        DatasetMeasure(sys::V2F_DATASET_MEASURE_SIMILARITY as u32);
    /// MagFace quality (magface.pt).
    pub const QUALITY: DatasetMeasure = DatasetMeasure(sys::V2F_DATASET_MEASURE_QUALITY as u32);
    /// Head-pose yaw (headpose.pt).
    pub const YAW: DatasetMeasure = DatasetMeasure(sys::V2F_DATASET_MEASURE_YAW as u32);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: DatasetMeasure) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for DatasetMeasure {
    type Output = DatasetMeasure;
    fn bitor(self, rhs: DatasetMeasure) -> DatasetMeasure {
        DatasetMeasure(self.0 | rhs.0)
    }
}

/// The identity-consistency filter of a recipe (`v2f_dataset_filter`,
/// since 0.2): what happens to an image whose similarity to its identity
/// is below the threshold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DatasetFilter {
    /// No filter (the default).
    #[default]
    None,
    /// Drop it: no file, a manifest row with status "dropped".
    Drop,
    /// Make it again with fresh noise and masks, up to
    /// [`DatasetRecipe::filter_max_attempts`] attempts, then drop it.
    Regenerate,
}

impl DatasetFilter {
    /// The C value (`v2f_dataset_filter`).
    pub fn code(self) -> i32 {
        match self {
            DatasetFilter::None => sys::V2F_DATASET_FILTER_NONE,
            DatasetFilter::Drop => sys::V2F_DATASET_FILTER_DROP,
            DatasetFilter::Regenerate => sys::V2F_DATASET_FILTER_REGENERATE,
        }
    }

    /// The filter for a C value.
    pub fn from_code(code: i32) -> Option<DatasetFilter> {
        match code {
            sys::V2F_DATASET_FILTER_NONE => Some(DatasetFilter::None),
            sys::V2F_DATASET_FILTER_DROP => Some(DatasetFilter::Drop),
            sys::V2F_DATASET_FILTER_REGENERATE => Some(DatasetFilter::Regenerate),
            _ => None,
        }
    }
}

/// How a pose image picks its template (`v2f_dataset_pose_order`, since
/// 0.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PoseOrder {
    /// Template `(j - perturb_images) % templates` (the default).
    #[default]
    Cycle,
    /// Uniform, from a counter-based stream keyed (seed, identity, j).
    Sample,
}

impl PoseOrder {
    /// The C value (`v2f_dataset_pose_order`).
    pub fn code(self) -> i32 {
        match self {
            PoseOrder::Cycle => sys::V2F_DATASET_POSE_CYCLE,
            PoseOrder::Sample => sys::V2F_DATASET_POSE_SAMPLE,
        }
    }

    /// The order for a C value.
    pub fn from_code(code: i32) -> Option<PoseOrder> {
        match code {
            sys::V2F_DATASET_POSE_CYCLE => Some(PoseOrder::Cycle),
            sys::V2F_DATASET_POSE_SAMPLE => Some(PoseOrder::Sample),
            _ => None,
        }
    }
}

/// What a dataset holds (`v2f_dataset_recipe`). `Default` takes the
/// library's defaults (`v2f_dataset_recipe_init`: 4 perturbation images per
/// identity, no pose images, PNG, batches of 16) with empty paths; set
/// [`DatasetRecipe::identities`] and [`DatasetRecipe::out_dir`], e.g. with
/// [`DatasetRecipe::new`]. The library copies everything it keeps.
///
/// Image `j` of identity `i` (row `i` of the identities file) is
/// `<out_dir>/<i %06d>/<j %03d>.png|jpg`; images `j < perturb_images` come
/// from perturbation with the `eps` mixture and the plain generator, the
/// next `pose_images` from the pose generator with `pose_eps`, conditioned
/// on template `(j - perturb_images) % templates` of `pose_points`.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetRecipe<'a> {
    /// Identity vectors: a float32 .npy of shape `[num_ids][512]`.
    pub identities: PathBuf,
    /// Output folder, created when missing.
    pub out_dir: PathBuf,
    /// Seed of the perturbation noise and the generator's masks.
    pub seed: u64,
    /// Images per identity from perturbation (default 4), >= 0.
    pub perturb_images: i32,
    /// Noise scales of the perturbation images (at most 64); `None`:
    /// 0.3/0.5/0.7 with shares 0.4/0.4/0.2 as the official dataset script.
    pub eps: Option<&'a [f32]>,
    /// Weights of `eps` (same length); `None`: equal.
    pub eps_shares: Option<&'a [f32]>,
    /// Images per identity from pose control (default 0), >= 0;
    /// `perturb_images + pose_images` must be 1..=1000.
    pub pose_images: i32,
    /// Five-point templates `[templates][5][2]` (x, y pixel pairs in
    /// [`crate::render_landmarks`] order), cycled by image index; required
    /// when `pose_images > 0`.
    pub pose_points: Option<&'a [f32]>,
    /// Perturbation eps of the pose images (default 0.7).
    pub pose_eps: f32,
    /// Image file format (default PNG).
    pub format: DatasetFormat,
    /// JPEG quality 1..=100 (default 95).
    pub jpeg_quality: i32,
    /// Images per batch: per generator call, and how often the manifest is
    /// synced and progress reported; 0 (default since 0.3; 16 before): the
    /// model's [`crate::ModelInfo::default_batch_size`]. Not part of the
    /// recipe's identity: a restart may change it.
    pub batch_size: i32,
    /// What to measure per image and record in the manifest (since 0.2;
    /// default none). Each needs its model part.
    pub measure: DatasetMeasure,
    /// The identity-consistency filter (since 0.2; default none).
    pub filter: DatasetFilter,
    /// The filter's cosine threshold in [-1, 1].
    pub filter_threshold: f32,
    /// Attempts of [`DatasetFilter::Regenerate`], 1..=100 (default 3).
    pub filter_max_attempts: i32,
    /// Images per identity from AttrOP after the pose images (since 0.2;
    /// default 0).
    pub attrop_images: i32,
    /// AttrOP's MagFace norm target (default 24); 0: no quality loss.
    pub attrop_quality: f32,
    /// AttrOP's |yaw| targets in degrees, cycled over the AttrOP images;
    /// `None`: no pose loss.
    pub attrop_yaw: Option<&'a [f32]>,
    /// Counted AttrOP steps per image, 1..=10000 (default 5).
    pub attrop_iterations: i32,
    /// AttrOP steps over the loss thresholds that may not count (default
    /// 30).
    pub attrop_max_retries: i32,
    /// How a pose image picks its template (since 0.2; default cycle).
    pub pose_order: PoseOrder,
    /// Landmark-image templates (since 0.2): 112x112 landmark maps, or
    /// folders whose images are taken in name order; they follow the
    /// `pose_points` templates.
    pub pose_landmarks: Vec<PathBuf>,
    /// PNG zlib level 0..=9, or -1 (default) for the library's default
    /// (6); changes file sizes, not pixels, and is not part of the recipe
    /// digest (since 0.3).
    pub png_level: i32,
    /// When another process or job holds the shard's lock: false (default)
    /// fails at once with the library's busy status, true waits for it
    /// (progress is reported as (0, 0) while waiting, so a cancel ends the
    /// wait). Not part of the recipe digest (since 0.3).
    pub wait_lock: bool,
}

impl Default for DatasetRecipe<'_> {
    fn default() -> Self {
        let mut r = core::mem::MaybeUninit::<sys::v2f_dataset_recipe>::zeroed();
        // SAFETY: fills the whole struct (size passed is its size).
        let r = unsafe {
            sys::v2f_dataset_recipe_init(r.as_mut_ptr(), size_of::<sys::v2f_dataset_recipe>());
            r.assume_init()
        };
        DatasetRecipe {
            identities: PathBuf::new(),
            out_dir: PathBuf::new(),
            seed: r.seed,
            perturb_images: r.perturb_images,
            eps: None,
            eps_shares: None,
            pose_images: r.pose_images,
            pose_points: None,
            pose_eps: r.pose_eps,
            format: DatasetFormat::from_code(r.format).unwrap_or_default(),
            jpeg_quality: r.jpeg_quality,
            batch_size: r.batch_size,
            measure: DatasetMeasure(r.measure),
            filter: DatasetFilter::from_code(r.filter).unwrap_or_default(),
            filter_threshold: r.filter_threshold,
            filter_max_attempts: r.filter_max_attempts,
            attrop_images: r.attrop_images,
            attrop_quality: r.attrop_quality,
            attrop_yaw: None,
            attrop_iterations: r.attrop_iterations,
            attrop_max_retries: r.attrop_max_retries,
            pose_order: PoseOrder::from_code(r.pose_order).unwrap_or_default(),
            pose_landmarks: Vec::new(),
            png_level: r.png_level,
            wait_lock: r.wait_lock != 0,
        }
    }
}

impl<'a> DatasetRecipe<'a> {
    /// The default recipe for identities file `identities` written to
    /// `out_dir`.
    pub fn new(identities: impl Into<PathBuf>, out_dir: impl Into<PathBuf>) -> Self {
        DatasetRecipe {
            identities: identities.into(),
            out_dir: out_dir.into(),
            ..DatasetRecipe::default()
        }
    }

    /// Sets [`DatasetRecipe::seed`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets [`DatasetRecipe::perturb_images`].
    pub fn perturb_images(mut self, n: i32) -> Self {
        self.perturb_images = n;
        self
    }

    /// Sets [`DatasetRecipe::eps`] and [`DatasetRecipe::eps_shares`].
    pub fn eps(mut self, eps: &'a [f32], shares: Option<&'a [f32]>) -> Self {
        self.eps = Some(eps);
        self.eps_shares = shares;
        self
    }

    /// Sets [`DatasetRecipe::pose_images`] and their templates
    /// [`DatasetRecipe::pose_points`] (`[templates][5][2]`).
    pub fn pose_images(mut self, n: i32, points: &'a [f32]) -> Self {
        self.pose_images = n;
        self.pose_points = Some(points);
        self
    }

    /// Sets [`DatasetRecipe::pose_eps`].
    pub fn pose_eps(mut self, eps: f32) -> Self {
        self.pose_eps = eps;
        self
    }

    /// Sets [`DatasetRecipe::format`].
    pub fn format(mut self, format: DatasetFormat) -> Self {
        self.format = format;
        self
    }

    /// Sets [`DatasetRecipe::jpeg_quality`].
    pub fn jpeg_quality(mut self, quality: i32) -> Self {
        self.jpeg_quality = quality;
        self
    }

    /// Sets [`DatasetRecipe::wait_lock`].
    pub fn wait_lock(mut self, wait: bool) -> Self {
        self.wait_lock = wait;
        self
    }

    /// Sets [`DatasetRecipe::png_level`].
    pub fn png_level(mut self, level: i32) -> Self {
        self.png_level = level;
        self
    }

    /// Sets [`DatasetRecipe::batch_size`].
    pub fn batch_size(mut self, n: i32) -> Self {
        self.batch_size = n;
        self
    }

    /// Sets [`DatasetRecipe::measure`].
    pub fn measure(mut self, what: DatasetMeasure) -> Self {
        self.measure = what;
        self
    }

    /// Sets [`DatasetRecipe::filter`] and [`DatasetRecipe::filter_threshold`].
    pub fn filter(mut self, filter: DatasetFilter, threshold: f32) -> Self {
        self.filter = filter;
        self.filter_threshold = threshold;
        self
    }

    /// Sets [`DatasetRecipe::attrop_images`] and
    /// [`DatasetRecipe::attrop_iterations`].
    pub fn attrop_images(mut self, n: i32, iterations: i32) -> Self {
        self.attrop_images = n;
        self.attrop_iterations = iterations;
        self
    }

    /// Sets [`DatasetRecipe::pose_order`].
    pub fn pose_order(mut self, order: PoseOrder) -> Self {
        self.pose_order = order;
        self
    }

    /// Sets [`DatasetRecipe::pose_landmarks`].
    pub fn pose_landmarks<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.pose_landmarks = paths.into_iter().map(Into::into).collect();
        self
    }
}

/// Counts of a [`DatasetJob`] (`v2f_dataset_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DatasetStats {
    /// First identity of this shard.
    pub identity_first: u64,
    /// End (exclusive) of this shard's identities.
    pub identity_end: u64,
    /// `identity_end - identity_first`.
    pub identities_total: u64,
    /// Identities complete before this run.
    pub identities_skipped: u64,
    /// Identities complete now (skipped included).
    pub identities_done: u64,
    /// Images of this shard.
    pub images_total: u64,
    /// Images generated and written by this run.
    pub images_written: u64,
    /// Images already on disk before this run.
    pub images_skipped: u64,
    /// Manifest rows added for files that were on disk without one.
    pub rows_added: u64,
    /// Generation attempts measured by this run (since 0.2).
    pub images_measured: u64,
    /// Attempts below the filter threshold in this run.
    pub filter_rejected: u64,
    /// Images kept after more than one attempt in this run.
    pub filter_regenerated: u64,
    /// Images dropped by the filter in this run.
    pub images_dropped: u64,
}

/// What [`dataset_verify`] found (`v2f_dataset_report`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DatasetReport {
    /// Identities in the recipe.
    pub identities: u64,
    /// Identities with every image present, decoding, with its manifest row.
    pub identities_complete: u64,
    /// Images the recipe asks for.
    pub images_expected: u64,
    /// Images present that decode as 112x112.
    pub images_ok: u64,
    /// Images absent.
    pub images_missing: u64,
    /// Images present that do not decode as 112x112.
    pub images_corrupt: u64,
    /// Manifest part files.
    pub manifest_parts: u64,
    /// Valid rows in all parts.
    pub manifest_rows: u64,
    /// Everything wrong, counted.
    pub problems: u64,
    /// The first problem as text (names the file); empty when none.
    pub first_problem: String,
    /// Rows with status "dropped" (the filter; since 0.2).
    pub images_dropped: u64,
}

impl DatasetReport {
    /// Whether the dataset is complete and consistent (no problem found).
    pub fn ok(&self) -> bool {
        self.problems == 0
    }
}

/// One shard of a dataset recipe (`v2f_dataset_job`): makes the shard's
/// missing images. It borrows its [`Model`]. `Send` but not `Sync`: one
/// thread at a time (the model may be shared).
///
/// ```compile_fail
/// fn shared_between_threads<T: Sync>() {}
/// shared_between_threads::<vec2face::DatasetJob<'static>>(); // not Sync
/// ```
pub struct DatasetJob<'m> {
    ptr: NonNull<sys::v2f_dataset_job>,
    _model: PhantomData<&'m Model>,
}

// SAFETY: the handle is not tied to a thread; it is only used by one thread
// at a time (no Sync, and run takes &mut self; stats only reads counts the
// job's own thread writes). The model it borrows is Sync.
unsafe impl Send for DatasetJob<'_> {}

impl Drop for DatasetJob<'_> {
    fn drop(&mut self) {
        // SAFETY: owned pointer from v2f_dataset_job_new.
        unsafe { sys::v2f_dataset_job_free(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for DatasetJob<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatasetJob").finish_non_exhaustive()
    }
}

impl<'m> DatasetJob<'m> {
    /// The whole recipe as one job (shard 0 of 1), see
    /// [`DatasetJob::shard`].
    pub fn new(model: &'m Model, recipe: &DatasetRecipe<'_>) -> Result<DatasetJob<'m>> {
        DatasetJob::shard(model, recipe, 0, 1)
    }

    /// Shard `index` of `count` (identities
    /// `[index*num/count, (index+1)*num/count)`): checks the recipe and the
    /// model's parts, reads the identities, creates the output folder and
    /// writes `recipe.txt`, or compares with the one there. A different
    /// recipe, seed or identities file is refused with
    /// [`Status::InvalidArg`] and a message naming the first setting that
    /// changed. Shards write disjoint files and may run at the same time.
    pub fn shard(
        model: &'m Model,
        recipe: &DatasetRecipe<'_>,
        index: u32,
        count: u32,
    ) -> Result<DatasetJob<'m>> {
        ensure_abi()?;
        let identities = path_cstring(&recipe.identities)?;
        let out_dir = path_cstring(&recipe.out_dir)?;
        let eps_count = match (recipe.eps, recipe.eps_shares) {
            (None, Some(_)) => return Err(Error::invalid("DatasetRecipe: eps_shares without eps")),
            (Some(e), shares) => {
                check_len(shares, e.len(), "DatasetRecipe::eps_shares (one per eps)")?;
                i32::try_from(e.len())
                    .map_err(|_| Error::invalid("DatasetRecipe::eps: too many values"))?
            }
            (None, None) => 0,
        };
        let pose_templates = match recipe.pose_points {
            Some(p) => i32::try_from(rows_of(
                p.len(),
                10,
                "DatasetRecipe::pose_points ([templates][5][2])",
            )?)
            .map_err(|_| Error::invalid("DatasetRecipe::pose_points: too many templates"))?,
            None => 0,
        };
        let attrop_yaw_count = i32::try_from(recipe.attrop_yaw.map_or(0, <[f32]>::len))
            .map_err(|_| Error::invalid("DatasetRecipe::attrop_yaw: too many values"))?;
        let landmarks = recipe
            .pose_landmarks
            .iter()
            .map(|p| path_cstring(p))
            .collect::<Result<Vec<CString>>>()?;
        let landmark_ptrs: Vec<*const c_char> = landmarks.iter().map(|c| c.as_ptr()).collect();
        let pose_landmark_count = i32::try_from(landmark_ptrs.len())
            .map_err(|_| Error::invalid("DatasetRecipe::pose_landmarks: too many paths"))?;
        let r = sys::v2f_dataset_recipe {
            struct_size: size_of::<sys::v2f_dataset_recipe>() as u32,
            identities: identities.as_ptr(),
            out_dir: out_dir.as_ptr(),
            seed: recipe.seed,
            perturb_images: recipe.perturb_images,
            eps_count,
            eps: opt_ptr(recipe.eps),
            eps_shares: opt_ptr(recipe.eps_shares),
            pose_images: recipe.pose_images,
            pose_templates,
            pose_points: opt_ptr(recipe.pose_points),
            pose_eps: recipe.pose_eps,
            format: recipe.format.code(),
            jpeg_quality: recipe.jpeg_quality,
            batch_size: recipe.batch_size,
            measure: recipe.measure.0,
            filter: recipe.filter.code(),
            filter_threshold: recipe.filter_threshold,
            filter_max_attempts: recipe.filter_max_attempts,
            attrop_images: recipe.attrop_images,
            attrop_quality: recipe.attrop_quality,
            attrop_yaw_count,
            attrop_yaw: opt_ptr(recipe.attrop_yaw),
            attrop_iterations: recipe.attrop_iterations,
            attrop_max_retries: recipe.attrop_max_retries,
            pose_order: recipe.pose_order.code(),
            pose_landmark_count,
            pose_landmarks: if landmark_ptrs.is_empty() {
                ptr::null()
            } else {
                landmark_ptrs.as_ptr()
            },
            png_level: recipe.png_level,
            wait_lock: recipe.wait_lock as i32,
        };
        let mut out = ptr::null_mut();
        // SAFETY: C strings and slices alive for the call (eps/eps_shares
        // hold eps_count values, pose_points pose_templates*10, attrop_yaw
        // attrop_yaw_count, pose_landmarks that many C strings); the library
        // copies what it keeps. The model outlives the job ('m).
        check(unsafe { sys::v2f_dataset_job_new(model.as_ptr(), &r, index, count, &mut out) })?;
        let ptr = NonNull::new(out)
            .ok_or_else(|| Error::new(Status::Internal, "v2f_dataset_job_new returned NULL"))?;
        Ok(DatasetJob {
            ptr,
            _model: PhantomData,
        })
    }

    /// Makes the shard's missing images (skipping those on disk) and
    /// returns the counts. `progress` gets (images of the shard complete,
    /// images of the shard) after the scan of the folder and after every
    /// batch; `ControlFlow::Break` stops after the current batch with
    /// [`Status::Cancelled`], leaving a state that a new job (or another
    /// `run`) resumes. May be called again after a failure or a cancel.
    pub fn run(&mut self, progress: Option<Progress<'_>>) -> Result<DatasetStats> {
        with_progress(progress, |f, user| {
            // SAFETY: owned handle, used by this thread only (&mut self);
            // `user` is alive for the call.
            check(unsafe { sys::v2f_dataset_job_run(self.ptr.as_ptr(), f, user) })
        })?;
        self.stats()
    }

    /// The job's counts so far.
    pub fn stats(&self) -> Result<DatasetStats> {
        // SAFETY: plain-old-data struct; zero is a valid value.
        let mut s: sys::v2f_dataset_stats = unsafe { core::mem::zeroed() };
        s.struct_size = size_of::<sys::v2f_dataset_stats>() as u32;
        // SAFETY: valid handle and struct.
        check(unsafe { sys::v2f_dataset_job_stats(self.ptr.as_ptr(), &mut s) })?;
        Ok(DatasetStats {
            identity_first: s.identity_first,
            identity_end: s.identity_end,
            identities_total: s.identities_total,
            identities_skipped: s.identities_skipped,
            identities_done: s.identities_done,
            images_total: s.images_total,
            images_written: s.images_written,
            images_skipped: s.images_skipped,
            rows_added: s.rows_added,
            images_measured: s.images_measured,
            filter_rejected: s.filter_rejected,
            filter_regenerated: s.filter_regenerated,
            images_dropped: s.images_dropped,
        })
    }
}

/// Checks a dataset folder against its `recipe.txt`: every identity has
/// every image, every file decodes as a 112x112 image, every image has
/// exactly one manifest row, every row names an image of the recipe, no
/// temporary file is left. Returns the report both when all is well and
/// when problems were found (see [`DatasetReport::ok`] and
/// [`DatasetReport::first_problem`]); an error only when the folder could
/// not be checked (e.g. [`Status::Io`]: no readable `recipe.txt`).
pub fn dataset_verify(out_dir: impl AsRef<Path>) -> Result<DatasetReport> {
    ensure_abi()?;
    let dir = path_cstring(out_dir.as_ref())?;
    let mut r = new_report();
    // SAFETY: valid C string and struct.
    let code = unsafe { sys::v2f_dataset_verify(dir.as_ptr(), &mut r) };
    report_of(code, &r)
}

fn new_report() -> sys::v2f_dataset_report {
    // SAFETY: plain-old-data struct; zero is a valid value.
    let mut r: sys::v2f_dataset_report = unsafe { core::mem::zeroed() };
    r.struct_size = size_of::<sys::v2f_dataset_report>() as u32;
    r
}

/// The report of a verify (`code` its status): V2F_E_FORMAT with problems
/// counted means "problems found", a report; anything else is a failure
/// to check.
fn report_of(code: sys::v2f_status, r: &sys::v2f_dataset_report) -> Result<DatasetReport> {
    if code != sys::V2F_E_FORMAT || r.problems == 0 {
        check(code)?;
    }
    Ok(DatasetReport {
        identities: r.identities,
        identities_complete: r.identities_complete,
        images_expected: r.images_expected,
        images_ok: r.images_ok,
        images_missing: r.images_missing,
        images_corrupt: r.images_corrupt,
        manifest_parts: r.manifest_parts,
        manifest_rows: r.manifest_rows,
        problems: r.problems,
        first_problem: c_chars_to_string(&r.first_problem),
        images_dropped: r.images_dropped,
    })
}

/// Options of [`dataset_merge`].
#[derive(Clone, Copy, Debug, Default)]
pub struct MergeOptions<'a> {
    /// Hard-link images instead of copying them (copies where links are
    /// impossible, e.g. across filesystems). Default false.
    pub link: bool,
    /// Progress (files written, files to write) before the first write and
    /// after each file; `Break` cancels ([`Status::Cancelled`]) leaving
    /// only complete files: the same call later finishes the merge.
    pub progress: Option<Progress<'a>>,
}

/// What [`dataset_merge`] did (`v2f_dataset_merge_stats`) and the verify
/// report of the merged folder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MergeStats {
    /// Source folders merged.
    pub sources: u64,
    /// Images (and manifest parts the folder lacked) copied or linked.
    pub files_copied: u64,
    /// Manifest parts written as the union of their rows.
    pub parts_merged: u64,
    /// Files already there with the same bytes, or the same in two sources.
    pub files_skipped: u64,
    /// The merged folder's verify report; not [`DatasetReport::ok`] while
    /// shards are still missing.
    pub report: DatasetReport,
}

/// Combines dataset folders of one recipe (e.g. shards made on machines
/// without a shared filesystem) into `out_dir`, then verifies it
/// (`v2f_dataset_merge`). Every check runs before the first write:
/// sources of another recipe, or a file of the same name with other bytes
/// (the message names both), fail with [`Status::InvalidArg`] and nothing
/// written. An incomplete result is not an error: see
/// [`MergeStats::report`].
pub fn dataset_merge<P: AsRef<Path>>(
    out_dir: impl AsRef<Path>,
    sources: &[P],
    opts: &MergeOptions<'_>,
) -> Result<MergeStats> {
    ensure_abi()?;
    let dir = path_cstring(out_dir.as_ref())?;
    let srcs = sources
        .iter()
        .map(|p| path_cstring(p.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let ptrs: Vec<*const c_char> = srcs.iter().map(|c| c.as_ptr()).collect();
    let mut o = core::mem::MaybeUninit::<sys::v2f_dataset_merge_opts>::zeroed();
    // SAFETY: init fills the whole struct (its size is passed).
    let mut o = unsafe {
        sys::v2f_dataset_merge_opts_init(o.as_mut_ptr(), size_of::<sys::v2f_dataset_merge_opts>());
        o.assume_init()
    };
    o.link = i32::from(opts.link);
    let mut s = sys::v2f_dataset_merge_stats {
        struct_size: size_of::<sys::v2f_dataset_merge_stats>() as u32,
        ..Default::default()
    };
    let mut r = new_report();
    let code = with_progress(opts.progress, |f, user| {
        o.progress = f;
        o.progress_user = user;
        // SAFETY: C strings, the pointer array, options and out-structs
        // are alive for the call.
        unsafe {
            sys::v2f_dataset_merge(dir.as_ptr(), ptrs.as_ptr(), ptrs.len(), &o, &mut s, &mut r)
        }
    });
    // V2F_E_FORMAT without stats: a source's part was refused, not verify.
    if code != sys::V2F_E_FORMAT || s.sources == 0 {
        check(code)?;
    }
    Ok(MergeStats {
        sources: s.sources,
        files_copied: s.files_copied,
        parts_merged: s.parts_merged,
        files_skipped: s.files_skipped,
        report: report_of(code, &r)?,
    })
}
