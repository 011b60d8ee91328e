#!/usr/bin/env python3
"""`vec2face generate --png-level N` and v2f_dataset_recipe.png_level (0.3),
end to end (stdlib + numpy; PNGs decoded by png_codec.py, not the library).
Usage: test_png_level.py PATH/TO/vec2face MODEL_DIR

A tiny-model dataset made at the default level and at level 0 (flag, and
recipe-file key png-level) decodes to the same pixels; level 0 files are
stored (zlib FLEVEL 0, larger), default files say level 6 (FLEVEL 2); the
recipe.txt (digest) is the same, so a folder resumed at another level
mixes levels and verify accepts it; shards written at different levels
merge; the same image at two levels in two shard folders is a conflict
for merge (it compares bytes), as the header documents; bad levels exit
2; the library refuses png_level 10 naming the value (Python binding).
"""
import glob
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import MODEL, check, p, run, session, start  # noqa: E402
from png_codec import png_decode  # noqa: E402

TMP = start("v2f-pnglevel-")


def files(out):
    return {os.path.relpath(f, out): open(f, "rb").read()
            for f in sorted(glob.glob(os.path.join(out, "[0-9]*", "*.png")))}


def flevel(data):
    """FLEVEL of the zlib stream (first IDAT): 0 for zlib levels 0-1, 1 for
    2-5, 2 for 6, 3 for 7-9."""
    pos = 8
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        if data[pos + 4:pos + 8] == b"IDAT":
            return data[pos + 9] >> 6
        pos += 12 + n
    return -1


def pixels(fs):
    return {k: png_decode(v) for k, v in fs.items()}


def same_pixels(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


rng = np.random.default_rng(4)
IDS = p("ids.npy")
np.save(IDS, rng.standard_normal((4, 512)).astype(np.float32))
BASE = ["--model", MODEL, "--ids", IDS, "--per-id", "2", "--seed", "3",
        "--threads", "1", "--batch", "1", "--quiet"]
# --batch 1: a resume or a shard makes its images in the same batch shape as
# the one-run folder, so pixels compare exactly (other shapes may round
# 1/255 apart, as documented).
with session():
    r = run(["generate", "--out", p("default")] + BASE)
    check(r.returncode == 0, f"default level: exit 0 ({r.stderr.strip()})")
    default = files(p("default"))
    check(len(default) == 8 and all(flevel(b) == 2 for b in default.values()),
          "default files are zlib level 6 (FLEVEL 2), as 0.2 wrote")

    r = run(["generate", "--out", p("level0"), "--png-level", "0"] + BASE)
    check(r.returncode == 0, f"--png-level 0: exit 0 ({r.stderr.strip()})")
    level0 = files(p("level0"))
    check(all(flevel(b) == 0 for b in level0.values())
          and all(len(level0[k]) > len(default[k]) and len(level0[k]) > 112 * 337
                  for k in default),
          "level 0 files are stored: FLEVEL 0, larger than the raw rows")
    check(same_pixels(pixels(level0), pixels(default)),
          "level 0 and the default decode to the same pixels")
    check(open(p("level0/recipe.txt")).read().replace(p("level0"), "")
          == open(p("default/recipe.txt")).read().replace(p("default"), ""),
          "png level is not in recipe.txt (same digest)")

    rf = p("level0.recipe")
    with open(rf, "w") as f:
        f.write("# PNG level from a recipe file\npng-level = 0\n")
    r = run(["generate", "--out", p("recipe0"), "--recipe", rf] + BASE)
    check(r.returncode == 0 and files(p("recipe0")) == level0,
          f"recipe-file key png-level = 0 gives the --png-level 0 files ({r.stderr.strip()})")

    # Resume at another level: a folder of mixed levels that verify accepts.
    shutil.copytree(p("level0"), p("mixed"))
    os.remove(p("mixed/000001/001.png"))
    os.remove(p("mixed/000003/000.png"))
    r = run(["generate", "--out", p("mixed"), "--png-level", "9"] + BASE)
    mixed = files(p("mixed"))
    check(r.returncode == 0 and flevel(mixed["000001/001.png"]) == 3
          and flevel(mixed["000000/000.png"]) == 0,
          f"resume at level 9 of a level-0 folder: exit 0, levels mixed ({r.stderr.strip()})")
    r = run(["verify", p("mixed")])
    check(r.returncode == 0, f"verify accepts a folder of mixed levels ({r.stderr.strip()})")
    check(same_pixels(pixels(mixed), pixels(default)), "mixed levels: same pixels")

    # Shards at different levels merge; one image at two levels conflicts.
    for k, level in ((0, "1"), (1, "9")):
        r = run(["generate", "--out", p(f"shard{k}"), "--shard", f"{k}/2",
                 "--png-level", level] + BASE)
        check(r.returncode == 0, f"shard {k}/2 at level {level} ({r.stderr.strip()})")
    r = run(["merge", "--out", p("merged"), p("shard0"), p("shard1")])
    check(r.returncode == 0 and run(["verify", p("merged")]).returncode == 0
          and same_pixels(pixels(files(p("merged"))), pixels(default)),
          f"shards written at levels 1 and 9 merge and verify ({r.stderr.strip()[:200]})")
    r = run(["merge", "--out", p("conflict"), p("default"), p("level0")])
    check(r.returncode != 0 and not os.path.exists(p("conflict/000000/000.png")),
          f"one image at two levels in two folders: merge refuses ({r.stderr.strip()[:200]})")

    for bad in ("10", "-1", "x"):
        r = run(["generate", "--out", p("bad"), "--png-level", bad] + BASE)
        check(r.returncode == 2 and "--png-level" in r.stderr,
              f"--png-level {bad}: exit 2 naming the flag ({r.stderr.strip()[:120]})")

    import vec2face  # the binding: the library's own check of the recipe
    m = vec2face.Model(MODEL)
    try:
        vec2face.DatasetJob(m, IDS, p("lib-bad"), perturb_images=1, png_level=10)
        check(False, "DatasetJob(png_level=10) refused")
    except vec2face.InvalidArgumentError as e:
        check("png_level 10" in str(e), f"DatasetJob(png_level=10) refused: {e}")
