#!/usr/bin/env python3
"""End-to-end tests of `vec2face generate` / `vec2face verify` (stdlib +
numpy). Usage: test_dataset.py PATH/TO/vec2face MODEL_DIR

A tiny-model dataset of 6 identities x 6 images (3 perturbation + 2 pose,
templates sampled from two five-point sets and a landmark image, + 1
AttrOP; similarity, quality and yaw measured) is made in one run, in 3
shards run as separate processes, and in a run killed with SIGKILL and
restarted: all must give the same files byte for byte and the same
manifest rows. Also: a restart with another seed is
refused, a disk-full run (RLIMIT_FSIZE) fails cleanly and resumes, verify
catches missing and corrupt files, every --help works, bad arguments exit 2.
"""
import glob
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (CLI, ENV, MODEL, check, images, manifest_rows, p, run,  # noqa: E402
                     session, start)
from png_codec import write_png  # noqa: E402

TMP = start("v2f-dataset-")


def temp_files(out):
    return glob.glob(os.path.join(out, "*", ".*"))


ATTROP_IMAGE = "/005."   # image 5 of every identity comes from AttrOP


def same_images(got, want):
    """Byte for byte, AttrOP images included (the shim runs every graph
    without the JIT executor's run-time re-planning, so a call computes the
    same whatever the process did before). Returns (ok, what differs)."""
    if sorted(got) != sorted(want):
        return False, f"other files: {sorted(set(got) ^ set(want))[:5]}"
    for f in want:
        if got[f] != want[f]:
            return False, f"{f} differs"
    return True, "identical"


def same_rows(got, want):
    """Equal rows, except that measured values (the last three columns) may
    round differently in another batch shape: within 1e-4 relative."""
    if len(got) != len(want):
        return False, f"{len(got)} rows vs {len(want)}"
    worst = 0.0
    for a, b in zip(got, want):
        ca, cb = a.split(","), b.split(",")
        if ca[:8] != cb[:8] or [x == "" for x in ca[8:]] != [x == "" for x in cb[8:]]:
            return False, f"{a} vs {b}"
        tol = 1e-4
        for x, y in zip(ca[8:], cb[8:]):
            if x and y:
                d = abs(float(x) - float(y)) / max(1.0, abs(float(y)))
                worst = max(worst, d / tol)
    return worst <= 1.0, f"measured values within {worst:.2f} x tolerance"


# ---- inputs ----
rng = np.random.default_rng(1234)
IDS = p("ids.npy")
np.save(IDS, (rng.standard_normal((6, 512)) * 2.0).astype(np.float32))
IDS2 = p("ids_first2.npy")
np.save(IDS2, np.load(IDS)[:2])
PTS = p("points.npy")
np.save(PTS, np.array([[38.3, 51.7, 73.5, 51.5, 56.0, 71.7, 41.5, 92.4, 70.7, 92.2],
                       [33.0, 50.0, 68.0, 53.0, 47.0, 70.0, 38.0, 90.0, 64.0, 93.0]],
                      np.float32))


# A landmark-image template: dots at other places than the point sets.
LM = p("landmark.png")
_lm = np.zeros((112, 112, 3), np.uint8)
for (x, y), c in zip(((42, 50), (74, 54), (60, 74), (46, 90), (70, 92)),
                     ((255, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255), (0, 0, 255))):
    _lm[y - 2:y + 3, x - 2:x + 3] = c
write_png(LM, _lm)
PER_ID = 6
TOTAL = 6 * PER_ID
RECIPE = ["--model", MODEL, "--ids", IDS, "--per-id", "3", "--pose-per-id", "2",
          "--pose-points", PTS, "--pose-landmarks", LM, "--pose-order", "sample",
          "--attrop-per-id", "1", "--attrop-iterations", "1",
          "--attrop-retries", "1", "--attrop-yaw", "0,30", "--measure", "all",
          "--seed", "7", "--threads", "1", "--batch", "1", "--quiet"]
# --batch 1: byte-for-byte comparisons need every image made in the same
# batch shape; other shapes may round 1/255 apart (the documented contract,
# seen with this machine's oneDNN kernels).


def test_help_and_usage():
    for args in (["--help"], ["generate", "--help"], ["verify", "--help"]):
        r = run(args)
        check(r.returncode == 0 and "Usage: vec2face" in r.stdout,
              f"`vec2face {' '.join(args)}` prints usage, exit 0")
    r = run(["generate", "--help"])
    for flag in ("--model", "--ids", "--out", "--per-id", "--pose-per-id",
                 "--pose-points", "--eps", "--pose-eps", "--seed", "--shard",
                 "--shards", "--format", "--jpeg-quality", "--batch",
                 "--precision", "--quiet", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"):
        if flag not in r.stdout:
            check(False, f"generate --help mentions {flag}")
    bad = [
        ([], {}), (["frobnicate"], {}),
        (["generate"], {}),
        (["generate", "--ids", IDS, "--out", p("x")], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--per-id", "three"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--shard", "3/3"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--eps", "0.3:0.5,0.7"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--format", "gif"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--pose-per-id", "2"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--per-id", "0"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--bogus"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--precision", "fp8"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--seed"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
          "--shards", "3"], {}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x")],
         {"JOB_COMPLETION_INDEX": "1"}),
        (["generate", "--model", MODEL, "--ids", IDS, "--out", p("x")],
         {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "3"}),
        (["verify"], {}), (["verify", "a", "b"], {}), (["verify", "-x", "a"], {}),
    ]
    for args, env in bad:
        r = run(args, env)
        check(r.returncode == 2 and "vec2face" in r.stderr
              and "--help" in r.stderr,
              f"usage error, exit 2: {' '.join(args)} {env or ''}")
    check(not os.path.exists(p("x")), "usage errors create nothing")
    # fp16 is a precision for CUDA devices: on the CPU the load refuses it
    # (exit 1, not a usage error) and says why, before any file is made.
    r = run(["generate", "--model", MODEL, "--ids", IDS, "--out", p("x"),
             "--precision", "fp16"], {})
    check(r.returncode == 1 and "fp16" in r.stderr and "CUDA" in r.stderr
          and not os.path.exists(p("x")),
          f"--precision fp16 on the CPU: exit 1 naming CUDA ({r.stderr.strip()})")


def test_one_run_vs_shards():
    r = run(["generate", "--out", p("full")] + RECIPE)
    check(r.returncode == 0, f"one run: exit 0 ({r.stderr.strip()})")
    full = images(p("full"))
    check(len(full) == TOTAL, f"one run: {TOTAL} images ({len(full)})")
    rows = manifest_rows(p("full"))
    check(len(rows) == TOTAL, f"one run: {TOTAL} manifest rows")
    check(sorted({r.split(",")[3] for r in rows}) == ["attrop", "perturb", "pose"]
          and all(all(r.split(",")[8:11]) for r in rows),
          "one run: all three sources, every row measured")
    r = run(["verify", p("full")])
    check(r.returncode == 0 and f"{TOTAL} ok" in r.stdout, "verify passes on one run")

    # Three shards at once as separate processes, the shard index coming
    # from --shard, Slurm's and Kubernetes' variables.
    out = p("shards")
    procs = [
        subprocess.Popen([CLI, "generate", "--out", out,
                          "--shard", "0/3"] + RECIPE, env=ENV,
                         stderr=subprocess.PIPE, text=True),
        subprocess.Popen([CLI, "generate", "--out", out] + RECIPE,
                         env=dict(ENV, SLURM_ARRAY_TASK_ID="2", SLURM_ARRAY_TASK_MIN="1",
                                  SLURM_ARRAY_TASK_COUNT="3"),
                         stderr=subprocess.PIPE, text=True),
        subprocess.Popen([CLI, "generate", "--out", out,
                          "--shards", "3"] + RECIPE,
                         env=dict(ENV, JOB_COMPLETION_INDEX="2"),
                         stderr=subprocess.PIPE, text=True),
    ]
    for k, pr in enumerate(procs):
        err = pr.communicate()[1]
        check(pr.returncode == 0, f"shard {k}/3: exit 0 ({err.strip()})")
    parts = sorted(os.path.basename(f) for f in glob.glob(os.path.join(out, "manifest", "*")))
    check(parts == ["part-0-of-3.csv", "part-1-of-3.csv", "part-2-of-3.csv"],
          f"three manifest parts ({parts})")
    ok, what = same_images(images(out), full)
    check(ok, f"3 shards == one run, byte for byte ({what})")
    ok, what = same_rows(manifest_rows(out), manifest_rows(p("full")))
    check(ok, f"3 shards: same manifest rows as one run ({what})")
    r = run(["verify", out])
    check(r.returncode == 0, f"verify passes on the shards ({r.stderr.strip()})")
    return full


def test_refused_change():
    r = run(["generate", "--out", p("full")] + RECIPE[:-5] + ["--seed", "8", "--threads", "1", "--quiet"])
    check(r.returncode == 1 and "recipe differs from the one in" in r.stderr
          and "recipe.txt" in r.stderr and "seed" in r.stderr,
          f"restart with another seed refused, naming seed ({r.stderr.strip()})")
    args = list(RECIPE)
    args[args.index(IDS)] = IDS2
    r = run(["generate", "--out", p("full")] + args)
    check(r.returncode == 1 and "recipe differs" in r.stderr and "identities" in r.stderr,
          f"restart with other identities refused ({r.stderr.strip()})")
    for flag, value, key in (("--pose-order", "cycle", "pose_order"),
                             ("--attrop-yaw", "10", "attrop_yaw"),
                             ("--attrop-per-id", "2", "attrop_images"),
                             ("--measure", "yaw", "measure"),
                             ("--pose-landmarks", PTS, "landmark")):
        args = list(RECIPE)
        args[args.index(flag) + 1] = value
        r = run(["generate", "--out", p("full")] + args)
        check(r.returncode == 1 and key in r.stderr
              and ("recipe differs" in r.stderr or flag == "--pose-landmarks"),
              f"restart with {flag} {value} refused, naming {key} ({r.stderr.strip()[:200]})")
    r = run(["generate", "--out", p("full")] + RECIPE)
    check(r.returncode == 0 and len(images(p("full"))) == TOTAL,
          "restart with the same recipe: nothing to do, exit 0")


def test_kill_and_resume(full):
    out = p("killed")
    pr = subprocess.Popen([CLI, "generate", "--out", out, "--batch", "4"] + RECIPE,
                          env=ENV, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and pr.poll() is None:
        if glob.glob(os.path.join(out, "[0-9]*", "[0-9]*.png")):
            break
        time.sleep(0.02)
    pr.send_signal(signal.SIGKILL)
    pr.wait()
    n = len(images(out))
    check(pr.returncode == -signal.SIGKILL and 0 < n < TOTAL,
          f"killed with SIGKILL after the first files ({n} images on disk)")
    r = run(["verify", out])
    check(r.returncode == 1, "verify fails on the interrupted folder")
    # What a kill at a worse moment leaves: a temporary file and a torn row.
    open(os.path.join(out, "000005", ".004.png.tmpAbC123"), "wb").write(b"\x89PNG half")
    os.makedirs(os.path.join(out, "000005"), exist_ok=True)
    with open(os.path.join(out, "manifest", "part-0-of-1.csv"), "a") as f:
        f.write("5,000005/00")
    r = run(["generate", "--out", out] + RECIPE)
    check(r.returncode == 0, f"restart after kill: exit 0 ({r.stderr.strip()})")
    r = run(["verify", out])
    check(r.returncode == 0, f"verify passes after the restart ({r.stderr.strip()})")
    ok, what = same_images(images(out), full)
    check(ok, f"killed + restarted == uninterrupted, byte for byte ({what})")
    ok, what = same_rows(manifest_rows(out), manifest_rows(p("full")))
    check(ok, f"killed + restarted: same manifest rows ({what})")
    check(not temp_files(out), "no temporary files left")


def test_ctrl_c():
    out = p("interrupted")
    args = ["generate", "--out", out, "--model", MODEL, "--ids", IDS2,
            "--per-id", "2", "--seed", "7", "--threads", "1", "--batch", "1"]
    pr = subprocess.Popen([CLI] + args, env=ENV, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and pr.poll() is None:
        if glob.glob(os.path.join(out, "[0-9]*", "[0-9]*.png")):
            break
        time.sleep(0.02)
    pr.send_signal(signal.SIGINT)
    err = pr.communicate()[1]
    n = len(images(out))
    check(pr.returncode == 130 and "resumable" in err and 0 < n < 4,
          f"SIGINT stops after a batch, exit 130, says resumable ({n} images)")
    r = run(args + ["--quiet"])
    check(r.returncode == 0 and len(images(out)) == 4
          and run(["verify", out]).returncode == 0,
          "after SIGINT: the same command completes the dataset")


def limit_fsize():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # write() fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_disk_full(full):
    out = p("diskfull")
    args = ["generate", "--out", out, "--model", MODEL, "--ids", IDS2,
            "--per-id", "1", "--pose-per-id", "1", "--pose-points", PTS,
            "--seed", "7", "--threads", "1", "--batch", "1", "--quiet"]
    r = subprocess.run([CLI] + args, env=ENV, capture_output=True, text=True,
                       preexec_fn=limit_fsize)
    check(r.returncode == 1 and out in r.stderr and ".png" in r.stderr
          and "File too large" in r.stderr,
          f"disk full: exit 1 naming the file ({r.stderr.strip()})")
    partial = [f for f, b in images(out).items() if len(b) < 100 or b[-8:-4] != b"IEND"]
    check(not partial, f"disk full: no partial image under a final name {partial}")
    check(not temp_files(out), "disk full: no temporary files left")
    r = run(args)
    check(r.returncode == 0, f"disk full: restart completes ({r.stderr.strip()})")
    got = images(out)
    check(len(got) == 4 and run(["verify", out]).returncode == 0,
          "disk full: restart gives a complete, verified dataset")
    check(all(got[f"00000{i}/000.png"] == full[f"00000{i}/000.png"] for i in range(2)),
          "same keys, same image across recipes (identity i, image 0)")


def test_verify_damage(full):
    out = p("deleted")
    shutil.copytree(p("full"), out)
    os.remove(os.path.join(out, "000002", "001.png"))
    r = run(["verify", out])
    check(r.returncode == 1 and "1 missing" in r.stdout
          and "000002/001.png" in r.stderr,
          f"verify fails on a deleted file ({r.stderr.strip()})")
    r = run(["generate", "--out", out] + RECIPE)
    check(r.returncode == 0 and same_images(images(out), full)[0]
          and len(manifest_rows(out)) == TOTAL,
          "generate remakes the deleted file, no duplicate row")

    out = p("corrupt")
    shutil.copytree(p("full"), out)
    f = os.path.join(out, "000003", "004.png")
    data = open(f, "rb").read()
    open(f, "wb").write(data[: len(data) // 2])
    r = run(["verify", out])
    check(r.returncode == 1 and "1 corrupt" in r.stdout
          and "000003/004.png" in r.stderr,
          f"verify fails on a corrupted file ({r.stderr.strip()})")

    r = run(["verify", p("nothing-here")])
    check(r.returncode == 1 and "recipe.txt" in r.stderr,
          "verify on a non-dataset folder: exit 1")


with session():
    test_help_and_usage()
    full = test_one_run_vs_shards()
    test_refused_change()
    test_kill_and_resume(full)
    test_disk_full(full)
    test_ctrl_c()
    test_verify_damage(full)
