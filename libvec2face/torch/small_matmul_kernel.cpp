// See small_matmul_kernel.hpp. Each row of c is built 16 columns at a time
// by broadcasting a[i][d] against row d of b: no horizontal sums, b's rows
// stay in L1 (at most 64 x 64 floats here).
#include "small_matmul_kernel.hpp"

#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define V2F_HAVE_AVX512_PATH 1
#else
#define V2F_HAVE_AVX512_PATH 0
#endif

namespace v2f_mm {

#if V2F_HAVE_AVX512_PATH

bool available() {
    static const bool yes = __builtin_cpu_supports("avx512f");
    return yes;
}

__attribute__((target("avx512f"))) void matmul(const float *a, const float *b, float *c,
                                               int64_t m, int64_t k, int64_t n) {
    for (int64_t i = 0; i < m; i++) {
        const float *ai = a + i * k;
        for (int64_t j = 0; j < n; j += 16) {
            const int64_t left = n - j;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF
                                              : (__mmask16)((1u << left) - 1u);
            __m512 acc = _mm512_setzero_ps();
            for (int64_t d = 0; d < k; d++)
                acc = _mm512_fmadd_ps(_mm512_set1_ps(ai[d]),
                                      _mm512_maskz_loadu_ps(mask, b + d * n + j), acc);
            _mm512_mask_storeu_ps(c + i * n + j, mask, acc);
        }
    }
}

#else

bool available() { return false; }

// The same sums, one column at a time (not used by the operator, which
// calls at::matmul where available() is false).
void matmul(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float acc = 0.0f;
            for (int64_t d = 0; d < k; d++) acc = std::fma(a[i * k + d], b[d * n + j], acc);
            c[i * n + j] = acc;
        }
}

#endif

}  // namespace v2f_mm
