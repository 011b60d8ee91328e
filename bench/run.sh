#!/bin/sh
# Generation benchmark (run by hand, not by CI): libvec2face and the eager
# PyTorch reference on the same random weights, in one run, per batch size:
#   (a) library end to end: the dataset job (v2f_bench_dataset: identity
#       vectors -> PNG files + manifest, its writer thread overlapped with
#       generation), fp32 and bf16
#   (b) library, model only (vectors -> RGB in memory), fp32 and bf16
#   (c) eager reference as the official scripts run it
#   (d) eager reference tuned (inference mode, all cores)
#   (e) library, model only, fp32, loaded without AttrOP's autograd copies
#       (--no-attrop): peak RSS and MiB/image against (b)
# then the ratios (a)/(d) and (a)/(c), the ceilings (large conv and Linear
# through libtorch, fp32/bf16), each configuration's share of them, the
# per-stage times, and the bf16 error against fp32. Every library line
# prints peak_rss_mib, mib_per_image (peak RSS over the batch, the model
# included) and default_batch (v2f_model_info.default_batch_size, what
# batch_size 0 uses); a summary of both follows the batches. Paste into
# RESULTS.md.
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
   [ -n "$(find vec2face_torch/src/vec2face_torch/reference -newer "$models/generator.pt" -name '*.py')" ]; then
  PYTHONPATH=vec2face_torch/src "$py" -m vec2face_torch.export --random --size "$size" --seed 0 \
    --parts generator --out "$models" >/dev/null
fi
cmake --build "$build" --target v2f_bench_generate v2f_bench_dataset >/dev/null
bench=$build/bench/v2f_bench_generate
dataset=$build/bench/v2f_bench_dataset
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bf16=0
grep -q -E 'avx512_bf16|amx_bf16' /proc/cpuinfo && bf16=1

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "# command: bench/run.sh --size $size --batches \"$batches\" --timed $timed"
ips() { sed 's/.*images_per_s=\([0-9.]*\).*/\1/'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
memory="" default_batch="?"
for b in $batches; do
  echo "## batch $b ($(uptime | sed 's/.*load/load/'))"
  a=$("$dataset" "$models" --batch "$b" --batches "$timed" --out "$out/ds")
  echo "(a) $a"
  bl=$("$bench" "$models" --batch "$b" --batches "$timed" --mode model)
  echo "(b) $bl"
  if [ $bf16 = 1 ]; then
    echo "(a) $("$dataset" "$models" --batch "$b" --batches "$timed" --out "$out/ds" --precision bf16)"
    echo "(b) $("$bench" "$models" --batch "$b" --batches "$timed" --mode model --precision bf16)"
  fi
  d=$("$py" bench/eager_bench.py "$models" --size "$size" --mode tuned --batch "$b" --batches "$timed")
  echo "(d) $d"
  e=$("$bench" "$models" --batch "$b" --batches "$timed" --mode model --no-attrop)
  echo "(e) $e"
  memory="$memory
batch $b: (b) $(echo "$bl" | field mib_per_image) (e, --no-attrop) $(echo "$e" | field mib_per_image) (d, eager) $(echo "$d" | field mib_per_image)"
  default_batch=$(echo "$bl" | field default_batch)
  awk -v a="$(echo "$a" | ips)" -v d="$(echo "$d" | ips)" \
    'BEGIN { printf "ratio (a)/(d) fp32: %.2fx\n", a / d }'
  if [ $official = 1 ]; then
    c=$("$py" bench/eager_bench.py "$models" --size "$size" --mode official --batch "$b" --batches "$timed")
    echo "(c) $c"
    awk -v a="$(echo "$a" | ips)" -v c="$(echo "$c" | ips)" \
      'BEGIN { printf "ratio (a)/(c) fp32: %.2fx\n", a / c }'
  fi
done
echo "## memory, MiB per image (peak RSS / batch, model included), fp32 model only:$memory"
echo "## default batch size (v2f_model_info.default_batch_size; batch_size 0): $default_batch"
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
