# The shim room (C++17): the only code that includes libtorch, behind the
# C interface of shim.h and attrop_shim.h.
set(V2F_SHIM_SOURCES
  libvec2face/torch/shim.cpp
  libvec2face/torch/attrop.cpp
  libvec2face/torch/graph_passes.cpp
  libvec2face/torch/group_norm_swish_op.cpp
  libvec2face/torch/small_matmul_op.cpp
)
# The kernels of the shim's own operators (fused GroupNorm+swish, small
# float32 matmul): no libtorch; one rounding per operation
# (no fma contraction) so that the AVX-512 and scalar paths agree. GCC 12
# warns falsely about _mm512_undefined_* inside its own intrinsics.
set(V2F_KERNEL_SOURCES
  libvec2face/torch/group_norm_swish_kernel.cpp
  libvec2face/torch/small_matmul_kernel.cpp
)
