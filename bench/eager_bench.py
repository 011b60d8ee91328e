"""Benchmark: images/second and peak memory of the eager PyTorch reference
on the weights of MODEL_DIR/generator.pt (the same work as
v2f_bench_generate --mode model).

  eager_bench.py MODEL_DIR --size base|tiny --mode official|tuned
                 [--batch B] [--batches K] [--threads T]

official: as the official generation scripts run it: autograd on, one
  intra-op thread (torch's default here), whatever BLAS libblas.so.3 is.
tuned: what a competent user does: torch.inference_mode, all cores.
  OpenBLAS is used when libblas.so.3 is OpenBLAS (with its core type from
  OPENBLAS_CORETYPE); the line says which BLAS was loaded.
One warm-up batch, then K timed batches; the median is reported.
"""

import argparse
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "vec2face_torch", "src"))
from vec2face_torch.reference import CONFIGS, Generator  # noqa: E402


def loaded_blas() -> str:
    with open("/proc/self/maps") as f:
        maps = f.read()
    for name in ("openblas", "libmkl", "blis", "/blas/libblas"):
        if name in maps:
            return {"/blas/libblas": "reference"}.get(name, name)
    return "none-loaded"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model_dir")
    p.add_argument("--size", choices=["base", "tiny"], required=True)
    p.add_argument("--mode", choices=["official", "tuned"], required=True)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--batches", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="0: 1 (official) or all cores (tuned)")
    a = p.parse_args()
    threads = a.threads or (1 if a.mode == "official" else os.cpu_count())
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    gen = Generator(CONFIGS[a.size]["generator"])
    gen.load_state_dict(torch.jit.load(os.path.join(a.model_dir, "generator.pt")).state_dict())
    gen.eval()
    load_s = time.perf_counter() - t0
    g = torch.Generator().manual_seed(1)
    nd = gen.num_dropped

    def batch():
        v = torch.randn(a.batch, 512, generator=g) * 1.1
        order = torch.rand(a.batch, 49, generator=g).argsort(1).argsort(1)
        return v, order < nd, order < nd + 10

    def run_timed():
        v, d, m = batch()
        t = time.perf_counter()
        out = gen(v, d, m)
        ((out.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)  # to pixels, as the C side
        return time.perf_counter() - t

    if a.mode == "tuned":
        with torch.inference_mode():
            run_timed()
            times = [run_timed() for _ in range(a.batches)]
    else:
        run_timed()
        times = [run_timed() for _ in range(a.batches)]
    med = statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"eager mode={a.mode} batch={a.batch} batches={a.batches} "
          f"images_per_s={a.batch / med:.3f} median_batch_s={med:.3f} load_s={load_s:.2f} "
          f"peak_rss_mib={rss:.0f} mib_per_image={rss / a.batch:.1f} threads={threads} "
          f"blas={loaded_blas()}")


if __name__ == "__main__":
    main()
