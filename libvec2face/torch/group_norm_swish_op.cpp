// The operator v2f::group_norm_swish(x, groups, weight, bias, eps) =
// swish(group_norm(x.float(), groups, weight, bias, eps)).to(x.dtype): what
// the image decoder computes before each of its convolutions, in one pass
// over the statistics and one over the output instead of six (cast in,
// norm, cast out, sigmoid, multiply), keeping channels-last input
// channels-last (the layout oneDNN's convolutions want; no reorders).
// Statistics in double, the rest in float32, for float32 and bfloat16.
// graph_passes.cpp puts it into the frozen generator graphs.
#include "shim_internal.hpp"

#include <ATen/Parallel.h>
#include <torch/library.h>

#include <cmath>
#include <vector>

#include "group_norm_swish_kernel.hpp"

namespace {

// Pixels per task: small enough to split one image over the threads.
constexpr int64_t kChunk = 1024;

template <typename T>
const T *data_of(const at::Tensor &t) {
    return reinterpret_cast<const T *>(t.data_ptr());
}
template <typename T>
T *data_of_mut(at::Tensor &t) {
    return reinterpret_cast<T *>(t.data_ptr());
}

// scale[n][c] = rstd[n][g] * weight[c], shift[n][c] = bias[c] - mean * scale,
// from the per-(n, c) sums.
void scale_shift(const std::vector<double> &sum, const std::vector<double> &sumsq, int64_t n,
                 int64_t channels, int64_t groups, int64_t pixels, const float *weight,
                 const float *bias, double eps, std::vector<float> &scale,
                 std::vector<float> &shift) {
    const int64_t per = channels / groups;
    const double count = (double)per * (double)pixels;
    for (int64_t b = 0; b < n; b++)
        for (int64_t g = 0; g < groups; g++) {
            double s = 0, q = 0;
            for (int64_t c = g * per; c < (g + 1) * per; c++) {
                s += sum[b * channels + c];
                q += sumsq[b * channels + c];
            }
            double mean = s / count;
            double var = q / count - mean * mean;
            if (var < 0) var = 0;
            double rstd = 1.0 / std::sqrt(var + eps);
            for (int64_t c = g * per; c < (g + 1) * per; c++) {
                double sc = rstd * weight[c];
                scale[b * channels + c] = (float)sc;
                shift[b * channels + c] = (float)(bias[c] - mean * sc);
            }
        }
}

template <typename T>
void run_nhwc(const at::Tensor &x, int64_t groups, const float *w, const float *bias,
              double eps, at::Tensor &y) {
    const int64_t n = x.size(0), c = x.size(1), pixels = x.size(2) * x.size(3);
    const int64_t chunks = (pixels + kChunk - 1) / kChunk;
    // Partial sums per (image, chunk, channel), summed in a fixed order
    // afterwards: the result does not depend on the thread count.
    std::vector<double> psum((size_t)(n * chunks * c), 0.0), psq(psum.size(), 0.0);
    const T *in = data_of<T>(x);
    at::parallel_for(0, n * chunks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; t++) {
            int64_t b = t / chunks, k = t % chunks;
            int64_t p0 = k * kChunk, np = std::min(kChunk, pixels - p0);
            v2f_gn::sums_nhwc(in + (b * pixels + p0) * c, np, c, &psum[(size_t)(t * c)],
                              &psq[(size_t)(t * c)]);
        }
    });
    std::vector<double> sum((size_t)(n * c), 0.0), sq(sum.size(), 0.0);
    for (int64_t b = 0; b < n; b++)
        for (int64_t k = 0; k < chunks; k++)
            for (int64_t j = 0; j < c; j++) {
                sum[(size_t)(b * c + j)] += psum[(size_t)((b * chunks + k) * c + j)];
                sq[(size_t)(b * c + j)] += psq[(size_t)((b * chunks + k) * c + j)];
            }
    std::vector<float> scale((size_t)(n * c)), shift((size_t)(n * c));
    scale_shift(sum, sq, n, c, groups, pixels, w, bias, eps, scale, shift);
    T *out = data_of_mut<T>(y);
    at::parallel_for(0, n * chunks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; t++) {
            int64_t b = t / chunks, k = t % chunks;
            int64_t p0 = k * kChunk, np = std::min(kChunk, pixels - p0);
            size_t off = (size_t)((b * pixels + p0) * c);
            v2f_gn::apply_nhwc(in + off, np, c, &scale[(size_t)(b * c)], &shift[(size_t)(b * c)],
                               out + off);
        }
    });
}

template <typename T>
void run_nchw(const at::Tensor &x, int64_t groups, const float *w, const float *bias,
              double eps, at::Tensor &y) {
    const int64_t n = x.size(0), c = x.size(1), pixels = x.size(2) * x.size(3);
    std::vector<double> sum((size_t)(n * c), 0.0), sq(sum.size(), 0.0);
    const T *in = data_of<T>(x);
    at::parallel_for(0, n * c, 1, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; t++)
            v2f_gn::sums_plane(in + t * pixels, pixels, &sum[(size_t)t], &sq[(size_t)t]);
    });
    std::vector<float> scale((size_t)(n * c)), shift((size_t)(n * c));
    scale_shift(sum, sq, n, c, groups, pixels, w, bias, eps, scale, shift);
    T *out = data_of_mut<T>(y);
    at::parallel_for(0, n * c, 1, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; t++)
            v2f_gn::apply_plane(in + t * pixels, pixels, scale[(size_t)t], shift[(size_t)t],
                                out + t * pixels);
    });
}

at::Tensor group_norm_swish(const at::Tensor &input, int64_t groups, const at::Tensor &weight,
                            const at::Tensor &bias, double eps) {
    TORCH_CHECK(input.dim() == 4, "v2f::group_norm_swish: expected [N,C,H,W], got ",
                input.sizes());
    TORCH_CHECK(input.device().is_cpu(), "v2f::group_norm_swish: CPU tensors only");
    TORCH_CHECK(input.scalar_type() == at::kFloat || input.scalar_type() == at::kBFloat16,
                "v2f::group_norm_swish: float32 or bfloat16 input, got ", input.scalar_type());
    const int64_t c = input.size(1);
    TORCH_CHECK(groups > 0 && c % groups == 0, "v2f::group_norm_swish: ", c,
                " channels do not split into ", groups, " groups");
    TORCH_CHECK(weight.numel() == c && bias.numel() == c,
                "v2f::group_norm_swish: weight and bias need ", c, " values");
    at::Tensor w = weight.to(at::kFloat).contiguous(), b = bias.to(at::kFloat).contiguous();
    const bool nhwc = input.is_contiguous(at::MemoryFormat::ChannelsLast) &&
                      !input.is_contiguous(at::MemoryFormat::Contiguous);
    at::Tensor x = nhwc ? input : input.contiguous();
    at::Tensor y = at::empty_like(x, nhwc ? at::MemoryFormat::ChannelsLast
                                          : at::MemoryFormat::Contiguous);
    if (x.numel() == 0) return y;
    const float *wp = w.data_ptr<float>(), *bp = b.data_ptr<float>();
    if (x.scalar_type() == at::kFloat) {
        if (nhwc) run_nhwc<float>(x, groups, wp, bp, eps, y);
        else run_nchw<float>(x, groups, wp, bp, eps, y);
    } else {
        if (nhwc) run_nhwc<uint16_t>(x, groups, wp, bp, eps, y);
        else run_nchw<uint16_t>(x, groups, wp, bp, eps, y);
    }
    return y;
}

}  // namespace

TORCH_LIBRARY(v2f, m) {
    m.def("group_norm_swish(Tensor input, int groups, Tensor weight, Tensor bias, float eps)"
          " -> Tensor");
}

TORCH_LIBRARY_IMPL(v2f, CPU, m) { m.impl("group_norm_swish", &group_norm_swish); }
