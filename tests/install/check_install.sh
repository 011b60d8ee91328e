#!/bin/sh
# The installed prefix as a user meets it: install into a temporary prefix,
# move it, run the installed `vec2face` from a clean environment, check
# RUNPATH, the CMake package and the pkg-config files, build examples/ out
# of tree against it (shared and static; pkg-config and find_package), run
# every build on the tiny model and compare their images; check the man
# pages and shell completion against the installed command's --help; and
# check that RUNPATH follows a multiarch libdir.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR MODELS_DIR PYTHON
set -eu
build=$1 src=$2 models=$3 python=$4
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
# A prefix that is moved after installing must keep working.
mv "$tmp/prefix" "$tmp/moved"; p=$tmp/moved
libdir=$(ls -d "$p"/lib*/ | head -n 1); libdir=${libdir%/}
test -f "$p/include/vec2face/vec2face.h"
test -f "$libdir/pkgconfig/vec2face.pc" && test -f "$libdir/pkgconfig/vec2face-static.pc"
test -f "$libdir/cmake/vec2face/vec2faceConfig.cmake"
test -L "$libdir/libvec2face.so" && test -e "$libdir/libvec2face.so.0"
test -f "$libdir/libvec2face.a"
# One member: the partially linked object, so that the shim's operator
# registrations (no symbol refers to them) come along with any v2f_* call.
test "$(ar t "$libdir/libvec2face.a" | wc -l)" -eq 1 || fail "libvec2face.a has more than one member"

# 1) The installed command, from a clean environment, after the move.
runpath=$(readelf -d "$p/bin/vec2face" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
test "$runpath" = '$ORIGIN/../lib' || fail "bin/vec2face RUNPATH is '$runpath', not \$ORIGIN/../lib"
env -i PATH=/usr/bin:/bin "$p/bin/vec2face" --help | grep -q '^Usage: vec2face' \
  || fail "installed vec2face --help does not run from a clean environment"
"$python" -c "
import numpy as np
rng = np.random.default_rng(0)
v = rng.standard_normal((2, 512)).astype(np.float32)
np.save('$tmp/vectors.npy', v / np.linalg.norm(v, axis=1, keepdims=True) * 25)
np.save('$tmp/points.npy', np.array([[38, 52, 74, 52, 56, 72, 42, 92, 70, 92]], np.float32))
"
env -i PATH=/usr/bin:/bin "$p/bin/vec2face" generate --model "$models/tiny" \
  --ids "$tmp/vectors.npy" --out "$tmp/ds" --per-id 1 --quiet
env -i PATH=/usr/bin:/bin "$p/bin/vec2face" verify --quiet "$tmp/ds"

# 2) The CMake package names the include directory once.
inc=$(grep -h 'INTERFACE_INCLUDE_DIRECTORIES' "$libdir"/cmake/vec2face/vec2face*Targets.cmake)
for line in "$(printf '%s\n' "$inc" | head -n 1)" "$(printf '%s\n' "$inc" | tail -n 1)"; do
  n=$(printf '%s\n' "$line" | grep -o '/include' | wc -l)
  test "$n" -eq 1 || fail "INTERFACE_INCLUDE_DIRECTORIES lists the include directory $n times: $line"
done

# 3) pkg-config: torch stays out of the shared link line; the static lines
# carry libtorch, the C++ runtime and png/zlib/jpeg (Requires.private).
export PKG_CONFIG_PATH=$libdir/pkgconfig
pkg-config --libs vec2face | grep -qv torch
pkg-config --libs --static vec2face | grep -q -- '-ltorch'
pkg-config --libs --static vec2face | grep -q -- '-lstdc++'
pkg-config --print-requires-private vec2face | grep -q libpng
for lib in -lpng16 -lz -ljpeg; do
  pkg-config --libs --static vec2face | grep -q -- "$lib" || fail "pkg-config --static lacks $lib"
done
mkdir "$tmp/pc" "$tmp/pcs" "$tmp/pcso"
for ex in generate pose; do
  cc -std=c11 -Wall -Werror -o "$tmp/pc/$ex" "$src/examples/$ex.c" \
     $(pkg-config --cflags --libs vec2face)
  # The archive beside the shared library: the vec2face-static module.
  cc -std=c11 -Wall -Werror -o "$tmp/pcs/$ex" "$src/examples/$ex.c" \
     $(pkg-config --cflags --libs vec2face-static)
done
# `pkg-config --static --libs vec2face` where the linker takes the archive
# for -lvec2face (here: a copy of the prefix that has only the archive).
cp -a "$p" "$tmp/staticonly"; rm "$tmp/staticonly/${libdir#$p/}"/libvec2face.so*
PKG_CONFIG_PATH=$tmp/staticonly/${libdir#$p/}/pkgconfig \
  cc -std=c11 -Wall -Werror -o "$tmp/pcso/generate" "$src/examples/generate.c" \
     $(PKG_CONFIG_PATH=$tmp/staticonly/${libdir#$p/}/pkgconfig pkg-config --static --cflags --libs vec2face)
for exe in "$tmp/pcs/generate" "$tmp/pcs/pose" "$tmp/pcso/generate"; do
  readelf -d "$exe" | grep -q 'NEEDED.*libvec2face' && fail "$exe needs libvec2face.so"
done

# 4) find_package: shared (vec2face::vec2face) and static (component
# `static`, vec2face::vec2face_static). No LD_LIBRARY_PATH: CMake puts the
# imported library's directory in the build RPATH.
cmake -S "$src/examples" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$p" >/dev/null
cmake --build "$tmp/cm" >/dev/null
cmake -S "$src/examples" -B "$tmp/cms" -DCMAKE_PREFIX_PATH="$p" -DV2F_EXAMPLES_STATIC=ON >/dev/null
cmake --build "$tmp/cms" >/dev/null
readelf -d "$tmp/cms/v2f_example_generate" | grep -q 'NEEDED.*libvec2face' \
  && fail "the find_package static build needs libvec2face.so"

for kind in pc pcs pcso cm cms; do
  case $kind in pc|pcs|pcso) gen=$tmp/$kind/generate pose=$tmp/$kind/pose ;;
                cm|cms) gen=$tmp/$kind/v2f_example_generate pose=$tmp/$kind/v2f_example_pose ;; esac
  # The shared pkg-config build has no RPATH: it needs LD_LIBRARY_PATH.
  lp=""; [ $kind = pc ] && lp=$libdir
  LD_LIBRARY_PATH=$lp "$gen" --help | grep -q usage
  mkdir -p "$tmp/out_$kind/plain" "$tmp/out_$kind/pose"
  LD_LIBRARY_PATH=$lp "$gen" "$models/tiny" "$tmp/vectors.npy" "$tmp/out_$kind/plain" --per-id 2 --seed 1
  test "$(ls "$tmp/out_$kind/plain" | wc -l)" -eq 4   # 2 vectors x 2
  if [ -x "$pose" ]; then
    LD_LIBRARY_PATH=$lp "$pose" "$models/tiny" "$tmp/vectors.npy" "$tmp/points.npy" "$tmp/out_$kind/pose"
    test "$(ls "$tmp/out_$kind/pose" | wc -l)" -eq 3    # 2 faces + 1 landmark image
  fi
  case $kind in pc|cm) LD_LIBRARY_PATH=$lp ldd "$gen" | grep -q "$libdir/libvec2face.so.0" \
                         || fail "$gen does not use the installed library" ;; esac
  for f in "$tmp"/out_pc/plain/*.png; do
    cmp "$f" "$tmp/out_$kind/plain/$(basename "$f")" || fail "$kind build: $(basename "$f") differs"
  done
done

# 5) Man pages and completion: every flag of each command's --help (read
# here from the installed command's own output) is in its page and in the
# bash completion's words for that command.
man1=$p/share/man/man1 bashc=$p/share/bash-completion/completions/vec2face
zshc=$p/share/zsh/site-functions/_vec2face
test -f "$man1/vec2face.1" && test -f "$bashc" && test -f "$zshc"
render() {  # a page as plain text
  if command -v groff >/dev/null 2>&1; then
    groff -man -Tascii -P-c -P-b -P-u -rLL=200n -ww "$1" 2>"$tmp/groff.err"
    test ! -s "$tmp/groff.err" || { cat "$tmp/groff.err" >&2; fail "groff warns about $1"; }
  else  # no groff: the roff itself, unescaped
    sed 's/\\-/-/g; s/\\f[BIR]//g' "$1"
  fi
}
bash -n "$bashc"
if command -v zsh >/dev/null 2>&1; then zsh -n "$zshc"; fi
cmds=$("$p/bin/vec2face" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
test -n "$cmds"
for c in $cmds; do
  page=$man1/vec2face-$c.1
  test -f "$page" || fail "no man page for $c"
  render "$page" > "$tmp/page.txt"
  grep -q "vec2face-$c - " "$tmp/page.txt" || fail "$page has no NAME line"
  words=$(bash -c '. "$1"; COMP_WORDS=(vec2face "$2" -); COMP_CWORD=2; _vec2face; printf "%s\n" "${COMPREPLY[@]}"' \
          _ "$bashc" "$c")
  # Option lines of --help: indented 2-4, "-x, --long ARG" or "--long ARG".
  flags=$("$p/bin/vec2face" "$c" --help | grep -E '^ {2,4}-' | sed 's/^ *//; s/  .*//' \
          | tr ',' '\n' | sed -n 's/^ *\(--*[A-Za-z0-9][A-Za-z0-9-]*\).*/\1/p')
  test -n "$flags" || fail "no flags read from vec2face $c --help"
  for f in $flags; do
    grep -q -- "$f" "$tmp/page.txt" || fail "vec2face-$c(1) lacks $f"
    printf '%s\n' "$words" | grep -qx -- "$f" || fail "bash completion of $c lacks $f"
    grep -q -- "'$f" "$zshc" || fail "zsh completion lacks $f"
  done
  render "$man1/vec2face.1" | grep -q -- "vec2face-$c" || fail "vec2face(1) does not name vec2face-$c"
done
top=$(bash -c '. "$1"; COMP_WORDS=(vec2face ""); COMP_CWORD=1; _vec2face; printf "%s\n" "${COMPREPLY[@]}"' _ "$bashc")
for c in $cmds; do printf '%s\n' "$top" | grep -qx "$c" || fail "bash completion lacks the command $c"; done

# 6) Multiarch libdir: RUNPATH follows CMAKE_INSTALL_LIBDIR. A small project
# uses the same function as the CLI (cmake/V2FLinkDeps.cmake), so that the
# library need not be built a second time.
mkdir "$tmp/ma"
cat > "$tmp/ma/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.18)
project(rpath_multiarch C)
include(GNUInstallDirs)
include("$src/cmake/V2FLinkDeps.cmake")
file(WRITE \${CMAKE_BINARY_DIR}/l.c "int f(void) { return 42; }\n")
file(WRITE \${CMAKE_BINARY_DIR}/m.c "int f(void); int main(void) { return f() == 42 ? 0 : 1; }\n")
add_library(l SHARED \${CMAKE_BINARY_DIR}/l.c)
add_executable(m \${CMAKE_BINARY_DIR}/m.c)
target_link_libraries(m PRIVATE l)
v2f_relocatable_rpath(m)
install(TARGETS l m)
CM
cmake -S "$tmp/ma" -B "$tmp/ma/b" -DCMAKE_INSTALL_LIBDIR=lib/x86_64-linux-gnu >/dev/null
cmake --build "$tmp/ma/b" >/dev/null
cmake --install "$tmp/ma/b" --prefix "$tmp/ma/p" >/dev/null
mv "$tmp/ma/p" "$tmp/ma/q"
runpath=$(readelf -d "$tmp/ma/q/bin/m" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
test "$runpath" = '$ORIGIN/../lib/x86_64-linux-gnu' || fail "multiarch RUNPATH is '$runpath'"
env -i PATH=/usr/bin:/bin "$tmp/ma/q/bin/m" || fail "multiarch install does not run after a move"
echo "installed prefix: moved CLI runs, RUNPATH, package, pkg-config and find_package (shared and static), man pages and completion: ok"
