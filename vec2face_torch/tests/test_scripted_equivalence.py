"""Eager reference modules vs the TorchScript files the exporter writes.

For sizes tiny and base, each of the six networks is randomised with
vec2face_torch.random_init.randomize, passed through the export path (builder ->
vec2face_torch.export.save_scripted -> torch.jit.load) and evaluated on random
inputs (random valid masks for the generators). Max abs difference <= 1e-5
in float32. The pose generator's eager module keeps its LoRA un-merged; the
exported one is merged, so that comparison also covers the merge.
"""

import copy
import os

import pytest
import torch

from _v2f_helpers import (IGNORED_KEYS, official_generator_sd, NUM_DROPPED_PLAIN, NUM_DROPPED_POSE, PLAIN_MASK, POSE_MASK,
                          RELEASE_LORA_ALPHA, RELEASE_LORA_R, max_abs_diff,
                          random_valid_masks, random_vectors)
from vec2face_torch import export as vexport
from vec2face_torch.reference import CONFIGS, HeadPose, IResNet, LoRALinear, PoseCondModel

TOL = 1e-5
KINDS = ["generator", "pose_generator", "pose_cond", "arcface", "magface", "headpose"]


def _exported(size, eager, out_dir):
    """Run every eager network through the exporter's builders and save/load."""
    cfgs = CONFIGS[size]
    loaded = {}
    for kind in KINDS:
        sd = eager[kind].state_dict()
        if kind in ("generator", "pose_generator"):
            # Official layout: plus patch_embed.*, center_token.*,
            # token_emb.position_ids (ignored by name); LoRA as base/A/B.
            sd = official_generator_sd(eager[kind])
            cfg = cfgs[kind]
            mod = vexport.build_generator(cfg, kind, "test:" + size, state=sd,
                                          lora_alpha=cfg.lora_alpha)
        elif kind == "pose_cond":
            mod = vexport._estimator(PoseCondModel(), kind, "pose_cond", "test", state=sd)
        elif kind in ("arcface", "magface"):
            mod = vexport._estimator(IResNet(cfgs["iresnet"]), kind, "iresnet", "test", state=sd)
        else:
            mod = vexport._estimator(HeadPose(cfgs["headpose"]), kind, "headpose", "test",
                                     state=sd)
        path = os.path.join(out_dir, kind + ".pt")
        vexport.save_scripted(mod, path)
        del mod
        loaded[kind] = torch.jit.load(path)
        os.unlink(path)  # base files are hundreds of MB
    return loaded


@pytest.fixture(scope="module")
def tiny_scripted(tiny_models, tmp_path_factory):
    return _exported("tiny", tiny_models, str(tmp_path_factory.mktemp("tiny_export")))


@pytest.fixture(scope="module")
def base_scripted(base_models, tmp_path_factory):
    return _exported("base", base_models, str(tmp_path_factory.mktemp("base_export")))


def _pair(size, request):
    if size == "tiny":
        return request.getfixturevalue("tiny_models"), request.getfixturevalue("tiny_scripted")
    return request.getfixturevalue("base_models"), request.getfixturevalue("base_scripted")


def _inputs(kind, size, eager, g):
    gen_batch = 2 if size == "tiny" else 1
    est_batch = 2 if size == "tiny" else 2
    if kind == "generator":
        d, m = random_valid_masks(gen_batch, NUM_DROPPED_PLAIN, g)
        return (random_vectors(gen_batch, g), d, m)
    if kind == "pose_generator":
        d, m = random_valid_masks(gen_batch, NUM_DROPPED_POSE, g)
        lm = torch.rand(gen_batch, 3, 112, 112, generator=g) * 2 - 1
        with torch.no_grad():
            cond = eager["pose_cond"](lm)
        return (random_vectors(gen_batch, g), d, m, cond)
    if kind == "headpose":
        return (torch.rand(est_batch, 3, 112, 112, generator=g),)   # BGR [0,1]
    return (torch.rand(est_batch, 3, 112, 112, generator=g) * 2 - 1,)  # RGB [-1,1]


# At base size ArcFace and MagFace share one randomised iresnet100 (see
# conftest.base_models): the MagFace file's forward would repeat ArcFace's
# (seconds on CPU), so only its export and metadata are checked.
CASES = [(s, k) for s in ("tiny", "base") for k in KINDS if (s, k) != ("base", "magface")]


@pytest.mark.parametrize("size,kind", CASES)
def test_scripted_matches_eager(size, kind, request):
    eager, scripted = _pair(size, request)
    if size == "base" and kind in ("arcface", "headpose", "pose_cond"):
        x, want = request.getfixturevalue("base_estimator_io")[kind]
        with torch.no_grad():
            got = scripted[kind](x)
        assert got.shape == want.shape and torch.isfinite(want).all()
        diff = max_abs_diff(got, want)
        assert diff <= TOL, f"{size} {kind}: max abs diff {diff:.3g} > {TOL}"
        return
    g = torch.Generator().manual_seed(1234 + KINDS.index(kind))
    args = _inputs(kind, size, eager, g)
    net = eager[kind]
    if kind == "pose_generator":
        # The file holds the merged weights W + (alpha/r) B A. Same arithmetic:
        # compare with the eager module merged the same way. (Un-merged vs
        # merged is test_lora.py's subject, on tiny; at base it would cost
        # another multi-second forward.)
        net = copy.deepcopy(net).merge_lora()
    with torch.no_grad():
        want = net(*args)
        got = scripted[kind](*args)
        if kind == "pose_generator" and size == "tiny":
            unmerged = eager[kind](*args)
    assert got.shape == want.shape
    assert torch.isfinite(want).all()
    diff = max_abs_diff(got, want)
    assert diff <= TOL, f"{size} {kind}: max abs diff {diff:.3g} > {TOL}"
    if kind == "pose_generator" and size == "tiny":
        # Un-merged LoRA (base(x) + s x A^T B^T) vs the merged file: equal up
        # to float32 rounding of the merge, relative to the output scale
        # (measured: about 2e-5 abs at outputs up to 5).
        scale = max(1.0, float(unmerged.abs().max()))
        diff = max_abs_diff(got, unmerged)
        assert diff <= 1e-4 * scale, \
            f"{size}: merged file vs un-merged eager: {diff:.3g} > 1e-4 * {scale:.3g}"


def test_base_official_layout_and_merge(base_models, base_scripted):
    """The base generator files came from official-layout state dicts (the
    ignored keys with their official shapes; LoRA r=8 as base/A/B); the pose
    file holds W + (alpha/r) B A for every attention qkv/proj."""
    sd = official_generator_sd(base_models["pose_generator"])
    assert sd["patch_embed.proj.weight"].shape == (768, 3, 16, 16)
    assert sd["center_token.weight"].shape == (49, 768)
    assert sd["token_emb.position_ids"].shape == (1, 50)
    assert IGNORED_KEYS <= set(sd)
    assert sd["blocks.11.attn.qkv.A"].shape == (RELEASE_LORA_R, 768)
    assert sd["decoder_blocks.7.attn.proj.B"].shape == (768, RELEASE_LORA_R)
    assert "blocks.0.attn.qkv.weight" not in sd
    eager = base_models["pose_generator"]
    got = base_scripted["pose_generator"].state_dict()
    scale = RELEASE_LORA_ALPHA / RELEASE_LORA_R
    for prefix, blocks in (("blocks", eager.blocks), ("decoder_blocks", eager.decoder_blocks)):
        for i, blk in enumerate(blocks):
            for name in ("qkv", "proj"):
                lora = getattr(blk.attn, name)
                want = lora.base.weight.double() + scale * (lora.B.double() @ lora.A.double())
                key = f"{prefix}.{i}.attn.{name}"
                assert max_abs_diff(got[key + ".weight"], want) <= 1e-5, key
                assert torch.equal(got[key + ".bias"], lora.base.bias), key
                assert key + ".A" not in got and key + ".base.weight" not in got
    # Plain generator: every weight as in the eager module.
    ref = base_models["generator"].state_dict()
    sd = base_scripted["generator"].state_dict()
    assert set(sd) == set(ref)
    for k in ref:
        assert torch.equal(sd[k], ref[k]), k


def test_plain_generator_accepts_cond_scripted(tiny_models, tiny_scripted):
    """The plain generator file also takes an optional cond (same signature)."""
    g = torch.Generator().manual_seed(7)
    d, m = random_valid_masks(2, NUM_DROPPED_PLAIN, g)
    v = random_vectors(2, g)
    cond = torch.randn(2, 1, 768, generator=g)
    with torch.no_grad():
        want = tiny_models["generator"](v, d, m, cond)
        got = tiny_scripted["generator"](v, d, m, cond)
    assert max_abs_diff(got, want) <= TOL


def _expected_meta(size, kind, eager):
    meta = {"v2f_kind": kind, "v2f_format": 1}
    if kind in ("generator", "pose_generator"):
        mask = PLAIN_MASK if kind == "generator" else POSE_MASK
        meta.update(v2f_mask_ratio_min=mask["min"], v2f_mask_ratio_max=mask["max"],
                    v2f_mask_ratio_mu=mask["mu"], v2f_mask_ratio_std=mask["std"],
                    v2f_num_dropped=NUM_DROPPED_PLAIN if kind == "generator"
                    else NUM_DROPPED_POSE)
        if kind == "generator":
            meta["v2f_lora_rank"] = 0
        elif size == "base":
            meta["v2f_lora_rank"] = RELEASE_LORA_R
            meta["v2f_lora_alpha"] = RELEASE_LORA_ALPHA
        else:  # tiny: the rank the eager module actually has
            ranks = {m.A.shape[0] for m in eager[kind].modules() if isinstance(m, LoRALinear)}
            assert len(ranks) == 1
            meta["v2f_lora_rank"] = ranks.pop()
    return meta


@pytest.mark.parametrize("size", ["tiny", "base"])
@pytest.mark.parametrize("kind", KINDS)
def test_metadata(size, kind, request):
    eager, scripted = _pair(size, request)
    mod = scripted[kind]
    for name, want in _expected_meta(size, kind, eager).items():
        assert hasattr(mod, name), f"{kind}: missing metadata attribute {name}"
        got = getattr(mod, name)
        if isinstance(want, float):
            assert isinstance(got, float) and abs(got - want) < 1e-12, (name, got, want)
        else:
            assert got == want and type(got) is type(want), (name, got, want)
    for name in ("v2f_exporter", "v2f_source_sha256", "v2f_input_shapes", "v2f_output_shape"):
        assert isinstance(getattr(mod, name), str) and getattr(mod, name)


def test_export_random_tiny_files(tiny_random_exports):
    """export_random's six files: right metadata; scripted forward == eager forward
    of our definitions loaded with the file's own weights."""
    from vec2face_torch.reference import Generator
    import dataclasses
    d = tiny_random_exports["fn7"]
    cfgs = CONFIGS["tiny"]
    g = torch.Generator().manual_seed(99)
    loaded = {k: torch.jit.load(os.path.join(d, k + ".pt")) for k in KINDS}
    eager = {}
    for kind in KINDS:
        if kind in ("generator", "pose_generator"):
            net = Generator(dataclasses.replace(cfgs[kind], lora_r=0))  # files are merged
        elif kind == "pose_cond":
            net = PoseCondModel()
        elif kind == "headpose":
            net = HeadPose(cfgs["headpose"])
        else:
            net = IResNet(cfgs["iresnet"])
        net.load_state_dict(loaded[kind].state_dict(), strict=True)
        eager[kind] = net.eval()
        assert loaded[kind].v2f_kind == kind
        assert loaded[kind].v2f_format == 1
        assert loaded[kind].v2f_source_sha256 == "random:tiny:seed=7"
    assert loaded["generator"].v2f_num_dropped == NUM_DROPPED_PLAIN
    assert loaded["pose_generator"].v2f_num_dropped == NUM_DROPPED_POSE
    assert loaded["pose_generator"].v2f_lora_rank > 0
    assert loaded["generator"].v2f_lora_rank == 0
    for kind in KINDS:
        args = _inputs(kind, "tiny", eager, g)
        with torch.no_grad():
            diff = max_abs_diff(loaded[kind](*args), eager[kind](*args))
        assert diff <= TOL, (kind, diff)
