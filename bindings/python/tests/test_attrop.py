"""One AttrOP step through the binding."""

import math

import pytest

import vec2face


def test_one_step(model, rng, np):
    vecs = rng.standard_normal((2, 512)).astype(np.float32)
    with model.attrop(vecs, seed=3, yaw_target=20, lr=0.1, max_retries=0) as op:
        losses = op.step(per_vector=True)
        for v in (losses.identity, losses.quality, losses.pose, losses.total):
            assert math.isfinite(v)
        assert losses.steps == 1
        assert losses.identity_per_vector.shape == (2,)
        assert np.isfinite(losses.pose_per_vector).all()
        g = op.gradient()
        assert g.shape == (2, 512) and np.isfinite(g).all() and np.abs(g).sum() > 0
        out = op.vectors()
        assert out.shape == (2, 512) and not np.array_equal(out, vecs)
        img = op.images()
        assert img.shape == (2, 112, 112, 3) and img.dtype == np.uint8
        r = op.run(1)
        assert r.steps == 1 and math.isfinite(r.total)
    with pytest.raises(ValueError, match="closed"):
        op.vectors()


def test_attrop_errors(model, models_dir, np):
    vecs = np.zeros((1, 512), np.float32)
    vecs[0, 0] = np.nan
    with pytest.raises(vec2face.InvalidArgumentError):
        vec2face.AttrOP(model, vecs)
    with vec2face.Model(models_dir / "gen_only") as g:
        with pytest.raises(vec2face.UnsupportedError, match=r"\.pt"):
            g.attrop(np.ones((1, 512), np.float32))
