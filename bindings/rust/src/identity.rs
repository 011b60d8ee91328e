//! Identities: perturbation, samplers, centres, separability.

use crate::error::{Error, Result, Status, check};
use crate::files::Array;
use crate::{
    Progress, SEPARABILITY_BINS, VECTOR_DIM, check_len, ensure_abi, opt_ptr, out_buf, path_cstring,
    rows_of, sys, with_progress,
};
use core::ptr::{self, NonNull};
use std::path::Path;

// ------------------------------------------------------------ perturbation

/// Options of [`perturb`] (`v2f_perturb_opts`). `Default` takes the
/// library's defaults (`v2f_perturb_opts_init`).
#[derive(Clone, Copy, Debug)]
pub struct PerturbOptions<'a> {
    /// Seed of the counter-based randomness.
    pub seed: u64,
    /// Vector length; 0 (default) = 512.
    pub dim: u32,
    /// Images per input vector (default 1): output row `i * k + j` is image
    /// `j` of vector `i`.
    pub images_per_vector: u32,
    /// Identity index of each input vector `[n]`; `None`: `identity_base + i`.
    pub identity_index: Option<&'a [u64]>,
    /// See `identity_index`.
    pub identity_base: u64,
    /// Image index base of each input vector `[n]`; `None`: `image_base`.
    pub image_index: Option<&'a [u64]>,
    /// See `image_index`.
    pub image_base: u64,
    /// Noise scales (at most 64); `None`: 0.3/0.5/0.7 with shares
    /// 0.4/0.4/0.2 as the official dataset script.
    pub eps: Option<&'a [f32]>,
    /// Weights of `eps` (same length); `None`: equal.
    pub eps_shares: Option<&'a [f32]>,
}

impl Default for PerturbOptions<'_> {
    fn default() -> Self {
        let mut o = core::mem::MaybeUninit::<sys::v2f_perturb_opts>::zeroed();
        // SAFETY: fills the whole struct.
        let o = unsafe {
            sys::v2f_perturb_opts_init(o.as_mut_ptr(), size_of::<sys::v2f_perturb_opts>());
            o.assume_init()
        };
        PerturbOptions {
            seed: o.seed,
            dim: o.dim,
            images_per_vector: o.images_per_vector,
            identity_index: None,
            identity_base: o.identity_base,
            image_index: None,
            image_base: o.image_base,
            eps: None,
            eps_shares: None,
        }
    }
}

/// Intra-class variation: for each vector `v` (rows of `opts.dim`) and each
/// of its `images_per_vector` images, `v + N(0, eps^2 I)` rescaled to `|v|`.
/// Returns `[n * images_per_vector][dim]`.
pub fn perturb(vectors: &[f32], opts: &PerturbOptions<'_>) -> Result<Vec<f32>> {
    Ok(perturb_impl(vectors, opts, false)?.0)
}

/// As [`perturb`], also returning the eps drawn for each output row.
pub fn perturb_with_eps(
    vectors: &[f32],
    opts: &PerturbOptions<'_>,
) -> Result<(Vec<f32>, Vec<f32>)> {
    perturb_impl(vectors, opts, true)
}

fn perturb_impl(
    vectors: &[f32],
    opts: &PerturbOptions<'_>,
    want_eps: bool,
) -> Result<(Vec<f32>, Vec<f32>)> {
    ensure_abi()?;
    let dim = if opts.dim == 0 {
        VECTOR_DIM
    } else {
        opts.dim as usize
    };
    let n = rows_of(vectors.len(), dim, "vectors ([n][dim])")?;
    check_len(opts.identity_index, n, "PerturbOptions::identity_index")?;
    check_len(opts.image_index, n, "PerturbOptions::image_index")?;
    let eps_count = match (opts.eps, opts.eps_shares) {
        (None, Some(_)) => return Err(Error::invalid("PerturbOptions: eps_shares without eps")),
        (Some(e), shares) => {
            check_len(shares, e.len(), "PerturbOptions::eps_shares (one per eps)")?;
            i32::try_from(e.len())
                .map_err(|_| Error::invalid("PerturbOptions::eps: too many values"))?
        }
        (None, None) => 0,
    };
    let rows = n
        .checked_mul(opts.images_per_vector.max(1) as usize)
        .ok_or_else(|| Error::new(Status::Overflow, "perturb: output rows overflow"))?;
    let mut out = out_buf(rows, dim)?;
    let mut eps_out: Vec<f32> = if want_eps {
        out_buf(rows, 1)?
    } else {
        Vec::new()
    };
    let o = sys::v2f_perturb_opts {
        struct_size: size_of::<sys::v2f_perturb_opts>() as u32,
        seed: opts.seed,
        dim: opts.dim,
        images_per_vector: opts.images_per_vector,
        identity_index: opt_ptr(opts.identity_index),
        identity_base: opts.identity_base,
        image_index: opt_ptr(opts.image_index),
        image_base: opts.image_base,
        eps: opt_ptr(opts.eps),
        eps_shares: opt_ptr(opts.eps_shares),
        eps_count,
        eps_out: if want_eps {
            eps_out.as_mut_ptr()
        } else {
            ptr::null_mut()
        },
    };
    // SAFETY: n rows of dim in; rows*dim out (images_per_vector 0 is
    // rejected by the library, and out has room for at least n rows).
    check(unsafe { sys::v2f_perturb(vectors.as_ptr(), n, &o, out.as_mut_ptr()) })?;
    Ok((out, eps_out))
}

// ----------------------------------------------------------------- sampler

/// A model of identity vectors (`v2f_sampler`): a multivariate normal
/// fitted to real identity centres, or random directions with a normal
/// norm. Immutable after creation, so `Send + Sync`.
pub struct Sampler {
    ptr: NonNull<sys::v2f_sampler>,
}

// SAFETY: the header: "Immutable after creation; may be used from several
// threads at once."
unsafe impl Send for Sampler {}
// SAFETY: as above.
unsafe impl Sync for Sampler {}

impl Drop for Sampler {
    fn drop(&mut self) {
        // SAFETY: owned pointer.
        unsafe { sys::v2f_sampler_free(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampler")
            .field("dim", &self.dim())
            .field("gaussian", &self.mean().is_some())
            .finish()
    }
}

/// Options of [`Sampler::sample`] (`v2f_sample_opts`). `Default` takes the
/// library's defaults (`v2f_sample_opts_init`: threshold 0.3).
#[derive(Clone, Copy, Debug)]
pub struct SampleOptions<'a> {
    /// Seed of the candidate stream.
    pub seed: u64,
    /// A candidate is kept only if its cosine to every kept and excluded
    /// vector is strictly below this; in (-1, 1].
    pub max_similarity: f32,
    /// 0 (default): online CPUs.
    pub threads: i32,
    /// Exclusion set `[rows][dim]` (e.g. the real identities).
    pub exclude: Option<&'a [f32]>,
    /// Stop with an error after this many candidates in one call
    /// (0: `1000 n + 100000`).
    pub max_candidates: u64,
    /// Candidates tested per block (0 = 256); does not change results.
    pub block_size: i32,
    /// Progress (vectors kept, n); may cancel.
    pub progress: Option<Progress<'a>>,
}

impl Default for SampleOptions<'_> {
    fn default() -> Self {
        let mut o = core::mem::MaybeUninit::<sys::v2f_sample_opts>::zeroed();
        // SAFETY: fills the whole struct.
        let o = unsafe {
            sys::v2f_sample_opts_init(o.as_mut_ptr(), size_of::<sys::v2f_sample_opts>());
            o.assume_init()
        };
        SampleOptions {
            seed: o.seed,
            max_similarity: o.max_similarity,
            threads: o.threads,
            exclude: None,
            max_candidates: o.max_candidates,
            block_size: o.block_size,
            progress: None,
        }
    }
}

/// Acceptance statistics (`v2f_sample_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SampleStats {
    /// Rows kept (cumulative over resumed calls).
    pub kept: u64,
    /// Next candidate index (cumulative; where to resume).
    pub candidates: u64,
    /// Rejected: too close to a kept vector.
    pub rejected_similar: u64,
    /// Rejected: too close to an exclusion vector.
    pub rejected_excluded: u64,
    /// Rejected: zero or non-finite candidate.
    pub rejected_invalid: u64,
    /// Cosines computed in the last call.
    pub comparisons: u64,
    /// `2 * dim * comparisons`.
    pub flops: f64,
    /// Wall time of the last call.
    pub seconds: f64,
    /// `flops / seconds / 1e9`.
    pub gflops: f64,
}

impl From<sys::v2f_sample_stats> for SampleStats {
    fn from(s: sys::v2f_sample_stats) -> Self {
        SampleStats {
            kept: s.kept,
            candidates: s.candidates,
            rejected_similar: s.rejected_similar,
            rejected_excluded: s.rejected_excluded,
            rejected_invalid: s.rejected_invalid,
            comparisons: s.comparisons,
            flops: s.flops,
            seconds: s.seconds,
            gflops: s.gflops,
        }
    }
}

/// Vectors kept by [`Sampler::sample`] so far and where to resume.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sampled {
    /// Kept vectors `[kept][dim]`, unnormalised.
    pub vectors: Vec<f32>,
    /// Statistics; `stats.candidates` is the resume point.
    pub stats: SampleStats,
}

impl Sampler {
    fn wrap(out: *mut sys::v2f_sampler, what: &str) -> Result<Sampler> {
        NonNull::new(out)
            .map(|ptr| Sampler { ptr })
            .ok_or_else(|| Error::new(Status::Internal, format!("{what} returned NULL")))
    }

    /// Fits mean and full covariance of real identity centres `[n][dim]`
    /// (n >= 2). `shrinkage` in [0, 1] blends the covariance toward a
    /// scaled identity; 0 needs n > dim and a full-rank covariance.
    pub fn fit(centres: &[f32], dim: usize, shrinkage: f32) -> Result<Sampler> {
        ensure_abi()?;
        let n = rows_of(centres.len(), dim, "centres ([n][dim])")?;
        let o = sys::v2f_sampler_fit_opts {
            struct_size: size_of::<sys::v2f_sampler_fit_opts>() as u32,
            shrinkage,
        };
        let mut out = ptr::null_mut();
        // SAFETY: n*dim floats.
        check(unsafe { sys::v2f_sampler_fit(centres.as_ptr(), n, dim, &o, &mut out) })?;
        Sampler::wrap(out, "v2f_sampler_fit")
    }

    /// A sampler of uniformly random directions with a norm drawn from
    /// N(norm_mean, norm_std^2) truncated to > 0.
    pub fn isotropic(dim: usize, norm_mean: f32, norm_std: f32) -> Result<Sampler> {
        ensure_abi()?;
        let mut out = ptr::null_mut();
        // SAFETY: out-pointer only.
        check(unsafe { sys::v2f_sampler_new_isotropic(dim, norm_mean, norm_std, &mut out) })?;
        Sampler::wrap(out, "v2f_sampler_new_isotropic")
    }

    /// Loads a sampler saved by [`Sampler::save`] (or numpy, same members).
    pub fn load(path: impl AsRef<Path>) -> Result<Sampler> {
        ensure_abi()?;
        let p = path_cstring(path.as_ref())?;
        let mut out = ptr::null_mut();
        // SAFETY: valid C string.
        check(unsafe { sys::v2f_sampler_load(p.as_ptr(), &mut out) })?;
        Sampler::wrap(out, "v2f_sampler_load")
    }

    /// Saves as .npz (atomically): members `meta`, and `mean`, `cov` for a
    /// fitted sampler.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let p = path_cstring(path.as_ref())?;
        // SAFETY: valid handle and C string.
        check(unsafe { sys::v2f_sampler_save(self.ptr.as_ptr(), p.as_ptr()) })
    }

    /// The raw handle (still owned by this `Sampler`).
    pub fn as_ptr(&self) -> *const sys::v2f_sampler {
        self.ptr.as_ptr()
    }

    /// Vector length.
    pub fn dim(&self) -> usize {
        // SAFETY: valid handle.
        unsafe { sys::v2f_sampler_dim(self.ptr.as_ptr()) }
    }

    /// Fitted mean `[dim]`; `None` for an isotropic sampler.
    pub fn mean(&self) -> Option<&[f32]> {
        // SAFETY: owned by the sampler, immutable, dim floats.
        let p = unsafe { sys::v2f_sampler_mean(self.ptr.as_ptr()) };
        (!p.is_null()).then(|| unsafe { core::slice::from_raw_parts(p, self.dim()) })
    }

    /// Covariance `[dim][dim]` as used for sampling; `None` for isotropic.
    pub fn cov(&self) -> Option<&[f32]> {
        // SAFETY: owned by the sampler, immutable, dim*dim floats.
        let p = unsafe { sys::v2f_sampler_cov(self.ptr.as_ptr()) };
        let d = self.dim();
        (!p.is_null()).then(|| unsafe { core::slice::from_raw_parts(p, d * d) })
    }

    /// Raw candidates `first .. first + n` of the stream of `seed`, without
    /// any separation test: `[n][dim]`.
    pub fn candidates(&self, seed: u64, first: u64, n: usize) -> Result<Vec<f32>> {
        let mut out = out_buf(n, self.dim())?;
        // SAFETY: n*dim floats.
        check(unsafe {
            sys::v2f_sampler_candidates(self.ptr.as_ptr(), seed, first, n, out.as_mut_ptr())
        })?;
        Ok(out)
    }

    /// Draws candidates and keeps each one whose cosine to every kept (and
    /// excluded) vector is below `opts.max_similarity`, until `n` are kept.
    pub fn sample(&self, n: usize, opts: &SampleOptions<'_>) -> Result<Sampled> {
        let mut state = Sampled::default();
        self.sample_resume(n, opts, &mut state)?;
        Ok(state)
    }

    /// Continues an earlier [`Sampler::sample`] with the same sampler, seed
    /// and threshold until `n` vectors are kept in total: the result equals
    /// one uninterrupted call. On success, and when the call is cancelled or
    /// stops at `max_candidates` (an error), `state` holds every vector kept
    /// so far and the resume point; on other errors it is unchanged.
    pub fn sample_resume(
        &self,
        n: usize,
        opts: &SampleOptions<'_>,
        state: &mut Sampled,
    ) -> Result<()> {
        let dim = self.dim();
        let resume_kept = rows_of(state.vectors.len(), dim, "Sampled::vectors ([kept][dim])")?;
        if resume_kept > n {
            return Err(Error::invalid(format!(
                "{resume_kept} vectors already kept, more than n = {n}"
            )));
        }
        let exclude_rows = match opts.exclude {
            Some(e) => rows_of(e.len(), dim, "SampleOptions::exclude ([rows][dim])")?,
            None => 0,
        };
        let mut out: Vec<f32> = out_buf(n, dim)?;
        out[..state.vectors.len()].copy_from_slice(&state.vectors);
        let mut o = sys::v2f_sample_opts {
            struct_size: size_of::<sys::v2f_sample_opts>() as u32,
            seed: opts.seed,
            max_similarity: opts.max_similarity,
            threads: opts.threads,
            exclude: opt_ptr(opts.exclude),
            exclude_rows: exclude_rows as u64,
            exclude_dim: dim as u64,
            resume_kept: resume_kept as u64,
            resume_candidates: state.stats.candidates,
            max_candidates: opts.max_candidates,
            block_size: opts.block_size,
            progress: None,
            progress_user: ptr::null_mut(),
        };
        let mut stats = sys::v2f_sample_stats {
            struct_size: size_of::<sys::v2f_sample_stats>() as u32,
            ..Default::default()
        };
        let r = with_progress(opts.progress, |f, user| {
            o.progress = f;
            o.progress_user = user;
            // SAFETY: out holds n*dim floats (the first resume_kept rows
            // filled); exclusion rows checked.
            check(unsafe {
                sys::v2f_sample_identities(self.ptr.as_ptr(), n, &o, out.as_mut_ptr(), &mut stats)
            })
        });
        // Stats are written on success, cancel and the max_candidates stop;
        // then they moved past the resume point.
        let valid = r.is_ok() || stats.candidates > state.stats.candidates;
        if valid {
            let kept = (stats.kept as usize).min(n);
            out.truncate(kept * dim);
            state.vectors = out;
            state.stats = stats.into();
        }
        r
    }
}

// ----------------------------------------------------------------- centres

/// Identity centres: the mean feature of each label. `features` is
/// `[n][dim]`, `labels` `[n]` in `0..num_ids`, every identity needs a
/// feature. `normalize` scales each feature to unit norm first (the
/// official code does not). Returns the centres `[num_ids][dim]` and the
/// feature count of each identity.
pub fn identity_centres(
    features: &[f32],
    dim: usize,
    labels: &[i64],
    num_ids: usize,
    normalize: bool,
) -> Result<(Array, Vec<u64>)> {
    ensure_abi()?;
    let n = rows_of(features.len(), dim, "features ([n][dim])")?;
    check_len(Some(labels), n, "labels (one per feature row)")?;
    let mut counts: Vec<u64> = out_buf(num_ids, 1)?;
    let mut o = centres_opts_default();
    o.normalize = normalize as i32;
    o.counts_out = counts.as_mut_ptr();
    let mut out = ptr::null_mut();
    // SAFETY: n*dim features, n labels, num_ids counts.
    check(unsafe {
        sys::v2f_identity_centres_from_features(
            features.as_ptr(),
            n,
            dim,
            labels.as_ptr(),
            num_ids,
            &o,
            &mut out,
        )
    })?;
    // SAFETY: a fresh array owned by us.
    let array = unsafe { Array::take(out) }?;
    Ok((array, counts))
}

pub(crate) fn centres_opts_default() -> sys::v2f_centres_opts {
    let mut o = core::mem::MaybeUninit::<sys::v2f_centres_opts>::zeroed();
    // SAFETY: fills the whole struct.
    unsafe {
        sys::v2f_centres_opts_init(o.as_mut_ptr(), size_of::<sys::v2f_centres_opts>());
        o.assume_init()
    }
}

// ------------------------------------------------------------ separability

/// Options of [`separability`]. `Default` takes the library's defaults.
#[derive(Clone, Copy, Debug, Default)]
pub struct SeparabilityOptions<'a> {
    /// 0 (default): online CPUs.
    pub threads: i32,
    /// Progress (rows done, n); may cancel.
    pub progress: Option<Progress<'a>>,
}

/// What [`separability`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct SeparabilityReport {
    /// Number of vectors.
    pub n: u64,
    /// Vectors whose nearest-neighbour cosine is <= the threshold.
    pub separated: u64,
    /// The threshold used.
    pub threshold: f32,
    /// Smallest nearest-neighbour cosine.
    pub nn_min: f32,
    /// Mean nearest-neighbour cosine.
    pub nn_mean: f32,
    /// Largest nearest-neighbour cosine.
    pub nn_max: f32,
    /// Nearest-neighbour cosines in [`SEPARABILITY_BINS`] bins over [-1, 1].
    pub histogram: Vec<u64>,
    /// Each vector's nearest-neighbour cosine `[n]`.
    pub nn: Vec<f32>,
}

/// Separability of identity vectors `[n][dim]` (all pairs): how many have
/// no other vector above `threshold` (0.4 is the official measure).
pub fn separability(
    vectors: &[f32],
    dim: usize,
    threshold: f32,
    opts: &SeparabilityOptions<'_>,
) -> Result<SeparabilityReport> {
    ensure_abi()?;
    let n = rows_of(vectors.len(), dim, "vectors ([n][dim])")?;
    let mut nn: Vec<f32> = out_buf(n, 1)?;
    let mut o = sys::v2f_separability_opts {
        struct_size: size_of::<sys::v2f_separability_opts>() as u32,
        threads: opts.threads,
        nn_out: nn.as_mut_ptr(),
        progress: None,
        progress_user: ptr::null_mut(),
    };
    // SAFETY: plain-old-data struct; zero is valid.
    let mut rep: sys::v2f_separability_report = unsafe { core::mem::zeroed() };
    rep.struct_size = size_of::<sys::v2f_separability_report>() as u32;
    with_progress(opts.progress, |f, user| {
        o.progress = f;
        o.progress_user = user;
        // SAFETY: n*dim floats in, n floats nn_out.
        check(unsafe { sys::v2f_separability(vectors.as_ptr(), n, dim, threshold, &o, &mut rep) })
    })?;
    Ok(SeparabilityReport {
        n: rep.n,
        separated: rep.separated,
        threshold: rep.threshold,
        nn_min: rep.nn_min,
        nn_mean: rep.nn_mean,
        nn_max: rep.nn_max,
        histogram: rep.histogram[..SEPARABILITY_BINS].to_vec(),
        nn,
    })
}
