#!/bin/sh
# Install dependencies, build, and run every test. This is the README's test
# command; .ci/run calls it.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh test
py=$(tools/python-with-torch.sh)
echo "using $py for the converter and reference checks"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DV2F_BUILD_TESTS=ON -DV2F_PYTHON="$py"
cmake --build build
ctest --test-dir build --output-on-failure
