"""The generator rejects invalid masks, with the reason, eager and scripted.

Rules (MODEL_FACTS): masks are [B,49] bool; every image drops exactly
ceil(49*mask_ratio_min) tokens; dropped is a subset of masked.
"""

import os

import pytest
import torch

from _v2f_helpers import NUM_DROPPED_PLAIN, random_valid_masks, random_vectors
from vec2face_torch.reference import CONFIGS, Generator


@pytest.fixture(scope="module")
def nets(tiny_random_exports):
    """Eager and scripted versions of one exported tiny generator (same weights)."""
    scripted = torch.jit.load(os.path.join(tiny_random_exports["fn7"], "generator.pt"))
    eager = Generator(CONFIGS["tiny"]["generator"])
    eager.load_state_dict(scripted.state_dict())
    return {"eager": eager.eval(), "scripted": scripted}


def _valid(B=3, seed=62):
    g = torch.Generator().manual_seed(seed)
    d, m = random_valid_masks(B, NUM_DROPPED_PLAIN, g)
    return random_vectors(B, g), d, m


def _error(net, *args):
    with pytest.raises(Exception) as ei:
        with torch.no_grad():
            net(*args)
    return str(ei.value)


@pytest.mark.parametrize("which", ["eager", "scripted"])
def test_valid_masks_run(nets, which):
    v, d, m = _valid()
    with torch.no_grad():
        out = nets[which](v, d, m)
    assert out.shape == (3, 3, 112, 112)


@pytest.mark.parametrize("which", ["eager", "scripted"])
def test_wrong_dropped_count(nets, which):
    v, d, m = _valid()
    # image 1 drops one token fewer
    i = int(d[1].nonzero()[0, 0])
    d[1, i] = False
    msg = _error(nets[which], v, d, m)
    assert "image 1" in msg, msg
    assert str(NUM_DROPPED_PLAIN) in msg and str(NUM_DROPPED_PLAIN - 1) in msg, msg
    # image 2 drops one more (masked too, so only the count is wrong)
    v, d, m = _valid()
    j = int((~d[2]).nonzero()[0, 0])
    d[2, j] = True
    m[2, j] = True
    msg = _error(nets[which], v, d, m)
    assert "image 2" in msg and str(NUM_DROPPED_PLAIN + 1) in msg, msg
    if which == "eager":
        with pytest.raises(ValueError):
            nets[which](v, d, m)


@pytest.mark.parametrize("which", ["eager", "scripted"])
def test_dropped_not_subset_of_masked(nets, which):
    v, d, m = _valid()
    i = int(d[0].nonzero()[0, 0])
    m[0, i] = False
    msg = _error(nets[which], v, d, m)
    assert "image 0" in msg and "subset" in msg, msg


@pytest.mark.parametrize("which", ["eager", "scripted"])
def test_wrong_shapes(nets, which):
    v, d, m = _valid()
    msg = _error(nets[which], v, d[:, :48].contiguous(), m)
    assert "dropped must be [B,49]" in msg, msg
    msg = _error(nets[which], v, d, m[:2])
    assert "masked must be [B,49]" in msg, msg
    msg = _error(nets[which], v, d.unsqueeze(0), m)
    assert "dropped must be [B,49]" in msg, msg
    msg = _error(nets[which], v[:, :100].contiguous(), d, m)
    assert "vectors must be [B,512]" in msg, msg
    msg = _error(nets[which], v, d, m, torch.zeros(3, 768))
    assert "cond must be [B,1,768]" in msg, msg


@pytest.mark.parametrize("which", ["eager", "scripted"])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32, torch.int64])
def test_non_bool_masks(nets, which, dtype):
    v, d, m = _valid()
    msg = _error(nets[which], v, d.to(dtype), m)
    assert "must be bool" in msg, msg
    msg = _error(nets[which], v, d, m.to(dtype))
    assert "must be bool" in msg, msg
