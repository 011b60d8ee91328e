// A float32 matrix product for the small, batched products of attention
// (scores q k^T and attn v: 45-50 rows, 50-64 columns), which Debian's
// libtorch sends to the reference BLAS at ~3 GFLOP/s. Plain C++ on raw
// pointers; AVX-512F only (small_matmul_op.cpp falls back to at::matmul).
#ifndef V2F_SMALL_MATMUL_KERNEL_HPP
#define V2F_SMALL_MATMUL_KERNEL_HPP

#include <cstdint>

namespace v2f_mm {

// True when this CPU runs the kernel (x86-64 with AVX-512F).
bool available();

// c[m][n] = sum over k of a[m][k] * b[k][n], row-major and contiguous,
// each sum in float32 in increasing k with fused multiply-adds.
void matmul(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n);

}  // namespace v2f_mm

#endif
