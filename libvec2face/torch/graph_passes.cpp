// Rewrites of the frozen inference graphs (CPU only), made once at load:
// Linear layers onto oneDNN with prepacked weights, attention's float32
// products off the reference BLAS, the image decoder's GroupNorm32 +
// swish onto the fused v2f::group_norm_swish, bfloat16 convolution
// weights channels-last.
#include "graph_passes.hpp"

#include "group_norm_swish_kernel.hpp"
#include "small_matmul_kernel.hpp"

#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/runtime/graph_iterator.h>

#include <vector>

namespace v2f_shim {

// Debian's libtorch sends float32 aten::linear (and the aten::matmul that
// optimize_for_inference turns it into) to libblas.so.3, which is the
// reference BLAS unless the user switched the alternative: ~4 GFLOP/s here
// against ~300 through oneDNN with a prepacked weight. So, on the frozen
// graph, before optimize_for_inference: every aten::linear whose weight is
// a constant becomes to_mkldnn -> mkldnn_linear(prepacked weight) ->
// to_dense. The weight is reordered once, here; the activations are
// converted per call (a copy, small next to the GEMM). bfloat16 Linear
// layers are left alone: libtorch already sends them to oneDNN's bf16
// GEMM, and the two activation conversions cost as much as that GEMM
// (measured: 118 GFLOP/s as aten::linear vs 60 through this rewrite).
// Returns the count.
int linear_to_onednn(std::shared_ptr<torch::jit::Graph> g) {
    using namespace torch::jit;
    std::vector<Node *> linears;
    for (DepthFirstGraphNodeIterator it(g); Node *n = it.next();)
        if (n->kind() == aten::linear) linears.push_back(n);
    int done = 0;
    for (Node *n : linears) {
        c10::optional<c10::IValue> w = toIValue(n->input(1));
        if (!w || !w->isTensor()) continue;
        at::Tensor wt = w->toTensor();
        if (!wt.device().is_cpu() || wt.dim() != 2 || wt.layout() != c10::kStrided ||
            wt.scalar_type() != at::kFloat)
            continue;
        WithInsertPoint guard(n);
        // insertConstant refuses oneDNN tensors; a constant node holds one
        // (as the frozen-graph oneDNN pass of libtorch does for conv).
        at::Tensor packed = wt.contiguous().to_mkldnn();
        Node *c = g->create(prim::Constant);
        c->t_(attr::value, packed);
        c->output()->inferTypeFrom(packed);
        g->insertNode(c);
        Value *wm = c->output();
        Value *xm = g->insert(aten::to_mkldnn, {n->input(0)});
        Value *ym = g->insert(aten::mkldnn_linear, {xm, wm, n->input(2)});
        Value *y = g->insert(aten::to_dense, {ym});
        y->setType(n->output()->type());
        n->output()->replaceAllUsesWith(y);
        n->destroy();
        done++;
    }
    EliminateDeadCode(g);
    return done;
}

namespace {

using torch::jit::Node;
using torch::jit::Value;

// v is `aten::to(x, float32, false, false, None)`, the x.float() of
// GroupNorm32; returns x, or nullptr when v is anything else.
Value *float_cast_source(Value *v) {
    Node *n = v->node();
    if (n->kind() != torch::jit::aten::to || n->inputs().size() != 5) return nullptr;
    c10::optional<c10::IValue> dtype = torch::jit::toIValue(n->input(1));
    c10::optional<c10::IValue> non_blocking = torch::jit::toIValue(n->input(2));
    c10::optional<c10::IValue> copy = torch::jit::toIValue(n->input(3));
    c10::optional<c10::IValue> format = torch::jit::toIValue(n->input(4));
    if (!dtype || !dtype->isInt() || dtype->toInt() != (int64_t)at::kFloat) return nullptr;
    if (!non_blocking || !copy || !format || !format->isNone()) return nullptr;
    if (!non_blocking->isBool() || non_blocking->toBool() || !copy->isBool() || copy->toBool())
        return nullptr;
    return n->input(0);
}

// v is `aten::to(y, prim::dtype(x), false, false, None)`, GroupNorm32's
// cast back to the input's dtype; returns y, or nullptr.
Value *cast_back_source(Value *v, Value *x) {
    Node *n = v->node();
    if (n->kind() != torch::jit::aten::to || n->inputs().size() != 5) return nullptr;
    Node *dt = n->input(1)->node();
    if (dt->kind() != torch::jit::prim::dtype || dt->input(0) != x) return nullptr;
    c10::optional<c10::IValue> format = torch::jit::toIValue(n->input(4));
    c10::optional<c10::IValue> copy = torch::jit::toIValue(n->input(3));
    if (!format || !format->isNone() || !copy || !copy->isBool() || copy->toBool())
        return nullptr;
    return n->input(0);
}

}  // namespace

// The pattern, as the reference GroupNorm32 and _swish script it:
//   xf = aten::to(x, float32); n = aten::group_norm(xf, G, w, b, eps, _)
//   y = aten::to(n, prim::dtype(x)); out = aten::mul(y, aten::sigmoid(y))
// with no other use of n and the sigmoid, y used by those two only, xf
// by the norm and aten::size only.
// out becomes v2f::group_norm_swish(x, G, w, b, eps). A graph without the
// casts (a GroupNorm in the input's own dtype) is left alone: fusing it
// would change its bfloat16 arithmetic.
int fuse_group_norm_swish(std::shared_ptr<torch::jit::Graph> g) {
    using namespace torch::jit;
    if (!v2f_gn::vectorised()) return 0;
    const Symbol fused = Symbol::fromQualString("v2f::group_norm_swish");
    std::vector<Node *> sigmoids;
    for (DepthFirstGraphNodeIterator it(g); Node *n = it.next();)
        if (n->kind() == aten::sigmoid) sigmoids.push_back(n);
    int done = 0;
    for (Node *s : sigmoids) {
        Value *y = s->input(0);
        if (s->output()->uses().size() != 1 || y->uses().size() != 2) continue;
        Node *mul = s->output()->uses()[0].user;
        if (mul->kind() != aten::mul || mul->inputs().size() != 2) continue;
        Value *other = mul->input(0) == s->output() ? mul->input(1) : mul->input(0);
        if (other != y) continue;
        Value *normed = y->node()->kind() == aten::to ? y->node()->input(0) : nullptr;
        if (!normed || normed->uses().size() != 1) continue;
        Node *gn = normed->node();
        if (gn->kind() != aten::group_norm || gn->inputs().size() != 6) continue;
        Value *xf = gn->input(0);
        Value *x = float_cast_source(xf);
        if (!x || cast_back_source(y, x) != normed) continue;
        // Besides the norm, xf may only feed aten::size (functional
        // group_norm's batch-size check); those read x's sizes instead.
        bool only_sizes = true;
        for (const Use &u : xf->uses())
            if (u.user != gn && u.user->kind() != aten::size) only_sizes = false;
        if (!only_sizes) continue;
        if (gn->input(2)->type()->kind() == c10::TypeKind::NoneType ||
            gn->input(3)->type()->kind() == c10::TypeKind::NoneType)
            continue;
        WithInsertPoint guard(mul);
        Value *out = g->insert(fused, {x, gn->input(1), gn->input(2), gn->input(3), gn->input(4)});
        out->setType(mul->output()->type());
        mul->output()->replaceAllUsesWith(out);
        const std::vector<Use> xf_uses = xf->uses();  // copied: edited below
        for (const Use &u : xf_uses)
            if (u.user->kind() == aten::size) u.user->replaceInputWith(xf, x);
        done++;
    }
    EliminateDeadCode(g);
    return done;
}

// Every aten::matmul of two activations (attention's q k^T and attn v)
// -> v2f::matmul, which computes float32 batched products itself instead
// of through libtorch's BLAS (the reference BLAS on Debian) and hands
// everything else to at::matmul. Returns how many.
int attention_matmul(std::shared_ptr<torch::jit::Graph> g) {
    using namespace torch::jit;
    if (!v2f_mm::available()) return 0;
    const Symbol small = Symbol::fromQualString("v2f::matmul");
    std::vector<Node *> products;
    for (DepthFirstGraphNodeIterator it(g); Node *n = it.next();)
        if (n->kind() == aten::matmul && n->inputs().size() == 2 &&
            n->input(0)->node()->kind() != prim::Constant &&
            n->input(1)->node()->kind() != prim::Constant)
            products.push_back(n);
    for (Node *n : products) {
        WithInsertPoint guard(n);
        Value *out = g->insert(small, {n->input(0), n->input(1)});
        out->setType(n->output()->type());
        n->output()->replaceAllUsesWith(out);
        n->destroy();
    }
    return (int)products.size();
}

// oneDNN runs a bfloat16 convolution on channels-last input in
// channels-last; a weight that is not channels-last is copied into that
// layout on every call (a strided copy: ~12% of the image decoder's time
// at batch 8). So the constant weights are stored channels-last once.
int conv_weights_channels_last(std::shared_ptr<torch::jit::Graph> g) {
    using namespace torch::jit;
    std::vector<Node *> convs;
    for (DepthFirstGraphNodeIterator it(g); Node *n = it.next();)
        if (n->kind() == aten::conv2d) convs.push_back(n);
    int done = 0;
    for (Node *n : convs) {
        c10::optional<c10::IValue> w = toIValue(n->input(1));
        if (!w || !w->isTensor()) continue;
        at::Tensor wt = w->toTensor();
        if (wt.dim() != 4 || wt.scalar_type() != at::kBFloat16 || !wt.device().is_cpu() ||
            wt.is_contiguous(at::MemoryFormat::ChannelsLast))
            continue;
        WithInsertPoint guard(n);
        Value *cl = g->insertConstant(wt.contiguous(at::MemoryFormat::ChannelsLast));
        n->replaceInput(1, cl);
        done++;
    }
    EliminateDeadCode(g);
    return done;
}

}  // namespace v2f_shim
