#!/bin/sh
# Install the built library into a temporary prefix, then build examples/
# out of tree against it twice (pkg-config; CMake find_package) and run
# both builds on the tiny test model.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR MODELS_DIR PYTHON
set -eu
build=$1 src=$2 models=$3 python=$4
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -n 1); libdir=${libdir%/}
test -f "$prefix/include/vec2face/vec2face.h"
test -f "$libdir/pkgconfig/vec2face.pc"
test -f "$libdir/cmake/vec2face/vec2faceConfig.cmake"
test -L "$libdir/libvec2face.so" && test -e "$libdir/libvec2face.so.0"
# torch must stay out of the public link line.
PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --libs vec2face | grep -qv torch
PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --libs --static vec2face | grep -q torch

# 1) pkg-config
mkdir "$tmp/pc"
for ex in generate pose; do
  cc -std=c11 -Wall -Werror -o "$tmp/pc/$ex" "$src/examples/$ex.c" \
     $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs vec2face)
done
# 2) CMake package
cmake -S "$src/examples" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/cm" >/dev/null

export LD_LIBRARY_PATH=$libdir
"$python" -c "
import numpy as np
rng = np.random.default_rng(0)
v = rng.standard_normal((2, 512)).astype(np.float32)
np.save('$tmp/vectors.npy', v / np.linalg.norm(v, axis=1, keepdims=True) * 25)
np.save('$tmp/points.npy', np.array([[38, 52, 74, 52, 56, 72, 42, 92, 70, 92]], np.float32))
"
for kind in pc cm; do
  case $kind in pc) gen=$tmp/pc/generate pose=$tmp/pc/pose ;;
                cm) gen=$tmp/cm/v2f_example_generate pose=$tmp/cm/v2f_example_pose ;; esac
  "$gen" --help | grep -q usage
  mkdir -p "$tmp/out_$kind/plain" "$tmp/out_$kind/pose"
  "$gen" "$models/tiny" "$tmp/vectors.npy" "$tmp/out_$kind/plain" --per-id 2 --seed 1
  "$pose" "$models/tiny" "$tmp/vectors.npy" "$tmp/points.npy" "$tmp/out_$kind/pose"
  test "$(ls "$tmp/out_$kind/plain" | wc -l)" -eq 4   # 2 vectors x 2
  test "$(ls "$tmp/out_$kind/pose" | wc -l)" -eq 3    # 2 faces + 1 landmark image
  # The linked library is the installed one.
  ldd "$gen" | grep -q "$libdir/libvec2face.so.0"
done
cmp "$tmp/out_pc/plain/0_1.png" "$tmp/out_cm/plain/0_1.png"
echo "installed library: pkg-config and find_package builds of examples/ run"
