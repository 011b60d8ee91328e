"""Dataset reports: a tiny dataset made through DatasetJob, its report, the
summary against report.json of the same call and against measurements made
here through the binding's own estimators."""

import json
import math
import re
import struct
from pathlib import Path

import pytest

import vec2face
from vec2face import _ctypes_api as api

IDS, PER_ID = 3, 2


@pytest.fixture(scope="module")
def dataset(model, tmp_path_factory, np):
    d = tmp_path_factory.mktemp("report")
    ids = np.random.default_rng(77).normal(0, 2, (IDS, 512)).astype(np.float32)
    vec2face.write_npy(d / "ids.npy", ids)
    out = d / "out"
    with vec2face.DatasetJob(model, d / "ids.npy", out, seed=3, perturb_images=PER_ID,
                             batch_size=4) as job:
        stats = job.run()
    assert stats.images_written == IDS * PER_ID
    return out, ids


def _f32(x):
    """A JSON number as the float32 it was printed from (9 digits round-trip)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _unit(np, x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_report_flags_match_the_header():
    header = (Path(__file__).resolve().parents[3] / "include" / "vec2face" /
              "dataset.h").read_text()
    found = {m.group(1): int(m.group(2)) for m in
             re.finditer(r"^#define (V2F_REPORT_\w+) (\d+)u", header, flags=re.M)}
    assert found == api.REPORT_FLAGS
    assert {"V2F_REPORT_" + f.name: int(f) for f in vec2face.ReportMeasured} == found


def test_report_summary_matches_json_and_our_measurements(model, dataset, np, tmp_path):
    out, ids = dataset
    seen = []
    prefix = tmp_path / "r_"
    s = vec2face.report_dataset(out, model, out_prefix=str(prefix), per_image=True,
                                sheet_tile=28, histogram_bins=7,
                                progress=lambda d, t: seen.append((d, t)))
    for p in (s.json_path, s.html_path, s.sheet_path):
        assert Path(p).is_file() and Path(p).stat().st_size > 0, p
    assert s.json_path == str(prefix) + "report.json"
    assert not (out / "report.json").exists()
    assert seen and seen[-1] == (IDS * PER_ID, IDS * PER_ID)

    # counts, computed from the recipe
    assert s.measured == (vec2face.ReportMeasured.CONSISTENCY | vec2face.ReportMeasured.INPUT |
                          vec2face.ReportMeasured.QUALITY | vec2face.ReportMeasured.YAW |
                          vec2face.ReportMeasured.SEPARABILITY)
    assert (s.identities, s.identities_measured, s.identities_complete) == (IDS, IDS, IDS)
    assert (s.images_expected, s.images_read) == (IDS * PER_ID, IDS * PER_ID)
    assert (s.images_missing, s.images_unreadable, s.images_dropped) == (0, 0, 0)
    assert (s.sheet_width, s.sheet_height) == (PER_ID * 28, IDS * 28)
    assert s.threshold == pytest.approx(0.4) and s.separability_n == IDS

    # the summary is report.json's numbers (floats written with 9 digits)
    j = json.loads(Path(s.json_path).read_text())
    assert j["counts"] == {k: getattr(s, k) for k in j["counts"]}
    cons = j["consistency"]
    assert _f32(cons["mean_centre"]["mean"]) == s.cos_mean_centre_mean
    assert _f32(cons["mean_centre"]["min"]) == s.cos_mean_centre_min
    assert _f32(cons["input_centre"]["mean"]) == s.cos_input_mean
    assert _f32(cons["input_centre"]["min"]) == s.cos_input_min
    assert cons["mean_centre"]["histogram"]["bins"] == 7
    sep = j["separability"]["mean_centres"]
    assert (sep["n"], sep["separated"]) == (s.separability_n, s.separated)
    for k in ("mean", "min", "max"):
        assert _f32(j["quality"][k]) == getattr(s, "quality_" + k)
        assert _f32(j["yaw"][k]) == getattr(s, "yaw_" + k)
    assert _f32(j["yaw"]["abs_mean"]) == s.abs_yaw_mean
    assert _f32(sep["threshold"]) == s.threshold
    sheet = j["contact_sheet"]
    assert (sheet["width"], sheet["height"], sheet["tile"]) == (s.sheet_width, s.sheet_height, 28)
    assert len(j["images"]) == IDS * PER_ID and len(j["identities"]) == IDS

    # independent measurements through the binding's estimators
    files = [out / f"{i:06d}" / f"{k:03d}.png" for i in range(IDS) for k in range(PER_ID)]
    rgb = np.stack([vec2face.read_image(f) for f in files])
    feats = np.asarray(model.features(rgb), dtype=np.float64).reshape(IDS, PER_ID, 512)
    centres = feats.mean(axis=1, keepdims=True)
    cos_c = (_unit(np, feats) * _unit(np, centres)).sum(-1)
    cos_i = (_unit(np, feats) * _unit(np, ids.astype(np.float64))[:, None, :]).sum(-1)
    assert s.cos_mean_centre_mean == pytest.approx(cos_c.mean(), abs=1e-4)
    assert s.cos_mean_centre_min == pytest.approx(cos_c.min(), abs=1e-4)
    assert s.cos_input_mean == pytest.approx(cos_i.mean(), abs=1e-4)
    assert s.cos_input_min == pytest.approx(cos_i.min(), abs=1e-4)
    uc = _unit(np, centres[:, 0, :])
    sim = uc @ uc.T
    np.fill_diagonal(sim, -np.inf)
    assert s.separated == int((sim.max(axis=1) <= 0.4).sum())
    q = np.asarray(model.quality(rgb), dtype=np.float64).reshape(-1)
    assert (s.quality_min, s.quality_max) == (pytest.approx(q.min(), rel=1e-5),
                                              pytest.approx(q.max(), rel=1e-5))
    assert s.quality_mean == pytest.approx(q.mean(), rel=1e-5)
    yaw = np.asarray(model.pose(rgb), dtype=np.float64).reshape(-1, 3)[:, 1]
    assert s.yaw_mean == pytest.approx(yaw.mean(), abs=1e-3)
    assert s.abs_yaw_mean == pytest.approx(np.abs(yaw).mean(), abs=1e-3)
    assert (s.yaw_min, s.yaw_max) == (pytest.approx(yaw.min(), abs=1e-4),
                                      pytest.approx(yaw.max(), abs=1e-4))

    # the contact sheet: each 28 px tile is a 4x4 box average, rounded half up
    png = _read_png_rgb(s.sheet_path, s.sheet_width, s.sheet_height, np)
    tile = rgb[PER_ID + 1].astype(np.int64).reshape(28, 4, 28, 4, 3).sum(axis=(1, 3))
    want = (tile + 8) // 16
    assert (png[28:56, 28:56] == want).all()


def _read_png_rgb(path, width, height, np):
    """Decode an 8-bit RGB PNG with the tests' own decoder, independent of the
    library: tests/cli/png_codec.py, loaded by path (tests/cli is no package,
    and on sys.path its test_report.py would shadow this one) and only here
    (it needs numpy, which the binding's tests do not require)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "v2f_png_codec", Path(__file__).resolve().parents[3] / "tests" / "cli" / "png_codec.py")
    codec = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(codec)
    data = Path(path).read_bytes()
    ihdr = codec.png_header(data)
    assert ihdr[:4] == (width, height, 8, 2), ihdr
    return codec.png_decode(data).astype(np.int64)


def test_report_without_model_and_default_prefix(dataset):
    out, _ = dataset
    s = vec2face.report_dataset(str(out) + "/")
    assert s.measured == 0
    assert s.json_path == str(out) + "/report.json"
    assert all(Path(p).is_file() for p in (s.json_path, s.html_path, s.sheet_path))
    assert (s.images_read, s.identities_complete) == (IDS * PER_ID, IDS)
    assert (s.cos_mean_centre_mean, s.quality_mean, s.separability_n) == (0.0, 0.0, 0)
    # defaults: 16 x 8 tiles of 56 px at most
    assert (s.sheet_width, s.sheet_height) == (PER_ID * 56, IDS * 56)
    j = json.loads(Path(s.json_path).read_text())
    assert j["quality"]["measured"] is False and "magface" in j["quality"]["reason"]
    assert "images" not in j


def test_report_errors_and_cancel(model, dataset, tmp_path):
    out, _ = dataset
    with pytest.raises(vec2face.FileIOError, match="recipe"):
        model.report_dataset(tmp_path)
    with pytest.raises(vec2face.InvalidArgumentError, match="sheet_tile"):
        vec2face.report_dataset(out, model, out_prefix=str(tmp_path / "x_"), sheet_tile=30)

    class Stop(Exception):
        pass

    def stop(done, total):
        raise Stop()

    with pytest.raises(Stop):
        vec2face.report_dataset(out, model, out_prefix=str(tmp_path / "c_"), batch_size=1,
                                progress=stop)
    assert not (tmp_path / "c_report.json").exists()
    with pytest.raises(vec2face.CancelledError):
        vec2face.report_dataset(out, None, out_prefix=str(tmp_path / "c_"), batch_size=1,
                                progress=lambda d, t: True)
    assert not any(tmp_path.glob("c_*"))
    assert math.isfinite(vec2face.report_dataset(out, None,
                                                 out_prefix=str(tmp_path / "ok_")).threshold)
