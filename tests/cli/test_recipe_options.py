#!/usr/bin/env python3
"""Recipe options of `vec2face generate` (0.2): measured metrics, the
identity-consistency filter, AttrOP images, sampled and landmark-image pose
templates. Usage: test_recipe_options.py PATH/TO/vec2face MODEL_DIR

Expected values are computed here, independently of the library's dataset
code: images are decoded by a PNG decoder written below, ArcFace/MagFace
features come from the TorchScript files run by PyTorch in this process,
cosines in float64 NumPy; which images a filter drops is predicted from an
unfiltered run of the same keys; the sampled template of each pose image is
predicted by comparing it with images made from one template at a time.
"""
import glob
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MODEL, check, log, p, run, session, start)  # noqa: E402
from harness import MANIFEST_HEADER as HEADER  # noqa: E402
from png_codec import png_decode, write_png  # noqa: E402

TMP = start("v2f-recipe-")
torch.set_num_threads(1)


# ---- independent helpers ----

NETS = {}


def net(name):
    if name not in NETS:
        m = torch.jit.load(os.path.join(MODEL, name))
        m.eval()
        NETS[name] = m
    return NETS[name]


def features(rgb, name):
    """ArcFace/MagFace features of uint8 HWC images: RGB, x / 127.5 - 1."""
    x = torch.from_numpy(np.stack(rgb)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    with torch.no_grad():
        return net(name)(x).double().numpy()


def cosine(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def rows_of(out):
    rows = []
    for f in sorted(glob.glob(p(out, "manifest", "part-*.csv"))):
        lines = open(f).read().splitlines()
        assert lines[0] == HEADER, (f, lines[0])
        for line in lines[1:]:
            c = line.split(",")
            rows.append(dict(identity=int(c[0]), file=c[1], image=int(c[2]),
                             source=c[3], eps=float(c[4]), seed=int(c[5]),
                             attempt=int(c[6]), status=c[7],
                             sim=float(c[8]) if c[8] else None,
                             quality=float(c[9]) if c[9] else None,
                             yaw=float(c[10]) if c[10] else None, line=line))
    return sorted(rows, key=lambda r: (r["identity"], r["image"]))


def rows_match(got, want):
    """Same rows; measured values may round differently in another batch
    shape (the library's float contract): within 1e-4."""
    def key(x):
        return [v for k, v in x.items() if k not in ("sim", "quality", "yaw", "line")]

    def close(a, b):
        return (a is None) == (b is None) and (a is None or abs(a - b) <= 1e-4)
    return len(got) == len(want) and all(
        key(a) == key(b) and all(close(a[k], b[k]) for k in ("sim", "quality", "yaw"))
        for a, b in zip(got, want))


def images(out):
    return {os.path.relpath(f, p(out)): open(f, "rb").read()
            for f in glob.glob(p(out, "[0-9]*", "*"))}


# ---- inputs ----
rng = np.random.default_rng(99)
IDS = p("ids.npy")
np.save(IDS, (rng.standard_normal((6, 512)) * 2.0).astype(np.float32))
PTS = p("points.npy")
PTS_A = np.array([[38.3, 51.7, 73.5, 51.5, 56.0, 71.7, 41.5, 92.4, 70.7, 92.2]], np.float32)
PTS_B = np.array([[30.0, 45.0, 62.0, 55.0, 40.0, 72.0, 34.0, 88.0, 60.0, 96.0]], np.float32)
np.save(PTS, np.concatenate([PTS_A, PTS_B]))
np.save(p("pts_a.npy"), PTS_A)
np.save(p("pts_b.npy"), PTS_B)
# --batch 1: exact comparisons across runs, shards and resumes need one
# batch shape (other shapes may round 1/255 apart, as documented; the
# filter then decides on slightly other similarities).
BASE = ["--model", MODEL, "--ids", IDS, "--seed", "5", "--threads", "1",
        "--batch", "1", "--quiet"]
ALL = ["--per-id", "2", "--pose-per-id", "1", "--pose-points", PTS,
       "--attrop-per-id", "1", "--attrop-iterations", "1", "--attrop-retries", "0",
       "--attrop-yaw", "0,30", "--measure", "all"]


def test_measure():
    out = "measured"
    r = run(["generate", "--out", p(out)] + BASE + ALL)
    if not check(r.returncode == 0, f"--measure all with AttrOP: exit 0 ({r.stderr.strip()})"):
        return
    rows = rows_of(out)
    check(len(rows) == 24 and len(images(out)) == 24, f"24 rows and images ({len(rows)})")
    want_src = {0: "perturb", 1: "perturb", 2: "pose", 3: "attrop"}
    check(all(r["source"] == want_src[r["image"]] for r in rows),
          "source column: perturb, perturb, pose, attrop")
    check(all(r["status"] == "ok" and r["attempt"] == 0 for r in rows),
          "no filter: every row ok at attempt 0")
    check(all(None not in (r["sim"], r["quality"], r["yaw"]) for r in rows),
          "similarity, quality and yaw measured for every image")
    ids = np.load(IDS).astype(np.float64)
    rgb = [png_decode(open(p(out, r["file"]), "rb").read()) for r in rows]
    arc = features(rgb, "arcface.pt")
    mag = features(rgb, "magface.pt")
    dsim = max(abs(cosine(arc[k], ids[r["identity"]]) - r["sim"]) for k, r in enumerate(rows))
    dq = max(abs(np.linalg.norm(mag[k]) - r["quality"]) / max(1.0, r["quality"])
             for k, r in enumerate(rows))
    check(dsim < 1e-4, f"similarity = cosine(ArcFace(PNG), identity) recomputed in PyTorch (max diff {dsim:.2e})")
    check(dq < 1e-4, f"quality = |MagFace(PNG)| recomputed in PyTorch (max rel diff {dq:.2e})")
    check(all(-180.0 <= r["yaw"] <= 180.0 for r in rows), "yaw in degrees")
    r2 = run(["verify", p(out)])
    check(r2.returncode == 0, f"verify passes ({r2.stderr.strip()})")
    # Old datasets and recipes without measurement: the columns are empty.
    r = run(["generate", "--out", p("plain")] + BASE + ["--per-id", "2"])
    plain = rows_of("plain")
    check(r.returncode == 0 and all(x["sim"] is None and x["quality"] is None
                                    and x["yaw"] is None for x in plain),
          "without --measure the measured columns are empty")
    check(all(images("plain")[f] == images(out)[f] for f in images("plain")),
          "measuring changes no pixel (same keys, same images)")
    check("measure" not in open(p("plain", "recipe.txt")).read()
          and "attrop" not in open(p("plain", "recipe.txt")).read(),
          "a recipe without the new options writes none of their keys")
    # A 0.1 dataset (six-column part): verify reads it; a resume keeps the
    # part's format.
    part = p("plain", "manifest", "part-0-of-1.csv")
    old = ["identity,file,image,source,eps,seed"] + [
        ",".join(x["line"].split(",")[:6]) for x in plain]
    open(part, "w").write("\n".join(old) + "\n")
    check(run(["verify", p("plain")]).returncode == 0, "verify reads a 0.1 manifest part")
    gone = plain[3]["file"]
    os.remove(p("plain", gone))
    old.remove(",".join(plain[3]["line"].split(",")[:6]))
    open(part, "w").write("\n".join(old) + "\n")
    r = run(["generate", "--out", p("plain")] + BASE + ["--per-id", "2"])
    lines = open(part).read().splitlines()
    check(r.returncode == 0 and lines[0] == "identity,file,image,source,eps,seed"
          and sorted(lines[1:]) == sorted(",".join(x["line"].split(",")[:6]) for x in plain)
          and run(["verify", p("plain")]).returncode == 0,
          f"resuming a 0.1 part appends six-column rows ({r.stderr.strip()})")
    # Changed settings on restart are refused, naming them.
    for extra, key in ((["--measure", "similarity"], "measure"),
                       (["--attrop-yaw", "0,45"], "attrop_yaw"),
                       (["--attrop-iterations", "2"], "attrop_iterations"),
                       (["--attrop-quality", "20"], "attrop_quality"),
                       (["--attrop-retries", "2"], "attrop_max_retries")):
        args = list(ALL)
        flag = extra[0]
        i = args.index(flag) if flag in args else None
        if i is not None:
            args[i + 1] = extra[1]
        else:
            args += extra
        r = run(["generate", "--out", p(out)] + BASE + args)
        check(r.returncode == 1 and "recipe differs" in r.stderr and key in r.stderr,
              f"restart with another {flag} refused naming {key} ({r.stderr.strip()[:160]})")
    r = run(["generate", "--out", p("plain")] + BASE + ["--per-id", "2", "--measure", "yaw"])
    check(r.returncode == 1 and "measure" in r.stderr and "recipe differs" in r.stderr,
          "turning --measure on for an existing dataset is refused naming measure")
    r = run(["generate", "--out", p(out)] + BASE + ALL[:-2])
    check(r.returncode == 1 and "measure is off now" in r.stderr,
          f"turning --measure off is refused naming measure ({r.stderr.strip()[:160]})")


def make_model_without(parts):
    d = p("model-without-" + "-".join(parts))
    if os.path.isdir(d):
        return d
    os.makedirs(d)
    for f in os.listdir(MODEL):
        if f not in parts:
            os.symlink(os.path.abspath(os.path.join(MODEL, f)), os.path.join(d, f))
    return d


def test_missing_parts():
    for missing, args, words in (
            ("arcface.pt", ["--measure", "similarity"], "arcface.pt"),
            ("magface.pt", ["--measure", "quality"], "magface.pt"),
            ("headpose.pt", ["--measure", "yaw"], "headpose.pt"),
            ("arcface.pt", ["--filter", "drop", "--filter-threshold", "0"], "arcface.pt"),
            ("headpose.pt", ["--attrop-per-id", "1", "--attrop-yaw", "10"], "headpose.pt")):
        m = make_model_without([missing])
        out = p("nopart-" + missing + args[0])
        r = run(["generate", "--out", out, "--model", m, "--ids", IDS, "--per-id", "1",
                 "--quiet"] + args)
        check(r.returncode == 1 and words in r.stderr and "lacks" in r.stderr
              and not glob.glob(os.path.join(out, "[0-9]*", "*.png")),
              f"{' '.join(args)} without {missing}: clear error, no image ({r.stderr.strip()[:120]})")


def test_filter():
    base = BASE + ["--per-id", "3", "--measure", "similarity"]
    r = run(["generate", "--out", p("unfiltered")] + base)
    check(r.returncode == 0, f"unfiltered run ({r.stderr.strip()})")
    un = rows_of("unfiltered")
    sims = sorted(x["sim"] for x in un)
    # A threshold between two measured values, a third of the way up:
    # about a third of the images are below it.
    k = len(sims) // 3
    thr = (sims[k - 1] + sims[k]) / 2
    if not check(sims[k] - sims[k - 1] > 2e-4,
                 f"measured similarities are distinct around the threshold {thr:.5f}"):
        return
    below = {(x["identity"], x["image"]) for x in un if x["sim"] < thr}
    log(f"threshold {thr:.6f}: {len(below)} of {len(un)} images below it")

    # drop: exactly the images below the threshold in the unfiltered run
    # (attempt 0 uses the same keys) are dropped.
    out = "dropped"
    drop = base[:-2] + ["--filter", "drop", "--filter-threshold", repr(thr)]
    r = run(["generate", "--out", p(out)] + drop)
    check(r.returncode == 0, f"--filter drop: exit 0 ({r.stderr.strip()})")
    rows = rows_of(out)
    got = {(x["identity"], x["image"]) for x in rows if x["status"] == "dropped"}
    check(got == below, f"drop: the dropped images are those below the threshold ({len(got)} vs {len(below)})")
    check(all(not os.path.exists(p(out, x["file"])) == (x["status"] == "dropped") for x in rows),
          "drop: dropped images have no file, kept ones have")
    kept = [x for x in rows if x["status"] == "ok"]
    check(all(images(out)[x["file"]] == images("unfiltered")[x["file"]] for x in kept),
          "drop: kept images equal the unfiltered run's, byte for byte")
    ids = np.load(IDS).astype(np.float64)
    rgb = [png_decode(open(p(out, x["file"]), "rb").read()) for x in kept]
    re = [cosine(f, ids[x["identity"]]) for f, x in zip(features(rgb, "arcface.pt"), kept)]
    check(min(re) >= thr - 1e-5, f"drop: every kept image's recomputed similarity >= threshold (min {min(re):.6f})")
    r = run(["verify", p(out)])
    check(r.returncode == 0 and "(6 complete)" in r.stdout
          and f"{18 - len(below)} ok, 0 missing" in r.stdout,
          f"verify: complete with the dropped images ({r.stdout.strip()} {r.stderr.strip()})")
    # Resume does not redo dropped images; summary counts.
    r = run(["generate", "--out", p(out)] + drop)
    check(r.returncode == 0 and rows_of(out) == rows, "drop: a restart redoes nothing")

    # regenerate: rejected images get new attempts.
    out = "regen"
    args = ["--filter", "regenerate", "--filter-threshold", repr(thr), "--filter-attempts", "3"]
    regen = base[:-2] + args
    r = run(["generate", "--out", p(out)] + regen)
    check(r.returncode == 0, f"--filter regenerate: exit 0 ({r.stderr.strip()})")
    rows = rows_of(out)
    kept = [x for x in rows if x["status"] == "ok"]
    dropped = [x for x in rows if x["status"] == "dropped"]
    first_try = {(x["identity"], x["image"]) for x in rows if x["attempt"] == 0 and x["status"] == "ok"}
    check(first_try == {(x["identity"], x["image"]) for x in un} - below,
          "regenerate: attempt 0 keeps exactly the images above the threshold")
    check(any(x["attempt"] > 0 and x["status"] == "ok" for x in rows),
          "regenerate: some images kept at a later attempt")
    check(all(x["attempt"] == 2 for x in dropped), "regenerate: dropped only after 3 attempts")
    check(all(x["sim"] >= thr for x in kept) and all(x["sim"] < thr for x in dropped),
          "regenerate: manifest similarity >= threshold exactly for kept rows")
    rgb = [png_decode(open(p(out, x["file"]), "rb").read()) for x in kept]
    re = [cosine(f, ids[x["identity"]]) for f, x in zip(features(rgb, "arcface.pt"), kept)]
    check(min(re) >= thr - 1e-5, f"regenerate: every kept image's recomputed similarity >= threshold (min {min(re):.6f})")
    later = [x for x in kept if x["attempt"] > 0]
    check(all(images(out)[x["file"]] != images("unfiltered")[x["file"]] for x in later),
          "regenerate: a later attempt is a different image")
    check(all(images(out)[x["file"]] == images("unfiltered")[x["file"]] for x in kept if x["attempt"] == 0),
          "regenerate: first-attempt images equal the unfiltered run's")
    # Counts: every failed attempt is a rejection.
    rejected = sum(x["attempt"] for x in kept) + sum(x["attempt"] + 1 for x in dropped)
    r = run(["generate", "--out", p("regen-loud")] + [a for a in regen if a != "--quiet"])
    want = (f"{rejected} attempts rejected, {len(later)} images kept after "
            f"regenerating, {len(dropped)} dropped")
    check(r.returncode == 0 and want in r.stderr, f"summary line: {want} ({r.stderr.strip()[-200:]})")
    check(rows_match(rows_of("regen-loud"), rows) and images("regen-loud") == images(out),
          "regenerate again in another folder: the same rows and images")
    r = run(["verify", p(out)])
    check(r.returncode == 0 and "(6 complete)" in r.stdout,
          f"verify passes on the regenerated set ({r.stdout.strip()})")
    # A file where the manifest says dropped is a problem.
    if dropped:
        bad = "regen-extra-file"
        shutil.copytree(p(out), p(bad))
        shutil.copy(p(out, kept[0]["file"]), p(bad, dropped[0]["file"]))
        r = run(["verify", p(bad)])
        check(r.returncode == 1 and "says dropped" in r.stderr,
              f"verify: a file for a dropped image is a problem ({r.stderr.strip()[:160]})")

    # Two shards == one run with the filter.
    sh = "regen-shards"
    for k in range(2):
        r = run(["generate", "--out", p(sh), "--shard", f"{k}/2"] + regen)
        check(r.returncode == 0, f"filtered shard {k}/2: exit 0 ({r.stderr.strip()})")
    check(images(sh) == images(out) and
          rows_match(rows_of(sh), rows),
          "filtered: 2 shards == one run (files and rows)")

    # Kill-like damage: a kept file without its row is made again (its
    # measurement is unknown), the dataset ends up the same.
    dm = "regen-damaged"
    shutil.copytree(p(out), p(dm))
    part = p(dm, "manifest", "part-0-of-1.csv")
    lines = open(part).read().splitlines(True)
    victim = next(i for i, line in enumerate(lines) if ",ok," in line and i > 0)
    del lines[victim]
    open(part, "w").write("".join(lines))
    r = run(["generate", "--out", p(dm)] + regen)
    check(r.returncode == 0 and rows_match(rows_of(dm), rows) and images(dm) == images(out),
          f"a file without its row is made again: same rows and images ({r.stderr.strip()})")

    # Changed filter settings on restart are refused, naming them.
    for new, key in ((["--filter", "drop"], "filter"),
                     (["--filter-threshold", "0.123"], "filter_threshold"),
                     (["--filter-attempts", "4"], "filter_max_attempts")):
        a2 = list(args)
        a2[a2.index(new[0]) + 1] = new[1]
        r = run(["generate", "--out", p(out)] + base[:-2] + a2)
        check(r.returncode == 1 and "recipe differs" in r.stderr and key + " is" in r.stderr,
              f"restart with another {new[0]} refused naming {key} ({r.stderr.strip()[:160]})")
    r = run(["generate", "--out", p(out)] + base)
    check(r.returncode == 1 and "filter is off now" in r.stderr,
          f"restart without the filter refused naming filter ({r.stderr.strip()[:160]})")


def test_pose_templates():
    # Sampled order: each pose image is made from one of the two templates;
    # which one is recomputed by making every image from each single
    # template (same keys: same vector and masks) and comparing bytes.
    common = BASE + ["--per-id", "0", "--pose-per-id", "4"]
    r = run(["generate", "--out", p("sampled")] + common + ["--pose-points", PTS, "--pose-order", "sample"])
    check(r.returncode == 0, f"--pose-order sample: exit 0 ({r.stderr.strip()})")
    sa = run(["generate", "--out", p("only-a")] + common + ["--pose-points", p("pts_a.npy")])
    sb = run(["generate", "--out", p("only-b")] + common + ["--pose-points", p("pts_b.npy")])
    check(sa.returncode == 0 and sb.returncode == 0, "single-template runs")
    s, a, b = images("sampled"), images("only-a"), images("only-b")
    which = [0 if s[f] == a[f] else 1 if s[f] == b[f] else -1 for f in sorted(s)]
    check(len(s) == 24 and -1 not in which,
          "sample: every image is one of the templates' images")
    check(0 < sum(which) < len(which), f"sample: both templates drawn ({sum(which)} of {len(which)} from B)")
    cyc = run(["generate", "--out", p("cycled")] + common + ["--pose-points", PTS])
    c = images("cycled")
    check(cyc.returncode == 0 and all(c[f] == (a[f] if int(f[-7:-4]) % 2 == 0 else b[f]) for f in c),
          "cycle: image j uses template j % 2")
    check(which != [int(f[-7:-4]) % 2 for f in sorted(s)], "sample differs from cycle")
    r = run(["generate", "--out", p("sampled")] + common + ["--pose-points", PTS])
    check(r.returncode == 1 and "pose_order" in r.stderr,
          f"restart with cycle instead of sample refused naming pose_order ({r.stderr.strip()[:160]})")

    # Landmark images: our own renders of the two templates saved as PNG
    # (the library draws them the same way) must give the same images as
    # the five-point templates; a folder is taken in name order.
    lm_dir = p("landmarks")
    os.makedirs(lm_dir)
    # Rendered here in NumPy as documented: filled dots of radius 3.
    for t, pts in enumerate((PTS_A[0], PTS_B[0])):
        img = np.zeros((112, 112, 3), np.uint8)
        colours = [(255, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255), (0, 0, 255)]
        yy, xx = np.mgrid[0:112, 0:112]
        for q in range(5):
            x, y = pts[2 * q], pts[2 * q + 1]
            img[(xx - x) ** 2 + (yy - y) ** 2 <= 9.0] = colours[q]
        write_png(os.path.join(lm_dir, f"t{t}.png"), img)
    out = "lm-folder"
    r = run(["generate", "--out", p(out)] + common + ["--pose-landmarks", lm_dir])
    check(r.returncode == 0, f"--pose-landmarks FOLDER: exit 0 ({r.stderr.strip()})")
    check(images(out) == images("cycled"),
          "landmark images of the two templates == the five-point templates (cycled)")
    out2 = "lm-files"
    r = run(["generate", "--out", p(out2)] + common + ["--pose-landmarks", os.path.join(lm_dir, "t0.png"),
                                                       "--pose-landmarks", os.path.join(lm_dir, "t1.png")])
    check(r.returncode == 0 and images(out2) == images(out),
          "--pose-landmarks as two files == as a folder")
    txt = open(p(out, "recipe.txt")).read()
    check("pose_landmark_images = 2" in txt and "pose_landmarks_fnv1a64" in txt,
          "landmark images are in the recipe")
    # Official landmark maps (when the shared data is there).
    shared = "/work/shared/data/landmarks"
    if os.path.isdir(shared):
        r = run(["generate", "--out", p("lm-official")] + common + ["--pose-landmarks", shared])
        check(r.returncode == 0 and len(images("lm-official")) == 24,
              f"official landmark JPEGs as templates ({r.stderr.strip()})")
    # A changed landmark image is refused by its hash.
    img = png_decode(open(os.path.join(lm_dir, "t1.png"), "rb").read()).copy()
    img[0, 0] = 7
    write_png(os.path.join(lm_dir, "t1.png"), img)
    r = run(["generate", "--out", p(out)] + common + ["--pose-landmarks", lm_dir])
    check(r.returncode == 1 and "pose_landmarks_fnv1a64" in r.stderr,
          f"a changed landmark image is refused naming pose_landmarks_fnv1a64 ({r.stderr.strip()[:160]})")
    r = run(["generate", "--out", p("lm-bad")] + common + ["--pose-landmarks", p("ids.npy")])
    check(r.returncode == 1 and "ids.npy" in r.stderr and "landmark" in r.stderr,
          f"a landmark file that is not an image: error naming it ({r.stderr.strip()[:160]})")
    os.makedirs(p("empty-dir"))
    r = run(["generate", "--out", p("lm-empty")] + common + ["--pose-landmarks", p("empty-dir")])
    check(r.returncode == 1 and "empty-dir" in r.stderr,
          f"an empty landmark folder: error naming it ({r.stderr.strip()[:160]})")


def test_usage():
    r = run(["generate", "--help"])
    for flag in ("--measure", "--filter", "--filter-threshold", "--filter-attempts",
                 "--attrop-per-id", "--attrop-quality", "--attrop-yaw",
                 "--attrop-iterations", "--attrop-retries", "--pose-order",
                 "--pose-landmarks"):
        check(flag in r.stdout, f"generate --help mentions {flag}")
    x = ["generate", "--model", MODEL, "--ids", IDS, "--out", p("x")]
    for bad in (["--measure", "colour"], ["--filter", "maybe"],
                ["--filter", "drop"], ["--filter-threshold", "0.5"],
                ["--filter", "drop", "--filter-threshold", "1.5"],
                ["--filter", "regenerate", "--filter-threshold", "0", "--filter-attempts", "0"],
                ["--attrop-yaw", "-10"], ["--attrop-iterations", "0"],
                ["--pose-order", "random"], ["--per-id", "0", "--pose-per-id", "1"]):
        r = run(x + bad)
        check(r.returncode == 2 and "--help" in r.stderr, f"usage error, exit 2: {' '.join(bad)}")
    check(not os.path.exists(p("x")), "usage errors create nothing")


with session():
    test_usage()
    test_measure()
    test_missing_parts()
    test_filter()
    test_pose_templates()
