#!/bin/sh
# Build the fuzz targets (if needed), fuzz each for SECONDS, then replay the
# whole corpus (seeds, what fuzzing found, committed regressions) as a
# regression set. Exits non-zero on any crash, leak, UB or timeout and
# prints the reproducer's path.
#
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]
#   SECONDS 0 replays only. TARGET: e.g. fuzz_npy (default: all).
# Environment: V2F_FUZZ_BUILD (build folder, default build-fuzz),
#   V2F_FUZZ_CC (default clang-14), V2F_PYTHON (a Python with numpy, default
#   /usr/bin/python3), V2F_FUZZ_FLAGS (extra libFuzzer flags).
#
# Folders: <build>/seeds/T (made by make_seeds.py and make_jpeg_seeds on
# every run), <build>/corpus/T (kept between runs, grows),
# tests/fuzz/regressions/T (committed crashers: each a fixed bug),
# <build>/artifacts/T (crash-*, leak-*, timeout-* reproducers).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 SECONDS [TARGET...]" >&2; exit 2; }
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${V2F_FUZZ_BUILD:-$root/build-fuzz}
cc=${V2F_FUZZ_CC:-clang-14}
py=${V2F_PYTHON:-/usr/bin/python3}

if [ ! -f "$build/build.ninja" ]; then
  launcher=""
  command -v ccache >/dev/null 2>&1 && launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache"
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_C_COMPILER="$cc" $launcher >/dev/null
fi
cmake --build "$build"

# Fresh seeds every run, so they follow the code that makes them.
rm -rf "$build/seeds"
"$py" "$here/make_seeds.py" "$build/seeds"
mkdir -p "$build/seeds/fuzz_jpeg"
"$build/make_jpeg_seeds" "$build/seeds/fuzz_jpeg"

# Scratch files of the path-taking targets: tmpfs when there is one; a
# crashing process cannot clean up after itself, so this trap does.
scratch=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )/v2f-fuzz-run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
export TMPDIR="$scratch"
# Fatal UB with a stack; leaks count as failures.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0

targets=${*:-$(cat "$build/targets.txt" | tr ';' ' ')}
failed=""
summary=""
for t in $targets; do
  exe="$build/$t"
  [ -x "$exe" ] || { echo "no fuzz target $t in $build" >&2; exit 2; }
  corpus="$build/corpus/$t"
  art="$build/artifacts/$t"
  mkdir -p "$corpus" "$art" "$here/regressions/$t" "$build/seeds/$t"
  log="$build/logs/$t.log"
  mkdir -p "$build/logs"
  execs="-"
  status=ok
  if [ "$secs" -gt 0 ]; then
    # New inputs go to the first folder (corpus); the others are read only.
    if ! "$exe" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
         -print_final_stats=1 -artifact_prefix="$art/" ${V2F_FUZZ_FLAGS:-} \
         "$corpus" "$build/seeds/$t" "$here/regressions/$t" >"$log" 2>&1; then
      status=FAILED
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  fi
  # Replay: every input once, no mutation.
  if [ "$status" = ok ] && ! "$exe" -runs=0 -timeout=25 -rss_limit_mb=2048 \
       -artifact_prefix="$art/" "$corpus" "$build/seeds/$t" \
       "$here/regressions/$t" >"$log.replay" 2>&1; then
    status=FAILED
    log="$log.replay"
  fi
  if [ "$status" != ok ]; then
    failed="$failed $t"
    echo "=== $t FAILED; log: $log" >&2
    tail -n 40 "$log" >&2
    repro=$(sed -n 's/.*Test unit written to *//p' "$log" | tail -n 1)
    echo "reproducer: ${repro:-see $log}; rerun with: $exe ${repro:-FILE}" >&2
  fi
  n=$(find "$corpus" "$build/seeds/$t" "$here/regressions/$t" -type f | wc -l)
  summary="$summary$(printf '%-22s %-7s %12s executions, %6s inputs replayed' "$t" "$status" "${execs:-?}" "$n")
"
done
printf '%s' "$summary"
if [ -n "$failed" ]; then
  echo "fuzzing found problems in:$failed" >&2
  exit 1
fi
