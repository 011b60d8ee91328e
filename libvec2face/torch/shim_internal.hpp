// Internal to the C++ shim: the module handle, the error type and the
// exception barrier shared by the shim's source files.
#ifndef V2F_SHIM_INTERNAL_HPP
#define V2F_SHIM_INTERNAL_HPP

#include <torch/script.h>
#include <torch/torch.h>

#include <string>

#include "shim.h"

extern "C" v2f_status v2f__fail(v2f_status status, const char *fmt, ...);

struct v2f_shim_module {
    torch::jit::Module module;  // frozen and optimised: inference
    torch::jit::Module plain;   // as loaded, parameters frozen: autograd (AttrOP);
                                // empty (has_plain false) under V2F_ATTROP_DISABLED
    torch::Device device;
    int32_t part;
    torch::ScalarType dtype;    // of `module`'s weights and inputs; `plain` is float32
    bool has_plain;
};

namespace v2f_shim {

inline const char *const kPartKinds[V2F_PART_COUNT] = {
    "generator", "pose_generator", "pose_cond", "arcface", "magface", "headpose"};

// torch messages carry a C++ backtrace after the first lines; keep the
// useful head (the TorchScript "raise" text sits on the last non-empty
// line before "Exception raised from" in scripted errors).
inline std::string short_message(const std::string &what) {
    std::string msg = what;
    size_t cut = msg.find("Exception raised from");
    if (cut != std::string::npos) msg = msg.substr(0, cut);
    // Prefer the Python-style exception line of a scripted raise.
    size_t err = msg.rfind("Error: ");
    if (err != std::string::npos) {
        size_t start = msg.rfind('\n', err);
        msg = msg.substr(start == std::string::npos ? 0 : start + 1);
    }
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (msg.size() > 600) msg = msg.substr(0, 600) + "...";
    return msg;
}

class ShimError : public std::exception {
  public:
    ShimError(v2f_status s, std::string m) : status(s), message(std::move(m)) {}
    const char *what() const noexcept override { return message.c_str(); }
    v2f_status status;
    std::string message;
};

}  // namespace v2f_shim

using v2f_shim::kPartKinds;
using v2f_shim::ShimError;
using v2f_shim::short_message;

#define SHIM_TRY try {
#define SHIM_CATCH(context)                                                          \
    }                                                                                \
    catch (const ShimError &e) {                                                     \
        return v2f__fail(e.status, "%s", e.message.c_str());                         \
    }                                                                                \
    catch (const c10::Error &e) {                                                    \
        return v2f__fail(V2F_E_BACKEND, "%s: %s", context,                           \
                         short_message(e.what()).c_str());                           \
    }                                                                                \
    catch (const std::bad_alloc &) {                                                 \
        return v2f__fail(V2F_E_NO_MEMORY, "%s: out of memory", context);             \
    }                                                                                \
    catch (const std::exception &e) {                                                \
        return v2f__fail(V2F_E_INTERNAL, "%s: %s", context,                          \
                         short_message(e.what()).c_str());                           \
    }                                                                                \
    catch (...) {                                                                    \
        return v2f__fail(V2F_E_INTERNAL, "%s: unknown C++ exception", context);      \
    }

#endif
