#!/bin/sh
# The public header compiles alone as C99 -pedantic -Werror and as C++17.
# Usage: check_header.sh INCLUDE_DIR CC CXX
set -eu
inc=$1 cc=$2 cxx=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '#include <vec2face/vec2face.h>\nint main(void) { return v2f_abi_version() * 0; }\n' > "$tmp/t.c"
cp "$tmp/t.c" "$tmp/t.cpp"
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror -I"$inc" -fsyntax-only "$tmp/t.c"
"$cxx" -std=c++17 -Wall -Wextra -pedantic -Werror -I"$inc" -fsyntax-only "$tmp/t.cpp"
echo "header compiles alone as C99 and C++17"
