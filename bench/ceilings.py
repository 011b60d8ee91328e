"""Ceilings and per-stage costs of the generator through this libtorch.

  ceilings.py [--size base|tiny] [--batch B] [--reps R] [--no-stages]

1. FLOPs per image of the generator, per stage, counted from the model
   (forward hooks on every Linear and Conv2d, plus the two attention
   matmuls per block): encoder, decoder, image decoder.
2. Ceilings, in GFLOP/s: a large 3x3 convolution and a large Linear in
   float32 and bfloat16 (bfloat16 convolution in channels-last and NCHW;
   Linear through oneDNN with a prepacked weight, as the library does, and
   through aten::linear, i.e. libblas.so.3, for comparison).
3. Stage timings at batch B as the library runs them: each stage scripted,
   frozen, its Linear layers routed to oneDNN (the same rewrite as
   libvec2face/torch/shim.cpp), optimize_for_inference; float32 and
   bfloat16 (bfloat16 only where the CPU has AVX512-BF16/AMX).
Lines are key=value, for bench/run.sh.
"""

import argparse
import os
import statistics
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "vec2face_torch", "src"))
from vec2face_torch.reference import CONFIGS, Generator  # noqa: E402


def timeit(f, reps):
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def count_flops(gen: Generator):
    """FLOPs of one image per stage (multiply-add = 2)."""
    stage_of = {}
    for name, mod in gen.named_modules():
        if isinstance(mod, (nn.Linear, nn.Conv2d)):
            top = name.split(".")[0]
            stage_of[mod] = {"blocks": "encoder", "im_decoder": "image_decoder"}.get(
                top, "decoder" if top.startswith("decoder") or top == "im_decoder_proj"
                else "encoder")
    flops = {"encoder": 0.0, "decoder": 0.0, "image_decoder": 0.0}

    def hook(mod, inp, out):
        if isinstance(mod, nn.Linear):
            f = 2.0 * out.numel() * mod.in_features
        else:
            kh, kw = mod.kernel_size
            f = 2.0 * out.numel() * mod.in_channels // mod.groups * kh * kw
        flops[stage_of[mod]] += f

    hs = [m.register_forward_hook(hook) for m in stage_of]
    with torch.inference_mode():
        d = torch.zeros(1, 49, dtype=torch.bool)
        d[0, : gen.num_dropped] = True
        m = d.clone()
        m[0, : gen.num_dropped + 10] = True
        gen(torch.randn(1, 512), d, m)
    for h in hs:
        h.remove()
    # Attention: q k^T and attn v, 2 * T * T * C FLOPs each, per block.
    c = gen.latent_prior_proj_f.out_features
    t_enc = 50 - gen.num_dropped
    flops["encoder"] += len(gen.blocks) * 2 * 2.0 * t_enc * t_enc * c
    flops["decoder"] += len(gen.decoder_blocks) * 2 * 2.0 * 50 * 50 * c
    return flops


def has_native_bf16() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def linear_to_onednn(graph):
    """The shim's rewrite: aten::linear with a constant weight ->
    to_mkldnn -> mkldnn_linear(prepacked weight) -> to_dense."""
    for n in list(graph.findAllNodes("aten::linear")):
        w = n.inputsAt(1).toIValue()
        if not isinstance(w, torch.Tensor):
            continue
        packed = w.contiguous().to_mkldnn()
        with graph.insert_point_guard(n):
            c = graph.create("prim::Constant")
            c.t_("value", packed)
            graph.insertNode(c)
            c.output().inferTypeFrom(packed)
            xm = graph.insertNode(graph.create("aten::to_mkldnn",
                                               [n.inputsAt(0), graph.insertConstant(None)]))
            ym = graph.insertNode(graph.create("aten::mkldnn_linear",
                                               [xm.output(), c.output(), n.inputsAt(2)]))
            y = graph.insertNode(graph.create("aten::to_dense",
                                              [ym.output(), graph.insertConstant(None)]))
        n.output().replaceAllUsesWith(y.output())
        n.destroy()
    torch._C._jit_pass_dce(graph)


def as_library(mod: nn.Module, dtype):
    mod = mod.eval().to(dtype)
    frozen = torch.jit.freeze(torch.jit.script(mod))
    linear_to_onednn(frozen.graph)
    return torch.jit.optimize_for_inference(frozen)


class Blocks(nn.Module):
    def __init__(self, blocks, norm):
        super().__init__()
        self.blocks = blocks
        self.norm = norm

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.norm(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", choices=["base", "tiny"], default="base")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--no-stages", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(os.cpu_count())
    gen = Generator(CONFIGS[a.size]["generator"]).eval()
    flops = count_flops(gen)
    total = sum(flops.values())
    print("flops_per_image_gflop total=%.2f encoder=%.2f decoder=%.2f image_decoder=%.2f"
          % (total / 1e9, flops["encoder"] / 1e9, flops["decoder"] / 1e9,
             flops["image_decoder"] / 1e9))
    bf16 = has_native_bf16()
    with torch.inference_mode():
        # Convolution: 3x3, 256 -> 256 channels at 28x28, batch 8 (the image
        # decoder's middle levels).
        x = torch.randn(8, 256, 28, 28)
        conv = nn.Conv2d(256, 256, 3, 1, 1, bias=False).eval()
        cf = 2.0 * 8 * 256 * 28 * 28 * 256 * 9
        line = "ceiling_gflops conv_fp32=%.0f" % (cf / timeit(lambda: conv(x), a.reps) / 1e9)
        # Linear: 400 x 768 -> 3072 (batch 8 x 50 tokens, the MLP's fc1).
        xl = torch.randn(400, 768)
        lin = nn.Linear(768, 3072).eval()
        lf = 2.0 * 400 * 768 * 3072
        wm = lin.weight.to_mkldnn()
        line += " linear_fp32_onednn=%.0f" % (lf / timeit(
            lambda: torch._C._nn.mkldnn_linear(xl.to_mkldnn(), wm, lin.bias).to_dense(),
            a.reps) / 1e9)
        line += " linear_fp32_aten_blas=%.0f" % (lf / timeit(lambda: lin(xl), 1) / 1e9)
        if bf16:
            cb = conv.to(torch.bfloat16)
            xb = x.bfloat16()
            xcl = xb.contiguous(memory_format=torch.channels_last)
            line += " conv_bf16_nchw=%.0f" % (cf / timeit(lambda: cb(xb), a.reps) / 1e9)
            line += " conv_bf16_channels_last=%.0f" % (cf / timeit(lambda: cb(xcl), a.reps) / 1e9)
            wb = lin.weight.bfloat16().to_mkldnn()
            bb = lin.bias.bfloat16()
            xlb = xl.bfloat16()
            line += " linear_bf16_onednn=%.0f" % (lf / timeit(
                lambda: torch._C._nn.mkldnn_linear(xlb.to_mkldnn(), wb, bb).to_dense(),
                a.reps) / 1e9)
        print(line)
        if a.no_stages:
            return
        B = a.batch
        t_enc = 50 - gen.num_dropped
        c = gen.latent_prior_proj_f.out_features
        stages = {
            "encoder": (Blocks(gen.blocks, gen.norm), torch.randn(B, t_enc, c)),
            "decoder": (Blocks(gen.decoder_blocks, gen.decoder_norm), torch.randn(B, 50, c)),
            "image_decoder": (gen.im_decoder, torch.randn(B, gen.z_channels, 7, 7)),
        }
        for dt, name in [(torch.float32, "fp32"), (torch.bfloat16, "bf16")]:
            if dt == torch.bfloat16 and not bf16:
                continue
            parts = []
            for st, (mod, inp) in stages.items():
                m = as_library(mod, dt)
                xi = inp.to(dt)
                s = timeit(lambda: m(xi), a.reps)
                parts.append("%s_s=%.3f %s_gflops=%.0f" % (st, s, st, flops[st] * B / s / 1e9))
                mod.float()
            print("stages precision=%s batch=%d %s" % (name, B, " ".join(parts)))


if __name__ == "__main__":
    main()
