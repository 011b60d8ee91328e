"""LoRA: un-merged forward vs merged (Generator.merge_lora), and the merge formula.

MODEL_FACTS: output base(x) + (alpha/r) x A^T B^T; merging W + (alpha/r) B A
into the base weight is exact (up to float32 rounding).
"""

import copy

import pytest
import torch

from _v2f_helpers import NUM_DROPPED_POSE, max_abs_diff, random_valid_masks, random_vectors
from vec2face_torch.reference import CONFIGS, LoRALinear


@pytest.fixture(scope="module")
def lora_gen(tiny_models):
    """Tiny pose generator, randomised (random non-zero B). Not to be modified."""
    return tiny_models["pose_generator"]


def _lora_layers(gen):
    return [(n, m) for n, m in gen.named_modules() if isinstance(m, LoRALinear)]


def test_every_attention_linear_is_wrapped(lora_gen):
    names = {n for n, _ in _lora_layers(lora_gen)}
    cfg = CONFIGS["tiny"]["pose_generator"]
    want = set()
    for prefix, depth in (("blocks", cfg.depth), ("decoder_blocks", cfg.decoder_depth)):
        for i in range(depth):
            want |= {f"{prefix}.{i}.attn.qkv", f"{prefix}.{i}.attn.proj"}
    assert names == want
    for _, m in _lora_layers(lora_gen):
        assert m.B.abs().max() > 0  # random B, not the official zero init


def test_merged_forward_equals_unmerged(lora_gen):
    merged = copy.deepcopy(lora_gen).merge_lora()
    assert not _lora_layers(merged)
    g = torch.Generator().manual_seed(52)
    d, m = random_valid_masks(2, NUM_DROPPED_POSE, g)
    v = random_vectors(2, g)
    cond = torch.randn(2, 1, 768, generator=g)
    with torch.no_grad():
        a = lora_gen(v, d, m, cond)
        b = merged(v, d, m, cond)
        # The LoRA really contributes: zeroing B changes the output.
        zeroed = copy.deepcopy(lora_gen)
        for _, lyr in _lora_layers(zeroed):
            lyr.B.zero_()
        c = zeroed(v, d, m, cond)
    scale = max(1.0, float(a.abs().max()))
    # Equal up to float32 rounding of the merge through the network
    # (measured about 2e-5 at outputs up to 5; a wrong scaling is O(0.1)).
    assert max_abs_diff(a, b) <= 1e-5 * scale * 4
    assert max_abs_diff(a, c) > 1e-2


def test_single_layer_unmerged_and_merged(lora_gen):
    """One layer, float64: forward formula and merged weight elementwise."""
    cfg = CONFIGS["tiny"]["pose_generator"]
    r, alpha = cfg.lora_r, cfg.lora_alpha
    layer = lora_gen.blocks[0].attn.qkv
    assert layer.A.shape == (r, layer.base.in_features)
    assert layer.B.shape == (layer.base.out_features, r)
    W, b = layer.base.weight.double(), layer.base.bias.double()
    A, B = layer.A.double(), layer.B.double()
    g = torch.Generator().manual_seed(53)
    x = torch.randn(3, 5, layer.base.in_features, generator=g, dtype=torch.float64)
    want = x @ W.t() + b + (alpha / r) * (x @ A.t()) @ B.t()
    with torch.no_grad():
        got = layer(x.float())
        merged = layer.merged()
    assert max_abs_diff(got, want) <= 1e-5
    want_w = W + (alpha / r) * (B @ A)
    assert max_abs_diff(merged.weight, want_w) <= 1e-6
    assert torch.equal(merged.bias, layer.base.bias)
    # The merge changes the weights (B is non-zero).
    assert max_abs_diff(merged.weight, W) > 1e-3
    with torch.no_grad():
        assert max_abs_diff(merged(x.float()), want) <= 1e-5


def test_merge_changes_every_layer(lora_gen):
    merged = copy.deepcopy(lora_gen).merge_lora()
    for name, lyr in _lora_layers(lora_gen):
        new = merged.get_submodule(name)
        assert isinstance(new, torch.nn.Linear)
        assert not torch.equal(new.weight, lyr.base.weight), name
