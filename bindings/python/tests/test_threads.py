"""close() racing calls in other threads, and handles made from a closed model.

Registered as its own ctest (python_binding_threads) so that the sanitizer
build runs it too: there the interpreter preloads gcc's libasan, and a model
freed while a C call still reads it is a heap-use-after-free report, not a
silent chance of garbage. Each scenario is one that freed memory in use
before the binding counted its users.
"""

import threading
import time

import pytest

import vec2face


@pytest.fixture
def own_model(tiny_dir):
    m = vec2face.Model(tiny_dir, threads=1)
    yield m
    m.close()


def _vectors(np, n, seed=7):
    return np.random.default_rng(seed).standard_normal((n, 512)).astype(np.float32)


def test_close_while_another_thread_generates(own_model, np):
    m = own_model
    v = _vectors(np, 6)
    want = m.generate(v, seed=3, batch_size=1)
    inside, closed = threading.Event(), threading.Event()
    result = {}

    def progress(done, total):
        if done == 1:
            inside.set()
            assert closed.wait(30), "the main thread never closed the model"
        return False

    def worker():
        try:
            result["images"] = m.generate(v, seed=3, batch_size=1, progress=progress)
        except BaseException as e:  # noqa: BLE001 - reported below
            result["error"] = e

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(60), "generate never reported progress"
    t0 = time.monotonic()
    m.close()  # the worker is inside v2f_generate, between two batches
    assert time.monotonic() - t0 < 5, "close() blocked on the call in flight"
    assert m.closed
    with pytest.raises(ValueError, match="model is closed"):
        m.generate(v[:1])
    with pytest.raises(ValueError, match="model is closed"):
        _ = m.info
    assert m._handle is not None, "freed while a call was still using it"
    closed.set()
    t.join(60)
    assert not t.is_alive()
    assert "error" not in result, result.get("error")
    # the call finished on the live model, with the images it would have made
    assert result["images"].tobytes() == want.tobytes()
    assert m._handle is None, "not freed after the last call ended"


def test_attrop_keeps_its_model_alive(tiny_dir, np):
    m = vec2face.Model(tiny_dir, threads=1)
    v = _vectors(np, 2)
    op = m.attrop(v, seed=1)
    m.close()  # the AttrOP still uses the C model
    assert m.closed and m._handle is not None
    with pytest.raises(ValueError, match="model is closed"):
        m.attrop(v)
    # the final images run the C model's generator (a full AttrOP step
    # would cost ~30 s here on its first call)
    assert op.images().shape == (2, 112, 112, 3)
    op.close()
    assert m._handle is None  # the last user is gone: the model is freed now
    with pytest.raises(ValueError, match="AttrOP handle is closed"):
        op.vectors()


def test_dataset_job_keeps_its_model_alive(tiny_dir, tmp_path, np):
    ids = tmp_path / "ids.npy"
    vec2face.write_npy(ids, _vectors(np, 3))
    m = vec2face.Model(tiny_dir, threads=1)
    job = vec2face.DatasetJob(m, ids, tmp_path / "out", seed=2, perturb_images=2)
    m.close()
    assert m._handle is not None
    stats = job.run()
    assert stats.images_written == 6
    assert vec2face.verify_dataset(tmp_path / "out").ok
    job.close()
    assert m._handle is None


def test_close_job_while_it_runs_in_another_thread(tiny_dir, tmp_path, np):
    ids = tmp_path / "ids.npy"
    vec2face.write_npy(ids, _vectors(np, 4))
    m = vec2face.Model(tiny_dir, threads=1)
    job = vec2face.DatasetJob(m, ids, tmp_path / "out", seed=2, perturb_images=2, batch_size=2)
    inside, closed = threading.Event(), threading.Event()
    result = {}

    def progress(done, total):
        if done >= 2:
            inside.set()
            closed.wait(30)
        return False

    def worker():
        try:
            result["stats"] = job.run(progress=progress)
        except BaseException as e:  # noqa: BLE001
            result["error"] = e

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(60)
    job.close()
    m.close()  # both closed while the job's C call runs
    assert job._handle is not None and m._handle is not None
    closed.set()
    t.join(60)
    assert "error" not in result, result.get("error")
    assert result["stats"].images_written == 8
    assert job._handle is None and m._handle is None
    assert vec2face.verify_dataset(tmp_path / "out").ok


def test_many_threads_and_a_close(tiny_dir, np):
    """Threads generating in a loop while the main thread closes the model:
    each call either finishes with the right images or raises the closed
    error; none may touch freed memory (ASan) or crash."""
    m = vec2face.Model(tiny_dir, threads=1)
    v = _vectors(np, 1)
    want = m.generate(v, seed=9).tobytes()
    started = threading.Barrier(5)
    outcomes = []

    def worker():
        started.wait()
        while True:
            try:
                got = m.generate(v, seed=9)
            except ValueError as e:
                outcomes.append(("closed", str(e)))
                return
            outcomes.append(("ok", got.tobytes() == want))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    started.wait()
    time.sleep(0.3)
    m.close()
    for t in threads:
        t.join(60)
    assert [o for o in outcomes if o[0] == "closed"] and len(
        [o for o in outcomes if o[0] == "closed"]) == 4
    assert all(ok for kind, ok in outcomes if kind == "ok")
    assert all("model is closed" in msg for kind, msg in outcomes if kind == "closed")
    assert m._handle is None
