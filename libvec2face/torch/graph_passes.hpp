// Rewrites of frozen TorchScript graphs for CPU inference (graph_passes.cpp).
#ifndef V2F_GRAPH_PASSES_HPP
#define V2F_GRAPH_PASSES_HPP

#include <torch/script.h>

#include <memory>

namespace v2f_shim {

// Every aten::linear with a constant weight -> oneDNN with the weight
// prepacked. Returns how many.
int linear_to_onednn(std::shared_ptr<torch::jit::Graph> g);

// Every aten::matmul of two activations -> v2f::matmul (float32 batched
// products without the reference BLAS). Returns how many.
int attention_matmul(std::shared_ptr<torch::jit::Graph> g);

// Every GroupNorm32 + swish -> v2f::group_norm_swish. Returns how many.
int fuse_group_norm_swish(std::shared_ptr<torch::jit::Graph> g);

// Every bfloat16 aten::conv2d's constant weight -> channels-last (the
// layout its channels-last input makes oneDNN use). Returns how many.
int conv_weights_channels_last(std::shared_ptr<torch::jit::Graph> g);

}  // namespace v2f_shim

#endif
