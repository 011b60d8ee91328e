// Inner loops of the fused GroupNorm + swish (group_norm_swish_op.cpp):
// plain C++ on raw pointers, no libtorch, compiled at -O3 for several
// instruction sets (x86-64: AVX-512, AVX2, baseline; chosen at run time).
// Element types: float, and bfloat16 as its raw uint16_t bits.
#ifndef V2F_GROUP_NORM_SWISH_KERNEL_HPP
#define V2F_GROUP_NORM_SWISH_KERNEL_HPP

#include <cstdint>

namespace v2f_gn {

// True when the loops below run 16 lanes wide (x86-64 with AVX-512F).
// Elsewhere they are scalar and slower than libtorch's own operators, so
// the graph pass leaves those graphs alone.
bool vectorised();

// Channels-last rows: x is [pixels][channels]. Adds each channel's sum and
// sum of squares (in double) to sum[c] and sumsq[c].
void sums_nhwc(const float *x, int64_t pixels, int64_t channels, double *sum, double *sumsq);
void sums_nhwc(const uint16_t *x, int64_t pixels, int64_t channels, double *sum, double *sumsq);

// One contiguous plane of n values: adds its sum and sum of squares.
void sums_plane(const float *x, int64_t n, double *sum, double *sumsq);
void sums_plane(const uint16_t *x, int64_t n, double *sum, double *sumsq);

// y = swish(x * scale[c] + shift[c]) with swish(v) = v * sigmoid(v),
// computed in float32; bfloat16 results are rounded to nearest even.
void apply_nhwc(const float *x, int64_t pixels, int64_t channels, const float *scale,
                const float *shift, float *y);
void apply_nhwc(const uint16_t *x, int64_t pixels, int64_t channels, const float *scale,
                const float *shift, uint16_t *y);

// The same over one contiguous plane with one scale and shift.
void apply_plane(const float *x, int64_t n, float scale, float shift, float *y);
void apply_plane(const uint16_t *x, int64_t n, float scale, float shift, uint16_t *y);

}  // namespace v2f_gn

#endif
