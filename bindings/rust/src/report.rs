//! Dataset reports: measure a dataset folder, write `report.json`,
//! `report.html` and `contact_sheet.png`, and return the headline numbers
//! (`v2f_dataset_report_write`).

use crate::error::{Result, check};
use crate::model::Model;
use crate::{Progress, ensure_abi, path_cstring, sys, with_progress};
use core::ptr;
use std::path::{Path, PathBuf};

/// Which sections of a report were measured (`V2F_REPORT_*` bits of
/// [`DatasetSummary::measured`]); a section needs its model part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReportMeasured(pub u32);

impl ReportMeasured {
    /// ArcFace: cosines of each image to its identity's mean centre.
    pub const CONSISTENCY: ReportMeasured = ReportMeasured(sys::V2F_REPORT_CONSISTENCY);
    /// ... and to the identity's input vector.
    pub const INPUT: ReportMeasured = ReportMeasured(sys::V2F_REPORT_INPUT);
    /// MagFace quality.
    pub const QUALITY: ReportMeasured = ReportMeasured(sys::V2F_REPORT_QUALITY);
    /// Head-pose yaw.
    pub const YAW: ReportMeasured = ReportMeasured(sys::V2F_REPORT_YAW);
    /// Separability of the mean centres.
    pub const SEPARABILITY: ReportMeasured = ReportMeasured(sys::V2F_REPORT_SEPARABILITY);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: ReportMeasured) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for ReportMeasured {
    type Output = ReportMeasured;
    fn bitor(self, rhs: ReportMeasured) -> ReportMeasured {
        ReportMeasured(self.0 | rhs.0)
    }
}

/// Options of [`dataset_report`] (`v2f_dataset_report_opts`). `Default`
/// takes the library's defaults.
#[derive(Clone, Debug)]
pub struct ReportOptions<'a> {
    /// Where the files go: `<out_prefix>report.json`, `...report.html`,
    /// `...contact_sheet.png` (a folder needs its trailing `/`; the folder
    /// must exist). `None` (default): `<dir>/`.
    pub out_prefix: Option<PathBuf>,
    /// Identities .npy to use instead of the one `recipe.txt` names.
    pub identities: Option<PathBuf>,
    /// Images per estimator call (default 32), 1..=4096.
    pub batch_size: i32,
    /// Bins of every histogram (default 20), 1..=1000.
    pub histogram_bins: i32,
    /// Separability threshold in (-1, 1] (default 0.4, the official).
    pub threshold: f32,
    /// Contact sheet rows (identities; default 16).
    pub sheet_identities: i32,
    /// Contact sheet columns (images per identity; default 8).
    pub sheet_images: i32,
    /// Tile side in pixels, a divisor of 112 (default 56).
    pub sheet_tile: i32,
    /// Also list every image's values in report.json (default false).
    pub per_image: bool,
    /// Progress (images read, images expected) after every batch; `Break`
    /// cancels ([`crate::Status::Cancelled`], no file written).
    pub progress: Option<Progress<'a>>,
}

impl Default for ReportOptions<'_> {
    fn default() -> Self {
        let o = c_defaults();
        ReportOptions {
            out_prefix: None,
            identities: None,
            batch_size: o.batch_size,
            histogram_bins: o.histogram_bins,
            threshold: o.threshold,
            sheet_identities: o.sheet_identities,
            sheet_images: o.sheet_images,
            sheet_tile: o.sheet_tile,
            per_image: o.per_image != 0,
            progress: None,
        }
    }
}

fn c_defaults() -> sys::v2f_dataset_report_opts {
    let mut o = core::mem::MaybeUninit::<sys::v2f_dataset_report_opts>::zeroed();
    // SAFETY: init fills the whole struct (its size is passed).
    unsafe {
        sys::v2f_dataset_report_opts_init(
            o.as_mut_ptr(),
            size_of::<sys::v2f_dataset_report_opts>(),
        );
        o.assume_init()
    }
}

/// The headline numbers of a report (`v2f_dataset_summary`; all of them
/// are in report.json) and where its files are. Values of a section that
/// was not measured are 0.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetSummary {
    /// The sections measured.
    pub measured: ReportMeasured,
    /// Identities in the recipe.
    pub identities: u64,
    /// Identities with at least one image read.
    pub identities_measured: u64,
    /// Identities with every image read or dropped.
    pub identities_complete: u64,
    /// Images the recipe asks for.
    pub images_expected: u64,
    /// Images read.
    pub images_read: u64,
    /// Images with no file that were not dropped.
    pub images_missing: u64,
    /// Files that are not 112x112 images.
    pub images_unreadable: u64,
    /// Images dropped by the filter (manifest status "dropped").
    pub images_dropped: u64,
    /// Mean cosine of the images to their identity's mean centre.
    pub cos_mean_centre_mean: f32,
    /// Smallest such cosine.
    pub cos_mean_centre_min: f32,
    /// Mean cosine of the images to their identity's input vector.
    pub cos_input_mean: f32,
    /// Smallest such cosine.
    pub cos_input_min: f32,
    /// Mean centres compared for separability.
    pub separability_n: u64,
    /// Of them, those with nearest-neighbour cosine <= `threshold`.
    pub separated: u64,
    /// The separability threshold used.
    pub threshold: f32,
    /// Mean MagFace quality.
    pub quality_mean: f32,
    /// Smallest quality.
    pub quality_min: f32,
    /// Largest quality.
    pub quality_max: f32,
    /// Mean yaw in degrees (signed).
    pub yaw_mean: f32,
    /// Smallest yaw.
    pub yaw_min: f32,
    /// Largest yaw.
    pub yaw_max: f32,
    /// Mean |yaw|.
    pub abs_yaw_mean: f32,
    /// Contact sheet width in pixels.
    pub sheet_width: i32,
    /// Contact sheet height in pixels.
    pub sheet_height: i32,
    /// `<prefix>report.json`.
    pub json_path: PathBuf,
    /// `<prefix>report.html`.
    pub html_path: PathBuf,
    /// `<prefix>contact_sheet.png`.
    pub sheet_path: PathBuf,
}

fn joined(prefix: &std::ffi::OsStr, name: &str) -> PathBuf {
    let mut s = prefix.to_os_string();
    s.push(name);
    PathBuf::from(s)
}

/// Measures the dataset folder `dir` (with its `recipe.txt`) and writes its
/// report files; see "Dataset reports" in `vec2face.h`. `model` may hold
/// any of arcface.pt, magface.pt, headpose.pt, or be `None` (counts and
/// contact sheet only). An incomplete dataset is reported as far as it
/// goes (see the counts). Errors: [`crate::Status::Io`] (no readable
/// recipe.txt, a file that cannot be written), [`crate::Status::InvalidArg`]
/// (an option, named), [`crate::Status::Cancelled`], ...
pub fn dataset_report(
    model: Option<&Model>,
    dir: impl AsRef<Path>,
    opts: &ReportOptions<'_>,
) -> Result<DatasetSummary> {
    ensure_abi()?;
    let dir = dir.as_ref();
    let cdir = path_cstring(dir)?;
    let prefix = opts.out_prefix.as_deref().map(path_cstring).transpose()?;
    let identities = opts.identities.as_deref().map(path_cstring).transpose()?;
    let mut o = c_defaults();
    o.out_prefix = prefix.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    o.identities = identities.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    o.batch_size = opts.batch_size;
    o.histogram_bins = opts.histogram_bins;
    o.threshold = opts.threshold;
    o.sheet_identities = opts.sheet_identities;
    o.sheet_images = opts.sheet_images;
    o.sheet_tile = opts.sheet_tile;
    o.per_image = i32::from(opts.per_image);
    let mut s = sys::v2f_dataset_summary {
        struct_size: size_of::<sys::v2f_dataset_summary>() as u32,
        ..Default::default()
    };
    let model_ptr = model.map_or(ptr::null(), Model::as_ptr);
    with_progress(opts.progress, |f, user| {
        o.progress = f;
        o.progress_user = user;
        // SAFETY: C strings, options and summary alive for the call; the
        // model (or NULL) is valid and may be shared.
        check(unsafe { sys::v2f_dataset_report_write(model_ptr, cdir.as_ptr(), &o, &mut s) })
    })?;
    // The library's default prefix is "<dir>/" (trailing slashes of dir
    // dropped).
    let prefix_os = match &opts.out_prefix {
        Some(p) => p.as_os_str().to_os_string(),
        None => {
            let text = dir.as_os_str().to_string_lossy();
            let trimmed = text.trim_end_matches('/');
            let base = if trimmed.is_empty() { "/" } else { trimmed };
            let mut p = std::ffi::OsString::from(base);
            if !base.ends_with('/') {
                p.push("/");
            }
            p
        }
    };
    Ok(DatasetSummary {
        measured: ReportMeasured(s.measured),
        identities: s.identities,
        identities_measured: s.identities_measured,
        identities_complete: s.identities_complete,
        images_expected: s.images_expected,
        images_read: s.images_read,
        images_missing: s.images_missing,
        images_unreadable: s.images_unreadable,
        images_dropped: s.images_dropped,
        cos_mean_centre_mean: s.cos_mean_centre_mean,
        cos_mean_centre_min: s.cos_mean_centre_min,
        cos_input_mean: s.cos_input_mean,
        cos_input_min: s.cos_input_min,
        separability_n: s.separability_n,
        separated: s.separated,
        threshold: s.threshold,
        quality_mean: s.quality_mean,
        quality_min: s.quality_min,
        quality_max: s.quality_max,
        yaw_mean: s.yaw_mean,
        yaw_min: s.yaw_min,
        yaw_max: s.yaw_max,
        abs_yaw_mean: s.abs_yaw_mean,
        sheet_width: s.sheet_width,
        sheet_height: s.sheet_height,
        json_path: joined(&prefix_os, "report.json"),
        html_path: joined(&prefix_os, "report.html"),
        sheet_path: joined(&prefix_os, "contact_sheet.png"),
    })
}

impl Model {
    /// [`dataset_report`] with this model.
    pub fn dataset_report(
        &self,
        dir: impl AsRef<Path>,
        opts: &ReportOptions<'_>,
    ) -> Result<DatasetSummary> {
        dataset_report(Some(self), dir, opts)
    }
}
