"""Model: generation (against the C example), pose, landmarks, raw, estimators."""

import subprocess
import threading

import pytest

import vec2face
from vec2face import Part


def _vectors(rng, np, n):
    return rng.standard_normal((n, 512)).astype(np.float32)


def test_info(model):
    info = model.info
    assert info.parts == frozenset(Part)
    assert (info.vector_dim, info.image_size, info.cond_dim, info.device) == (512, 112, 768, "cpu")
    gi = model.part_info("generator")
    assert gi.present and gi.kind == "generator" and gi.num_dropped > 0
    assert model.part_info(Part.ARCFACE).kind == "arcface"
    assert model.has_part("pose_generator.pt")


def test_generate_matches_c_example(model, tiny_dir, example_generate, tmp_path, rng, np):
    n, seed = 4, 77
    vecs = _vectors(rng, np, n)
    vec2face.write_npy(tmp_path / "v.npy", vecs)
    out = tmp_path / "c"
    out.mkdir()
    # gen_only holds the same generator.pt as tiny and loads faster
    subprocess.run([str(example_generate), str(tiny_dir.parent / "gen_only"), str(tmp_path / "v.npy"), str(out),
                    "--per-id", "1", "--seed", str(seed)], check=True, capture_output=True)
    py = model.generate(vecs, seed=seed)
    assert py.shape == (n, 112, 112, 3) and py.dtype == np.uint8
    for i in range(n):
        c = vec2face.read_image(out / f"{i}_0.png")
        assert c.tobytes() == py[i].tobytes(), f"image {i} differs from the C example"
    # the same keys give the same images (same batch shape: another one may
    # round 1/255 differently, as the header's batch-split contract allows)
    one = model.generate(vecs, seed=seed, batch_size=1)[2]
    assert model.generate(vecs[2:3], seed=seed, identity_base=2, batch_size=1).tobytes() == \
        one.tobytes()


def test_generate_raw_masks_progress(model, rng, np):
    vecs = _vectors(rng, np, 2)
    rgb, raw = model.generate(vecs, seed=5, raw=True)
    assert raw.shape == (2, 3, 112, 112) and raw.dtype == np.float32
    assert vec2face.raw_to_rgb(raw).tobytes() == rgb.tobytes()
    dropped, masked = model.sample_masks(2, seed=5)
    assert dropped.shape == (2, 49)
    assert (dropped.sum(axis=1) == model.part_info("generator").num_dropped).all()
    assert model.generate(vecs, seed=999, dropped=dropped, masked=masked).tobytes() == rgb.tobytes()
    seen = []
    model.generate(vecs, seed=5, batch_size=1, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (2, 2)
    with pytest.raises(vec2face.CancelledError):
        model.generate(vecs, seed=5, batch_size=1, progress=lambda d, t: True)

    class Boom(Exception):
        pass

    def fail(d, t):
        raise Boom()
    with pytest.raises(Boom):
        model.generate(vecs, seed=5, batch_size=1, progress=fail)


def test_pose_and_landmarks(model, rng, np):
    pts = np.array([[38, 52], [74, 52], [56, 72], [42, 92], [70, 92]], np.float32)
    lm = vec2face.render_landmarks(np.stack([pts, pts + 3]))
    assert lm.shape == (2, 112, 112, 3)
    assert lm[0, 52, 38].tolist() == [255, 0, 0] and lm[0, 0, 0].tolist() == [0, 0, 0]
    vecs = _vectors(rng, np, 2)
    img = model.generate_pose(vecs, lm, seed=3)
    assert img.shape == (2, 112, 112, 3)
    assert model.generate_pose(vecs, lm[::-1].copy(), seed=3).tobytes() != img.tobytes()


def test_estimators(model, rng, np):
    img = model.generate(_vectors(rng, np, 3), seed=1)
    for which in (Part.ARCFACE, "magface"):
        f = model.features(img, which=which)
        assert f.shape == (3, 512) and f.dtype == np.float32 and np.isfinite(f).all()
    q = model.quality(img)
    mag = model.features(img, which="magface")
    assert q.shape == (3,) and np.allclose(q, np.linalg.norm(mag, axis=1), rtol=1e-4)
    p = model.pose(img)
    assert p.shape == (3, 3) and np.isfinite(p).all()
    # one image as (112, 112, 3)
    assert model.features(img[0]).shape == (1, 512)


def test_concurrent_generation_same_bytes(model, rng, np):
    a, b = _vectors(rng, np, 2), _vectors(rng, np, 2)
    want = {"a": model.generate(a, seed=11).tobytes(), "b": model.generate(b, seed=12).tobytes()}
    got, errors = {}, []
    barrier = threading.Barrier(2)

    def worker(key, vecs, seed):
        try:
            barrier.wait()
            got[key] = model.generate(vecs, seed=seed).tobytes()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=worker, args=("a", a, 11)),
          threading.Thread(target=worker, args=("b", b, 12))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert got == want


def test_closed_model(models_dir):
    m = vec2face.Model(models_dir / "gen_only")
    with m:
        pass
    assert m.closed
    with pytest.raises(ValueError, match="closed"):
        m.info
    m.close()  # twice is fine


def test_python_example_matches_c_example(models_dir, example_generate, tmp_path, rng, np):
    import os
    import sys
    from pathlib import Path
    script = Path(os.environ.get("V2F_EXAMPLE_PY") or
                  Path(__file__).resolve().parents[3] / "examples" / "python" / "generate.py")
    gen = models_dir / "gen_only"
    vec2face.write_npy(tmp_path / "v.npy", _vectors(rng, np, 2))
    outs = {}
    for name, cmd in (("c", [str(example_generate)]), ("py", [sys.executable, str(script)])):
        out = tmp_path / name
        out.mkdir()
        subprocess.run(cmd + [str(gen), str(tmp_path / "v.npy"), str(out), "--per-id", "2",
                              "--seed", "3"], check=True, capture_output=True)
        outs[name] = {p.name: vec2face.read_image(p).tobytes() for p in out.iterdir()}
    assert sorted(outs["c"]) == ["0_0.png", "0_1.png", "1_0.png", "1_1.png"]
    assert outs["py"] == outs["c"]
    h = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    assert h.returncode == 0 and "--per-id" in h.stdout
