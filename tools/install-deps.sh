#!/bin/sh
# Debian 12 packages to build libvec2face and run its tests and demo.
# Installs only what is missing; needs root (or sudo) when something is.
set -eu
pkgs="build-essential cmake ninja-build pkg-config libtorch-dev python3-torch python3-numpy
      python3-pytest libpng-dev zlib1g-dev libjpeg62-turbo-dev libcmocka-dev binutils"
# `install-deps.sh fuzz` (tools/ci-fuzz.sh): also clang-14 and its libFuzzer.
[ "${1:-}" = fuzz ] && pkgs="$pkgs clang-14 libclang-rt-14-dev"
# `install-deps.sh test` (tools/test.sh): what the tests meet as users do —
# venvs for pip installs, a headless browser for the report, a one-node
# Slurm (slurmctld + slurmd + munge) for the cluster example.
[ "${1:-}" = test ] && pkgs="$pkgs python3-venv python3-pip chromium slurm-wlm munge python3-yaml"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing
