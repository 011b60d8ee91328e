"""Test fixture: tiny random models and deliberately broken model directories.

usage: make_test_models.py OUTDIR
  OUTDIR/tiny         all six parts, random weights (seed 7)
  OUTDIR/gen_only     generator.pt only
  OUTDIR/empty        no part at all
  OUTDIR/truncated    generator.pt cut in half
  OUTDIR/garbage      generator.pt of random bytes
  OUTDIR/wrong_kind   an arcface network saved as generator.pt
  OUTDIR/wrong_dims   arcface.pt with metadata but 256-d features
  OUTDIR/no_meta      generator.pt scripted without the v2f_* metadata
  OUTDIR/old_format   generator.pt claiming format version 99
"""

import os
import random
import shutil
import sys

import torch

from vec2face_torch import export
from vec2face_torch.random_init import randomize
from vec2face_torch.reference import CONFIGS, Generator, IResNet, IResNetConfig


def main(out: str) -> None:
    tiny = os.path.join(out, "tiny")
    os.makedirs(tiny, exist_ok=True)
    export.export_random("tiny", 7, tiny)

    def fresh(name):
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    shutil.copy(os.path.join(tiny, "generator.pt"), fresh("gen_only"))
    fresh("empty")
    data = open(os.path.join(tiny, "generator.pt"), "rb").read()
    with open(os.path.join(fresh("truncated"), "generator.pt"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(fresh("garbage"), "generator.pt"), "wb") as f:
        f.write(random.Random(1).randbytes(4096))
    shutil.copy(os.path.join(tiny, "arcface.pt"), os.path.join(fresh("wrong_kind"), "generator.pt"))

    cfg = CONFIGS["tiny"]["iresnet"]
    narrow = IResNetConfig(layers=cfg.layers, widths=cfg.widths, stem=cfg.stem, num_features=256)
    net = export._estimator(IResNet(narrow), "arcface", "iresnet", "test:wrong_dims", seed=3)
    export.save_scripted(net, os.path.join(fresh("wrong_dims"), "arcface.pt"))

    gen = randomize(Generator(CONFIGS["tiny"]["generator"]), 5)
    export.save_scripted(gen, os.path.join(fresh("no_meta"), "generator.pt"))
    gen = export.build_generator(CONFIGS["tiny"]["generator"], "generator", "test", seed=5)
    gen.v2f_format = 99
    export.save_scripted(gen, os.path.join(fresh("old_format"), "generator.pt"))
    print("test models in", out)


if __name__ == "__main__":
    main(sys.argv[1])
