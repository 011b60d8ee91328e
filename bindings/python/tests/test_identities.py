"""Perturbation, samplers, sampling, centres, separability."""

import pytest

import vec2face
from vec2face import Sampler


def _cos_matrix(np, v):
    u = v / np.linalg.norm(v, axis=1, keepdims=True)
    return u @ u.T


def test_perturb_preserves_norm(rng, np):
    v = rng.standard_normal((4, 512)).astype(np.float32) * 3
    out, eps = vec2face.perturb(v, seed=9, images_per_vector=3, return_eps=True)
    assert out.shape == (12, 512) and eps.shape == (12,)
    assert set(np.round(eps.astype(np.float64), 3).tolist()) <= {0.3, 0.5, 0.7}
    norms = np.repeat(np.linalg.norm(v, axis=1), 3)
    assert np.allclose(np.linalg.norm(out, axis=1), norms, rtol=1e-4)
    assert not np.allclose(out, np.repeat(v, 3, axis=0))
    # keyed by (seed, identity, image): one vector alone gives the same rows
    one = vec2face.perturb(v[1:2], seed=9, images_per_vector=3, identity_base=1)
    assert one.tobytes() == out[3:6].tobytes()
    small = vec2face.perturb(v[:, :16].copy(), seed=1, eps=[0.1], eps_shares=[1.0])
    assert small.shape == (4, 16)


def test_isotropic_sampling_threshold(np, tmp_path):
    with Sampler.isotropic(dim=32, norm_mean=20.0, norm_std=2.0) as s:
        assert s.dim == 32 and s.mean() is None and s.cov() is None
        vecs, stats = vec2face.sample_identities(s, 40, seed=5, max_similarity=0.3, threads=2)
        assert vecs.shape == (40, 32) and stats.kept == 40 and stats.candidates >= 40
        c = _cos_matrix(np, vecs.astype(np.float64))
        np.fill_diagonal(c, -1)
        assert (c < 0.3).all(), "a pair of kept vectors is at or above the threshold"
        again, _ = s.sample(40, seed=5, max_similarity=0.3, threads=1, block_size=7)
        assert again.tobytes() == vecs.tobytes()
        # resume from the first 10 rows of a 10-vector run
        head, st10 = s.sample(10, seed=5, max_similarity=0.3)
        rest, _ = s.sample(40, seed=5, max_similarity=0.3, resume=head,
                           resume_candidates=st10.candidates)
        assert rest.tobytes() == vecs.tobytes()
        cand = s.candidates(seed=5, first=0, n=3)
        assert cand.shape == (3, 32)
        s.save(tmp_path / "s.npz")
    with Sampler.load(tmp_path / "s.npz") as t:
        assert t.candidates(seed=5, first=0, n=3).tobytes() == cand.tobytes()
    with Sampler.isotropic(dim=8, norm_mean=1.0) as s:
        with pytest.raises(vec2face.InvalidArgumentError) as ei:
            s.sample(1000, seed=1, max_similarity=-0.5, max_candidates=500)
        assert ei.value.stats.candidates <= 500 and ei.value.vectors.shape[1] == 8


def test_fit_sampler(rng, np):
    centres = rng.standard_normal((40, 8)).astype(np.float32) + 2
    with Sampler.fit(centres, shrinkage=0.1) as s:
        assert s.dim == 8
        assert np.allclose(s.mean(), centres.mean(axis=0), atol=1e-5)
        assert s.cov().shape == (8, 8)
        vecs, stats = s.sample(5, seed=2, max_similarity=0.9)
        assert vecs.shape == (5, 8)


def test_centres_and_separability(rng, np):
    feats = rng.standard_normal((9, 16)).astype(np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])
    centres, counts = vec2face.identity_centres(feats, labels, 3, return_counts=True)
    assert centres.shape == (3, 16) and counts.tolist() == [3, 3, 3]
    for k in range(3):
        assert np.allclose(centres[k], feats[labels == k].mean(axis=0), atol=1e-6)
    rep = vec2face.separability(feats, 0.4, return_nn=True, threads=2)
    c = _cos_matrix(np, feats.astype(np.float64))
    np.fill_diagonal(c, -2)
    nn = c.max(axis=1)
    assert rep.n == 9 and rep.separated == int((nn <= 0.4).sum())
    assert np.allclose(rep.nn, nn, atol=1e-5)
    assert sum(rep.histogram) == 9 and len(rep.histogram) == vec2face.SEPARABILITY_BINS
    assert rep.nn_min <= rep.nn_mean <= rep.nn_max


def test_centres_from_folder(model, rng, np, tmp_path):
    imgs = model.generate(rng.standard_normal((3, 512)).astype(np.float32), seed=1)
    for ident, rows in (("a", [0, 1]), ("b", [2])):
        (tmp_path / ident).mkdir()
        for r in rows:
            vec2face.write_image(tmp_path / ident / f"{r}.png", imgs[r])
    centres, counts = model.centres_from_folder(tmp_path, return_counts=True)
    feats = model.features(imgs)
    assert counts.tolist() == [2, 1]
    assert np.allclose(centres[0], feats[:2].mean(axis=0), atol=1e-4)
    assert np.allclose(centres[1], feats[2], atol=1e-4)
