#!/bin/sh
# Generation benchmark (run by hand, not by CI): libvec2face and the eager
# PyTorch reference on the same random weights, in one run, per batch size:
#   (a) library end to end, vectors -> PNG files (writes overlapped), fp32 and bf16
#   (b) library, model only (vectors -> RGB in memory), fp32 and bf16
#   (c) eager reference as the official scripts run it
#   (d) eager reference tuned (inference mode, all cores)
# then the ratios (a)/(d) and (a)/(c), the ceilings (large conv and Linear
# through libtorch, fp32/bf16), each configuration's share of them, the
# per-stage times, and the bf16 error against fp32. Paste into RESULTS.md.
#   bench/run.sh [--size base|tiny] [--batches "1 8 32"] [--timed K]
#                [--build DIR] [--skip-official] [--skip-stages]
# The machine may be shared: `uptime` is printed with every block; compare
# ratios measured in the same run.
set -eu
cd "$(dirname "$0")/.."
size=base batches="1 8 32" timed=3 build=build official=1 stages=1
while [ $# -gt 0 ]; do
  case $1 in
    --size) size=$2; shift 2 ;; --batches) batches=$2; shift 2 ;;
    --timed) timed=$2; shift 2 ;; --build) build=$2; shift 2 ;;
    --skip-official) official=0; shift ;; --skip-stages) stages=0; shift ;;
    *) echo "usage: bench/run.sh [--size base|tiny] [--batches LIST] [--timed K] [--build DIR]" \
            "[--skip-official] [--skip-stages]" >&2; exit 2 ;;
  esac
done
py=$(tools/python-with-torch.sh)
# The bench model is re-exported when the reference definitions are newer
# (bfloat16 needs the float32 GroupNorm of the current definitions).
models=models/bench-$size
if [ ! -f "$models/generator.pt" ] || \
   [ -n "$(find bindings/python/vec2face/reference -newer "$models/generator.pt" -name '*.py')" ]; then
  PYTHONPATH=bindings/python "$py" -m vec2face.export --random --size "$size" --seed 0 \
    --parts generator --out "$models" >/dev/null
fi
cmake --build "$build" --target v2f_bench_generate >/dev/null
bench=$build/bench/v2f_bench_generate
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bf16=0
grep -q -E 'avx512_bf16|amx_bf16' /proc/cpuinfo && bf16=1

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "# command: bench/run.sh --size $size --batches \"$batches\" --timed $timed"
ips() { sed 's/.*images_per_s=\([0-9.]*\).*/\1/'; }
for b in $batches; do
  echo "## batch $b ($(uptime | sed 's/.*load/load/'))"
  a=$("$bench" "$models" --batch "$b" --batches "$timed" --mode png-overlap --out "$out/png")
  echo "(a) $a"
  echo "(b) $("$bench" "$models" --batch "$b" --batches "$timed" --mode model)"
  if [ $bf16 = 1 ]; then
    echo "(a) $("$bench" "$models" --batch "$b" --batches "$timed" --mode png-overlap --out "$out/png" --precision bf16)"
    echo "(b) $("$bench" "$models" --batch "$b" --batches "$timed" --mode model --precision bf16)"
  fi
  d=$("$py" bench/eager_bench.py "$models" --size "$size" --mode tuned --batch "$b" --batches "$timed")
  echo "(d) $d"
  awk -v a="$(echo "$a" | ips)" -v d="$(echo "$d" | ips)" \
    'BEGIN { printf "ratio (a)/(d) fp32: %.2fx\n", a / d }'
  if [ $official = 1 ]; then
    c=$("$py" bench/eager_bench.py "$models" --size "$size" --mode official --batch "$b" --batches "$timed")
    echo "(c) $c"
    awk -v a="$(echo "$a" | ips)" -v c="$(echo "$c" | ips)" \
      'BEGIN { printf "ratio (a)/(c) fp32: %.2fx\n", a / c }'
  fi
done
echo "## ceilings and stages ($(uptime | sed 's/.*load/load/'))"
if [ $stages = 1 ]; then
  "$py" bench/ceilings.py --size "$size" --batch 8
else
  "$py" bench/ceilings.py --size "$size" --no-stages
fi
if [ $bf16 = 1 ]; then
  echo "## bfloat16 error against float32"
  "$bench" "$models" --compare-bf16 --batch 8
fi
