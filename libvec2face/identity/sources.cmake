# The identity layer (C11): perturbation, sampler, centres, separability.
# No BLAS: the similarity sweeps use their own AVX-512/AVX2 kernels
# (simkernel.c), chosen at run time.
set(V2F_IDENTITY_SOURCES
  libvec2face/identity/simkernel.c
  libvec2face/identity/pool.c
  libvec2face/identity/perturb.c
  libvec2face/identity/sampler.c
  libvec2face/identity/sample_identities.c
  libvec2face/identity/centres.c
  libvec2face/identity/centres_folder.c
)
