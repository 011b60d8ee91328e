// The operator v2f::matmul(a, b) = at::matmul(a, b), with float32 batched
// products of equal batch shapes computed by small_matmul_kernel.cpp
// instead of libtorch's BLAS call (the reference BLAS on Debian: 11 ms for
// one layer's attention scores at batch 8, ~0.5 ms here). Anything else
// (other dtypes, broadcasting, 1-D or 2-D operands, CPUs without AVX-512)
// goes to at::matmul unchanged. graph_passes.cpp puts it into the frozen
// generator graphs in place of aten::matmul on two activations.
#include "shim_internal.hpp"

#include <ATen/Parallel.h>
#include <torch/library.h>

#include <vector>

#include "small_matmul_kernel.hpp"

namespace {

bool kernel_applies(const at::Tensor &a, const at::Tensor &b) {
    if (!v2f_mm::available()) return false;
    if (a.scalar_type() != at::kFloat || b.scalar_type() != at::kFloat) return false;
    if (!a.device().is_cpu() || !b.device().is_cpu()) return false;
    if (a.dim() < 3 || a.dim() != b.dim()) return false;
    for (int64_t d = 0; d < a.dim() - 2; d++)
        if (a.size(d) != b.size(d)) return false;
    return a.size(-1) == b.size(-2);
}

at::Tensor small_matmul(const at::Tensor &a_in, const at::Tensor &b_in) {
    if (!kernel_applies(a_in, b_in)) return at::matmul(a_in, b_in);
    const int64_t m = a_in.size(-2), k = a_in.size(-1), n = b_in.size(-1);
    at::Tensor a = a_in.contiguous(), b = b_in.contiguous();
    std::vector<int64_t> shape = a.sizes().vec();
    shape.back() = n;
    at::Tensor c = at::empty(shape, a.options());
    if (c.numel() == 0) return c;
    if (k == 0) return c.zero_();
    const int64_t batches = c.numel() / (m * n);
    const float *ap = a.data_ptr<float>(), *bp = b.data_ptr<float>();
    float *cp = c.data_ptr<float>();
    at::parallel_for(0, batches, 1, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; t++)
            v2f_mm::matmul(ap + t * m * k, bp + t * k * n, cp + t * m * n, m, k, n);
    });
    return c;
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(v2f, m) { m.def("matmul(Tensor a, Tensor b) -> Tensor"); }

TORCH_LIBRARY_IMPL(v2f, CPU, m) { m.impl("matmul", &small_matmul); }
