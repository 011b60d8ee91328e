"""Export Vec2Face+ networks as TorchScript files for libvec2face.

  python3 -m vec2face_torch.export --official DIR --out MODELDIR [--trust-checkpoint]
  python3 -m vec2face_torch.export --random --size tiny|base --seed N --out MODELDIR

The model directory gets any of generator.pt, pose_generator.pt,
pose_cond.pt, arcface.pt, magface.pt, headpose.pt. Each is a plain scripted
module (not frozen, not optimize_for_inference: those do not load back with
torch 1.13) carrying its metadata as attributes named v2f_*.
"""

import argparse
import dataclasses
import os
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn

from . import __version__
from .checkpoints import (GENERATOR_IGNORED, CheckpointError, load_checkpoint, lora_rank,
                          sha256_file, strict_load, unwrap)
from .random_init import randomize
from .reference import CONFIGS, Generator, GeneratorConfig, HeadPose, IResNet, PoseCondModel

FORMAT_VERSION = 1
EXPORTER = "vec2face-export " + __version__

# part -> (official path relative to the download root, description)
OFFICIAL_FILES = {
    "main": "vec2face_plus/main_model.pth",
    "pose": "vec2face_plus/pose_model.pth",
    "arcface": "weights/arcface-r100-glint360k.pth",
    "magface": "weights/magface-r100-glint360k.pth",
    "headpose": "weights/6DRepNet_300W_LP_AFLW2000.pth",
}

SHAPES = {
    "generator": ("vectors [B,512] f32; dropped [B,49] bool; masked [B,49] bool; "
                  "cond [B,1,768] f32 or None", "image [B,3,112,112] f32 RGB about [-1,1]"),
    "pose_cond": ("landmarks [B,3,112,112] f32 RGB in [-1,1]", "cond [B,1,768] f32"),
    "iresnet": ("image [B,3,112,112] f32 RGB in [-1,1]", "feature [B,512] f32"),
    "headpose": ("image [B,3,112,112] f32 BGR in [0,1]",
                 "angles [B,3] f32 degrees (pitch, yaw, roll)"),
}


def _set_meta(module: nn.Module, kind: str, shapes: str, source: str, **extra) -> None:
    """Attach metadata as plain attributes; torch.jit.script keeps them."""
    module.v2f_format = FORMAT_VERSION
    module.v2f_kind = kind
    module.v2f_exporter = EXPORTER
    module.v2f_source_sha256 = source
    module.v2f_input_shapes, module.v2f_output_shape = SHAPES[shapes]
    for k, v in extra.items():
        setattr(module, "v2f_" + k, v)


def _generator_meta(gen: Generator, cfg: GeneratorConfig, lora_r: int, lora_alpha: float):
    return dict(mask_ratio_min=float(cfg.mask_ratio_min), mask_ratio_max=float(cfg.mask_ratio_max),
                mask_ratio_mu=float(cfg.mask_ratio_mu), mask_ratio_std=float(cfg.mask_ratio_std),
                num_dropped=int(gen.num_dropped), lora_rank=int(lora_r),
                lora_alpha=float(lora_alpha))


def save_scripted(module: nn.Module, path: str) -> None:
    """Script and save atomically (temp file + rename)."""
    module.eval()
    scripted = torch.jit.script(module)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pt", dir=os.path.dirname(path) or ".")
    os.close(fd)
    try:
        scripted.save(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# ---------------------------------------------------------------- builders

def build_generator(cfg: GeneratorConfig, kind: str, source: str,
                    state: Optional[dict] = None, seed: Optional[int] = None,
                    lora_alpha: Optional[float] = None) -> Generator:
    """A merged (LoRA-free) generator with metadata, from a state dict or a seed."""
    if state is not None:
        r = lora_rank(state)
        alpha = cfg.lora_alpha if lora_alpha is None else lora_alpha
        cfg = dataclasses.replace(cfg, lora_r=r, lora_alpha=alpha)
        gen = Generator(cfg)
        strict_load(gen, state, kind, GENERATOR_IGNORED)
    else:
        gen = randomize(Generator(cfg), seed)
    gen.eval().merge_lora()
    _set_meta(gen, kind, "generator", source, **_generator_meta(gen, cfg, cfg.lora_r, cfg.lora_alpha))
    return gen


def _estimator(module: nn.Module, kind: str, shapes: str, source: str, state=None,
               seed: Optional[int] = None) -> nn.Module:
    if state is not None:
        strict_load(module, state, kind)
    else:
        randomize(module, seed)
    _set_meta(module, kind, shapes, source)
    return module.eval()


def _plain_state(ckpt, what: str):
    """A plain state dict; a single 'state_dict'/'model_state_dict' wrapper is accepted."""
    if isinstance(ckpt, dict):
        for wrapper in ("state_dict", "model_state_dict"):
            if wrapper in ckpt and isinstance(ckpt[wrapper], dict):
                return ckpt[wrapper]
    return ckpt


# ------------------------------------------------------------------ modes

PART_FILES = ("generator.pt", "pose_generator.pt", "pose_cond.pt", "arcface.pt", "magface.pt",
              "headpose.pt")


def export_random(size: str, seed: int, out: str,
                  only: Optional[List[str]] = None) -> List[str]:
    cfgs = CONFIGS[size]
    src = f"random:{size}:seed={seed}"
    parts = {
        "generator.pt": lambda: build_generator(cfgs["generator"], "generator", src, seed=seed),
        "pose_generator.pt": lambda: build_generator(cfgs["pose_generator"], "pose_generator",
                                                     src, seed=seed + 1),
        "pose_cond.pt": lambda: _estimator(PoseCondModel(), "pose_cond", "pose_cond", src,
                                           seed=seed + 2),
        "arcface.pt": lambda: _estimator(IResNet(cfgs["iresnet"]), "arcface", "iresnet", src,
                                         seed=seed + 3),
        "magface.pt": lambda: _estimator(IResNet(cfgs["iresnet"]), "magface", "iresnet", src,
                                         seed=seed + 4),
        "headpose.pt": lambda: _estimator(HeadPose(cfgs["headpose"]), "headpose", "headpose",
                                          src, seed=seed + 5),
    }
    os.makedirs(out, exist_ok=True)
    written = []
    for name, make in parts.items():
        if only is not None and name not in only:
            continue
        save_scripted(make(), os.path.join(out, name))
        written.append(name)
    return written


def find_official(root: str, rel: str) -> Optional[str]:
    """The file at root/rel (hub layout) or root/basename(rel)."""
    for cand in (os.path.join(root, rel), os.path.join(root, os.path.basename(rel))):
        if os.path.isfile(cand):
            return cand
    return None


def export_official(root: str, out: str, trust: bool, lora_alpha: float,
                    log=print) -> List[str]:
    base = CONFIGS["base"]
    written = []
    found = {k: find_official(root, rel) for k, rel in OFFICIAL_FILES.items()}
    if not any(found.values()):
        raise CheckpointError(
            f"{root}: none of the official files found (looked for "
            + ", ".join(OFFICIAL_FILES.values()) + ", or their base names)")
    for key, path in found.items():
        if path is None:
            log(f"skip {OFFICIAL_FILES[key]}: not found")
            continue
        log(f"load {path}")
        digest = sha256_file(path)
        ckpt = load_checkpoint(path, trust)
        if key == "main":
            gen = build_generator(base["generator"], "generator", digest,
                                  state=unwrap(ckpt, "model_vec2face", path))
            save_scripted(gen, os.path.join(out, "generator.pt"))
            written.append("generator.pt")
        elif key == "pose":
            gen = build_generator(base["pose_generator"], "pose_generator", digest,
                                  state=unwrap(ckpt, "model_vec2face", path),
                                  lora_alpha=lora_alpha)
            cond = _estimator(PoseCondModel(), "pose_cond", "pose_cond", digest,
                              state=unwrap(ckpt, "pose_model", path))
            save_scripted(gen, os.path.join(out, "pose_generator.pt"))
            save_scripted(cond, os.path.join(out, "pose_cond.pt"))
            written += ["pose_generator.pt", "pose_cond.pt"]
        elif key in ("arcface", "magface"):
            net = _estimator(IResNet(base["iresnet"]), key, "iresnet", digest,
                             state=_plain_state(ckpt, path))
            save_scripted(net, os.path.join(out, key + ".pt"))
            written.append(key + ".pt")
        else:
            net = _estimator(HeadPose(base["headpose"]), "headpose", "headpose", digest,
                             state=_plain_state(ckpt, path))
            save_scripted(net, os.path.join(out, "headpose.pt"))
            written.append("headpose.pt")
    return written


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="python3 -m vec2face_torch.export",
        description="Write a libvec2face model directory (TorchScript files) from the official "
                    "Vec2Face+ checkpoints, or random-weight models of the same architecture.",
        epilog="Official layout under DIR: " + ", ".join(OFFICIAL_FILES.values())
               + " (any subset; base names directly in DIR also work).")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--official", metavar="DIR", help="directory with the official checkpoints")
    mode.add_argument("--random", action="store_true", help="random weights (tests, demo, benchmarks)")
    p.add_argument("--out", required=True, metavar="MODELDIR", help="output model directory")
    p.add_argument("--size", choices=sorted(CONFIGS), default="tiny",
                   help="with --random: tiny (fast tests) or base (real dimensions)")
    p.add_argument("--seed", type=int, default=0, help="with --random: weight seed")
    p.add_argument("--trust-checkpoint", action="store_true",
                   help="allow a full unpickle when weights_only loading fails (runs code from the file)")
    p.add_argument("--parts", metavar="LIST",
                   help="with --random: comma-separated subset of " + ",".join(
                       f[:-3] for f in PART_FILES) + " (default: all)")
    p.add_argument("--lora-alpha", type=float, default=32.0,
                   help="LoRA alpha of the pose model (release: 32); the rank comes from the file")
    args = p.parse_args(argv)
    only = None
    if args.parts:
        only = [x.strip() + ".pt" for x in args.parts.split(",") if x.strip()]
        unknown = [x for x in only if x not in PART_FILES]
        if unknown or not args.random:
            p.error("--parts goes with --random and takes names from "
                    + ",".join(f[:-3] for f in PART_FILES))
    os.makedirs(args.out, exist_ok=True)
    try:
        if args.random:
            written = export_random(args.size, args.seed, args.out, only)
        else:
            written = export_official(args.official, args.out, args.trust_checkpoint,
                                      args.lora_alpha)
    except (CheckpointError, OSError) as e:
        print(f"vec2face_torch.export: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {', '.join(written)} to {args.out}"
          + (" (RANDOM weights: images will not be faces)" if args.random else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
