#!/bin/sh
# Generation benchmark: the C library and the eager PyTorch reference on the
# same weights, side by side, with their ratio. The machine is noisy:
# compare the ratio, not the absolute numbers.
#   bench/run.sh [--size base|tiny] [--images N] [--batch B] [--threads T]
# Needs a configured build in ./build (tools/test.sh or tools/demo.sh).
set -eu
cd "$(dirname "$0")/.."
size=base images=16 batch=8 threads=$(nproc)
while [ $# -gt 0 ]; do
  case $1 in
    --size) size=$2; shift 2 ;; --images) images=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;; --threads) threads=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--size base|tiny] [--images N] [--batch B] [--threads T]" >&2; exit 2 ;;
  esac
done
py=$(tools/python-with-torch.sh)
models=models/random-$size
if [ ! -f "$models/generator.pt" ]; then
  PYTHONPATH=bindings/python "$py" -m vec2face.export --random --size "$size" --seed 0 \
    --parts generator --out "$models"
fi
cmake --build build --target v2f_bench_generate >/dev/null
echo "generation, $size model, $images images, batch $batch, $threads threads ($(nproc) CPUs)"
c=$(build/bench/v2f_bench_generate "$models" --images "$images" --batch "$batch" --threads "$threads")
e=$("$py" bench/eager_bench.py "$models" --size "$size" --images "$images" --batch "$batch" --threads "$threads")
echo "$c"
echo "$e"
ci=$(echo "$c" | sed 's/.*images_per_s=\([0-9.]*\).*/\1/')
ei=$(echo "$e" | sed 's/.*images_per_s=\([0-9.]*\).*/\1/')
awk -v c="$ci" -v e="$ei" 'BEGIN { printf "ratio C / eager: %.2fx images per second\n", c / e }'
