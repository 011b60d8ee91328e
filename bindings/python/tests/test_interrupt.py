"""Ctrl-C during a long call: a child process gets SIGINT while it is inside
C (identity sampling, a dataset job, neither with a progress callback of
its own); it must stop within a second through the progress/cancel path,
die by KeyboardInterrupt (no "Exception ignored" from a ctypes callback),
and leave what it did resumable: the resumed result equals an
uninterrupted one."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import vec2face

PKG = str(Path(vec2face.__file__).resolve().parent.parent)

SAMPLE = r"""
import json, sys, time
import vec2face
s = vec2face.Sampler.isotropic(512)
print("ready", flush=True)
try:
    # ~20+ s uninterrupted on this machine (n^2 cosine tests), blocks of 64
    s.sample(40000, seed=3, threads=1, block_size=64)
except KeyboardInterrupt as e:
    t = time.monotonic()
    e.vectors.tofile(sys.argv[1])
    json.dump({"t": t, "kept": e.stats.kept, "candidates": e.stats.candidates},
              open(sys.argv[1] + ".json", "w"))
    raise
"""

JOB = r"""
import json, sys, time
import vec2face
m = vec2face.Model(sys.argv[1], threads=1)
job = vec2face.DatasetJob(m, sys.argv[2], sys.argv[3], seed=4, perturb_images=2, batch_size=2)
print("ready", flush=True)
try:
    job.run()
except KeyboardInterrupt as e:
    json.dump({"t": time.monotonic(), "written": e.stats.images_written},
              open(sys.argv[3] + ".json", "w"))
    raise
"""


def _interrupt(script, args, started):
    """Run script, SIGINT it once started() is true; (rc, stderr, kill time)."""
    env = dict(os.environ, PYTHONPATH=PKG)
    p = subprocess.Popen([sys.executable, "-c", script, *map(str, args)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready", p.stderr.read()
    deadline = time.monotonic() + 120
    while not started():
        assert p.poll() is None, p.stderr.read()
        assert time.monotonic() < deadline, "the call never got going"
        time.sleep(0.05)
    t_kill = time.monotonic()
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        raise AssertionError("Ctrl-C did not stop the call within 60 s")
    return p.returncode, err, t_kill


def _check_exit(rc, err):
    assert rc == -signal.SIGINT, f"exit status {rc}, not death by KeyboardInterrupt:\n{err}"
    assert "KeyboardInterrupt" in err
    assert "Exception ignored" not in err, err


def test_ctrl_c_cancels_identity_sampling(tmp_path, np):
    out = tmp_path / "partial.f32"
    t_ready = []

    def started():  # give the call a moment to be deep inside C
        t_ready.append(time.monotonic())
        return t_ready[-1] - t_ready[0] > 0.5

    rc, err, t_kill = _interrupt(SAMPLE, [out], started)
    _check_exit(rc, err)
    info = json.loads(Path(str(out) + ".json").read_text())
    latency = info["t"] - t_kill
    assert latency < 1.0, f"cancelled {latency:.2f} s after Ctrl-C"
    kept = info["kept"]
    partial = np.fromfile(out, np.float32).reshape(-1, 512)
    assert partial.shape[0] == kept and kept < 40000
    # resume to kept + 64 and compare with one uninterrupted call
    s = vec2face.Sampler.isotropic(512)
    n = kept + 64
    resumed, st = s.sample(n, seed=3, threads=1, block_size=64, resume=partial,
                           resume_candidates=info["candidates"])
    whole, _ = s.sample(n, seed=3, threads=1, block_size=64)
    assert st.kept == n and resumed.tobytes() == whole.tobytes()


def test_ctrl_c_cancels_a_dataset_job(tmp_path, tiny_dir, model, np):
    ids = tmp_path / "ids.npy"
    vec2face.write_npy(ids, np.random.default_rng(5).standard_normal((60, 512))
                       .astype(np.float32))
    out = tmp_path / "out"

    def started():  # some images on disk: the job is inside its loop
        return out.is_dir() and any(out.glob("00000*/*.png"))

    rc, err, t_kill = _interrupt(JOB, [tiny_dir, ids, out], started)
    _check_exit(rc, err)
    info = json.loads(Path(str(out) + ".json").read_text())
    latency = info["t"] - t_kill
    assert latency < 1.0, f"cancelled {latency:.2f} s after Ctrl-C"
    assert 0 < info["written"] < 120
    # the same job again finishes the folder; it equals an uninterrupted run
    with vec2face.DatasetJob(model, ids, out, seed=4, perturb_images=2, batch_size=2) as job:
        st = job.run()
    assert st.images_skipped >= info["written"] and st.identities_done == 60
    assert vec2face.verify_dataset(out).ok
    ref = tmp_path / "ref"
    with vec2face.DatasetJob(model, ids, ref, seed=4, perturb_images=2, batch_size=2) as job:
        job.run()
    files = sorted(p.relative_to(ref) for p in ref.glob("*/*.png"))
    assert len(files) == 120
    for f in files:
        assert (out / f).read_bytes() == (ref / f).read_bytes(), f
