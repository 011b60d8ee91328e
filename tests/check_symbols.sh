#!/bin/sh
# Exported dynamic symbols of the library == abi/symbols.txt (sorted), and
# every one starts with v2f_. Usage: check_symbols.sh LIB SYMBOLS_TXT
set -eu
lib=$1 want=$2
got=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u)
bad=$(printf '%s\n' "$got" | grep -v '^v2f_' || true)
if [ -n "$bad" ]; then
  echo "symbols outside the v2f_ namespace are exported:"; printf '%s\n' "$bad"; exit 1
fi
if ! printf '%s\n' "$got" | diff -u "$want" - ; then
  echo "exported symbols differ from $want (update it when the API changes on purpose)"; exit 1
fi
# SONAME is libvec2face.so.0 during 0.x.
readelf -d "$lib" | grep -q 'SONAME.*libvec2face\.so\.0\]' || { echo "SONAME is not libvec2face.so.0"; exit 1; }
echo "exported symbols: $(printf '%s\n' "$got" | wc -l), all v2f_*, as in $want"
