# The util room (C11, libc only): file-system and string helpers that every
# other room and the CLI share.
set(V2F_UTIL_SOURCES
  libvec2face/util/cpu.c
  libvec2face/util/fsutil.c
)
