// AttrOP in libtorch: Adam on the identity vectors through the generator and
// the estimators, with the official losses (Vec2Face+ `gen_image`). The
// networks are the plain (unfrozen) modules with parameters that do not
// require grad, so gradients flow only to the vectors.
#include <cmath>
#include <cstring>
#include <memory>

#include "attrop_shim.h"
#include "shim_internal.hpp"
#include <torch/csrc/jit/python/update_graph_executor_opt.h>

/* AttrOP runs the unfrozen `plain` modules with autograd. The JIT's
 * profiling executor re-plans such a graph after its first runs, and the
 * new plan rounded the gradients differently from the third call on, so a
 * process's third AttrOP image differed (by 1/255) from the same image made
 * first in another shard. Without run-time optimisation (a thread-local
 * switch, hence set per call and restored after) every call computes the
 * same way. Not used for
 * the frozen inference modules: their graphs need the executor's inlining. */
struct NoExecutorReplanning {
    bool was = torch::jit::getGraphExecutorOptimize();
    NoExecutorReplanning() { torch::jit::setGraphExecutorOptimize(false); }
    ~NoExecutorReplanning() { torch::jit::setGraphExecutorOptimize(was); }
};

struct v2f_shim_attrop {
    torch::jit::Module gen, id_net, quality_net, pose_net;
    bool use_quality = false, use_pose = false, use_class = false;
    torch::Tensor rep, class_rep, cond, x, last_grad;
    std::unique_ptr<torch::optim::Adam> adam;
    double target_sim = 0.3, q_target = 24.0, yaw_target = 0.0;
    torch::Device device{torch::kCPU};
    int64_t n = 0;
};

namespace {

torch::Tensor from_host(const float *p, std::vector<int64_t> shape, const torch::Device &dev) {
    return torch::from_blob((void *)p, shape, torch::TensorOptions().dtype(torch::kFloat32))
        .to(dev)
        .clone();
}

torch::Tensor mask_tensor(const uint8_t *p, int64_t n, const torch::Device &dev) {
    return torch::from_blob((void *)p, {n, V2F_NUM_TOKENS},
                            torch::TensorOptions().dtype(torch::kUInt8))
        .to(dev, torch::kBool);
}

void to_host(const torch::Tensor &t, float *out) {
    if (!out) return;
    torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    std::memcpy(out, c.data_ptr<float>(), (size_t)c.numel() * sizeof(float));
}

}  // namespace

extern "C" {

v2f_status v2f_shim_attrop_new(const v2f_shim_attrop_nets *nets, const float *vectors,
                               const float *class_vectors, const float *cond, size_t n,
                               const v2f_shim_attrop_params *params, v2f_shim_attrop **out) {
    *out = nullptr;
    SHIM_TRY
    NoExecutorReplanning same_plan_every_call;
    // The C layer refuses AttrOP on models loaded without the autograd
    // copies; this keeps an empty module from reaching libtorch if not.
    for (const v2f_shim_module *net : {nets->generator, nets->identity, nets->quality,
                                       nets->headpose})
        if (net && !net->has_plain)
            throw ShimError(V2F_E_UNSUPPORTED, "AttrOP: the model was loaded with "
                                               "V2F_ATTROP_DISABLED (no autograd copies)");
    auto h = std::make_unique<v2f_shim_attrop>();
    h->device = nets->generator->device;
    h->n = (int64_t)n;
    h->gen = nets->generator->plain;
    h->id_net = nets->identity->plain;
    if (nets->quality) {
        h->quality_net = nets->quality->plain;
        h->use_quality = true;
    }
    if (nets->headpose) {
        h->pose_net = nets->headpose->plain;
        h->use_pose = true;
    }
    h->target_sim = params->target_sim;
    h->q_target = params->quality_target;
    h->yaw_target = params->yaw_target;
    h->rep = from_host(vectors, {h->n, V2F_VECTOR_DIM}, h->device);
    if (class_vectors) {
        h->class_rep = from_host(class_vectors, {h->n, V2F_VECTOR_DIM}, h->device);
        h->use_class = true;
    }
    if (cond) h->cond = from_host(cond, {h->n, 1, V2F_COND_DIM}, h->device);
    h->x = h->rep.clone().set_requires_grad(true);
    h->adam = std::make_unique<torch::optim::Adam>(
        std::vector<torch::Tensor>{h->x}, torch::optim::AdamOptions(params->lr));
    *out = h.release();
    return V2F_OK;
    SHIM_CATCH("attrop")
}

void v2f_shim_attrop_free(v2f_shim_attrop *h) { delete h; }

v2f_status v2f_shim_attrop_step(v2f_shim_attrop *h, const uint8_t *dropped,
                                const uint8_t *masked, v2f_shim_attrop_losses *losses) {
    SHIM_TRY
    NoExecutorReplanning same_plan_every_call;
    torch::AutoGradMode grad_on(true);
    const torch::Device &dev = h->device;
    c10::IValue cond;
    if (h->cond.defined()) cond = h->cond;
    torch::Tensor image =
        h->gen.forward({h->x, mask_tensor(dropped, h->n, dev), mask_tensor(masked, h->n, dev), cond})
            .toTensor()
            .clip(-1.0, 1.0);
    torch::Tensor feature = h->id_net.forward({image}).toTensor();
    // Identity: 1 - cos to the class vectors (hinged at target_sim) or to
    // the input vectors.
    torch::Tensor id_per, id_loss;
    if (h->use_class) {
        torch::Tensor d = 1 - torch::cosine_similarity(feature, h->class_rep, 1);
        id_per = torch::where(d > h->target_sim, d, torch::zeros_like(d));
    } else {
        id_per = 1 - torch::cosine_similarity(feature, h->rep, 1);
    }
    id_loss = id_per.mean();
    torch::Tensor zeros = torch::zeros({h->n}, image.options());
    torch::Tensor q_per = zeros, q_loss = torch::zeros({}, image.options());
    if (h->use_quality) {
        torch::Tensor norm = torch::norm(h->quality_net.forward({image}).toTensor(), 2, 1, true);
        torch::Tensor q = torch::where(norm < h->q_target, h->q_target - norm,
                                       torch::zeros_like(norm)) / 30;
        q_per = q.squeeze(1);
        q_loss = q.mean();
    }
    torch::Tensor p_per = zeros, p_loss = torch::zeros({}, image.options());
    if (h->use_pose) {
        torch::Tensor bgr = image.index({torch::indexing::Slice(),
                                         torch::tensor({2, 1, 0}, torch::kLong).to(image.device())});
        torch::Tensor angles = h->pose_net.forward({(bgr + 1) / 2}).toTensor();  // degrees
        torch::Tensor yaw = angles.select(1, 1).clip(-90, 90);
        p_per = torch::abs(h->yaw_target - torch::abs(yaw)) / 90;
        p_loss = p_per.mean();
    }
    torch::Tensor total = id_loss + p_loss + q_loss;
    h->adam->zero_grad();
    total.backward();
    h->last_grad = h->x.grad().detach().clone();
    h->adam->step();

    losses->identity = id_loss.item<float>();
    losses->quality = q_loss.item<float>();
    losses->pose = p_loss.item<float>();
    losses->total = total.item<float>();
    to_host(id_per, losses->identity_per_vector);
    to_host(q_per, losses->quality_per_vector);
    to_host(p_per, losses->pose_per_vector);
    return V2F_OK;
    SHIM_CATCH("attrop step")
}

v2f_status v2f_shim_attrop_vectors(const v2f_shim_attrop *h, float *out) {
    SHIM_TRY
    NoExecutorReplanning same_plan_every_call;
    to_host(h->x, out);
    return V2F_OK;
    SHIM_CATCH("attrop vectors")
}

v2f_status v2f_shim_attrop_gradient(const v2f_shim_attrop *h, float *out) {
    SHIM_TRY
    NoExecutorReplanning same_plan_every_call;
    if (!h->last_grad.defined())
        throw ShimError(V2F_E_INVALID_ARG, "no step has been taken yet: there is no gradient");
    to_host(h->last_grad, out);
    return V2F_OK;
    SHIM_CATCH("attrop gradient")
}

}  // extern "C"
