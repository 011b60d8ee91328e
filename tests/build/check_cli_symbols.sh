#!/bin/sh
# The CLI links internal archives (v2f_util, v2f_io) next to libvec2face.so:
# it must define its own v2f__fail (tools/cli/host.c), proof that nm read
# the right symbols, and no public v2f_* function or object, whose copy in
# the executable would shadow the library's.
# usage: check_cli_symbols.sh path/to/vec2face
set -eu
syms=$(nm "$1")
echo "$syms" | grep -q ' T v2f__fail$' || {
    echo "no v2f__fail defined in $1: the check would prove nothing" >&2; exit 1; }
copies=$(echo "$syms" | grep -E ' [TtDdBbRr] v2f_[a-z]' || true)
if [ -n "$copies" ]; then
    echo "public symbols of libvec2face linked into $1:" >&2
    echo "$copies" >&2
    exit 1
fi
echo "$1: its own v2f__fail, no copy of a public v2f_* symbol"
