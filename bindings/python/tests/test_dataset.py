"""Dataset jobs: run, resume (skip), verify, damage, refused recipe change.
Stdlib only (no numpy needed)."""

import random

import pytest

import vec2face


def _identities(path, n, seed=1234):
    r = random.Random(seed)
    vec2face.write_npy(path, [[2.0 * r.gauss(0, 1) for _ in range(512)] for _ in range(n)])
    return path


def test_dataset_job_resume_verify(model, tmp_path):
    ids = _identities(tmp_path / "ids.npy", 2)
    out = tmp_path / "out"
    recipe = dict(seed=7, perturb_images=2, pose_images=0, format="png", batch_size=3)

    seen = []
    with vec2face.DatasetJob(model, ids, out, **recipe) as job:
        assert job.stats.images_written == 0
        stats = job.run(progress=lambda done, total: seen.append((done, total)))
    assert job.closed
    files = [out / f"{i:06d}" / f"{j:03d}.png" for i in range(2) for j in range(2)]
    assert all(f.is_file() for f in files)
    assert (out / "recipe.txt").is_file() and (out / "manifest" / "part-0-of-1.csv").is_file()
    assert (stats.identity_first, stats.identity_end, stats.identities_total) == (0, 2, 2)
    assert (stats.images_total, stats.images_written, stats.images_skipped) == (4, 4, 0)
    assert (stats.identities_done, stats.identities_skipped, stats.rows_added) == (2, 0, 0)
    assert seen and seen[-1] == (4, 4)
    assert len(vec2face.read_image(files[0])) in (112, 112 * 112 * 3)  # numpy or bytearray

    report = vec2face.verify_dataset(out)
    assert report.ok and report.problems == 0 and report.first_problem == ""
    assert (report.identities, report.identities_complete, report.images_expected,
            report.images_ok, report.manifest_rows, report.manifest_parts) == (2, 2, 4, 4, 4, 1)

    # the same recipe again (another batch size is allowed): everything skipped
    with vec2face.DatasetJob(model, str(ids), str(out), **dict(recipe, batch_size=16)) as job:
        stats = job.run()
    assert (stats.images_written, stats.images_skipped) == (0, 4)
    assert (stats.identities_skipped, stats.identities_done) == (2, 2)

    # a missing file: a report naming it, not an exception
    files[3].unlink()
    report = vec2face.verify_dataset(out)
    assert not report.ok and report.problems >= 1 and report.images_missing == 1
    assert "000001/001.png" in report.first_problem and "000001/001.png" in report.message
    assert report.identities_complete == 1

    # an exception in the progress callback cancels and is re-raised; a
    # later run of the same job resumes
    class Boom(Exception):
        pass

    def boom(done, total):
        raise Boom()

    with vec2face.DatasetJob(model, ids, out, **recipe) as job:
        with pytest.raises(Boom) as ei:
            job.run(progress=boom)
        assert ei.value.stats.images_total == 4
        stats = job.run()
        assert stats.images_written + stats.images_skipped == 4
    assert files[3].is_file() and vec2face.verify_dataset(out).ok

    # another seed on the same folder is refused, naming the seed
    with pytest.raises(vec2face.InvalidArgumentError, match="seed"):
        vec2face.DatasetJob(model, ids, out, **dict(recipe, seed=8))


def test_dataset_arguments(model, tmp_path):
    ids = _identities(tmp_path / "ids.npy", 3)
    with pytest.raises(vec2face.InvalidArgumentError, match="shard"):
        vec2face.DatasetJob(model, ids, tmp_path / "a", shard=(2, 2))
    with pytest.raises(vec2face.InvalidArgumentError, match="format"):
        vec2face.DatasetJob(model, ids, tmp_path / "a", format="bmp")
    with pytest.raises(vec2face.InvalidArgumentError, match="eps_shares"):
        vec2face.DatasetJob(model, ids, tmp_path / "a", eps=[0.3, 0.5], eps_shares=[1.0])
    with pytest.raises(vec2face.FileIOError):
        vec2face.verify_dataset(tmp_path / "nothing")
    # shard 1 of 2 of 3 identities, JPEG, one eps: created, not run
    with vec2face.DatasetJob(model, ids, tmp_path / "j", format="jpeg", eps=0.5,
                             perturb_images=1, shard=(1, 2)) as job:
        s = job.stats
        assert (s.identity_first, s.identity_end, s.images_total) == (1, 3, 2)
        assert "shard 1 of 2" in repr(job)
    with pytest.raises(ValueError, match="closed"):
        job.run()


def _manifest_rows(out):
    import csv
    rows = []
    for part in sorted((out / "manifest").glob("part-*.csv")):
        with open(part, newline="") as f:
            rows += list(csv.DictReader(f))
    return rows


def test_dataset_filter_drops_and_reports(model, tmp_path):
    # A threshold of 1.0 is above the cosine of any image to its identity:
    # every image is measured, fails the filter once and is dropped.
    ids = _identities(tmp_path / "ids.npy", 2)
    out = tmp_path / "out"
    with vec2face.DatasetJob(model, ids, out, seed=2, perturb_images=2,
                             measure=vec2face.DatasetMeasure.QUALITY | vec2face.DatasetMeasure.YAW,
                             filter="drop", filter_threshold=1.0) as job:
        stats = job.run()
    assert (stats.images_total, stats.images_written) == (4, 0)
    assert (stats.images_measured, stats.filter_rejected, stats.images_dropped) == (4, 4, 4)
    assert stats.filter_regenerated == 0
    assert not list(out.glob("*/*.png"))
    rows = _manifest_rows(out)
    assert len(rows) == 4 and {r["status"] for r in rows} == {"dropped"}
    # the filter measured the similarity implicitly; quality and yaw were asked for
    assert all(r["similarity"] and r["quality"] and r["yaw"] for r in rows)
    assert all(float(r["similarity"]) < 1.0 for r in rows)

    report = vec2face.verify_dataset(out)
    assert report.ok and report.images_dropped == 4 and report.images_ok == 0
    s = vec2face.report_dataset(out, None)
    assert (s.images_dropped, s.images_read, s.images_missing) == (4, 0, 0)
    assert s.identities_complete == 2

    # the same folder with another filter is another recipe
    with pytest.raises(vec2face.InvalidArgumentError, match="filter is regenerate now, drop there"):
        vec2face.DatasetJob(model, ids, out, seed=2, perturb_images=2,
                            measure=vec2face.DatasetMeasure.QUALITY | vec2face.DatasetMeasure.YAW,
                            filter="regenerate", filter_threshold=1.0)


def test_dataset_pose_landmarks_and_attrop_images(model, tmp_path, np):
    ids = _identities(tmp_path / "ids.npy", 1)
    pts = np.array([[38, 52, 74, 52, 56, 72, 42, 92, 70, 92]], np.float32)
    lm = tmp_path / "lm"
    lm.mkdir()
    vec2face.write_image(lm / "a.png", vec2face.render_landmarks(pts)[0])
    out = tmp_path / "out"
    with vec2face.DatasetJob(model, ids, out, seed=4, perturb_images=1, pose_images=2,
                             pose_points=pts + 3, pose_landmarks=[lm], pose_order="sample",
                             attrop_images=1, attrop_quality=0, attrop_yaw=[10.0],
                             attrop_iterations=1, attrop_max_retries=0,
                             measure="similarity") as job:
        stats = job.run()
    assert (stats.images_total, stats.images_written, stats.images_measured) == (4, 4, 4)
    rows = sorted(_manifest_rows(out), key=lambda r: int(r["image"]))
    assert [r["source"] for r in rows] == ["perturb", "pose", "pose", "attrop"]
    assert all(r["status"] == "ok" and r["similarity"] and not r["quality"] for r in rows)
    assert vec2face.verify_dataset(out).ok
    with pytest.raises(vec2face.InvalidArgumentError, match="pose_order is"):
        vec2face.DatasetJob(model, ids, out, seed=4, perturb_images=1, pose_images=2,
                            pose_points=pts + 3, pose_landmarks=[lm], pose_order="cycle",
                            attrop_images=1, attrop_quality=0, attrop_yaw=[10.0],
                            attrop_iterations=1, attrop_max_retries=0, measure="similarity")
    with pytest.raises(vec2face.InvalidArgumentError, match="pose_order"):
        vec2face.DatasetJob(model, ids, tmp_path / "x", pose_order="zigzag")
    with pytest.raises(vec2face.InvalidArgumentError, match="measure"):
        vec2face.DatasetJob(model, ids, tmp_path / "x", measure=["height"])
