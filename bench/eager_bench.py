"""Benchmark: images/second and peak memory of the eager PyTorch reference
on the weights of MODEL_DIR/generator.pt (the same work as v2f_bench_generate).

  eager_bench.py MODEL_DIR --size base|tiny [--images N] [--batch B] [--threads T]
"""

import argparse
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bindings", "python"))
from vec2face.reference import CONFIGS, Generator  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model_dir")
    p.add_argument("--size", choices=["base", "tiny"], required=True)
    p.add_argument("--images", type=int, default=32)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    gen = Generator(CONFIGS[a.size]["generator"])
    gen.load_state_dict(torch.jit.load(os.path.join(a.model_dir, "generator.pt")).state_dict())
    gen.eval()
    g = torch.Generator().manual_seed(1)
    vec = torch.randn(a.images, 512, generator=g) * 1.1
    nd = gen.num_dropped

    def masks(n):
        order = torch.rand(n, 49, generator=g).argsort(1).argsort(1)
        return order < nd, order < nd + 10

    def run(v):
        for i in range(0, len(v), a.batch):
            d, m = masks(len(v[i:i + a.batch]))
            gen(v[i:i + a.batch], d, m)

    with torch.inference_mode():
        for _ in range(2):  # warm-up, like the C side
            run(vec[: min(a.batch, a.images)])
        t0 = time.perf_counter()
        run(vec)
        dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"eager images_per_s={a.images / dt:.3f} peak_rss_mib={rss:.0f} threads={a.threads} "
          f"batch={a.batch} images={a.images}")


if __name__ == "__main__":
    main()
