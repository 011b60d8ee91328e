/*
 * vec2face/identity.h - identity vectors without a network: perturbation,
 * sampling of new identities, identity centres, separability.
 * Conventions (errors, struct_size, callbacks): common.h.
 *
 * Vectors here are float32 [n][dim] row-major (dim is 512 for ArcFace
 * features; smaller dims are accepted). Similarities are cosines. All
 * randomness is counter-based: perturbation noise is keyed by (seed,
 * identity index, image index); sampled candidate k is keyed by (seed, k).
 * Every cosine is computed as one float FMA chain in index order over unit
 * vectors, so results are bitwise identical for any thread count, block
 * size or call split on the same build.
 */
#ifndef VEC2FACE_IDENTITY_H
#define VEC2FACE_IDENTITY_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options for v2f_perturb. @since 0.1 */
typedef struct v2f_perturb_opts {
    uint32_t struct_size;
    /** Seed of the counter-based randomness. */
    uint64_t seed;
    /** Vector length; 0 (default) = V2F_VECTOR_DIM. */
    uint32_t dim;
    /** Images per input vector (default 1): out row i * images_per_vector
     *  + j is image j of vector i. */
    uint32_t images_per_vector;
    /** Identity index of each input vector [n]; NULL: identity_base + i. */
    const uint64_t *identity_index;
    uint64_t identity_base;
    /** Image index of image j of vector i: (image_index ? image_index[i] :
     *  image_base) + j. */
    const uint64_t *image_index;
    uint64_t image_base;
    /** Noise scale mixture: eps_count values eps[k] >= 0 drawn with
     *  weights eps_shares[k] >= 0 (normalised; NULL: equal). eps_count 0
     *  (default; eps is then ignored): 0.3/0.5/0.7 with shares
     *  0.4/0.4/0.2, as the official dataset script. At most 64 values;
     *  a negative count, or a positive one with eps NULL, is
     *  V2F_E_INVALID_ARG. */
    const float *eps;
    const float *eps_shares;
    int32_t eps_count;
    /** Optional [n * images_per_vector] output: the eps of each image. */
    float *eps_out;
} v2f_perturb_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_perturb_opts_init(v2f_perturb_opts *o, size_t size);

/** Intra-class variation: out = v + N(0, eps^2 I), rescaled to |v|, with
 *  eps drawn per image from the mixture. Image (identity, image) gets the
 *  same output whatever n, the batch split or the thread.
 *  @param vectors  [n][dim] float32, finite, non-zero
 *  @param n        number of input vectors, > 0
 *  @param opts     options or NULL (seed 0, dim 512, default mixture)
 *  @param out      [n * images_per_vector][dim] float32, caller-owned; may
 *                  equal vectors when images_per_vector is 1
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, n == 0, non-finite or zero
 *          vector with its index, bad eps or shares), V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_perturb(const float *vectors, size_t n,
                               const v2f_perturb_opts *opts, float *out);

/** A model of identity vectors: a multivariate normal fitted to real
 *  identity centres, or random directions with a normal norm. Immutable
 *  after creation; may be used from several threads at once. @since 0.1 */
typedef struct v2f_sampler v2f_sampler;

/** Options for v2f_sampler_fit. @since 0.1 */
typedef struct v2f_sampler_fit_opts {
    uint32_t struct_size;
    /** Shrinkage a in [0, 1]: the covariance used is (1 - a) S + a (tr S /
     *  dim) I, which is positive definite for any a > 0 (unless all rows
     *  are equal). 0 (default): S itself, which must be positive definite:
     *  fewer rows than dim + 1, or a rank-deficient S, is an error. */
    float shrinkage;
} v2f_sampler_fit_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_sampler_fit_opts_init(v2f_sampler_fit_opts *o, size_t size);

/** Fit mean and full covariance (1/(n-1) S) of real identity centre
 *  features. Sampling N(mean, cov) in the full dim is the same distribution
 *  as sampling in the full PCA space of the official answer. The covariance
 *  is rounded to float32 before its Cholesky factor is taken, so a saved
 *  and loaded sampler draws bitwise the same vectors.
 *  @param centres  [n][dim] float32, finite
 *  @param n, dim   n >= 2, dim >= 1
 *  @param out      receives the sampler (NULL on failure); free it with
 *                  v2f_sampler_free
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, sizes, non-finite value with
 *          its row, shrinkage outside [0, 1], n <= dim without shrinkage,
 *          singular covariance with its rank hint), V2F_E_OVERFLOW,
 *          V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_sampler_fit(const float *centres, size_t n, size_t dim,
                                   const v2f_sampler_fit_opts *opts,
                                   v2f_sampler **out);

/** A sampler for when no real data exists: uniformly random directions
 *  with a norm drawn from N(norm_mean, norm_std^2) truncated to > 0
 *  (redrawn from the same stream while <= 0).
 *  @param dim        >= 1
 *  @param norm_mean  > 0, finite
 *  @param norm_std   >= 0, finite
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_sampler_new_isotropic(size_t dim, float norm_mean,
                                             float norm_std,
                                             v2f_sampler **out);

/** Save a sampler as .npz (atomically): members "meta" [1][8] (format
 *  version 1, kind 0 = gaussian / 1 = isotropic, dim, norm_mean,
 *  norm_std, shrinkage, rows fitted, 0), and for a gaussian "mean"
 *  [1][dim] and "cov" [dim][dim] (numpy: multivariate_normal(mean, cov)).
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO, V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_sampler_save(const v2f_sampler *s, const char *path);

/** Load a sampler written by v2f_sampler_save (or by numpy with the same
 *  members). A cov that is not symmetric positive definite or members of
 *  the wrong shape are V2F_E_FORMAT.
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO, V2F_E_FORMAT,
 *          V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_sampler_load(const char *path, v2f_sampler **out);

/** Free a sampler; NULL is a no-op. @since 0.1 */
V2F_API void v2f_sampler_free(v2f_sampler *s);

/** The sampler's vector length (0 for NULL). @since 0.1 */
V2F_API size_t v2f_sampler_dim(const v2f_sampler *s);
/** Fitted mean [dim] and covariance [dim][dim] as used for sampling,
 *  owned by the sampler; NULL for an isotropic sampler. @since 0.1 */
V2F_API const float *v2f_sampler_mean(const v2f_sampler *s);
V2F_API const float *v2f_sampler_cov(const v2f_sampler *s);

/** Raw candidates first .. first + n - 1 of the stream of `seed`, without
 *  any separation test: candidate k is a pure function of (seed, k).
 *  n = 0 draws nothing and returns V2F_OK.
 *  @param out  [n][dim] float32, caller-owned
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_OVERFLOW
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_sampler_candidates(const v2f_sampler *s, uint64_t seed,
                                          uint64_t first, size_t n,
                                          float *out);

/** Options for v2f_sample_identities. @since 0.1 */
typedef struct v2f_sample_opts {
    uint32_t struct_size;
    uint64_t seed;
    /** A candidate is kept only if its cosine similarity to every kept
     *  vector and every exclusion vector is strictly below this; in
     *  (-1, 1], default 0.3. */
    float max_similarity;
    int32_t threads;        /* 0 (default): online CPUs */
    /** Optional exclusion set [exclude_rows][exclude_dim] (e.g. the real
     *  identities, to avoid identity leakage); exclude_dim must equal the
     *  sampler's dim; rows finite and non-zero. */
    const float *exclude;
    uint64_t exclude_rows;
    uint64_t exclude_dim;
    /** Resume: the first resume_kept rows of out already hold the vectors
     *  kept by an earlier call with the same sampler, seed and threshold,
     *  and resume_candidates is that call's stats.candidates (the next
     *  candidate index). The result then equals one uninterrupted call. */
    uint64_t resume_kept;
    uint64_t resume_candidates;
    /** Stop with V2F_E_INVALID_ARG after this many candidates in this call
     *  (0, default: 1000 * n + 100000), so that a threshold too strict for
     *  the dim cannot loop forever. */
    uint64_t max_candidates;
    /** Candidates tested per block (0 = 256). Does not change results. */
    int32_t block_size;
    /** Progress (vectors kept, n) after each block; non-zero cancels. */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_sample_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_sample_opts_init(v2f_sample_opts *o, size_t size);

/** Acceptance statistics and cost of v2f_sample_identities (cumulative
 *  over resumed calls for kept and candidates, per call otherwise;
 *  filled). @since 0.1 */
typedef struct v2f_sample_stats {
    uint32_t struct_size;
    uint64_t kept;              /* rows of out that are valid */
    uint64_t candidates;        /* next candidate index (to resume) */
    uint64_t rejected_similar;  /* too close to a kept vector */
    uint64_t rejected_excluded; /* too close to an exclusion vector */
    uint64_t rejected_invalid;  /* zero or non-finite candidate */
    uint64_t comparisons;       /* cosines computed in this call */
    double flops;               /* 2 * dim * comparisons */
    double seconds;             /* wall time of this call */
    double gflops;              /* flops / seconds / 1e9 */
} v2f_sample_stats;

/** Draw candidates from the sampler's stream and keep each one whose
 *  cosine similarity to every kept vector (and every exclusion vector) is
 *  below max_similarity, until n are kept (greedy in candidate order:
 *  deterministic for a seed, independent of threads and block size).
 *  Candidates are tested in blocks against the kept set on all threads.
 *  @param s      the sampler
 *  @param n      vectors wanted in total (including resume_kept), > 0
 *  @param opts   options or NULL
 *  @param out    [n][dim] float32, caller-owned; kept vectors unnormalised
 *  @param stats  optional; on V2F_OK, V2F_E_CANCELLED and the
 *                max_candidates failure it says how many rows of out are
 *                valid and where to resume
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, n == 0, threshold outside
 *          (-1, 1], dim mismatch, NaN or zero rows in the exclusion set or
 *          the resumed rows, resume_kept > n, max_candidates reached),
 *          V2F_E_OVERFLOW, V2F_E_NO_MEMORY, V2F_E_CANCELLED
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_sample_identities(const v2f_sampler *s, size_t n,
                                         const v2f_sample_opts *opts,
                                         float *out, v2f_sample_stats *stats);

/** Options for v2f_identity_centres_from_features. @since 0.1 */
typedef struct v2f_centres_opts {
    uint32_t struct_size;
    /** 1: scale each feature to unit norm before averaging; 0 (default):
     *  plain mean, as the official code. */
    int32_t normalize;
    /** Optional [num_ids] output: features per identity. */
    uint64_t *counts_out;
    /** v2f_identity_centres_from_folder only: 1 resizes images that are
     *  not 112x112 (bilinear); 0 (default): such an image is an error. */
    int32_t resize;
    /** v2f_identity_centres_from_folder only: progress (identities done,
     *  total); non-zero cancels. */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_centres_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_centres_opts_init(v2f_centres_opts *o, size_t size);

/** Identity centres: the mean of the features of each label.
 *  @param features  [n][dim] float32, finite (e.g. from v2f_npy_read)
 *  @param labels    [n] int64 in [0, num_ids)
 *  @param num_ids   number of identities, > 0; every one needs a feature
 *  @param out       receives a [num_ids][dim] v2f_array (row = label),
 *                   free with v2f_array_free; NULL on failure
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, sizes, non-finite value, zero
 *          feature with normalize, label out of range, identity without
 *          features, each with its index), V2F_E_OVERFLOW, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_NODISCARD V2F_API v2f_status v2f_identity_centres_from_features(
    const float *features, size_t n, size_t dim, const int64_t *labels,
    size_t num_ids, const v2f_centres_opts *opts, v2f_array **out);

/** Identity centres from a folder tree of aligned face crops: ROOT/<id>/
 *  *.png|*.jpg|*.jpeg, one subfolder per identity. Each image's ArcFace
 *  feature (v2f_extract_features) is averaged per identity (plain mean, or
 *  of unit features with normalize). Row i of the result is the i-th
 *  subfolder in byte order of its name (hidden entries skipped); images are
 *  read in byte order of their names. counts_out, if given, must hold one
 *  entry per subfolder.
 *  @param out  receives a [identities][512] v2f_array; NULL on failure
 *  @return V2F_OK, V2F_E_INVALID_ARG, V2F_E_IO (unreadable folder or
 *          file, an identity folder without images, no subfolder: each
 *          named), V2F_E_FORMAT (an image that does not decode or is not
 *          112x112 without resize, named), V2F_E_UNSUPPORTED (no
 *          arcface.pt), V2F_E_CANCELLED, V2F_E_NO_MEMORY
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_identity_centres_from_folder(const v2f_model *model,
                                                    const char *root,
                                                    const v2f_centres_opts *opts,
                                                    v2f_array **out);

/** Bins of v2f_separability_report.histogram. @since 0.1 */
#define V2F_SEPARABILITY_BINS 200

/** Options for v2f_separability. @since 0.1 */
typedef struct v2f_separability_opts {
    uint32_t struct_size;
    int32_t threads;        /* 0 (default): online CPUs */
    /** Optional [n] output: each vector's nearest-neighbour cosine. */
    float *nn_out;
    /** Progress (rows done, n); non-zero cancels. */
    v2f_progress_fn progress;
    void *progress_user;
} v2f_separability_opts;

/** Fill o with defaults (common.h, "Sizes"). @since 0.1 */
V2F_API void v2f_separability_opts_init(v2f_separability_opts *o,
                                        size_t size);

/** What v2f_separability measured (filled). @since 0.1 */
typedef struct v2f_separability_report {
    uint32_t struct_size;
    uint64_t n;
    /** Identities with no other identity above the threshold (nearest
     *  neighbour cosine <= threshold): the official measure at 0.4. */
    uint64_t separated;
    float threshold;
    float nn_min, nn_mean, nn_max;
    /** Nearest-neighbour cosines: bin b counts [-1 + b h, -1 + (b+1) h)
     *  with h = 2 / V2F_SEPARABILITY_BINS; 1.0 goes in the last bin. */
    uint64_t histogram[V2F_SEPARABILITY_BINS];
} v2f_separability_report;

/** Separability of a set of identity vectors (all pairs, O(n^2 dim)).
 *  @param vectors    [n][dim] float32, finite, non-zero
 *  @param n          >= 2
 *  @param threshold  in (-1, 1]; 0.4 is the official measure
 *  @param report     filled up to report->struct_size
 *  @return V2F_OK, V2F_E_INVALID_ARG (NULL, sizes, threshold, NaN or zero
 *          row with its index), V2F_E_OVERFLOW, V2F_E_NO_MEMORY,
 *          V2F_E_CANCELLED
 *  @since 0.1 */
V2F_NODISCARD
V2F_API v2f_status v2f_separability(const float *vectors, size_t n,
                                    size_t dim, float threshold,
                                    const v2f_separability_opts *opts,
                                    v2f_separability_report *report);

#ifdef __cplusplus
}
#endif

#endif /* VEC2FACE_IDENTITY_H */
