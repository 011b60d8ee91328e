// The libtorch shim's model entries (libvec2face/torch/ is the only code
// that includes libtorch). Each extern "C" entry is one try/catch barrier;
// no C++ type or exception crosses it.
#include "shim_internal.hpp"

#include "graph_passes.hpp"

#include <torch/csrc/jit/passes/freeze_module.h>

#include <cpuid.h>
#include <cstring>
#include <new>
#include <string>

namespace {
constexpr int64_t kFormatVersion = 1;
}  // namespace

namespace {

torch::Device parse_device(const char *device) {
    std::string d = device ? device : "cpu";
    if (d == "cpu") return torch::Device(torch::kCPU);
    if (d.rfind("cuda", 0) == 0) {
        torch::Device dev(torch::kCPU);
        try {
            dev = torch::Device(d);
        } catch (const c10::Error &) {
            throw ShimError(V2F_E_INVALID_ARG, "device '" + d +
                                                   "': expected \"cpu\" or \"cuda:N\"");
        }
        if (!torch::cuda::is_available())
            throw ShimError(V2F_E_UNSUPPORTED,
                            "device '" + d + "': the linked libtorch has no CUDA "
                            "(or no GPU is visible); rebuild against a CUDA libtorch "
                            "with CMAKE_PREFIX_PATH");
        int64_t count = (int64_t)torch::cuda::device_count();
        if (dev.has_index() && dev.index() >= count)
            throw ShimError(V2F_E_INVALID_ARG, "device '" + d + "': only " +
                                                   std::to_string(count) + " CUDA device(s)");
        return dev;
    }
    throw ShimError(V2F_E_INVALID_ARG, "device '" + d + "': expected \"cpu\" or \"cuda:N\"");
}

// Metadata attributes written by vec2face_torch.export.
std::string str_attr(const torch::jit::Module &m, const char *name, const std::string &file) {
    if (!m.hasattr(name))
        throw ShimError(V2F_E_MODEL, file + ": no '" + name +
                                         "' attribute; not written by vec2face_torch.export?");
    c10::IValue v = m.attr(name);
    if (!v.isString()) throw ShimError(V2F_E_MODEL, file + ": '" + name + "' is not a string");
    return v.toStringRef();
}

double num_attr(const torch::jit::Module &m, const char *name, const std::string &file) {
    if (!m.hasattr(name)) throw ShimError(V2F_E_MODEL, file + ": no '" + name + "' attribute");
    c10::IValue v = m.attr(name);
    if (v.isInt()) return (double)v.toInt();
    if (v.isDouble()) return v.toDouble();
    throw ShimError(V2F_E_MODEL, file + ": '" + name + "' is not a number");
}

void copy_str(char *dst, size_t size, const std::string &s) {
    std::snprintf(dst, size, "%s", s.c_str());
}

void read_meta(const torch::jit::Module &m, int32_t part, const std::string &file,
               v2f_part_info *info) {
    int64_t format = (int64_t)num_attr(m, "v2f_format", file);
    if (format != kFormatVersion)
        throw ShimError(V2F_E_MODEL, file + ": format version " + std::to_string(format) +
                                         ", this library reads version " +
                                         std::to_string(kFormatVersion) +
                                         "; re-export with a matching converter");
    std::string kind = str_attr(m, "v2f_kind", file);
    if (kind != kPartKinds[part])
        throw ShimError(V2F_E_MODEL, file + ": holds a '" + kind + "' network, expected '" +
                                         kPartKinds[part] + "'");
    info->present = 1;
    info->format_version = (int32_t)format;
    copy_str(info->kind, sizeof info->kind, kind);
    copy_str(info->source_sha256, sizeof info->source_sha256,
             str_attr(m, "v2f_source_sha256", file));
    copy_str(info->exporter, sizeof info->exporter, str_attr(m, "v2f_exporter", file));
    if (part == V2F_PART_GENERATOR || part == V2F_PART_POSE_GENERATOR) {
        info->mask_ratio_min = (float)num_attr(m, "v2f_mask_ratio_min", file);
        info->mask_ratio_max = (float)num_attr(m, "v2f_mask_ratio_max", file);
        info->mask_ratio_mu = (float)num_attr(m, "v2f_mask_ratio_mu", file);
        info->mask_ratio_std = (float)num_attr(m, "v2f_mask_ratio_std", file);
        info->num_dropped = (int32_t)num_attr(m, "v2f_num_dropped", file);
        info->lora_rank = (int32_t)num_attr(m, "v2f_lora_rank", file);
        info->lora_alpha = (float)num_attr(m, "v2f_lora_alpha", file);
        if (info->num_dropped < 1 || info->num_dropped > V2F_NUM_TOKENS ||
            !(info->mask_ratio_min <= info->mask_ratio_max) || !(info->mask_ratio_std > 0))
            throw ShimError(V2F_E_MODEL, file + ": inconsistent mask metadata");
    }
}

// Check the module's interface with one tiny forward on zeros, so that a
// file with the right name but the wrong dimensions fails at load.
void probe(torch::jit::Module &m, int32_t part, const torch::Device &dev, const std::string &file) {
    auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(dev);
    try {
        torch::NoGradGuard ng;
        if (part == V2F_PART_GENERATOR || part == V2F_PART_POSE_GENERATOR) {
            return;  // checked on first use: a forward here would cost a full image
        }
        torch::Tensor out = m.forward({torch::zeros({1, 3, 112, 112}, f32)}).toTensor();
        std::vector<int64_t> want;
        if (part == V2F_PART_POSE_COND) want = {1, 1, V2F_COND_DIM};
        else if (part == V2F_PART_HEADPOSE) want = {1, 3};
        else want = {1, V2F_VECTOR_DIM};
        if (out.sizes().vec() != want)
            throw ShimError(V2F_E_MODEL, file + ": output shape " +
                                             c10::str(out.sizes()) + ", expected " +
                                             c10::str(c10::IntArrayRef(want)));
    } catch (const c10::Error &e) {
        throw ShimError(V2F_E_MODEL, file + ": does not accept a [1,3,112,112] image: " +
                                         short_message(e.what()));
    }
}

// bfloat16 on the CPU is only worth it with native instructions
// (AVX512-BF16 or AMX-BF16); elsewhere oneDNN emulates it, slower than
// float32.
bool cpu_has_native_bf16() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    const bool amx_bf16 = (d >> 22) & 1u;
    const unsigned max_sub = a;
    bool avx512_bf16 = false;
    if (max_sub >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) avx512_bf16 = (a >> 5) & 1u;
    return (avx512_bf16 && __builtin_cpu_supports("avx512bw")) || amx_bf16;
}

bool is_generator_part(int32_t part) {
    return part == V2F_PART_GENERATOR || part == V2F_PART_POSE_GENERATOR;
}

// The inference copy: the module as loaded, or for bfloat16 generators a
// deep copy cast to bfloat16 (the plain copy stays float32 for AttrOP);
// then frozen and optimised, with graph_passes.cpp's CPU rewrites: Linear
// layers onto oneDNN, attention's products off the reference BLAS and
// GroupNorm32 + swish fused (all before optimize_for_inference, which
// would otherwise rewrite the patterns they look for), bfloat16
// convolution weights channels-last (after it). Freezing is done here,
// not in the exporter: frozen and optimised modules do not load back.
torch::jit::Module inference_copy(const torch::jit::Module &m, const torch::Device &dev,
                                  torch::ScalarType dtype) {
    torch::jit::Module src = m;
    if (dtype != torch::kFloat32) {
        src = m.deepcopy();
        src.to(dtype);
    }
    torch::jit::Module frozen = torch::jit::freeze(src);
    if (dev.is_cpu()) {
        std::shared_ptr<torch::jit::Graph> g = frozen.get_method("forward").graph();
        v2f_shim::linear_to_onednn(g);
        v2f_shim::attention_matmul(g);
        v2f_shim::fuse_group_norm_swish(g);
    }
    torch::jit::Module optimised = torch::jit::optimize_for_inference(frozen);
    if (dev.is_cpu())
        v2f_shim::conv_weights_channels_last(optimised.get_method("forward").graph());
    return optimised;
}

// images: float [b][3][112][112] on the host -> the module's output, on the
// host as contiguous float32. from_blob does not copy; .to() does.
torch::Tensor forward_images(const v2f_shim_module *m, const float *images, int64_t b) {
    auto cpu_f = torch::TensorOptions().dtype(torch::kFloat32);
    torch::Tensor x = torch::from_blob((void *)images, {b, 3, V2F_IMAGE_SIZE, V2F_IMAGE_SIZE},
                                       cpu_f).to(m->device);
    torch::jit::Module &mod = const_cast<torch::jit::Module &>(m->module);
    return mod.forward({x}).toTensor().to(torch::kCPU, torch::kFloat32).contiguous();
}

void copy_out(const torch::Tensor &t, float *out) {
    torch::Tensor c = t.to(torch::kCPU, torch::kFloat32).contiguous();
    std::memcpy(out, c.data_ptr<float>(), (size_t)c.numel() * sizeof(float));
}

}  // namespace

extern "C" {

v2f_status v2f_shim_check_device(const char *device) {
    SHIM_TRY
    parse_device(device);
    return V2F_OK;
    SHIM_CATCH("device")
}

v2f_status v2f_shim_set_threads(int32_t threads) {
    SHIM_TRY
    if (threads > 0 && at::get_num_threads() != threads) at::set_num_threads(threads);
    return V2F_OK;
    SHIM_CATCH("threads")
}

int32_t v2f_shim_get_threads(void) {
    try {
        return (int32_t)at::get_num_threads();
    } catch (...) {
        return 0;
    }
}

v2f_status v2f_shim_check_precision(const char *device, int32_t precision) {
    SHIM_TRY
    std::string d = device ? device : "cpu";
    if (precision == V2F_PRECISION_FP32) return V2F_OK;
    if (precision != V2F_PRECISION_BF16 && precision != V2F_PRECISION_FP16)
        throw ShimError(V2F_E_UNSUPPORTED, "precision " + std::to_string(precision) +
                                               ": expected V2F_PRECISION_FP32 (0), "
                                               "V2F_PRECISION_BF16 (1) or "
                                               "V2F_PRECISION_FP16 (2)");
    const bool cpu = parse_device(device).is_cpu();
    if (precision == V2F_PRECISION_FP16 && cpu)
        throw ShimError(V2F_E_UNSUPPORTED,
                        "precision fp16 on device '" + d + "': float16 needs a CUDA "
                        "device (\"cuda:N\"); on a CPU use V2F_PRECISION_BF16 or "
                        "V2F_PRECISION_FP32");
    if (precision == V2F_PRECISION_BF16 && cpu && !cpu_has_native_bf16())
        throw ShimError(V2F_E_UNSUPPORTED,
                        "precision bf16 on device '" + d + "': this CPU has neither "
                        "AVX512-BF16 nor AMX-BF16 (emulated bfloat16 is slower than "
                        "float32); use V2F_PRECISION_FP32");
    return V2F_OK;
    SHIM_CATCH("precision")
}

v2f_status v2f_shim_load(const char *path, int32_t part, const char *device,
                         int32_t precision, int keep_plain, v2f_shim_module **out,
                         v2f_part_info *info) {
    *out = nullptr;
    SHIM_TRY
    // Inside the barrier: the copy can throw std::bad_alloc.
    std::string file = path;
    torch::Device dev = parse_device(device);
    torch::jit::Module m;
    try {
        m = torch::jit::load(file, torch::Device(torch::kCPU));
    } catch (const c10::Error &e) {
        throw ShimError(V2F_E_MODEL, file + ": not a loadable TorchScript file: " +
                                         short_message(e.what()));
    }
    read_meta(m, part, file, info);
    m.eval();
    m.to(dev);
    for (torch::Tensor p : m.parameters()) p.set_requires_grad(false);
    probe(m, part, dev, file);
    // Only the generators run in 16 bits: the image networks are small
    // next to them and feed losses and filters that want float32.
    torch::ScalarType dtype = torch::kFloat32;
    if (is_generator_part(part) && precision == V2F_PRECISION_BF16) dtype = torch::kBFloat16;
    if (is_generator_part(part) && precision == V2F_PRECISION_FP16) dtype = torch::kHalf;
    torch::jit::Module inference = inference_copy(m, dev, dtype);
    // Without the autograd copy `m` dies here; the frozen module keeps
    // only the tensors it still uses.
    auto *sm = new v2f_shim_module{std::move(inference),
                                   keep_plain ? m : torch::jit::Module(), dev, part, dtype,
                                   keep_plain != 0};
    *out = sm;
    return V2F_OK;
    SHIM_CATCH(path)
}

void v2f_shim_free(v2f_shim_module *m) { delete m; }

v2f_status v2f_shim_generate(const v2f_shim_module *m, const float *vectors,
                             const uint8_t *dropped, const uint8_t *masked,
                             const float *cond, size_t n, float *raw_out) {
    SHIM_TRY
    c10::InferenceMode guard;
    const int64_t b = (int64_t)n;
    auto cpu_f = torch::TensorOptions().dtype(torch::kFloat32);
    auto cpu_u8 = torch::TensorOptions().dtype(torch::kUInt8);
    // from_blob does not copy; .to() copies (and moves to the device, and
    // casts to the module's precision: float32 in and out at the API).
    torch::Tensor v = torch::from_blob((void *)vectors, {b, V2F_VECTOR_DIM}, cpu_f)
                          .to(m->device, m->dtype);
    torch::Tensor d = torch::from_blob((void *)dropped, {b, V2F_NUM_TOKENS}, cpu_u8)
                          .to(m->device, torch::kBool);
    torch::Tensor k = torch::from_blob((void *)masked, {b, V2F_NUM_TOKENS}, cpu_u8)
                          .to(m->device, torch::kBool);
    c10::IValue c;
    if (cond)
        c = torch::from_blob((void *)cond, {b, 1, V2F_COND_DIM}, cpu_f).to(m->device, m->dtype);
    torch::jit::Module &mod = const_cast<torch::jit::Module &>(m->module);
    torch::Tensor img = mod.forward({v, d, k, c}).toTensor();
    if (img.sizes() != c10::IntArrayRef({b, 3, V2F_IMAGE_SIZE, V2F_IMAGE_SIZE}))
        throw ShimError(V2F_E_MODEL, "generator returned shape " + c10::str(img.sizes()) +
                                         ", expected [n,3,112,112]");
    copy_out(img, raw_out);
    return V2F_OK;
    SHIM_CATCH("generate")
}

v2f_status v2f_shim_pose_cond(const v2f_shim_module *m, const float *images, size_t n,
                              float *cond_out) {
    SHIM_TRY
    c10::InferenceMode guard;
    torch::Tensor c = forward_images(m, images, (int64_t)n);
    if (c.numel() != (int64_t)n * V2F_COND_DIM)
        throw ShimError(V2F_E_MODEL, "landmark encoder returned shape " + c10::str(c.sizes()));
    copy_out(c, cond_out);
    return V2F_OK;
    SHIM_CATCH("pose condition")
}

v2f_status v2f_shim_image_net(const v2f_shim_module *m, const float *images, size_t n,
                              float *out, int64_t out_dim) {
    SHIM_TRY
    c10::InferenceMode guard;
    torch::Tensor y = forward_images(m, images, (int64_t)n);
    if (y.dim() != 2 || y.size(0) != (int64_t)n || y.size(1) != out_dim)
        throw ShimError(V2F_E_MODEL, std::string(kPartKinds[m->part]) + " returned shape " +
                                         c10::str(y.sizes()) + ", expected [n," +
                                         std::to_string(out_dim) + "]");
    copy_out(y, out);
    return V2F_OK;
    SHIM_CATCH(kPartKinds[m->part])
}

}  // extern "C"
