# The core room (C11): errors and logging, the RNG and masks, model
# loading, generation, estimators, AttrOP; it calls the shim for every
# tensor operation and never includes libtorch.
set(V2F_CORE_SOURCES
  libvec2face/error.c
  libvec2face/rng.c
  libvec2face/masks.c
  libvec2face/model.c
  libvec2face/model_precheck.c
  libvec2face/generate.c
  libvec2face/landmarks.c
  libvec2face/estimators.c
  libvec2face/attrop.c
)
