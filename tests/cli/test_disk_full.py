#!/usr/bin/env python3
"""Disk full in the middle of `vec2face generate` and `vec2face merge`
(stdlib + numpy). Usage: test_disk_full.py PATH/TO/vec2face MODEL_DIR FAULT_INJECT.so

Two ways to fill the disk:
  - a real 600 KiB tmpfs, mounted in a private mount namespace (`unshare
    -m`, needs root or CAP_SYS_ADMIN); skipped with the reason when that
    is not possible here. "Space returns" is a remount with a larger size;
  - ENOSPC injection (always): an LD_PRELOAD'ed write()/fwrite() that
    fails with ENOSPC once the folder has received N bytes (fault_inject.c);
    "space returns" is a run without it.
For each: generate fails with exit 1 naming the file and "No space left on
device" and "run again to resume"; every file under a final name is
complete (byte-equal to an uninterrupted run), no temporary file is left,
every manifest row names a file on disk; verify exits 1 and lists the
missing images; the rerun with space completes byte-identical to the
uninterrupted run, same manifest rows. merge into a full destination fails
naming the file; every file it left under a final name is complete; the
rerun completes and equals the normal merge; no temporary file is left.
(`pack` does not exist yet: nothing to test.)
"""
import glob
import os
import re
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (CLI, FAILURES, MODEL, check, log, p, run, session, start)  # noqa: E402
from png_codec import png_decode  # noqa: E402

FAULT_SO = sys.argv[3]
INSIDE = len(sys.argv) > 5 and sys.argv[4] == "--inside-tmpfs"
TMP = start("v2f-diskfull-", tmp=sys.argv[5] if INSIDE else None,
            tag="  (tmpfs) " if INSIDE else "")
SMALL = "600k"   # holds about 18 of the 30 images


def fault_env(folder, budget):
    return harness.fault_env(FAULT_SO, V2F_FAULT_DIR=folder, V2F_FAULT_ENOSPC_AFTER=str(budget))


def files(d):
    """{relative path: bytes} of the visible files under d (images, parts,
    recipe.txt)."""
    out = {}
    for root, _, names in os.walk(d):
        for n in names:
            if not n.startswith("."):
                f = os.path.join(root, n)
                out[os.path.relpath(f, d)] = open(f, "rb").read()
    return out


def images(d):
    return {k: v for k, v in files(d).items() if re.match(r"\d+/\d+\.png$", k)}


def temp_files(d):
    return [os.path.join(r, n) for r, _, ns in os.walk(d) for n in ns
            if n.startswith(".") and ".tmp" in n]


def rows(d):
    out = []
    for f in sorted(glob.glob(os.path.join(d, "manifest", "part-*.csv"))):
        out += open(f).read().splitlines()[1:]
    return sorted(out)


rng = np.random.default_rng(99)
IDS = p("ids.npy")
TOTAL = 6 * 5
# One image per batch: a resumed run then has the batch shapes of an
# uninterrupted one, so its pixels are byte-identical, not just within the
# library's 1/255 across batch shapes.
RECIPE = ["--model", MODEL, "--ids", IDS, "--per-id", "5", "--seed", "3",
          "--threads", "1", "--batch", "1", "--quiet"]


def make_inputs():
    np.save(IDS, (rng.standard_normal((6, 512)) * 2.0).astype(np.float32))
    r = run(["generate", "--out", p("ref")] + RECIPE)
    check(r.returncode == 0 and len(images(p("ref"))) == TOTAL,
          f"uninterrupted run: {TOTAL} images ({r.stderr.strip()})")
    size = sum(len(b) for b in images(p("ref")).values())
    check(size > 700 * 1024, f"the dataset ({size // 1024} KiB) does not fit in {SMALL}")
    for k in range(3):
        r = run(["generate", "--out", p(f"s{k}"), "--shard", f"{k}/3"] + RECIPE)
        check(r.returncode == 0, f"shard {k}/3 in a folder of its own")
    r = run(["merge", "--out", p("merged"), p("s0"), p("s1"), p("s2"), "--quiet"])
    check(r.returncode == 0, f"the normal merge ({r.stderr.strip()})")


def generate_full(out, env, how):
    """generate into a full out; check what is left."""
    ref = images(p("ref"))
    r = run(["generate", "--out", out] + RECIPE, env)
    err = r.stderr.strip()
    check(r.returncode == 1 and "No space left on device" in err and out in err
          and ".png" in err and "run again to resume" in err,
          f"{how}: generate exits 1 naming the file, ENOSPC and the resume ({err})")
    got = images(out)
    check(0 < len(got) < TOTAL, f"{how}: stopped in the middle ({len(got)} of {TOTAL} images)")
    bad = [f for f, b in got.items() if b != ref[f]]
    check(not bad, f"{how}: every file under a final name is complete (== the "
          f"uninterrupted run's) {bad[:3]}")
    try:
        for f, b in got.items():
            png_decode(b)
        decodes = True
    except Exception as e:  # noqa: BLE001 - any decode failure is the finding
        decodes = False
        log(f"decode: {e}")
    check(decodes, f"{how}: and decodes")
    check(not temp_files(out), f"{how}: no temporary file left {temp_files(out)[:3]}")
    named = {row.split(",")[1] for row in rows(out)}
    check(named <= set(got), f"{how}: every manifest row names a file on disk "
          f"{sorted(named - set(got))[:3]}")
    # verify counts the missing images and names the first problem: a
    # missing image, or a file whose row the full disk refused (the rerun
    # adds it).
    r = run(["verify", out])
    m = re.search(r"(\d+) missing", r.stdout)
    missing = sorted(set(ref) - set(got))
    first = re.search(r"first: (missing image|no manifest row for) '([^']+)'", r.stderr)
    check(r.returncode == 1 and m and int(m.group(1)) == len(missing) and first
          and (os.path.relpath(first.group(2), out) in missing
               if first.group(1) == "missing image" else first.group(2) in got),
          f"{how}: verify exits 1, {len(missing)} missing, naming the first problem "
          f"({r.stdout.strip()} / {r.stderr.strip()[:200]})")


def generate_resumed(out, how):
    r = run(["generate", "--out", out] + RECIPE)
    check(r.returncode == 0, f"{how}: the rerun with space completes ({r.stderr.strip()})")
    got, ref = images(out), images(p("ref"))
    check(sorted(got) == sorted(ref) and all(got[f] == ref[f] for f in ref),
          f"{how}: byte-identical to the uninterrupted run ({len(got)} images)")
    check(rows(out) == rows(p("ref")), f"{how}: the same manifest rows")
    r = run(["verify", out])
    check(r.returncode == 0, f"{how}: verify passes ({r.stderr.strip()[:200]})")


def merge_full(dst, env, how):
    srcs = [p("s0"), p("s1"), p("s2")]
    want = files(p("merged"))
    r = run(["merge", "--out", dst, "--quiet"] + srcs, env)
    err = r.stderr.strip()
    check(r.returncode == 1 and "No space left on device" in err and dst in err,
          f"{how}: merge exits 1 naming the file and ENOSPC ({err[:300]})")
    got = files(dst)
    check(len(got) < len(want), f"{how}: stopped in the middle ({len(got)} of "
          f"{len(want)} files)")
    bad = [f for f, b in got.items() if want.get(f) != b]
    check(not bad, f"{how}: every file under a final name is complete (== the normal "
          f"merge's) {bad[:3]}")
    r = run(["verify", dst])
    check(r.returncode == 1, f"{how}: verify of the destination exits 1")


def merge_resumed(dst, how):
    srcs = [p("s0"), p("s1"), p("s2")]
    r = run(["merge", "--out", dst, "--quiet"] + srcs)
    check(r.returncode == 0, f"{how}: the rerun with space completes ({r.stderr.strip()})")
    got, want = files(dst), files(p("merged"))
    check(sorted(got) == sorted(want) and all(got[f] == want[f] for f in want
                                              if not f.startswith("manifest/")),
          f"{how}: the normal merge's files, byte for byte ({len(got)} files)")
    check(rows(dst) == rows(p("merged")), f"{how}: the normal merge's manifest rows")
    hidden = [os.path.join(r_, n) for r_, _, ns in os.walk(dst) for n in ns if n.startswith(".")]
    check(not hidden, f"{how}: no temporary file left {hidden[:3]}")
    r = run(["verify", dst])
    check(r.returncode == 0, f"{how}: verify passes ({r.stderr.strip()[:200]})")


def test_injected():
    how = "ENOSPC injected"
    out = p("inj-gen")
    os.makedirs(out)
    generate_full(out, fault_env(out, 400_000), how)
    generate_resumed(out, how)
    dst = p("inj-merge")
    os.makedirs(dst)
    merge_full(dst, fault_env(dst, 400_000), how + " (merge)")
    merge_resumed(dst, how + " (merge)")


def sh(*cmd):
    r = subprocess.run(list(cmd), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")


def inside_tmpfs():
    """In the private mount namespace: mount, fill, grow, rerun."""
    how = f"{SMALL} tmpfs"
    mnt = p("mnt-gen")
    os.makedirs(mnt, exist_ok=True)
    sh("mount", "-t", "tmpfs", "-o", f"size={SMALL}", "tmpfs", mnt)
    out = os.path.join(mnt, "out")
    generate_full(out, None, how)
    sh("mount", "-o", "remount,size=16m", mnt)
    generate_resumed(out, how)
    mnt = p("mnt-merge")
    os.makedirs(mnt, exist_ok=True)
    sh("mount", "-t", "tmpfs", "-o", f"size={SMALL}", "tmpfs", mnt)
    dst = os.path.join(mnt, "dst")
    merge_full(dst, None, how + " (merge)")
    sh("mount", "-o", "remount,size=16m", mnt)
    merge_resumed(dst, how + " (merge)")


def tmpfs_unavailable():
    """Why no tmpfs can be mounted here, or None."""
    if not shutil.which("unshare") or not shutil.which("mount"):
        return "no unshare(1) or mount(8)"
    probe = p("mnt-probe")
    os.makedirs(probe, exist_ok=True)
    r = subprocess.run(["unshare", "-m", "--", "mount", "-t", "tmpfs", "-o", "size=64k",
                        "tmpfs", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return f"cannot mount a tmpfs in a mount namespace (needs root or " \
               f"CAP_SYS_ADMIN): {r.stderr.strip()}"
    return None


def test_tmpfs():
    why = tmpfs_unavailable()
    if why:
        log(f"SKIP the real tmpfs part: {why}; the ENOSPC injection above covers "
            f"the same paths")
        return
    r = subprocess.run(["unshare", "-m", "--", sys.executable, os.path.abspath(__file__),
                        CLI, MODEL, FAULT_SO, "--inside-tmpfs", TMP],
                       capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    sys.stdout.write(r.stderr)
    check(r.returncode == 0, "the tmpfs part (in its mount namespace) passes")


if INSIDE:
    try:
        inside_tmpfs()
    except RuntimeError as e:
        check(False, str(e))
    sys.exit(1 if FAILURES else 0)

with session():
    make_inputs()
    test_injected()
    test_tmpfs()
