# The image and array I/O layer (C11; libpng, libjpeg, zlib).
set(V2F_IO_SOURCES
  libvec2face/io/atomic_file.c
  libvec2face/io/png_io.c
  libvec2face/io/jpeg_io.c
  libvec2face/io/image_io.c
  libvec2face/io/array.c
  libvec2face/io/npy.c
  libvec2face/io/npz.c
  libvec2face/io/npz_write.c
)
