#!/bin/sh
# Every public header (the umbrella and each module header) compiles alone
# as C99 -pedantic -Werror and as C++17, so a user may include just one.
# Usage: check_header.sh INCLUDE_DIR CC CXX [GENERATED_INCLUDE_DIR]
# (the last holds the build's vec2face/vec2face_version.h)
set -eu
inc=$1 cc=$2 cxx=$3 gen=${4:-$1}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
for h in "$inc"/vec2face/*.h; do
    b=$(basename "$h")
    printf '#include <vec2face/%s>\nint main(void) { return v2f_abi_version() * 0; }\n' "$b" > "$tmp/t.c"
    cp "$tmp/t.c" "$tmp/t.cpp"
    # Both halves of the API: the stable one and, opted in, the experimental one.
    for exp in "" -DV2F_EXPERIMENTAL; do
        "$cc" -std=c99 -Wall -Wextra -pedantic -Werror $exp -I"$inc" -I"$gen" -fsyntax-only "$tmp/t.c" || { echo "$b $exp: C99 failed"; exit 1; }
        "$cxx" -std=c++17 -Wall -Wextra -pedantic -Werror $exp -I"$inc" -I"$gen" -fsyntax-only "$tmp/t.cpp" || { echo "$b $exp: C++17 failed"; exit 1; }
    done
    n=$((n + 1))
done
# Contract text only: history belongs in CHANGES.md, timings in
# bench/RESULTS.md, and nothing describes the development machine.
if grep -nE 'before 0\.[0-9]|as before|of 0\.[0-9]\b|GPU here|this machine|[0-9] ?ms\b' "$inc"/vec2face/*.h; then
    echo "history, timings or machine statements in the headers (above)"; exit 1
fi
test "$n" -ge 9 || { echo "expected the umbrella and 8 module headers in $inc/vec2face, found $n"; exit 1; }
echo "$n headers compile alone as C99 and C++17, with and without V2F_EXPERIMENTAL"
