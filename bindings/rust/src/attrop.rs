//! AttrOP: attribute optimisation of identity vectors.

use crate::error::{Error, Result, Status, check};
use crate::model::{MasksRef, Model};
use crate::{
    COND_DIM, IMAGE_BYTES, NUM_TOKENS, Part, VECTOR_DIM, check_len, opt_ptr, out_buf, rows_of, sys,
};
use core::marker::PhantomData;
use core::ptr::{self, NonNull};

/// Pose-conditioned generation inside the AttrOP loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PoseInput<'a> {
    /// One landmark image per vector (needs `pose_cond.pt`).
    Landmarks(&'a [u8]),
    /// One condition `[768]` per vector.
    Condition(&'a [f32]),
}

/// Options of AttrOP (`v2f_attrop_opts`). `Default` takes the library's
/// defaults (`v2f_attrop_opts_init`).
#[derive(Clone, Copy, Debug)]
pub struct AttrOpOptions<'a> {
    /// Adam learning rate (0.1).
    pub lr: f32,
    /// Identity threshold on 1 - cos (0.3).
    pub target_sim: f32,
    /// MagFace norm target (24); 0 = no quality loss.
    pub quality_target: f32,
    /// |yaw| target in degrees; negative (default -1) = no pose loss.
    pub yaw_target: f32,
    /// [`Part::ArcFace`] (default) or [`Part::MagFace`].
    pub identity_model: Part,
    /// [`Part::MagFace`] (default) or [`Part::ArcFace`].
    pub quality_model: Part,
    /// Steps per [`AttrOp::run`] that may not count (30).
    pub max_retries: i32,
    /// Seed of the mask keys.
    pub seed: u64,
    /// Identity index of each vector `[n]`; `None`: `identity_base + i`.
    pub identity_index: Option<&'a [u64]>,
    /// See `identity_index`.
    pub identity_base: u64,
    /// Image index of the final images.
    pub image_base: u64,
    /// Pose-conditioned generation in the loop; `None` = plain generator.
    pub pose: Option<PoseInput<'a>>,
    /// Explicit masks for every step and the final images.
    pub masks: Option<MasksRef<'a>>,
}

impl Default for AttrOpOptions<'_> {
    fn default() -> Self {
        let mut o = core::mem::MaybeUninit::<sys::v2f_attrop_opts>::zeroed();
        // SAFETY: fills the whole struct.
        let o = unsafe {
            sys::v2f_attrop_opts_init(o.as_mut_ptr(), size_of::<sys::v2f_attrop_opts>());
            o.assume_init()
        };
        AttrOpOptions {
            lr: o.lr,
            target_sim: o.target_sim,
            quality_target: o.quality_target,
            yaw_target: o.yaw_target,
            identity_model: Part::from_code(o.identity_model).unwrap_or(Part::ArcFace),
            quality_model: Part::from_code(o.quality_model).unwrap_or(Part::MagFace),
            max_retries: o.max_retries,
            seed: o.seed,
            identity_index: None,
            identity_base: o.identity_base,
            image_base: o.image_base,
            pose: None,
            masks: None,
        }
    }
}

/// Losses of the last optimiser step and counts for the call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttrOpLosses {
    /// Batch mean identity loss.
    pub identity: f32,
    /// Batch mean quality loss.
    pub quality: f32,
    /// Batch mean pose loss.
    pub pose: f32,
    /// identity + quality + pose.
    pub total: f32,
    /// Whether the last step counted (else it exceeded a threshold).
    pub counted: bool,
    /// Optimiser steps taken by this call.
    pub steps: i32,
    /// Steps of this call that did not count.
    pub retries: i32,
    /// Per-vector identity loss of the last step `[n]`.
    pub identity_per_vector: Vec<f32>,
    /// Per-vector quality loss `[n]`.
    pub quality_per_vector: Vec<f32>,
    /// Per-vector pose loss `[n]`.
    pub pose_per_vector: Vec<f32>,
}

/// An AttrOP run (`v2f_attrop`): a copy of `n` identity vectors optimised
/// with Adam through the generator and the estimators. It borrows its
/// [`Model`]. `Send` but not `Sync`: one thread at a time (the header says
/// the handle is single-threaded; the model may be shared).
///
/// ```compile_fail
/// fn shared_between_threads<T: Sync>() {}
/// shared_between_threads::<vec2face::AttrOp<'static>>(); // AttrOp is not Sync
/// ```
pub struct AttrOp<'m> {
    ptr: NonNull<sys::v2f_attrop>,
    n: usize,
    _model: PhantomData<&'m Model>,
}

// SAFETY: the handle is not tied to a thread; it is only used by one thread
// at a time (no Sync, and mutation takes &mut self). The model it borrows
// is Sync.
unsafe impl Send for AttrOp<'_> {}

impl Drop for AttrOp<'_> {
    fn drop(&mut self) {
        // SAFETY: owned pointer from v2f_attrop_new.
        unsafe { sys::v2f_attrop_free(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for AttrOp<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttrOp")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

impl<'m> AttrOp<'m> {
    /// Starts AttrOP on `vectors` (`[n][512]`, copied). `class_vectors`
    /// (`[n][512]`) are identity centres for the hinged identity loss;
    /// `None`: the loss is against the input vectors. A needed part that is
    /// absent is [`Status::Unsupported`] naming the file.
    pub fn new(
        model: &'m Model,
        vectors: &[f32],
        class_vectors: Option<&[f32]>,
        opts: &AttrOpOptions<'_>,
    ) -> Result<AttrOp<'m>> {
        let n = rows_of(vectors.len(), VECTOR_DIM, "vectors ([n][512])")?;
        check_len(class_vectors, vectors.len(), "class_vectors ([n][512])")?;
        check_len(opts.identity_index, n, "AttrOpOptions::identity_index")?;
        let (landmarks, condition) = match opts.pose {
            None => (None, None),
            Some(PoseInput::Landmarks(l)) => {
                check_len(
                    Some(l),
                    n.saturating_mul(IMAGE_BYTES),
                    "AttrOpOptions::pose landmarks",
                )?;
                (Some(l), None)
            }
            Some(PoseInput::Condition(c)) => {
                check_len(
                    Some(c),
                    n.saturating_mul(COND_DIM),
                    "AttrOpOptions::pose condition",
                )?;
                (None, Some(c))
            }
        };
        if let Some(m) = opts.masks {
            let want = n.saturating_mul(NUM_TOKENS);
            check_len(
                Some(m.dropped),
                want,
                "AttrOpOptions::masks.dropped ([n][49])",
            )?;
            check_len(
                Some(m.masked),
                want,
                "AttrOpOptions::masks.masked ([n][49])",
            )?;
        }
        let o = sys::v2f_attrop_opts {
            struct_size: size_of::<sys::v2f_attrop_opts>() as u32,
            lr: opts.lr,
            target_sim: opts.target_sim,
            quality_target: opts.quality_target,
            yaw_target: opts.yaw_target,
            identity_model: opts.identity_model.code(),
            quality_model: opts.quality_model.code(),
            max_retries: opts.max_retries,
            seed: opts.seed,
            identity_index: opt_ptr(opts.identity_index),
            identity_base: opts.identity_base,
            image_base: opts.image_base,
            landmarks: opt_ptr(landmarks),
            condition: opt_ptr(condition),
            dropped: opts.masks.map_or(ptr::null(), |m| m.dropped.as_ptr()),
            masked: opts.masks.map_or(ptr::null(), |m| m.masked.as_ptr()),
        };
        let mut out = ptr::null_mut();
        // SAFETY: every slice was checked for n rows; the library copies
        // what it keeps.
        check(unsafe {
            sys::v2f_attrop_new(
                model.as_ptr(),
                vectors.as_ptr(),
                opt_ptr(class_vectors),
                n,
                &o,
                &mut out,
            )
        })?;
        let ptr = NonNull::new(out)
            .ok_or_else(|| Error::new(Status::Internal, "v2f_attrop_new returned NULL"))?;
        Ok(AttrOp {
            ptr,
            n,
            _model: PhantomData,
        })
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false (AttrOP needs n > 0).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn losses_call(
        &mut self,
        call: impl FnOnce(*mut sys::v2f_attrop, *mut sys::v2f_attrop_losses) -> sys::v2f_status,
    ) -> Result<AttrOpLosses> {
        let mut l = AttrOpLosses {
            identity_per_vector: out_buf(self.n, 1)?,
            quality_per_vector: out_buf(self.n, 1)?,
            pose_per_vector: out_buf(self.n, 1)?,
            ..AttrOpLosses::default()
        };
        let mut c = sys::v2f_attrop_losses {
            struct_size: size_of::<sys::v2f_attrop_losses>() as u32,
            identity: 0.0,
            quality: 0.0,
            pose: 0.0,
            total: 0.0,
            counted: 0,
            steps: 0,
            retries: 0,
            identity_per_vector: l.identity_per_vector.as_mut_ptr(),
            quality_per_vector: l.quality_per_vector.as_mut_ptr(),
            pose_per_vector: l.pose_per_vector.as_mut_ptr(),
        };
        check(call(self.ptr.as_ptr(), &mut c))?;
        l.identity = c.identity;
        l.quality = c.quality;
        l.pose = c.pose;
        l.total = c.total;
        l.counted = c.counted != 0;
        l.steps = c.steps;
        l.retries = c.retries;
        Ok(l)
    }

    /// One Adam step on the vectors with fresh masks.
    pub fn step(&mut self) -> Result<AttrOpLosses> {
        // SAFETY: owned handle; per-vector arrays hold n floats.
        self.losses_call(|h, l| unsafe { sys::v2f_attrop_step(h, l) })
    }

    /// The official loop: `iterations` counted steps (up to
    /// `iterations + max_retries` optimiser steps).
    pub fn run(&mut self, iterations: i32) -> Result<AttrOpLosses> {
        // SAFETY: as in step.
        self.losses_call(|h, l| unsafe { sys::v2f_attrop_run(h, iterations, l) })
    }

    /// The optimised vectors `[n][512]`.
    pub fn vectors(&self) -> Result<Vec<f32>> {
        let mut out = out_buf(self.n, VECTOR_DIM)?;
        // SAFETY: n*512 floats.
        check(unsafe { sys::v2f_attrop_vectors(self.ptr.as_ptr(), out.as_mut_ptr()) })?;
        Ok(out)
    }

    /// Gradient `[n][512]` of the last step's total loss with respect to the
    /// vectors (before Adam's update).
    pub fn gradient(&self) -> Result<Vec<f32>> {
        let mut out = out_buf(self.n, VECTOR_DIM)?;
        // SAFETY: n*512 floats.
        check(unsafe { sys::v2f_attrop_gradient(self.ptr.as_ptr(), out.as_mut_ptr()) })?;
        Ok(out)
    }

    /// Final images of the optimised vectors (plain generator, fresh masks).
    pub fn images(&self) -> Result<Vec<u8>> {
        let mut out = out_buf(self.n, IMAGE_BYTES)?;
        // SAFETY: n images.
        check(unsafe { sys::v2f_attrop_images(self.ptr.as_ptr(), out.as_mut_ptr()) })?;
        Ok(out)
    }
}
