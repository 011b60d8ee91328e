// Inner loops of the fused GroupNorm + swish: a portable scalar version
// and, on x86-64 CPUs with AVX-512F, the same arithmetic 16 lanes at a
// time (picked at run time). Both do the same operations in the same
// order (explicit fma, no contraction: -ffp-contract=off for this file),
// so a value does not depend on the path, the tail or the CPU.
#include "group_norm_swish_kernel.hpp"

#include <cmath>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define V2F_HAVE_AVX512_PATH 1
#define V2F_AVX512 __attribute__((target("avx512f")))
#else
#define V2F_HAVE_AVX512_PATH 0
#define V2F_AVX512
#endif

namespace v2f_gn {
namespace {

// ---- scalar ----

inline float load(float v) { return v; }
inline float load(uint16_t v) {
    uint32_t u = (uint32_t)v << 16;
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

// float32 -> bfloat16, rounding to nearest even (as torch converts).
inline void store(float v, float *out) { *out = v; }
inline void store(float v, uint16_t *out) {
    uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    u += 0x7FFFu + ((u >> 16) & 1u);
    *out = (uint16_t)(u >> 16);
}

// 2^t for t in [-126, 126]: t = n + f with n the nearest integer, 2^f by
// its Taylor series to degree 7 (relative error < 1e-8 before rounding).
constexpr float kExp2[8] = {1.5252733804059840e-05f, 1.5403530393381609e-04f,
                            1.3333558146428443e-03f, 9.6181291076284772e-03f,
                            5.5504108664821580e-02f, 2.4022650695910071e-01f,
                            6.9314718055994531e-01f, 1.0f};
constexpr float kLog2e = 1.4426950408889634f;

// swish(v) = v * sigmoid(v) = v / (1 + 2^(-v log2 e)), the exponent
// clamped to [-126, 126] (beyond, v or 0 to float precision anyway).
inline float swish(float v) {
    float t = -v * kLog2e;
    t = std::fmin(std::fmax(t, -126.0f), 126.0f);
    float n = std::nearbyint(t);
    float f = t - n;
    float p = kExp2[0];
    for (int k = 1; k < 8; k++) p = std::fma(p, f, kExp2[k]);
    return v / (1.0f + std::ldexp(p, (int)n));
}

inline float affine(float x, float scale, float shift) { return std::fma(x, scale, shift); }

template <typename T>
void sums_nhwc_scalar(const T *x, int64_t pixels, int64_t channels, int64_t c0, double *sum,
                      double *sumsq) {
    for (int64_t p = 0; p < pixels; p++)
        for (int64_t c = c0; c < channels; c++) {
            double v = load(x[p * channels + c]);
            sum[c] += v;
            sumsq[c] += v * v;
        }
}

// Sixteen float lanes over blocks of 256 values (each lane adds 16), each
// block then added into double; the rest one by one in double.
template <typename T>
void sums_plane_tail(const T *x, int64_t i, int64_t n, double *s, double *q) {
    for (; i < n; i++) {
        double v = load(x[i]);
        *s += v;
        *q += v * v;
    }
}

template <typename T>
void sums_plane_scalar(const T *x, int64_t n, double *sum, double *sumsq) {
    double s = 0, q = 0;
    int64_t i = 0;
    for (; i + 256 <= n; i += 256) {
        float ls[16] = {0}, lq[16] = {0};
        for (int64_t k = 0; k < 256; k += 16)
            for (int j = 0; j < 16; j++) {
                float v = load(x[i + k + j]);
                ls[j] += v;
                lq[j] += v * v;
            }
        for (int j = 0; j < 16; j++) {
            s += ls[j];
            q += lq[j];
        }
    }
    sums_plane_tail(x, i, n, &s, &q);
    *sum += s;
    *sumsq += q;
}

template <typename T>
void apply_nhwc_scalar(const T *x, int64_t pixels, int64_t channels, int64_t c0,
                       const float *scale, const float *shift, T *y) {
    for (int64_t p = 0; p < pixels; p++)
        for (int64_t c = c0; c < channels; c++)
            store(swish(affine(load(x[p * channels + c]), scale[c], shift[c])),
                  y + p * channels + c);
}

template <typename T>
void apply_plane_scalar(const T *x, int64_t i, int64_t n, float scale, float shift, T *y) {
    for (; i < n; i++) store(swish(affine(load(x[i]), scale, shift)), y + i);
}

// ---- AVX-512F: the same arithmetic on 16 lanes ----
#if V2F_HAVE_AVX512_PATH

bool have_avx512() {
    static const bool yes = __builtin_cpu_supports("avx512f");
    return yes;
}

V2F_AVX512 inline __m512 load16(const float *p) { return _mm512_loadu_ps(p); }
V2F_AVX512 inline __m512 load16(const uint16_t *p) {
    __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}
V2F_AVX512 inline void store16(__m512 v, float *p) { _mm512_storeu_ps(p, v); }
V2F_AVX512 inline void store16(__m512 v, uint16_t *p) {
    __m512i u = _mm512_castps_si512(v);
    __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    u = _mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), odd));
    _mm256_storeu_si256((__m256i *)p, _mm512_cvtepi32_epi16(_mm512_srli_epi32(u, 16)));
}

V2F_AVX512 inline __m512 swish16(__m512 v) {
    __m512 t = _mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), v), _mm512_set1_ps(kLog2e));
    t = _mm512_min_ps(_mm512_max_ps(t, _mm512_set1_ps(-126.0f)), _mm512_set1_ps(126.0f));
    __m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_sub_ps(t, n);
    __m512 p = _mm512_set1_ps(kExp2[0]);
    for (int k = 1; k < 8; k++) p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2[k]));
    __m512 e = _mm512_scalef_ps(p, n);  // p * 2^n, exact as ldexp
    return _mm512_div_ps(v, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

template <typename T>
V2F_AVX512 void sums_nhwc_avx512(const T *x, int64_t pixels, int64_t channels, double *sum,
                                 double *sumsq) {
    const int64_t cv = channels / 16 * 16;
    for (int64_t c = 0; c < cv; c += 16) {
        __m512d s0 = _mm512_loadu_pd(sum + c), s1 = _mm512_loadu_pd(sum + c + 8);
        __m512d q0 = _mm512_loadu_pd(sumsq + c), q1 = _mm512_loadu_pd(sumsq + c + 8);
        for (int64_t p = 0; p < pixels; p++) {
            __m512 v = load16(x + p * channels + c);
            __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
            __m512d hi = _mm512_cvtps_pd(
                _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
            s0 = _mm512_add_pd(s0, lo);
            s1 = _mm512_add_pd(s1, hi);
            q0 = _mm512_add_pd(q0, _mm512_mul_pd(lo, lo));
            q1 = _mm512_add_pd(q1, _mm512_mul_pd(hi, hi));
        }
        _mm512_storeu_pd(sum + c, s0);
        _mm512_storeu_pd(sum + c + 8, s1);
        _mm512_storeu_pd(sumsq + c, q0);
        _mm512_storeu_pd(sumsq + c + 8, q1);
    }
    sums_nhwc_scalar(x, pixels, channels, cv, sum, sumsq);
}

template <typename T>
V2F_AVX512 void sums_plane_avx512(const T *x, int64_t n, double *sum, double *sumsq) {
    double s = 0, q = 0;
    int64_t i = 0;
    for (; i + 256 <= n; i += 256) {
        __m512 ls = _mm512_setzero_ps(), lq = _mm512_setzero_ps();
        for (int64_t k = 0; k < 256; k += 16) {
            __m512 v = load16(x + i + k);
            ls = _mm512_add_ps(ls, v);
            lq = _mm512_add_ps(lq, _mm512_mul_ps(v, v));
        }
        alignas(64) float a[16], b[16];
        _mm512_store_ps(a, ls);
        _mm512_store_ps(b, lq);
        for (int j = 0; j < 16; j++) {
            s += a[j];
            q += b[j];
        }
    }
    sums_plane_tail(x, i, n, &s, &q);
    *sum += s;
    *sumsq += q;
}

template <typename T>
V2F_AVX512 void apply_nhwc_avx512(const T *x, int64_t pixels, int64_t channels,
                                  const float *scale, const float *shift, T *y) {
    const int64_t cv = channels / 16 * 16;
    for (int64_t p = 0; p < pixels; p++) {
        const T *in = x + p * channels;
        T *out = y + p * channels;
        for (int64_t c = 0; c < cv; c += 16) {
            __m512 v = _mm512_fmadd_ps(load16(in + c), _mm512_loadu_ps(scale + c),
                                       _mm512_loadu_ps(shift + c));
            store16(swish16(v), out + c);
        }
    }
    apply_nhwc_scalar(x, pixels, channels, cv, scale, shift, y);
}

template <typename T>
V2F_AVX512 void apply_plane_avx512(const T *x, int64_t n, float scale, float shift, T *y) {
    const __m512 sc = _mm512_set1_ps(scale), sh = _mm512_set1_ps(shift);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) store16(swish16(_mm512_fmadd_ps(load16(x + i), sc, sh)), y + i);
    apply_plane_scalar(x, i, n, scale, shift, y);
}

#define V2F_DISPATCH(avx512_call, scalar_call) \
    do {                                       \
        if (have_avx512()) avx512_call;        \
        else scalar_call;                      \
    } while (0)
#else
#define V2F_DISPATCH(avx512_call, scalar_call) scalar_call
#endif

}  // namespace

bool vectorised() {
#if V2F_HAVE_AVX512_PATH
    return have_avx512();
#else
    return false;
#endif
}

void sums_nhwc(const float *x, int64_t pixels, int64_t channels, double *sum, double *sumsq) {
    V2F_DISPATCH(sums_nhwc_avx512(x, pixels, channels, sum, sumsq),
                 sums_nhwc_scalar(x, pixels, channels, 0, sum, sumsq));
}
void sums_nhwc(const uint16_t *x, int64_t pixels, int64_t channels, double *sum,
               double *sumsq) {
    V2F_DISPATCH(sums_nhwc_avx512(x, pixels, channels, sum, sumsq),
                 sums_nhwc_scalar(x, pixels, channels, 0, sum, sumsq));
}
void sums_plane(const float *x, int64_t n, double *sum, double *sumsq) {
    V2F_DISPATCH(sums_plane_avx512(x, n, sum, sumsq), sums_plane_scalar(x, n, sum, sumsq));
}
void sums_plane(const uint16_t *x, int64_t n, double *sum, double *sumsq) {
    V2F_DISPATCH(sums_plane_avx512(x, n, sum, sumsq), sums_plane_scalar(x, n, sum, sumsq));
}
void apply_nhwc(const float *x, int64_t pixels, int64_t channels, const float *scale,
                const float *shift, float *y) {
    V2F_DISPATCH(apply_nhwc_avx512(x, pixels, channels, scale, shift, y),
                 apply_nhwc_scalar(x, pixels, channels, 0, scale, shift, y));
}
void apply_nhwc(const uint16_t *x, int64_t pixels, int64_t channels, const float *scale,
                const float *shift, uint16_t *y) {
    V2F_DISPATCH(apply_nhwc_avx512(x, pixels, channels, scale, shift, y),
                 apply_nhwc_scalar(x, pixels, channels, 0, scale, shift, y));
}
void apply_plane(const float *x, int64_t n, float scale, float shift, float *y) {
    V2F_DISPATCH(apply_plane_avx512(x, n, scale, shift, y),
                 apply_plane_scalar(x, 0, n, scale, shift, y));
}
void apply_plane(const uint16_t *x, int64_t n, float scale, float shift, uint16_t *y) {
    V2F_DISPATCH(apply_plane_avx512(x, n, scale, shift, y),
                 apply_plane_scalar(x, 0, n, scale, shift, y));
}

}  // namespace v2f_gn
