#!/bin/sh
# The Go module as a user meets it, offline:
# 1) `go get github.com/libvec2face/libvec2face/bindings/go@v0.3.0` through
#    a file:// module proxy that serves bindings/go as the repository
#    layout publishes it (the module path must match);
# 2) a separate module (example.com/user) with the require and replace
#    lines for a local checkout, `go get` and `go build` (GOFLAGS=-mod=mod
#    GOPROXY=off) of examples/go's program against libvec2face installed
#    into a temporary prefix (pkg-config finds its vec2face.pc), then the
#    program run on the tiny model, its images compared with the C
#    example's when given.
# Usage: check_installed.sh BUILD_DIR SOURCE_DIR MODELS_DIR PYTHON [C_EXAMPLE]
set -eu
build=$1 src=$2 models=$3 python=$4 cexample=${5:-}
go=${GO:-go}
module=github.com/libvec2face/libvec2face/bindings/go
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unset LD_LIBRARY_PATH PKG_CONFIG_LIBDIR CGO_LDFLAGS || true
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOWORK=off
export GOPATH=$tmp/gopath GOMODCACHE=$tmp/gopath/pkg/mod

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -n 1); libdir=${libdir%/}
# Only the installed prefix on pkg-config's path (not the build tree).
export PKG_CONFIG_PATH=$libdir/pkgconfig

# 1) `go get` of a published version, as from the repository: a module
# proxy (a file:// GOPROXY) serving bindings/go as the repository layout
# gives it (module in the subdirectory). A go.mod declaring another path
# ("module declares its path as ...") fails here.
proxy=$tmp/proxy/$module/@v
mkdir -p "$proxy"
"$python" - "$src/bindings/go" "$proxy" "$module" <<'PY'
import json, os, sys, zipfile
root, out, module = sys.argv[1:]
v = "v0.3.0"
with zipfile.ZipFile(os.path.join(out, v + ".zip"), "w") as z:
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        for f in sorted(files):
            p = os.path.join(d, f)
            z.write(p, f"{module}@{v}/" + os.path.relpath(p, root))
with open(os.path.join(root, "go.mod"), "rb") as f, open(os.path.join(out, v + ".mod"), "wb") as g:
    g.write(f.read())
with open(os.path.join(out, v + ".info"), "w") as f:
    json.dump({"Version": v, "Time": "2026-01-01T00:00:00Z"}, f)
with open(os.path.join(out, "list"), "w") as f:
    f.write(v + "\n")
PY
mkdir "$tmp/getter"
(cd "$tmp/getter" && "$go" mod init example.com/getter >/dev/null 2>&1 &&
  GOPROXY=file://$tmp/proxy GOSUMDB=off "$go" get "$module@v0.3.0" &&
  grep -q "$module v0.3.0" go.mod) || {
  echo "FAIL: go get $module@v0.3.0 from a proxy holding bindings/go" >&2; exit 1; }

# 2) A local checkout: require + replace (the README's lines), go get, go
# build of examples/go's program, run.
mkdir "$tmp/user"
cd "$tmp/user"
"$go" mod init example.com/user >/dev/null 2>&1
"$go" mod edit -require="$module@v0.0.0" -replace="$module=$src/bindings/go"
"$go" get "$module@v0.0.0"
cp "$src/examples/go/main.go" .
# The installed libvec2face is not on the loader's path: an rpath for it, as
# the binding's README says (or run with LD_LIBRARY_PATH=$libdir).
CGO_LDFLAGS="-Wl,-rpath,$libdir" "$go" build -o gen .
"$go" vet . >/dev/null

"$python" -c "
import numpy as np
v = np.random.default_rng(1).standard_normal((2, 512)).astype(np.float32)
np.save('$tmp/vectors.npy', v / np.linalg.norm(v, axis=1, keepdims=True) * 25)
"
mkdir "$tmp/out"
./gen -per-id 2 -seed 5 "$models/tiny" "$tmp/vectors.npy" "$tmp/out"
test "$(ls "$tmp/out" | wc -l)" -eq 4
# The library it loaded is the installed one.
ldd ./gen | grep -q "$libdir/libvec2face.so.0" || {
  echo "FAIL: the program does not load $libdir/libvec2face.so.0:" >&2; ldd ./gen >&2; exit 1; }
if [ -n "$cexample" ]; then
  mkdir "$tmp/c"
  LD_LIBRARY_PATH=$libdir "$cexample" "$models/tiny" "$tmp/vectors.npy" "$tmp/c" --per-id 2 --seed 5 >/dev/null
  for f in 0_0 0_1 1_0 1_1; do cmp "$tmp/out/$f.png" "$tmp/c/$f.png"; done
fi
echo "module $module: go get + go build from example.com/user against $prefix run"
