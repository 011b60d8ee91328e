"""merge_datasets: shard folders made apart merge into one that verifies,
with the shards' image bytes; again: nothing copied; another recipe and a
conflicting file are refused with nothing written; a cancel from progress
leaves no temporary file. Stdlib only."""

import os
import random
import shutil

import pytest

import vec2face

RECIPE = dict(perturb_images=2, pose_images=0, format="png", batch_size=1)


def _shards(model, tmp_path, seed=7, n=2):
    r = random.Random(99)
    ids = tmp_path / "ids.npy"
    vec2face.write_npy(ids, [[2.0 * r.gauss(0, 1) for _ in range(512)] for _ in range(4)])
    outs = []
    for k in range(n):
        out = tmp_path / f"s{k}-seed{seed}"
        with vec2face.DatasetJob(model, ids, out, seed=seed, shard=(k, n), **RECIPE) as job:
            job.run()
        outs.append(out)
    return outs


def _images(d):
    return {os.path.relpath(os.path.join(r, f), d): open(os.path.join(r, f), "rb").read()
            for r, _, fs in os.walk(d) for f in fs if f.endswith(".png")}


def _files(d):
    return sorted((os.path.relpath(os.path.join(r, f), d), os.stat(os.path.join(r, f)).st_mtime_ns)
                  for r, _, fs in os.walk(d) for f in fs)


def test_merge_shards_verify_rerun(model, tmp_path):
    s0, s1 = _shards(model, tmp_path)
    dst = tmp_path / "all"
    seen = []
    m = vec2face.merge_datasets(dst, [s0, s1], progress=lambda d, t: seen.append((d, t)))
    assert m.report.ok and m.report.identities_complete == 4 and m.report.images_ok == 8
    assert (m.sources, m.files_copied, m.parts_merged) == (2, 10, 0)
    assert seen[0] == (0, 10) and seen[-1] == (10, 10)
    assert vec2face.verify_dataset(dst).ok
    want = {**_images(s0), **_images(s1)}
    assert _images(dst) == want and len(want) == 8
    before = _files(dst)
    again = vec2face.merge_datasets(dst, [s0, s1])
    assert again.files_copied == 0 and again.parts_merged == 0 and again.report.ok
    assert _files(dst) == before

    half = vec2face.merge_datasets(tmp_path / "half", [s0])
    assert not half.report.ok and half.report.images_missing == 4 and half.files_copied == 5


def test_merge_refusals_and_cancel(model, tmp_path):
    s0, s1 = _shards(model, tmp_path)
    other, = _shards(model, tmp_path, seed=8, n=1)
    fresh = tmp_path / "fresh"
    with pytest.raises(vec2face.InvalidArgumentError, match="seed"):
        vec2face.merge_datasets(fresh, [s0, other])
    assert not fresh.exists()

    bad = tmp_path / "bad"
    shutil.copytree(s1, bad)
    f = bad / "000003" / "001.png"
    data = bytearray(f.read_bytes())
    data[-20] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(vec2face.InvalidArgumentError, match="different bytes") as e:
        vec2face.merge_datasets(fresh, [s1, bad])
    assert str(f) in str(e.value) and not fresh.exists()

    cut = tmp_path / "cut"
    with pytest.raises(vec2face.CancelledError):
        vec2face.merge_datasets(cut, [s0, s1], link=True, progress=lambda d, t: d >= 3)
    assert not [n for _, _, fs in os.walk(cut) for n in fs if n.startswith(".")]
    m = vec2face.merge_datasets(cut, [s0, s1], link=True)
    assert m.report.ok and m.files_copied == 7
    assert os.stat(cut / "000000" / "000.png").st_ino == os.stat(s0 / "000000" / "000.png").st_ino
    with pytest.raises(vec2face.InvalidArgumentError):
        vec2face.merge_datasets(cut, [])
