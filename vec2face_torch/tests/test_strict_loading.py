"""Strict loading of official-layout checkpoints (vec2face_torch.checkpoints) and the
whole --official export path (vec2face_torch.export.export_official).

Fake official files are written from our own definitions in the official
layout, with the keys the official state dicts carry but inference ignores.
export_official uses the BASE configuration: end to end at base size here
with the ArcFace, MagFace and 6DRepNet files (iresnet100, RepVGG-B1g2); the
generator files go end to end through export_official with CONFIGS["base"]
temporarily pointed at the tiny configuration (a base generator forward costs
seconds); base-size official-layout generator state dicts (ignored keys, LoRA
base/A/B) go through strict_load + build_generator in
test_scripted_equivalence.py, whose exported modules are compared there.
"""

import argparse
import os
import subprocess
import sys

import pytest
import torch

from _v2f_helpers import (IGNORED_KEYS, NUM_DROPPED_PLAIN, NUM_DROPPED_POSE, max_abs_diff,
                          official_generator_sd, random_valid_masks, random_vectors)
from vec2face_torch import export as vexport
from vec2face_torch.checkpoints import (GENERATOR_IGNORED, CheckpointError, load_checkpoint,
                                  strict_load)
from vec2face_torch.random_init import randomize
from vec2face_torch.reference import CONFIGS, Generator, HeadPose, IResNet, PoseCondModel

TOL = 1e-5
SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


@pytest.fixture(scope="module")
def tiny(tiny_models):
    return tiny_models


def assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert set(sa) == set(sb)
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


# ---------------------------------------------------------------- strict_load

def test_generator_roundtrip_tiny(tiny):
    sd = official_generator_sd(tiny["generator"])
    fresh = Generator(CONFIGS["tiny"]["generator"])
    skipped = strict_load(fresh, sd, "generator", GENERATOR_IGNORED)
    assert set(skipped) == IGNORED_KEYS
    assert_same_state(fresh, tiny["generator"])


def test_pose_generator_lora_keys_roundtrip_tiny(tiny):
    sd = official_generator_sd(tiny["pose_generator"])
    r = CONFIGS["tiny"]["pose_generator"].lora_r
    for prefix in ("blocks.0.attn.qkv", "blocks.0.attn.proj",
                   "decoder_blocks.0.attn.qkv", "decoder_blocks.0.attn.proj"):
        assert prefix + ".base.weight" in sd and prefix + ".base.bias" in sd
        assert sd[prefix + ".A"].shape[0] == r and sd[prefix + ".B"].shape[1] == r
        assert prefix + ".weight" not in sd
    fresh = Generator(CONFIGS["tiny"]["pose_generator"])
    strict_load(fresh, sd, "pose_generator", GENERATOR_IGNORED)
    assert_same_state(fresh, tiny["pose_generator"])


@pytest.mark.parametrize("kind", ["pose_cond", "arcface", "headpose"])
def test_estimator_roundtrip_tiny(tiny, kind):
    c = CONFIGS["tiny"]
    fresh = {"pose_cond": PoseCondModel(), "arcface": IResNet(c["iresnet"]),
             "headpose": HeadPose(c["headpose"])}[kind]
    sd = tiny[kind].state_dict()
    assert strict_load(fresh, sd, kind) == []
    assert_same_state(fresh, tiny[kind])


def test_iresnet_without_num_batches_tracked(tiny):
    sd = {k: v for k, v in tiny["arcface"].state_dict().items()
          if not k.endswith("num_batches_tracked")}
    fresh = IResNet(CONFIGS["tiny"]["iresnet"])
    strict_load(fresh, sd, "arcface")
    for k, v in sd.items():
        assert torch.equal(fresh.state_dict()[k], v)


def test_three_bad_keys_are_all_named(tiny):
    sd = official_generator_sd(tiny["generator"])
    sd["norm.weights"] = sd.pop("norm.weight")                  # renamed
    del sd["decoder_embed.bias"]                                # missing
    sd["feature_token.weight"] = torch.zeros(48, 1)             # mis-shaped
    with pytest.raises(CheckpointError) as ei:
        strict_load(Generator(CONFIGS["tiny"]["generator"]), sd, "generator",
                    GENERATOR_IGNORED)
    msg = str(ei.value)
    for key in ("norm.weights", "norm.weight", "decoder_embed.bias", "feature_token.weight"):
        assert key in msg, (key, msg)
    assert "(48, 1)" in msg and "(49, 1)" in msg


def test_ignored_prefix_does_not_hide_real_keys(tiny):
    """Only the listed names are ignored: an unknown key is still an error."""
    sd = official_generator_sd(tiny["generator"])
    sd["token_emb.position_idsX"] = torch.zeros(1)
    with pytest.raises(CheckpointError, match="token_emb.position_idsX"):
        strict_load(Generator(CONFIGS["tiny"]["generator"]), sd, "generator",
                    GENERATOR_IGNORED)


# ---------------------------------------------------------------- load_checkpoint

def test_non_tensor_object_needs_trust(tiny, tmp_path):
    sd = official_generator_sd(tiny["generator"])
    path = str(tmp_path / "main_model.pth")
    torch.save({"model_vec2face": sd, "args": argparse.Namespace(lr=0.1)}, path)
    with pytest.raises(CheckpointError) as ei:
        load_checkpoint(path)
    assert "--trust-checkpoint" in str(ei.value)
    assert path in str(ei.value)
    ckpt = load_checkpoint(path, trust=True)
    assert isinstance(ckpt["args"], argparse.Namespace)
    assert torch.equal(ckpt["model_vec2face"]["norm.weight"], sd["norm.weight"])


def test_plain_checkpoint_loads_without_trust(tiny, tmp_path):
    path = str(tmp_path / "plain.pth")
    torch.save(tiny["headpose"].state_dict(), path)
    sd = load_checkpoint(path)
    assert set(sd) == set(tiny["headpose"].state_dict())


# ---------------------------------------------------------------- export_official

def _write_official(root, main_sd, pose_sd, posecond_sd, arc_sd, mag_sd, head_sd,
                    extra_main=None):
    os.makedirs(os.path.join(root, "vec2face_plus"), exist_ok=True)
    os.makedirs(os.path.join(root, "weights"), exist_ok=True)
    if main_sd is not None:
        ck = {"model_vec2face": main_sd}
        ck.update(extra_main or {})
        torch.save(ck, os.path.join(root, "vec2face_plus", "main_model.pth"))
    if pose_sd is not None:
        torch.save({"model_vec2face": pose_sd, "pose_model": posecond_sd},
                   os.path.join(root, "vec2face_plus", "pose_model.pth"))
    for name, sd in (("arcface-r100-glint360k.pth", arc_sd),
                     ("magface-r100-glint360k.pth", mag_sd),
                     ("6DRepNet_300W_LP_AFLW2000.pth", head_sd)):
        if sd is not None:
            torch.save(sd, os.path.join(root, "weights", name))


def _check_generators(out, tiny, g):
    gen = torch.jit.load(os.path.join(out, "generator.pt"))
    pgen = torch.jit.load(os.path.join(out, "pose_generator.pt"))
    pcond = torch.jit.load(os.path.join(out, "pose_cond.pt"))
    assert gen.v2f_num_dropped == NUM_DROPPED_PLAIN and gen.v2f_lora_rank == 0
    assert pgen.v2f_num_dropped == NUM_DROPPED_POSE
    assert pgen.v2f_lora_rank == CONFIGS["tiny"]["pose_generator"].lora_r
    d, m = random_valid_masks(2, NUM_DROPPED_PLAIN, g)
    v = random_vectors(2, g)
    lm = torch.rand(2, 3, 112, 112, generator=g) * 2 - 1
    pd, pm = random_valid_masks(2, NUM_DROPPED_POSE, g)
    with torch.no_grad():
        assert max_abs_diff(gen(v, d, m), tiny["generator"](v, d, m)) <= TOL
        cond = tiny["pose_cond"](lm)
        assert max_abs_diff(pcond(lm), cond) <= TOL
        want = tiny["pose_generator"](v, pd, pm, cond)  # un-merged LoRA
        got = pgen(v, pd, pm, cond)
    assert max_abs_diff(got, want) <= 1e-4 * max(1.0, float(want.abs().max()))


def test_export_official_all_files_tiny_config(tiny, tmp_path, monkeypatch):
    """All five official files end to end, with CONFIGS['base'] -> tiny."""
    monkeypatch.setitem(CONFIGS, "base", CONFIGS["tiny"])
    root, out = str(tmp_path / "official"), str(tmp_path / "out")
    os.makedirs(out)
    _write_official(root, official_generator_sd(tiny["generator"]),
                    official_generator_sd(tiny["pose_generator"]),
                    tiny["pose_cond"].state_dict(), tiny["arcface"].state_dict(),
                    tiny["magface"].state_dict(), tiny["headpose"].state_dict())
    alpha = CONFIGS["tiny"]["pose_generator"].lora_alpha
    written = vexport.export_official(root, out, trust=False, lora_alpha=alpha,
                                      log=lambda *a: None)
    assert sorted(written) == sorted(["generator.pt", "pose_generator.pt", "pose_cond.pt",
                                      "arcface.pt", "magface.pt", "headpose.pt"])
    g = torch.Generator().manual_seed(40)
    _check_generators(out, tiny, g)
    x = torch.rand(2, 3, 112, 112, generator=g)
    for kind in ("arcface", "magface", "headpose"):
        m = torch.jit.load(os.path.join(out, kind + ".pt"))
        assert m.v2f_kind == kind
        inp = x if kind == "headpose" else x * 2 - 1
        with torch.no_grad():
            assert max_abs_diff(m(inp), tiny[kind](inp)) <= TOL, kind
    # Source digests are the files' SHA-256.
    from vec2face_torch.checkpoints import sha256_file
    m = torch.jit.load(os.path.join(out, "arcface.pt"))
    assert m.v2f_source_sha256 == sha256_file(
        os.path.join(root, "weights", "arcface-r100-glint360k.pth"))


def test_export_official_untrusted_object(tiny, tmp_path, monkeypatch):
    monkeypatch.setitem(CONFIGS, "base", CONFIGS["tiny"])
    root, out = str(tmp_path / "official"), str(tmp_path / "out")
    os.makedirs(out)
    _write_official(root, official_generator_sd(tiny["generator"]), None, None, None, None,
                    None, extra_main={"args": argparse.Namespace(model="vec2face")})
    with pytest.raises(CheckpointError, match="--trust-checkpoint"):
        vexport.export_official(root, out, trust=False, lora_alpha=32.0, log=lambda *a: None)
    written = vexport.export_official(root, out, trust=True, lora_alpha=32.0,
                                      log=lambda *a: None)
    assert written == ["generator.pt"]
    g = torch.Generator().manual_seed(41)
    d, m = random_valid_masks(1, NUM_DROPPED_PLAIN, g)
    v = random_vectors(1, g)
    with torch.no_grad():
        got = torch.jit.load(os.path.join(out, "generator.pt"))(v, d, m)
        assert max_abs_diff(got, tiny["generator"](v, d, m)) <= TOL


def test_export_official_base_estimators(base_models, tmp_path, request):
    """Real base configuration: iresnet100 (ArcFace) and RepVGG-B1g2 (6DRepNet).
    (MagFace is the same architecture and code path; its file is left out to
    save a 260 MB round trip, and the log must say it was skipped.)"""
    root, out = str(tmp_path / "official"), str(tmp_path / "out")
    os.makedirs(out)
    _write_official(root, None, None, None, base_models["arcface"].state_dict(),
                    None, base_models["headpose"].state_dict())
    logs = []
    written = vexport.export_official(root, out, trust=False, lora_alpha=32.0, log=logs.append)
    assert sorted(written) == ["arcface.pt", "headpose.pt"]
    for skipped in ("main_model.pth", "pose_model.pth", "magface-r100-glint360k.pth"):
        assert any("skip" in line and skipped in line for line in logs), (skipped, logs)
    for kind in ("arcface", "headpose"):
        path = os.path.join(out, kind + ".pt")
        m = torch.jit.load(path)
        assert m.v2f_kind == kind
        # Same weights, bit for bit (test_scripted_equivalence shows that the
        # scripted forward of these architectures matches eager) ...
        ref = base_models[kind].state_dict()
        sd = m.state_dict()
        assert set(sd) == set(ref)
        for k in ref:
            assert torch.equal(sd[k], ref[k]), (kind, k)
        # ... and one forward end to end (the cheap network; iresnet100 costs seconds).
        if kind == "headpose":
            x, want = request.getfixturevalue("base_estimator_io")[kind]
            with torch.no_grad():
                assert max_abs_diff(m(x), want) <= TOL
        del m
        os.unlink(path)


# ---------------------------------------------------------------- CLI

def test_cli_official_empty_dir(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-m", "vec2face_torch.export", "--official", str(empty),
                        "--out", str(out)], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert "error" in r.stderr and str(empty) in r.stderr
    assert "main_model.pth" in r.stderr  # says what it looked for
    assert not any(p.suffix == ".pt" for p in out.glob("*")) if out.exists() else True
