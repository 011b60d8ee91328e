#!/bin/sh
# The Rust crate as a user meets it, against an installed libvec2face.
#
#   check_installed.sh example BUILD_DIR SOURCE_DIR MODELS_DIR PYTHON TARGET_DIR [C_EXAMPLE]
#     Install the library into a temporary prefix, build examples/rust out
#     of tree (a copy, depending on bindings/rust by path) with
#     PKG_CONFIG_PATH=<prefix>/lib/pkgconfig, run the binary with no
#     LD_LIBRARY_PATH on the tiny model, and compare its images with the C
#     example's when C_EXAMPLE is given.
#   check_installed.sh version BUILD_DIR SOURCE_DIR TARGET_DIR PROJECT_VERSION
#     A vec2face.pc of another version (for 0.3.0: 0.2.9, 0.4.0) stops the
#     crate's build with a message naming the version found and the range;
#     one of the same minor (0.3.7) builds.
set -eu
mode=$1; shift
cargo=${CARGO:-cargo}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unset LD_LIBRARY_PATH VEC2FACE_LIB_DIR VEC2FACE_NO_RPATH PKG_CONFIG_LIBDIR || true

case $mode in
example)
  build=$1 src=$2 models=$3 python=$4 target=$5 cexample=${6:-}
  prefix=$tmp/prefix
  cmake --install "$build" --prefix "$prefix" >/dev/null
  libdir=$(ls -d "$prefix"/lib*/ | head -n 1); libdir=${libdir%/}
  # A copy of the example outside the source tree; the crate by absolute path.
  mkdir "$tmp/app"
  cp -r "$src/examples/rust/Cargo.toml" "$src/examples/rust/Cargo.lock" \
        "$src/examples/rust/build.rs" "$src/examples/rust/src" "$tmp/app/"
  sed -i "s|path = \"../../bindings/rust\"|path = \"$src/bindings/rust\"|" "$tmp/app/Cargo.toml"
  grep -q "path = \"$src/bindings/rust\"" "$tmp/app/Cargo.toml"
  # Only the installed prefix on pkg-config's path (not the build tree's
  # vec2face-uninstalled.pc, which carries an rpath of its own).
  PKG_CONFIG_PATH=$libdir/pkgconfig CARGO_TARGET_DIR=$target \
    "$cargo" build --offline --quiet --manifest-path "$tmp/app/Cargo.toml"
  bin=$target/debug/v2f-generate
  "$python" -c "
import numpy as np
v = np.random.default_rng(0).standard_normal((2, 512)).astype(np.float32)
np.save('$tmp/vectors.npy', v / np.linalg.norm(v, axis=1, keepdims=True) * 25)
"
  mkdir "$tmp/out"
  # No LD_LIBRARY_PATH (unset above): the rpath must find the library.
  if ! "$bin" "$models/tiny" "$tmp/vectors.npy" "$tmp/out" --per-id 2 --seed 3; then
    echo "FAIL: $bin did not run without LD_LIBRARY_PATH" >&2
    readelf -d "$bin" | grep -Ei 'rpath|runpath' >&2 || echo "(no rpath in $bin)" >&2
    exit 1
  fi
  test "$(ls "$tmp/out" | wc -l)" -eq 4
  # The library it loaded is the installed one.
  ldd "$bin" | grep -q "$libdir/libvec2face.so.0" || {
    echo "FAIL: $bin does not load $libdir/libvec2face.so.0:" >&2; ldd "$bin" >&2; exit 1; }
  if [ -n "$cexample" ]; then
    mkdir "$tmp/c"
    LD_LIBRARY_PATH=$libdir "$cexample" "$models/tiny" "$tmp/vectors.npy" "$tmp/c" --per-id 2 --seed 3 >/dev/null
    for f in 0_0 0_1 1_0 1_1; do cmp "$tmp/out/$f.png" "$tmp/c/$f.png"; done
  fi
  echo "examples/rust built against $prefix runs without LD_LIBRARY_PATH"
  ;;
version)
  build=$1 src=$2 target=$3 version=$4
  major=${version%%.*} rest=${version#*.}; minor=${rest%%.*}
  [ "$major" = 0 ] || { echo "FAIL: version test written for 0.x, project is $version" >&2; exit 1; }
  lo=0.$minor.0 hi=0.$((minor + 1)).0 same=0.$minor.7
  old=""; [ "$minor" -gt 0 ] && old=0.$((minor - 1)).9
  for v in $old $hi $same; do
    mkdir "$tmp/pc-$v"
    # The real build tree's library and header: only the Version differs.
    cat > "$tmp/pc-$v/vec2face.pc" <<EOF
Name: vec2face
Description: fake vec2face.pc for the version check
Version: $v
Cflags: -I$src/include
Libs: -L$build -lvec2face
EOF
    set +e
    PKG_CONFIG_PATH=$tmp/pc-$v PKG_CONFIG_LIBDIR=$tmp/pc-$v CARGO_TARGET_DIR=$target \
      "$cargo" build --offline --lib --manifest-path "$src/bindings/rust/Cargo.toml" \
      >"$tmp/log-$v" 2>&1
    rc=$?
    set -e
    if [ $v = $same ]; then
      [ $rc -eq 0 ] || { echo "FAIL: version $v (same minor) refused:" >&2; cat "$tmp/log-$v" >&2; exit 1; }
    else
      if [ $rc -eq 0 ]; then
        echo "FAIL: the crate built against a vec2face.pc with Version $v" >&2; exit 1
      fi
      grep -q "found libvec2face $v" "$tmp/log-$v" &&
        grep -q "needs libvec2face >= $lo, < $hi" "$tmp/log-$v" || {
          echo "FAIL: version $v: no clear message:" >&2; cat "$tmp/log-$v" >&2; exit 1; }
    fi
  done
  echo "vec2face.pc versions $old $hi refused, $same accepted (range >= $lo, < $hi)"
  ;;
*) echo "usage: check_installed.sh example|version ..." >&2; exit 2 ;;
esac
