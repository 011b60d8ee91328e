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
