#!/usr/bin/env python3
"""End-to-end tests of `vec2face merge` (stdlib + numpy).
Usage: test_merge.py PATH/TO/vec2face MODEL_DIR

A tiny-model dataset of 6 identities x 3 images is made in one run and as
3 shards, each in a folder of its own (no shared filesystem). Merging the
three folders must give the one-run dataset byte for byte (images, sorted
manifest rows) and pass verify; merging an incomplete set exits 1 with a
hint; a second merge changes nothing; a shard that ran twice (one folder
with a partial part of the same name) merges by the union of rows; a
leftover temporary file of an interrupted merge is cleaned up; the
sources' shard lock files are not copied; another
seed and a conflicting file are refused with DST untouched; --link makes
hard links; --help and bad arguments exit 2.
"""
import glob
import os
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (CLI, ENV, MODEL, check, images, manifest_rows, p, run, session,  # noqa: E402
                     start)
from harness import MANIFEST_HEADER as HEADER  # noqa: E402

TMP = start("v2f-merge-")


def snapshot(d):
    """Every file under d (hidden ones too) with inode, size, mtime and
    bytes: equal snapshots mean nothing was written."""
    snap = {}
    for root, _, files in os.walk(d):
        for name in files:
            f = os.path.join(root, name)
            st = os.stat(f)
            snap[os.path.relpath(f, d)] = (st.st_ino, st.st_size,
                                           st.st_mtime_ns,
                                           open(f, "rb").read())
    return snap


def hidden_files(d):
    return [os.path.join(r, n) for r, _, fs in os.walk(d) for n in fs
            if n.startswith(".")]


def same_dataset(dst, want_dir, what):
    got, want = images(dst), images(want_dir)
    check(sorted(got) == sorted(want)
          and all(got[f] == want[f] for f in want),
          f"{what}: images == one run, byte for byte ({len(got)} files)")
    check(manifest_rows(dst) == manifest_rows(want_dir),
          f"{what}: sorted manifest rows == one run")
    check(not hidden_files(dst), f"{what}: no temporary file left")


# ---- inputs: 6 identities x 3 images (2 perturbation + 1 pose) ----
rng = np.random.default_rng(4321)
IDS = p("ids.npy")
np.save(IDS, (rng.standard_normal((6, 512)) * 2.0).astype(np.float32))
PTS = p("points.npy")
np.save(PTS, np.array([[38.3, 51.7, 73.5, 51.5, 56.0, 71.7, 41.5, 92.4, 70.7, 92.2]],
                      np.float32))
TOTAL = 6 * 3


def recipe(seed):
    return ["--model", MODEL, "--ids", IDS, "--per-id", "2", "--pose-per-id", "1",
            "--pose-points", PTS, "--seed", str(seed), "--threads", "1", "--batch", "1", "--quiet"]
    # --batch 1: the byte-for-byte comparisons need one batch shape (other
    # shapes may round 1/255 apart, as documented).


def test_help_and_usage():
    r = run(["merge", "--help"])
    check(r.returncode == 0 and "Usage: vec2face merge" in r.stdout
          and all(f in r.stdout for f in ("--out", "--link", "--quiet")),
          "merge --help prints usage with every option, exit 0")
    r = run(["--help"])
    check(r.returncode == 0 and "merge" in r.stdout, "top --help lists merge")
    bad = [
        ["merge"],
        ["merge", p("s0")],                              # no --out
        ["merge", "--out", p("x")],                      # no SRC
        ["merge", "--out"],                              # --out without value
        ["merge", "--out", "", p("s0")],                 # empty --out
        ["merge", "--out", p("x"), "--frobnicate", p("s0")],
        ["merge", "--out", p("s0"), p("s0")],            # SRC is DST
        ["merge", "--out", p("x"), ""],                  # empty SRC
    ]
    for args in bad:
        r = run(args)
        check(r.returncode == 2 and "vec2face merge" in r.stderr
              and "--help" in r.stderr, f"usage error, exit 2: {args[1:]}")
    check(not os.path.exists(p("x")), "usage errors create nothing")


def make_inputs():
    r = run(["generate", "--out", p("full")] + recipe(7))
    check(r.returncode == 0, f"one run: exit 0 ({r.stderr.strip()})")
    check(len(images(p("full"))) == TOTAL, f"one run: {TOTAL} images")
    procs = [subprocess.Popen([CLI, "generate", "--out", p(f"s{k}"),
                               "--shard", f"{k}/3"] + recipe(7), env=ENV,
                              stderr=subprocess.PIPE, text=True)
             for k in range(3)]
    procs.append(subprocess.Popen([CLI, "generate", "--out", p("other"),
                                   "--shard", "0/3"] + recipe(8), env=ENV,
                                  stderr=subprocess.PIPE, text=True))
    for k, pr in enumerate(procs):
        err = pr.communicate()[1]
        check(pr.returncode == 0, f"generate {k}: exit 0 ({err.strip()})")
    counts = [len(images(p(f"s{k}"))) for k in range(3)]
    check(counts == [6, 6, 6], f"each shard folder holds its 2 identities ({counts})")
    # Each source keeps its shard's lock file (0.3): the merged folder must
    # not get them (same_dataset checks that DST has no hidden file).
    locks = [os.path.exists(os.path.join(p(f"s{k}"), f".shard-{k}-of-3.lock")) for k in range(3)]
    check(all(locks), f"each shard folder has its lock file .shard-K-of-3.lock ({locks})")


def test_merge_and_rerun():
    dst = p("dst")
    # Two of three shards: merged, but incomplete -> exit 1 with a hint.
    r = run(["merge", "--out", dst, p("s0"), p("s1")])
    check(r.returncode == 1 and "not complete" in r.stderr
          and "6 missing" in r.stdout,
          f"merge of 2/3 shards: exit 1, verify summary, hint ({r.stdout!r} {r.stderr.strip()})")
    r = run(["merge", "--out", dst, p("s0"), p("s1"), p("s2")])
    check(r.returncode == 0 and "OK" in r.stdout,
          f"merge of 3 shards: exit 0, verify OK ({r.stdout!r} {r.stderr.strip()})")
    same_dataset(dst, p("full"), "merged")
    parts = sorted(os.path.basename(f) for f in glob.glob(os.path.join(dst, "manifest", "*")))
    check(parts == ["part-0-of-3.csv", "part-1-of-3.csv", "part-2-of-3.csv"],
          f"the three parts, by name ({parts})")
    check(open(os.path.join(dst, "recipe.txt"), "rb").read()
          == open(os.path.join(p("s0"), "recipe.txt"), "rb").read(),
          "DST's recipe.txt is the shards'")
    r = run(["verify", dst])
    check(r.returncode == 0, "verify passes on the merged folder")

    before = snapshot(dst)
    r = run(["merge", "--out", dst, p("s0"), p("s1"), p("s2")])
    check(r.returncode == 0 and "0 files copied" in r.stdout,
          f"merging again: exit 0, nothing copied ({r.stdout!r})")
    check(snapshot(dst) == before, "merging again changes no file (inode, mtime, bytes)")
    return dst


def test_union_and_interruption():
    # A shard that ran in two places: 'half' holds the first two rows of
    # part-1 and their images, s1 the whole shard; same part name, other
    # content -> the union of rows.
    half = p("half")
    shutil.copytree(p("s1"), half)
    part = os.path.join(half, "manifest", "part-1-of-3.csv")
    lines = open(part).read().splitlines(True)
    open(part, "w").writelines(lines[:3])
    keep = {ln.split(",")[1] for ln in lines[1:3]}
    for f in list(images(half)):
        if f not in keep:
            os.unlink(os.path.join(half, f))
    dst = p("dst-union")
    r = run(["merge", "--quiet", "--out", dst, p("s0"), half])
    check(r.returncode == 1, "merge with a partial shard: incomplete, exit 1")
    check(open(os.path.join(dst, "manifest", "part-1-of-3.csv")).read()
          == "".join(lines[:3]), "the partial part copied as is")
    r = run(["merge", "--quiet", "--out", dst, p("s1"), p("s2"), half])
    check(r.returncode == 0 and r.stdout == "",
          f"merge of the whole shard over the partial one: exit 0, quiet ({r.stderr.strip()})")
    got = open(os.path.join(dst, "manifest", "part-1-of-3.csv")).read().splitlines()
    check(got[0] == HEADER and sorted(got[1:]) == sorted(ln.rstrip("\n") for ln in lines[1:])
          and len(got) == len(lines),
          "same-named parts: the union of rows, header once, no repeats")
    same_dataset(dst, p("full"), "union")

    # An interrupted merge: an image missing, our temporary file left.
    victim = os.path.join(dst, "000004", "001.png")
    os.unlink(victim)
    stale = os.path.join(dst, "000004", ".001.png.merge.tmp")
    open(stale, "wb").write(b"half an image")
    r = run(["verify", dst])
    check(r.returncode == 1, "verify sees the interruption")
    r = run(["merge", "--out", dst, p("s0"), p("s1"), p("s2")])
    check(r.returncode == 0 and "1 file copied" in r.stdout,
          f"re-running merge completes it ({r.stdout!r} {r.stderr.strip()})")
    check(not os.path.exists(stale), "the leftover temporary file is removed")
    same_dataset(dst, p("full"), "after the interruption")


def test_refusals(dst):
    before = snapshot(dst)
    r = run(["merge", "--out", dst, p("other")])
    check(r.returncode == 1 and dst in r.stderr and p("other") in r.stderr
          and "seed" in r.stderr,
          f"a SRC with another seed is refused, naming both and the setting ({r.stderr.strip()})")
    check(snapshot(dst) == before, "DST untouched by the refused recipe")
    fresh = p("dst-refused")
    r = run(["merge", "--out", fresh, p("s1"), p("other")])
    check(r.returncode == 1 and p("s1") in r.stderr and p("other") in r.stderr,
          "two SRCs of different recipes are refused")
    check(not os.path.exists(fresh), "nothing created for the refused merge")
    r = run(["merge", "--out", fresh, p("s1"), p("nothing-here")])
    check(r.returncode == 1 and "recipe.txt" in r.stderr, "a SRC without recipe.txt: exit 1")

    # The same image name with other bytes: refused, naming both files.
    bad = p("bad")
    shutil.copytree(p("s2"), bad)
    f = os.path.join(bad, "000005", "002.png")
    data = bytearray(open(f, "rb").read())
    data[-20] ^= 0xFF
    open(f, "wb").write(bytes(data))
    r = run(["merge", "--out", dst, bad])
    check(r.returncode == 1 and f in r.stderr
          and os.path.join(dst, "000005", "002.png") in r.stderr,
          f"a conflicting file is refused, naming both paths ({r.stderr.strip()})")
    check(snapshot(dst) == before, "DST untouched by the conflict")
    r = run(["merge", "--out", fresh, p("s2"), bad])
    check(r.returncode == 1 and f in r.stderr and not os.path.exists(fresh),
          "a conflict between two SRCs is refused before anything is written")


def test_link():
    dst = p("dst-link")
    r = run(["merge", "--link", "--out", dst, p("s0"), p("s1"), p("s2")])
    check(r.returncode == 0, f"merge --link: exit 0 ({r.stderr.strip()})")
    linked = 0
    for k in range(3):
        for f in images(p(f"s{k}")):
            a, b = os.stat(os.path.join(dst, f)), os.stat(os.path.join(p(f"s{k}"), f))
            linked += a.st_ino == b.st_ino and a.st_nlink >= 2
    check(linked == TOTAL, f"--link: every image a hard link of its SRC ({linked}/{TOTAL})")
    parts = glob.glob(os.path.join(dst, "manifest", "*.csv"))
    check(parts and all(os.stat(f).st_nlink == 1 for f in parts),
          "--link: manifest parts are copies (merging may rewrite them)")
    same_dataset(dst, p("full"), "--link")


with session():
    make_inputs()
    test_help_and_usage()
    dst = test_merge_and_rerun()
    test_union_and_interruption()
    test_refusals(dst)
    test_link()
