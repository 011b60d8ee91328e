/*
 * vec2face/dataset.h - datasets as folders: the recipe, jobs that make a
 * shard, verification, and the measured report.
 * Conventions (errors, struct_size, callbacks, batches): common.h.
 */
#ifndef VEC2FACE_DATASET_H
#define VEC2FACE_DATASET_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A dataset is a folder:
 *   <out>/recipe.txt                  canonical recipe text + its digest
 *   <out>/<identity %06d>/<image %03d>.png|jpg
 *   <out>/manifest/part-<K>-of-<N>.csv
 * Image j of identity i (its row in the identities file) is generated from
 * v2f_perturb of vector i keyed (seed, i, j): images j < perturb_images
 * with the recipe's eps mixture and the plain generator, the next
 * pose_images with eps = pose_eps and the pose generator, conditioned on a
 * template (a five-point set drawn by v2f_render_landmarks, or a landmark
 * image; cycled or sampled, see pose_order), the next attrop_images by
 * AttrOP. The generator's masks are keyed (seed, i, j) too,
 * so shard K of N (identities [K*num/N, (K+1)*num/N)) uses exactly the
 * vectors and masks one unsharded run uses, and a restart those an
 * uninterrupted run would have used. Pixels then agree within 1/255 (the
 * batch contract of common.h).
 *
 * Durability: every image is written to a temporary name and renamed;
 * each shard appends its manifest part (header "identity,file,image,
 * source,eps,seed,attempt,status,similarity,quality,yaw"; source is
 * "perturb", "pose" or "attrop"; attempt is the filter attempt of the
 * image (0: first); status is "ok" or "dropped"; the measured columns are
 * empty when not measured; parts with the first six columns only are
 * still read) and fsyncs it at batch boundaries, after the
 * batch's images are in place. A restart skips an image whose file exists
 * or whose row says dropped (adding the row of a file without one; when
 * the recipe measures or filters, such a file is made again instead, as
 * its measurements are unknown) and makes the rest; leftover temporary
 * files are removed. Shards write disjoint files
 * and may run at the same time as separate processes.
 *
 * A shard is made by one job at a time (@since 0.3): v2f_dataset_job_run
 * holds an exclusive flock() on <out>/.shard-<K>-of-<N>.lock while it
 * runs (see there). The lock file stays in the folder (removing it would
 * race with a process about to lock it); v2f_dataset_verify and
 * v2f_dataset_merge ignore it (merge copies no hidden file). */

/** Image file format of a dataset. @since 0.1 */
typedef enum v2f_dataset_format {
    V2F_DATASET_PNG = 0,
    V2F_DATASET_JPEG = 1
} v2f_dataset_format;

/** What to generate. Filled by v2f_dataset_recipe_init; the strings and
 *  arrays are copied by v2f_dataset_job_new. @since 0.1 */
typedef struct v2f_dataset_recipe {
    uint32_t struct_size;
    /** Identity vectors: a float32 .npy of shape [num_ids][512]. */
    const char *identities;
    /** Output folder, created when missing. */
    const char *out_dir;
    /** Seed of the perturbation noise and the generator's masks. */
    uint64_t seed;
    /** Images per identity from perturbation (default 4), >= 0. */
    int32_t perturb_images;
    /** Their eps mixture, as in v2f_perturb_opts: eps_count values eps[k]
     *  drawn with weights eps_shares[k] (NULL: equal); eps NULL or
     *  eps_count 0: 0.3/0.5/0.7 with shares 0.4/0.4/0.2. At most 64. */
    int32_t eps_count;
    const float *eps;
    const float *eps_shares;
    /** Images per identity from pose control (default 0), >= 0;
     *  perturb_images + pose_images (+ attrop_images) must be 1..1000. */
    int32_t pose_images;
    /** Five-point templates [pose_templates][10] (x, y pixel pairs in
     *  v2f_render_landmarks order), cycled by image index (see
     *  pose_order); pose_images > 0 needs these or pose_landmarks. */
    int32_t pose_templates;
    const float *pose_points;
    /** Perturbation eps of the pose images (default 0.7, as the official
     *  pose script). */
    float pose_eps;
    /** v2f_dataset_format (default V2F_DATASET_PNG). */
    int32_t format;
    /** JPEG quality 1..100 (default 95). */
    int32_t jpeg_quality;
    /** Images per batch: per generator call, and how often the
     *  manifest is fsync'ed and progress is reported. 0 (default): the
     *  model's default_batch_size (v2f_model_info).
     *  Not part of the recipe's identity: a restart may change it. */
    int32_t batch_size;
    /** What to measure per image and record in the manifest: a bitwise OR
     *  of v2f_dataset_measure (default 0). Measured on the generated
     *  pixels (before JPEG encoding), in batches: similarity is the cosine
     *  (double sums) between the image's ArcFace feature
     *  (v2f_extract_features) and its identity's vector; quality is
     *  v2f_estimate_quality; yaw is angles[1] of v2f_estimate_pose. Each
     *  needs its model part (arcface.pt, magface.pt, headpose.pt): absent
     *  is V2F_E_UNSUPPORTED at v2f_dataset_job_new. Part of the recipe
     *  digest: a manifest either has a value for every image or for none,
     *  so a restart may not switch it. @since 0.2 */
    uint32_t measure;
    /** Identity-consistency filter (v2f_dataset_filter, default
     *  V2F_DATASET_FILTER_NONE): an image whose similarity (measured
     *  implicitly) is below filter_threshold is dropped, or regenerated
     *  with noise and masks keyed (seed, identity, image + (attempt <<
     *  32)) for attempt 1, 2, ... until filter_max_attempts attempts in all
     *  failed, then dropped. A dropped image has no file and a manifest
     *  row with status "dropped"; verify counts it as done. @since 0.2 */
    int32_t filter;
    float filter_threshold;       /* cosine in [-1, 1]; @since 0.2 */
    int32_t filter_max_attempts;  /* 1..100 (default 3; DROP: 1); @since 0.2 */
    /** Images per identity from AttrOP (default 0), after the pose
     *  images: image j starts from v2f_perturb of the identity's vector
     *  with the recipe's eps mixture keyed (seed, identity, j), runs
     *  attrop_iterations counted AttrOP steps (v2f_attrop_run, one image
     *  per run so results do not depend on batching) toward
     *  attrop_quality and yaw target attrop_yaw[(j - first AttrOP image) %
     *  attrop_yaw_count] with the identity's vector as class centre, and
     *  the final image is v2f_attrop_images (masks keyed (seed, identity,
     *  j)); the loop's own masks are keyed (seed, identity, step) by the
     *  AttrOP API. Another shard split agrees like the other images.
     *  Needs generator.pt, arcface.pt, magface.pt when attrop_quality > 0,
     *  headpose.pt when yaw targets are given.
     *  perturb_images + pose_images + attrop_images must be 1..1000.
     *  @since 0.2 (this field and the five after it) */
    int32_t attrop_images;
    float attrop_quality;         /* MagFace norm target (24); 0 = none */
    int32_t attrop_yaw_count;     /* 0 (default): no pose loss */
    const float *attrop_yaw;      /* |yaw| targets in degrees, >= 0 */
    int32_t attrop_iterations;    /* counted steps, 1..10000 (default 5) */
    int32_t attrop_max_retries;   /* steps over the loss thresholds that
                                     may not count, 0..10000 (default 30,
                                     v2f_attrop_opts.max_retries) */
    /** How pose image j picks its template: V2F_DATASET_POSE_CYCLE
     *  (default: (j - perturb_images) % templates) or
     *  V2F_DATASET_POSE_SAMPLE (uniform, drawn from a counter-based stream
     *  keyed (seed, identity, j); the same for every filter attempt).
     *  @since 0.2 */
    int32_t pose_order;
    /** Landmark-image templates: pose_landmark_count paths, each a
     *  112x112 PNG/JPEG landmark map (as v2f_generate_pose takes; e.g. the
     *  official dense landmark images) or a folder whose *.png, *.jpg and
     *  *.jpeg files are taken in name order. They follow the
     *  pose_templates five-point templates in the template list; their
     *  decoded pixels are hashed into the recipe digest. @since 0.2 */
    int32_t pose_landmark_count;
    const char *const *pose_landmarks;
    /** PNG zlib level of the images, as v2f_image_write_opts.png_level:
     *  -1 (default) = V2F_PNG_LEVEL_DEFAULT, 0..9; outside -1..9 is
     *  V2F_E_INVALID_ARG at v2f_dataset_job_new. Ignored for JPEG. Not
     *  part of the recipe digest (it changes the bytes of a file, not its
     *  pixels), so a restart or another shard may use another level: a
     *  folder may then hold files of both levels, which verify accepts
     *  (it decodes, never compares bytes). v2f_dataset_merge compares
     *  same-named files by bytes, so two folders (or a folder and the
     *  merge's existing output) that both hold one image written at
     *  different levels are refused as conflicting, naming both files;
     *  the shards of one dataset have disjoint files and merge whatever
     *  their levels.
     *  @since 0.3 */
    int32_t png_level;
    /** What v2f_dataset_job_run does when another process or job holds
     *  the shard's lock: 0 (default) returns V2F_E_BUSY at once, nothing
     *  written; 1 waits until the lock is free, then resumes as usual
     *  (usually finding the shard complete and writing nothing). The wait
     *  polls the lock every 0.1 s and calls the progress callback each
     *  time with (0, 0), so a cancel (a non-zero return, e.g. after a
     *  signal) ends it with V2F_E_CANCELLED. Other values are
     *  V2F_E_INVALID_ARG at v2f_dataset_job_new. Not part of the recipe
     *  digest.
     *  @since 0.3 */
    int32_t wait_lock;
} v2f_dataset_recipe;

/** Flags of v2f_dataset_recipe.measure. @since 0.2 */
typedef enum v2f_dataset_measure {
    V2F_DATASET_MEASURE_SIMILARITY = 1,  /* needs arcface.pt */
    V2F_DATASET_MEASURE_QUALITY = 2,     /* needs magface.pt */
    V2F_DATASET_MEASURE_YAW = 4          /* needs headpose.pt */
} v2f_dataset_measure;

/** v2f_dataset_recipe.filter. @since 0.2 */
typedef enum v2f_dataset_filter {
    V2F_DATASET_FILTER_NONE = 0,
    V2F_DATASET_FILTER_DROP = 1,
    V2F_DATASET_FILTER_REGENERATE = 2
} v2f_dataset_filter;

/** v2f_dataset_recipe.pose_order. @since 0.2 */
typedef enum v2f_dataset_pose_order {
    V2F_DATASET_POSE_CYCLE = 0,
    V2F_DATASET_POSE_SAMPLE = 1
} v2f_dataset_pose_order;

/** Fill r with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_dataset_recipe_init(v2f_dataset_recipe *r, size_t size);

/** Counts of a job (filled). @since 0.1 */
typedef struct v2f_dataset_stats {
    uint32_t struct_size;
    /** This shard's identities: [identity_first, identity_end). */
    uint64_t identity_first;
    uint64_t identity_end;
    uint64_t identities_total;    /* identity_end - identity_first */
    uint64_t identities_skipped;  /* complete before this run */
    uint64_t identities_done;     /* complete now (skipped included) */
    uint64_t images_total;        /* of this shard */
    uint64_t images_written;      /* generated and written by this run */
    uint64_t images_skipped;      /* already on disk before this run */
    uint64_t rows_added;          /* manifest rows added for files that
                                     were on disk without one */
    /* Counts of this run, @since 0.2: */
    uint64_t images_measured;     /* generation attempts measured */
    uint64_t filter_rejected;     /* attempts below filter_threshold */
    uint64_t filter_regenerated;  /* images kept after more than one
                                     attempt */
    uint64_t images_dropped;      /* images dropped by the filter */
} v2f_dataset_stats;

/** A dataset job: one shard of a recipe. Single-threaded: use it from
 *  one thread at a time (the model may be shared). @since 0.1 */
typedef struct v2f_dataset_job v2f_dataset_job;

/** Prepare shard shard_index of shard_count: check the recipe and the
 *  model's parts, read the identities, create the output folder, and
 *  write <out>/recipe.txt, or compare with the one there: a different
 *  recipe, seed or identities file is refused with V2F_E_INVALID_ARG and
 *  a message "recipe differs from the one in <out>/recipe.txt: ..." that
 *  names the first setting that changed. The model must outlive the job.
 *  @param recipe  the recipe (copied); not NULL
 *  @param out     receives the job (NULL on failure)
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, bad recipe or shard, recipe
 *          changed), V2F_E_UNSUPPORTED (a needed model part is absent),
 *          V2F_E_IO, V2F_E_FORMAT (identities file, recipe.txt),
 *          V2F_E_NO_MEMORY, V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_dataset_job_new(const v2f_model *model,
                                       const v2f_dataset_recipe *recipe,
                                       uint32_t shard_index,
                                       uint32_t shard_count,
                                       v2f_dataset_job **out);

/** Make the shard's missing images. progress (may be NULL) gets (images
 *  of this shard complete, images of this shard) after the scan of what
 *  is on disk and after every batch; a non-zero return stops after the
 *  current batch with V2F_E_CANCELLED, leaving a state that a new job
 *  with the same recipe resumes. A write error stops the run with
 *  V2F_E_IO naming the path; nothing half-written is left under a final
 *  name. May be called again after a failure or a cancel.
 *
 *  The call first takes the shard's lock (@since 0.3): an exclusive flock()
 *  on <out>/.shard-<K>-of-<N>.lock (created when missing; its content
 *  names the holder's pid, host and start time), held until the call
 *  returns and released by the kernel if the process dies (kill -9
 *  included), so a re-queued or doubly submitted task cannot make the
 *  shard a second time: when the lock is held the call returns
 *  V2F_E_BUSY with a message naming the folder, the shard, the lock file
 *  and the holder, having written nothing, or waits for it with
 *  recipe.wait_lock = 1. A flock belongs to an open file description, so
 *  a second job of the same process on the same shard is refused too.
 *  Different shards (and shard counts) have different locks. Where the
 *  file system has no flock (ENOLCK, ENOSYS, EOPNOTSUPP, EINVAL: e.g. NFS
 *  mounted nolock, Lustre without -o flock) the run goes on without the
 *  lock after a V2F_LOG_WARN message. On NFS, flock is
 *  seen by all clients only where the client maps it to NFS locks (Linux
 *  does unless mounted local_lock=flock|all), and the lock of a node that
 *  died is only freed when the server's lease for it expires.
 *
 *  The images of batch k are encoded and written (and the batch's
 *  manifest rows appended and fsync'ed) by a writer thread that the call
 *  starts and joins, while batch k+1 is generated and measured on the
 *  calling thread; at most one batch is in flight (two batch buffers).
 *  Files and rows keep their order. progress is called on the calling
 *  thread, once batch k is on disk with
 *  its rows, so `done` counts files in place; the report of batch k thus
 *  comes after batch k+1 is generated, and a cancel then also writes
 *  batch k+1 (already made) before returning. A write error in the
 *  writer stops the generation of the next batch at its next generator
 *  call and is returned here with the writer's status and message
 *  (v2f_last_error() on the calling thread). Log messages of the writer
 *  come from its thread. If no thread can be started the batch is written
 *  on the calling thread.
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO, V2F_E_FORMAT (a manifest
 *          part that is not ours), V2F_E_BACKEND, V2F_E_NO_MEMORY,
 *          V2F_E_CANCELLED (also while waiting for the lock), V2F_E_BUSY
 *          (the shard's lock is held and wait_lock is 0)
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_dataset_job_run(v2f_dataset_job *job,
                                       v2f_progress_fn progress, void *user);

/** The job's counts so far. @return V2F_OK, V2F_E_INVALID_ARG
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_dataset_job_stats(const v2f_dataset_job *job,
                                         v2f_dataset_stats *stats);

/** Free a job; NULL is a no-op. @since 0.1 */
V2F_API void v2f_dataset_job_free(v2f_dataset_job *job);

/** What v2f_dataset_verify found (filled). @since 0.1 */
typedef struct v2f_dataset_report {
    uint32_t struct_size;
    uint64_t identities;           /* in the recipe */
    uint64_t identities_complete;  /* every image present, decoding, with
                                      its manifest row */
    uint64_t images_expected;
    uint64_t images_ok;            /* present and decode as 112x112 */
    uint64_t images_missing;
    uint64_t images_corrupt;       /* present but do not decode as 112x112 */
    uint64_t manifest_parts;
    uint64_t manifest_rows;        /* valid rows in all parts */
    uint64_t problems;             /* everything wrong, counted */
    char first_problem[512];       /* "" when none */
    uint64_t images_dropped;       /* rows with status "dropped" (filter);
                                      @since 0.2 */
} v2f_dataset_report;

/** Check a dataset folder against its recipe.txt: every identity has
 *  every image, every file decodes as a 112x112 image, every image has
 *  exactly one manifest row (identical rows in two parts count once),
 *  every row names an image of the recipe, no temporary file is left.
 *  An image whose row says "dropped" (filter) is complete without a file
 *  and must have none; rows must have the source of their image index,
 *  an attempt below the recipe's filter_max_attempts and every
 *  measurement the recipe asks for; six-column parts are read as they
 *  are.
 *  @param out_dir  the dataset folder
 *  @param report   filled (up to report->struct_size) on V2F_OK and on
 *                  V2F_E_FORMAT; may be NULL
 *  @return V2F_OK (complete and consistent), V2F_E_FORMAT (problems: the
 *          message gives their count and the first), V2F_E_IO (no
 *          readable recipe.txt), V2F_E_INVALID_ARG, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_dataset_verify(const char *out_dir,
                                      v2f_dataset_report *report);

/* ------------------------------------------------------------------ */
/* Dataset merge                                                        */
/* ------------------------------------------------------------------ */

/** Options for v2f_dataset_merge. @since 0.4 */
typedef struct v2f_dataset_merge_opts {
    uint32_t struct_size;
    /** 1: hard-link images instead of copying them (copied where SRC and
     *  DST are on different filesystems or links are refused); manifest
     *  parts and recipe.txt are always copies. Default 0. */
    int32_t link;
    /** 1 (default): verify out_dir after the merge (v2f_dataset_verify);
     *  0: skip it (the caller verifies, e.g. to print the report). */
    int32_t verify;
    /** Progress (files written, files to write) before the first write
     *  and after each file; non-zero cancels (V2F_E_CANCELLED): every file
     *  written so far is complete, no temporary file is left, and the
     *  same call later finishes the merge. */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_dataset_merge_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.4 */
V2F_API void v2f_dataset_merge_opts_init(v2f_dataset_merge_opts *o,
                                         size_t size);

/** What v2f_dataset_merge did (filled). @since 0.4 */
typedef struct v2f_dataset_merge_stats {
    uint32_t struct_size;
    uint64_t sources;        /* source folders merged */
    uint64_t files_copied;   /* images (and parts DST lacked) copied or
                                linked */
    uint64_t parts_merged;   /* manifest parts written as a union of rows */
    uint64_t files_skipped;  /* already in DST with the same bytes (or the
                                same rows), or the same in two SRCs */
} v2f_dataset_merge_stats;

/** Combine dataset folders made with one recipe (e.g. the shards of a
 *  cluster job, each in a folder of its own) into out_dir, created when
 *  missing, then verify it.
 *
 *  Every source must hold a recipe.txt with the same digest (and out_dir
 *  too when it has one). out_dir receives recipe.txt (and identities.npy/
 *  .txt/.src) when it lacks them, every identity folder's images and the
 *  manifest parts: a part name out_dir lacks is copied; the same part name
 *  in several places becomes the union of their rows (the header once,
 *  out_dir's rows first, then each source's new rows in order). A file
 *  already in out_dir with identical bytes is skipped; the same name with
 *  other bytes is refused naming both files. Every check (digests, bytes,
 *  parts) runs before the first write, so a refusal writes nothing. Each
 *  file goes to ".NAME.merge.tmp" beside it and is renamed; a call after
 *  an interruption removes such leftovers and finishes the merge. Hidden
 *  files of the sources (e.g. shard lock files) are not copied.
 *  @param out_dir   the merged dataset folder (DST)
 *  @param src_dirs  n_src source folders, none of them out_dir
 *  @param n_src     at least 1
 *  @param opts      NULL: defaults (copy, verify, no progress)
 *  @param stats     filled (up to stats->struct_size) when the files are
 *                   merged (V2F_OK or V2F_E_FORMAT); may be NULL
 *  @param report    the verify result, filled as by v2f_dataset_verify
 *                   when opts->verify is 1; may be NULL
 *  @return V2F_OK (merged and complete), V2F_E_FORMAT (merged, but
 *          verify found problems: e.g. shards still missing; or a source's
 *          manifest part is torn, empty or of another header, refused
 *          before any write), V2F_E_INVALID_ARG (recipes of other digests,
 *          conflicting files, bad arguments; nothing written), V2F_E_IO,
 *          V2F_E_CANCELLED, V2F_E_NO_MEMORY
 *  @since 0.4 */
V2F_NODISCARD
V2F_API v2f_status v2f_dataset_merge(const char *out_dir,
                                     const char *const *src_dirs,
                                     size_t n_src,
                                     const v2f_dataset_merge_opts *opts,
                                     v2f_dataset_merge_stats *stats,
                                     v2f_dataset_report *report);

/* ------------------------------------------------------------------ */
/* Dataset reports                                                      */
/* ------------------------------------------------------------------ */

/* v2f_dataset_report_write measures a dataset folder (as made by
 * v2f_dataset_job_run) and writes three files: <prefix>report.json,
 * <prefix>report.html (self-contained: SVG histograms, the contact sheet
 * as a base64 data URI, no external reference) and
 * <prefix>contact_sheet.png, each atomically (temporary file + rename).
 *
 * What is measured. The images <dir>/<identity %06d>/<image %03d>.<ext> of
 * every identity of recipe.txt are read in identity, image order (the
 * manifest is not needed, so a dataset whose parts gained columns reads
 * the same). Missing and undecodable images are counted and skipped: an
 * incomplete dataset is reported as far as it goes. Images without a file
 * whose manifest row (in any part, columns found by header name) has
 * status "dropped" are counted as dropped by the filter, not missing. With the model's
 * parts (each absent part leaves its section "not measured (model lacks
 * <file>)"):
 *   arcface.pt   features f (v2f_extract_features) -> identity
 *                consistency and separability;
 *   magface.pt   quality (v2f_estimate_quality, the MagFace norm);
 *   headpose.pt  yaw (v2f_estimate_pose, angles[1], degrees, signed).
 * Two centres per identity, both compared by cosine with each image's
 * ArcFace feature:
 *   input centre  the identity's vector in the recipe's identities .npy
 *                 (what was asked for); the file is opts->identities,
 *                 or the one named in recipe.txt, else a file of that
 *                 base name in the dataset folder; it must match the
 *                 recipe's identities_fnv1a64, else this half is "not
 *                 measured" with the reason;
 *   mean centre   the plain mean of the ArcFace features of the
 *                 identity's images that were read (what was produced).
 * Per identity: mean and min cosine of its images to each centre; dataset
 * wide: mean and min over all images. Separability is v2f_separability
 * (the official measure, threshold opts->threshold, 0.4) over the mean
 * centres of the identities with at least one image (needs two), and over
 * the input vectors of all identities.
 * Histograms have opts->histogram_bins equal bins over [lo, hi]: bin
 * floor((x - lo) / (hi - lo) * bins) computed in double, clamped to
 * [0, bins - 1]. Cosines use lo = -1, hi = 1; quality and yaw use
 * lo = floor(min), hi = ceil(max) (hi = lo + 1 when they are equal).
 *
 * Contact sheet: one row per identity (the first sheet_identities), one
 * column per image (the first sheet_images), no gaps; each tile is the
 * image reduced by f = 112 / sheet_tile with an f x f box average,
 * rounded half up ((sum + f*f/2) / (f*f), integers); a missing or
 * undecodable image is a tile of grey 128.
 *
 * Memory: images are streamed in batches (batch_size x 37632 bytes) and
 * only the features of identities still being read are kept (at most
 * (images per identity + batch_size) x 2 KiB). Kept for the whole run:
 * 17 bytes per image (two cosines, quality, yaw, state) and up to 6 KiB
 * per identity (mean centre, its copy for separability, input vector;
 * 2 KiB each), plus the contact sheet (at most 16384 x 16384 x 3 bytes). */

/** Options for v2f_dataset_report_write. @since 0.2 */
typedef struct v2f_dataset_report_opts {
    uint32_t struct_size;
    /** Where the files go: <out_prefix>report.json, ...report.html,
     *  ...contact_sheet.png. NULL (default): "<dir>/". Its folder must
     *  exist. */
    const char *out_prefix;
    /** Identities .npy to use instead of the one recipe.txt names (e.g.
     *  when the dataset was moved); NULL (default): recipe.txt's. */
    const char *identities;
    /** Images per estimator call (default 32), 1..4096. */
    int32_t batch_size;
    /** Bins of every histogram (default 20), 1..1000. */
    int32_t histogram_bins;
    /** Separability threshold in (-1, 1] (default 0.4, the official). */
    float threshold;
    /** Contact sheet: identities (rows, default 16, 1..1000), images per
     *  identity (columns, default 8, 1..1000) and tile side in pixels
     *  (default 56; a divisor of 112). The sheet is at most 16384 px a
     *  side (V2F_E_INVALID_ARG beyond). */
    int32_t sheet_identities;
    int32_t sheet_images;
    int32_t sheet_tile;
    /** 1: report.json also lists every image's values (large for big
     *  datasets); 0 (default): per identity only. */
    int32_t per_image;
    /** Progress (images read, images expected) after every batch;
     *  non-zero cancels (V2F_E_CANCELLED, no file written). */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_dataset_report_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.2 */
V2F_API void v2f_dataset_report_opts_init(v2f_dataset_report_opts *o,
                                          size_t size);

/** Bits of v2f_dataset_summary.measured. @since 0.2 */
#define V2F_REPORT_CONSISTENCY 1u   /* ArcFace: cosines to the mean centre */
#define V2F_REPORT_INPUT 2u         /* ...and to the input vectors */
#define V2F_REPORT_QUALITY 4u       /* MagFace */
#define V2F_REPORT_YAW 8u           /* head pose */
#define V2F_REPORT_SEPARABILITY 16u /* over the mean centres */

/** The headline numbers of a report (all of them are in report.json).
 *  Values of a section that was not measured are 0 (filled).
 *  @since 0.2 */
typedef struct v2f_dataset_summary {
    uint32_t struct_size;
    uint32_t measured;              /* V2F_REPORT_* bits */
    uint64_t identities;            /* in the recipe */
    uint64_t identities_measured;   /* with at least one image read */
    uint64_t identities_complete;   /* every image read or dropped */
    uint64_t images_expected;
    uint64_t images_read;
    uint64_t images_missing;        /* no file and not dropped */
    uint64_t images_unreadable;     /* present but not a 112x112 image */
    uint64_t images_dropped;        /* no file, and a manifest row with
                                       status "dropped" (the filter) */
    /** Cosine of each image's feature to its identity's mean centre and
     *  input vector: mean and min over all images read. */
    float cos_mean_centre_mean, cos_mean_centre_min;
    float cos_input_mean, cos_input_min;
    /** Separability of the mean centres: identities with nearest
     *  neighbour cosine <= threshold, out of separability_n. */
    uint64_t separability_n;
    uint64_t separated;
    float threshold;
    float quality_mean, quality_min, quality_max;
    float yaw_mean, yaw_min, yaw_max, abs_yaw_mean;
    int32_t sheet_width, sheet_height;
} v2f_dataset_summary;

/** Measure a dataset folder and write its report files (see above).
 *  @param model    a model with any of arcface.pt, magface.pt,
 *                  headpose.pt, or NULL (counts and contact sheet only);
 *                  may be shared with other threads
 *  @param dir      the dataset folder (with recipe.txt)
 *  @param opts     options or NULL
 *  @param summary  filled up to summary->struct_size on V2F_OK; may be
 *                  NULL
 *  @return V2F_OK (also for an incomplete dataset: see the counts),
 *          V2F_E_INVALID_ARG (NULL dir, bad option naming it),
 *          V2F_E_IO (no readable recipe.txt, a report file that cannot
 *          be written, named), V2F_E_FORMAT (recipe.txt damaged),
 *          V2F_E_BACKEND, V2F_E_NO_MEMORY, V2F_E_OVERFLOW,
 *          V2F_E_CANCELLED
 *  @since 0.2 */
V2F_NODISCARD
V2F_API v2f_status v2f_dataset_report_write(const v2f_model *model,
                                            const char *dir,
                                            const v2f_dataset_report_opts *opts,
                                            v2f_dataset_summary *summary);

#ifdef __cplusplus
}
#endif

#endif /* VEC2FACE_DATASET_H */
