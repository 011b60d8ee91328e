#!/bin/sh
# CI fuzzing (issue 8): installs clang-14 + libFuzzer when missing, builds
# the fuzz targets (build-fuzz), fuzzes each for 30 s (V2F_FUZZ_SECONDS),
# then replays the whole corpus, committed regressions included.
# Non-zero on any crash, leak or UB, with the reproducer's path.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh fuzz
exec tests/fuzz/run.sh "${V2F_FUZZ_SECONDS:-30}"
