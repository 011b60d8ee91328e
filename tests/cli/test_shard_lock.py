#!/usr/bin/env python3
"""The shard lock through `vec2face generate` (stdlib + numpy).
Usage: test_shard_lock.py PATH/TO/vec2face MODEL_DIR FAULT_INJECT.so

Two processes on the same folder and shard (a Slurm task re-queued while
the first still runs, a double submit):
  - the second started while the first holds the lock exits 3 with a
    message naming the folder, shard, the holder's pid and host, and
    makes nothing; the first completes; every image once in the manifest,
    the images equal an undisturbed run byte for byte;
  - two started at the same moment: one does the work, no duplicate rows;
  - --wait-lock (also as a recipe-file key): the second waits, says so,
    then finds the work done and exits 0 having written nothing;
  - SIGTERM (scancel) ends a wait: exit 130, nothing written;
  - a holder killed with SIGKILL leaves the lock free: the next run
    resumes and completes;
  - a file system without flock (flock() failing with ENOSYS, injected)
    warns and runs;
  - verify passes and merge copies no lock file.
"""
import glob
import os
import re
import signal
import socket
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CLI, ENV, MODEL, check, images, p, run, session  # noqa: E402

FAULT_SO = sys.argv[3]
TMP = harness.start("v2f-lock-")
BUSY = 3


def slow(out):
    """A holder that runs for seconds whatever the CPU: every manifest
    append (one per image with --batch 1) waits DELAY_MS (fault_inject.c)."""
    return harness.fault_env(FAULT_SO, V2F_FAULT_DIR=out, V2F_FAULT_DELAY_MS=str(DELAY_MS))


def start(args, name, env=None):
    """A generate process with its stderr in a file (read while it runs)."""
    err = open(p(name + ".err"), "w")
    pr = subprocess.Popen([CLI] + args, env=dict(ENV, **(env or {})),
                          stdout=subprocess.DEVNULL, stderr=err, text=True)
    pr.err_path = err.name
    err.close()
    return pr


def stderr_of(pr):
    return open(pr.err_path).read()


def manifest_rows(out):
    rows = []
    for f in sorted(glob.glob(os.path.join(out, "manifest", "part-*.csv"))):
        rows += open(f).read().splitlines()[1:]
    return rows


def lock_holder(out, shard="0-of-1"):
    """The pid written in OUT/.shard-K-of-N.lock (None when absent)."""
    try:
        m = re.match(r"pid (\d+)\n", open(os.path.join(out, f".shard-{shard}.lock")).read())
    except FileNotFoundError:
        return None
    return int(m.group(1)) if m else None


def wait_for(cond, what, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    check(False, f"timed out waiting for {what}")
    return False


def written(err):
    """'N images written' of the summary line, None without one."""
    m = re.search(r"done: \d+ identities, (\d+) images written, (\d+) already", err)
    return (int(m.group(1)), int(m.group(2))) if m else None


# ---- inputs: 8 identities x 2 images, one image per batch; a holder
# waits DELAY_MS per manifest append, so it runs for >= 16 x DELAY_MS and a
# second process surely starts while it holds the lock ----
rng = np.random.default_rng(77)
IDS = p("ids.npy")
np.save(IDS, (rng.standard_normal((8, 512)) * 2.0).astype(np.float32))
TOTAL = 8 * 2
DELAY_MS = 600
RECIPE = ["--model", MODEL, "--ids", IDS, "--per-id", "2", "--seed", "5",
          "--threads", "1", "--batch", "1"]
HOST = socket.gethostname()


def complete_once(out, ref, what, verify=False):
    rows = manifest_rows(out)
    files = [r.split(",")[1] for r in rows]
    check(len(rows) == TOTAL and len(set(files)) == TOTAL,
          f"{what}: {TOTAL} manifest rows, each image once ({len(rows)} rows, "
          f"{len(set(files))} images)")
    got = images(out)
    check(sorted(got) == sorted(ref) and all(got[f] == ref[f] for f in ref),
          f"{what}: the images of an undisturbed run, byte for byte")
    if verify:
        r = run(["verify", out])
        check(r.returncode == 0, f"{what}: verify passes ({r.stderr.strip()[:300]})")


def test_second_is_busy(ref):
    out = p("busy")
    a = start(["generate", "--out", out] + RECIPE, "busy-a", slow(out))
    if not wait_for(lambda: lock_holder(out) == a.pid or a.poll() is not None,
                    "the first process to take the lock"):
        a.kill()
        return
    b = run(["generate", "--out", out, "--quiet"] + RECIPE)
    still = a.poll() is None
    msg = b.stderr
    check(still, "the first process still runs when the second has exited "
          "(the test saw a real overlap)")
    check(b.returncode == BUSY, f"second process on the same shard: exit {BUSY} "
          f"(got {b.returncode})")
    check("shard 0/1" in msg and out in msg and f"pid {a.pid}" in msg
          and HOST in msg and ".shard-0-of-1.lock" in msg and "--wait-lock" in msg,
          f"the message names shard, folder, holder pid and host, lock file, "
          f"--wait-lock ({msg.strip()})")
    a.wait()
    err = stderr_of(a)
    check(a.returncode == 0 and written(err) == (TOTAL, 0),
          f"the first process made all {TOTAL} images ({err.strip()[-200:]})")
    complete_once(out, ref, "busy", verify=True)


def test_started_together(ref):
    out = p("together")
    prs = [start(["generate", "--out", out] + RECIPE, f"together-{k}", slow(out))
           for k in range(2)]
    for pr in prs:
        pr.wait()
    errs = [stderr_of(pr) for pr in prs]
    codes = sorted(pr.returncode for pr in prs)
    made = sorted((written(e) or (0, 0))[0] for e in errs)
    # The loser is refused (3), or, had it reached the lock only after the
    # winner was done, finds the work done (0, nothing written).
    check(codes in ([0, BUSY], [0, 0]) and made == [0, TOTAL],
          f"two processes started together: one makes all {TOTAL} images, the "
          f"other none (exit {codes}, written {made})")
    complete_once(out, ref, "together")


def test_wait_lock(ref):
    out = p("wait")
    a = start(["generate", "--out", out] + RECIPE, "wait-a", slow(out))
    if not wait_for(lambda: lock_holder(out) == a.pid, "the first process to take the lock"):
        a.kill()
        return
    # --wait-lock from a recipe file: the key is the long option's name.
    rf = p("wait.recipe")
    open(rf, "w").write("wait-lock = true\n")
    b = start(["generate", "--out", out, "--recipe", rf] + RECIPE, "wait-b")
    wait_for(lambda: "waiting for its lock" in stderr_of(b) or b.poll() is not None,
             "the waiting message")
    err = stderr_of(b)
    check(b.poll() is None and a.poll() is None and "waiting for its lock" in err
          and f"pid {a.pid}" in err,
          f"--wait-lock: the second process waits while the first runs, naming it "
          f"({err.strip()})")
    a.wait()
    b.wait()
    err = stderr_of(b)
    check(a.returncode == 0 and written(stderr_of(a)) == (TOTAL, 0),
          "the first process made everything")
    check(b.returncode == 0 and written(err) == (0, TOTAL),
          f"--wait-lock: then it finds the work done, writes nothing, exit 0 "
          f"({err.strip()[-300:]})")
    complete_once(out, ref, "wait-lock")

    # A wait ends on SIGTERM (scancel, a pod's termination) like a run.
    out = p("wait-term")
    a = start(["generate", "--out", out] + RECIPE, "term-a", slow(out))
    if not wait_for(lambda: lock_holder(out) == a.pid, "the first process to take the lock"):
        a.kill()
        return
    b = start(["generate", "--out", out, "--wait-lock"] + RECIPE, "term-b")
    wait_for(lambda: "waiting for its lock" in stderr_of(b) or b.poll() is not None,
             "the waiting message")
    t = time.time()
    b.send_signal(signal.SIGTERM)
    b.wait()
    check(b.returncode == 130 and time.time() - t < 10 and a.poll() is None
          and "interrupted; 0 images written" in stderr_of(b),
          f"SIGTERM while waiting: exit 130 at once, nothing written "
          f"({stderr_of(b).strip()[-200:]})")
    a.wait()
    check(a.returncode == 0, "the holder completes undisturbed")
    complete_once(out, ref, "wait-term")


def test_sigkill_releases(ref):
    out = p("killed")
    a = start(["generate", "--out", out] + RECIPE, "killed-a", slow(out))
    wait_for(lambda: len(glob.glob(os.path.join(out, "[0-9]*", "*.png"))) >= 3
             or a.poll() is not None, "the first images")
    a.send_signal(signal.SIGKILL)
    a.wait()
    n = len(images(out))
    check(a.returncode == -signal.SIGKILL and 0 < n < TOTAL and lock_holder(out) == a.pid,
          f"holder killed with SIGKILL mid-run ({n} images; its pid still in the "
          f"lock file)")
    r = run(["generate", "--out", out] + RECIPE)
    w = written(r.stderr)
    check(r.returncode == 0 and w is not None and w[1] >= n and sum(w) == TOTAL,
          f"the next run is not refused (the kernel freed the lock) and resumes "
          f"({r.stderr.strip()[-200:]})")
    complete_once(out, ref, "after SIGKILL", verify=True)


def test_no_flock():
    out = p("noflock")
    r = run(["generate", "--out", out, "--model", MODEL, "--ids", IDS, "--per-id", "1",
             "--seed", "5", "--threads", "1"],
            harness.fault_env(FAULT_SO, V2F_FAULT_FLOCK_ERRNO="38"))
    check(r.returncode == 0 and "does not support flock" in r.stderr
          and "runs without its lock" in r.stderr and len(images(out)) == 8,
          f"flock failing with ENOSYS: a warning, then the run completes "
          f"({r.stderr.strip()[:300]})")


def test_merge_ignores_locks():
    dst = p("merged")
    r = run(["merge", "--out", dst, p("busy"), "--quiet"])
    hidden = [f for f in glob.glob(os.path.join(dst, "**", ".*"), recursive=True)]
    check(os.path.exists(os.path.join(p("busy"), ".shard-0-of-1.lock"))
          and r.returncode == 0 and not hidden
          and sorted(images(dst)) == sorted(images(p("busy"))),
          f"merge of a folder with a lock file: complete, no lock file copied "
          f"({r.stderr.strip()[:200]} {hidden})")


def test_help():
    r = run(["generate", "--help"])
    check(r.returncode == 0 and "--wait-lock" in r.stdout and "3 shard busy" in r.stdout
          and ".shard-K-of-N.lock" in r.stdout,
          "generate --help documents --wait-lock, the lock file and exit status 3")


with session():
    test_help()
    r = run(["generate", "--out", p("ref"), "--quiet"] + RECIPE)
    check(r.returncode == 0, f"reference run ({r.stderr.strip()})")
    REF = images(p("ref"))
    check(len(REF) == TOTAL, f"reference: {TOTAL} images")
    test_second_is_busy(REF)
    test_started_together(REF)
    test_wait_lock(REF)
    test_sigkill_releases(REF)
    test_no_flock()
    test_merge_ignores_locks()
