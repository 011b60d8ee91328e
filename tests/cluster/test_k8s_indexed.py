#!/usr/bin/env python3
"""examples/kubernetes/generate-job.yaml's container command, run here once
per completion index as the Indexed Job would run it.
Usage: test_k8s_indexed.py PATH/TO/vec2face MODEL_DIR generate-job.yaml

The command is read from the manifest (PyYAML), not copied: the Job's
container env with the paths pointed at a temporary folder (as a volume
mounted elsewhere would) and DEVICE=cpu, JOB_COMPLETION_INDEX=0..N-1 as
the Job controller sets it, $(NAME) expanded as Kubernetes does, two
"pods" at a time. While one index holds its shard (stopped with
SIGSTOP so it cannot finish first), its replacement starts, as the Job
replaces a terminating pod, and waits for the shard's lock (--wait-lock);
the old one is killed (SIGKILL) part-way and the replacement finishes.
Then `vec2face verify` passes and the set equals what one pod makes (the
same Job with completions 1: --shards 1, index 0; compare.py says what
"equal" means for pixels). (Folders per shard and `vec2face merge`: test_slurm.py.)
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

import compare

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import harness  # log / check and the failure list, shared with the CLI tests
from harness import check, log

try:
    import yaml
except ImportError:
    print("PyYAML is missing: apt-get install python3-yaml (or pip install pyyaml)")
    sys.exit(77)

CLI, MODEL, MANIFEST = (os.path.abspath(a) for a in sys.argv[1:4])
TMP = harness.start("v2f-k8s-")
FAILURES = harness.FAILURES
T0 = harness.T0
N_IDS, PER_ID = 3, 50        # the manifest's recipe: 40 + 10 images per identity
PATH_VARS = {"MODEL": MODEL, "IDS": os.path.join(TMP, "ids.npy"),
             "POSES": os.path.join(TMP, "poses.npy")}
PODS_AT_ONCE = 2


def expand(s, env):
    """Kubernetes' $(NAME) expansion: a defined NAME is replaced, an
    undefined one left as written, $$ is a literal $."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "$" and i + 1 < len(s):
            if s[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            j = s.find(")", i + 2) if s[i + 1] == "(" else -1
            if j != -1:
                name = s[i + 2:j]
                out.append(env.get(name, s[i:j + 1]))
                i = j + 1
                continue
        out.append(s[i])
        i += 1
    return "".join(out)


def load_job():
    docs = [d for d in yaml.safe_load_all(open(MANIFEST)) if d]
    jobs = [d for d in docs if d.get("kind") == "Job"]
    assert len(jobs) == 1, f"{MANIFEST}: expected one Job, found {len(jobs)}"
    return jobs[0]


def pod_env(container, overrides, index):
    """The container's environment: its env list in order (a value may
    use earlier names), our overrides, then JOB_COMPLETION_INDEX (the Job
    controller adds it); PATH finds vec2face as in the image."""
    env = {}
    for e in container.get("env", []):
        assert "value" in e, f"env {e['name']}: only plain values are supported here"
        env[e["name"]] = overrides.get(e["name"], expand(str(e["value"]), env))
    env["JOB_COMPLETION_INDEX"] = str(index)
    return env


def pod_argv(container, env):
    argv = [expand(str(a), env) for a in container["command"] + container.get("args", [])]
    return [shutil.which(argv[0], path=os.path.dirname(CLI))] + argv[1:]


def start_pod(container, overrides, index):
    env = pod_env(container, overrides, index)
    proc_env = dict(env, PATH=os.path.dirname(CLI) + ":/usr/bin:/bin",
                    HOME=os.environ.get("HOME", "/root"))
    return subprocess.Popen(pod_argv(container, env), env=proc_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def run_pods(container, indices, out_for):
    """Every index to completion, PODS_AT_ONCE at a time; {index: (rc, output)}."""
    todo, running, done = list(indices), {}, {}
    while todo or running:
        while todo and len(running) < PODS_AT_ONCE:
            k = todo.pop(0)
            running[k] = start_pod(container, dict(PATH_VARS, OUT=out_for(k), DEVICE="cpu"), k)
        for k, pr in list(running.items()):
            if pr.poll() is not None:
                done[k] = (pr.returncode, pr.stdout.read())
                del running[k]
        time.sleep(0.05)
    return done


def has_open(pid, path):
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                return True
        except OSError:
            pass
    return False


def shard_ids(k, n):
    return range(k * N_IDS // n, (k + 1) * N_IDS // n)


def main():
    job = load_job()
    spec = job["spec"]
    container = spec["template"]["spec"]["containers"][0]
    argv = [str(a) for a in container["command"] + container.get("args", [])]
    n = int(spec["completions"])
    check(spec.get("completionMode") == "Indexed", "the Job is Indexed")
    check("--shards" in argv and argv[argv.index("--shards") + 1] == str(n),
          f"--shards equals completions ({n})")
    names = {e["name"] for e in container.get("env", [])}
    check({"MODEL", "IDS", "POSES", "OUT", "DEVICE"} <= names,
          f"paths and device come from the container's env ({sorted(names)})")
    check(not [a for a in argv if a.startswith("/")],
          "no path written into the command (each is a $(NAME))")
    if FAILURES:
        return
    rng = np.random.default_rng(1919)
    np.save(PATH_VARS["IDS"], (rng.standard_normal((N_IDS, 512)) * 2.0).astype(np.float32))
    np.save(PATH_VARS["POSES"], np.array([[38.3, 51.7, 73.5, 51.5, 56.0, 71.7,
                                           41.5, 92.4, 70.7, 92.2]], np.float32))

    # One pod makes the whole set: the same Job with completions 1.
    one = dict(container, command=[a if i == 0 or argv[i - 1] != "--shards" else "1"
                                   for i, a in enumerate(argv)], args=[])
    ref = os.path.join(TMP, "ref")
    r = run_pods(one, [0], lambda k: ref)[0]
    if not check(r[0] == 0, f"one pod (--shards 1): exit {r[0]} {r[1].strip()}"):
        return
    log(f"reference made; now {n} indices: {' '.join(pod_argv(container, pod_env(container, dict(PATH_VARS, OUT=os.path.join(TMP, 'out'), DEVICE='cpu'), 'K')))}")

    # A pod with work has written images when its replacement starts (the
    # Job replaces a pod that is still terminating; the old one is stopped,
    # SIGSTOP, so that it cannot finish first): the replacement waits for
    # the shard's lock (--wait-lock); the old pod is then killed (SIGKILL,
    # a lost node) and the replacement finishes the shard.
    out = os.path.join(TMP, "out")
    victim = next(k for k in range(n) if shard_ids(k, n))
    folders = [os.path.join(out, f"{i:06d}") for i in shard_ids(victim, n)]
    count = lambda: sum(len(glob.glob(os.path.join(f, "*.png"))) for f in folders)
    env = dict(PATH_VARS, OUT=out, DEVICE="cpu")
    pr = start_pod(container, env, victim)
    while pr.poll() is None and count() == 0 and time.time() - T0 < 200:
        time.sleep(0.02)
    pr.send_signal(signal.SIGSTOP)   # it keeps the lock until it is killed
    rep = start_pod(container, env, victim)
    # Waiting = alive with the shard's lock file open for a second while the
    # old pod holds the lock (without --wait-lock it exits 3 at once).
    lock = os.path.realpath(os.path.join(out, f".shard-{victim}-of-{n}.lock"))
    since, end = None, time.time() + 60
    while rep.poll() is None and time.time() < end:
        since = (since or time.time()) if has_open(rep.pid, lock) else None
        if since and time.time() - since > 1.0:
            break
        time.sleep(0.05)
    check(rep.poll() is None and since is not None,
          f"index {victim}'s replacement waits for the shard's lock while the old pod runs "
          f"(exit {rep.poll()}: {rep.stdout.read().strip() if rep.poll() is not None else ''})")
    pr.send_signal(signal.SIGKILL)
    pr.wait()
    total = len(folders) * PER_ID
    left = count()
    check(pr.returncode == -signal.SIGKILL and 0 < left < total,
          f"index {victim}'s old pod killed part-way: {left} of {total} images")
    try:
        rep_out, _ = rep.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        rep.kill()
        rep_out, _ = rep.communicate()
    check(rep.returncode == 0 and count() == total,
          f"the replacement finished index {victim}: exit {rep.returncode}, {count()} of "
          f"{total} images {rep_out.strip()}")
    # ... and every index runs (the victim's again: nothing left to do).
    done = run_pods(container, range(n), lambda k: out)
    bad = {k: r for k, r in done.items() if r[0] != 0}
    check(sorted(done) == list(range(n)) and not bad,
          f"all {n} indices exit 0 (two at a time){'' if not bad else f': {bad}'}")
    r = subprocess.run([CLI, "verify", out], capture_output=True, text=True)
    check(r.returncode == 0, f"vec2face verify: exit {r.returncode} {r.stdout.strip()} "
                             f"{r.stderr.strip()}")
    compare.same_dataset(out, ref, N_IDS * PER_ID, check, "indexed, one shared volume")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        FAILURES.append(repr(e))
        log(f"FAIL {e!r}")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{len(FAILURES)} failure(s)" + "".join(f"\n  {f}" for f in FAILURES))
    sys.exit(1 if FAILURES else 0)
