#!/usr/bin/env python3
"""End-to-end tests of `vec2face sample-ids`, `vec2face centres`,
`generate --recipe FILE` and `generate --identities DIR`.
Usage: test_cli_ids.py PATH/TO/vec2face MODEL_DIR
(PYTHONPATH must reach bindings/python and VEC2FACE_LIBRARY the library: the
Python binding gives the sampler's raw candidates and ArcFace features that
the expected values are computed from.)

- sample-ids: the output equals a greedy selection done here in float64
  over the sampler's raw candidates (so every pair, and every vector against
  the exclusion set, is below the threshold), for isotropic, fitted and
  saved/loaded samplers; same bytes for a seed and any thread count; resume
  after the candidate limit and after SIGINT equals one run; a partial state
  of another seed is refused.
- centres: from features + labels against numpy means (plain, normalised,
  int32/int64/[n,1] labels); from a folder of generated images against
  numpy means of the binding's ArcFace features, names file in row order.
- generate --recipe: same recipe.txt bytes and images as the same flags;
  the command line overrides the file; FILE:LINE usage errors.
- generate --identities: one image per identity and one subfolder per
  identity give the images of --ids with a hand-made .npy of the features;
  a restart reuses identities.npy; a changed folder is refused.
- --help of the new subcommands; bad arguments exit 2.
"""
import glob
import os
import signal
import subprocess
import sys
import time

import numpy as np

import vec2face as v2f

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import CLI, ENV, MODEL, check, log, p, run, run_each, start  # noqa: E402

TMP = start("v2f-cli-ids-")


def ok(r, what):
    if not check(r.returncode == 0, f"{what} (exit {r.returncode})"):
        log(r.stderr)
    return r.returncode == 0


def unit(x):
    x = np.asarray(x, np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def greedy(sampler, seed, n, threshold, exclude=None, chunk=4096):
    """The first n candidates of the stream kept by the rule of
    v2f_sample_identities, evaluated here in float64."""
    kept = []
    ex = unit(exclude) if exclude is not None else None
    first = 0
    while len(kept) < n:
        cand = sampler.candidates(seed, first, chunk)
        for c in cand:
            c64 = np.asarray(c, np.float64)
            nrm = np.linalg.norm(c64)
            if not np.isfinite(nrm) or nrm == 0:
                continue
            u = c64 / nrm
            if ex is not None and np.max(ex @ u) >= threshold:
                continue
            if kept and np.max(unit(np.array(kept)) @ u) >= threshold:
                continue
            kept.append(c)
            if len(kept) == n:
                break
        first += chunk
        assert first < 10_000_000, "greedy reference ran away"
    return np.array(kept, np.float32)


def max_pair_cos(x):
    u = unit(x)
    g = u @ u.T
    np.fill_diagonal(g, -1.0)
    return g.max()


# ---------------------------------------------------------------- sample-ids
def test_sample_ids():
    out = p("s1.npy")
    args = ["sample-ids", "--count", "25", "--dim", "16", "--threshold",
            "0.4", "--seed", "5", "--out", out, "--quiet"]
    if not ok(run(args), "sample-ids isotropic dim 16"):
        return
    got = np.load(out)
    check(got.shape == (25, 16) and got.dtype == np.float32,
          f"sample-ids writes float32 [25][16] (got {got.shape} {got.dtype})")
    check(max_pair_cos(got) < 0.4, "every pair below the threshold "
          f"(max cosine {max_pair_cos(got):.4f})")
    ref = greedy(v2f.Sampler.isotropic(16, 1.0, 0.0), 5, 25, 0.4)
    check(np.array_equal(got, ref), "isotropic result = greedy selection "
          "over the raw candidates computed here")
    # Same bytes for the seed and any thread count; another seed differs.
    out2 = p("s1_t1.npy")
    ok(run(args[:-3] + ["--out", out2, "--threads", "1", "--quiet"]),
       "sample-ids --threads 1")
    check(open(out, "rb").read() == open(out2, "rb").read(),
          "same seed, 1 thread vs all: same bytes")
    out3 = p("s1_seed6.npy")
    ok(run(["sample-ids", "--count", "25", "--dim", "16", "--threshold",
            "0.4", "--seed", "6", "--out", out3, "-q"]), "sample-ids seed 6")
    check(not np.array_equal(np.load(out3), got), "another seed differs")

    # Exclusion set: nothing near it, and the greedy rule with it.
    rng = np.random.default_rng(3)
    excl = rng.standard_normal((30, 16)).astype(np.float32)
    np.save(p("excl.npy"), excl)
    out4 = p("s_excl.npy")
    if ok(run(["sample-ids", "-n", "15", "--dim", "16", "-t", "0.4", "-s",
               "5", "--exclude", p("excl.npy"), "-o", out4, "-q"]),
          "sample-ids --exclude"):
        e = np.load(out4)
        cross = (unit(e) @ unit(excl).T).max()
        check(cross < 0.4, f"every vector below 0.4 to the exclusion set "
              f"(max {cross:.4f})")
        check(max_pair_cos(e) < 0.4, "pairs below 0.4 with --exclude")
        check(np.array_equal(e, greedy(v2f.Sampler.isotropic(16), 5, 15, 0.4,
                                       exclude=excl)),
              "--exclude result = greedy selection with the exclusion set")

    # Fitted sampler (shrinkage), saved and loaded: same vectors.
    centres = (rng.standard_normal((40, 12)) * np.linspace(0.5, 2, 12)
               + 0.3).astype(np.float32)
    np.save(p("centres12.npy"), centres)
    out5, out6 = p("s_fit.npy"), p("s_loaded.npy")
    npz = p("sampler.npz")
    if ok(run(["sample-ids", "-n", "12", "--fit", p("centres12.npy"),
               "--shrinkage", "0.1", "-t", "0.5", "-s", "9",
               "--save-sampler", npz, "-o", out5, "-q"]),
          "sample-ids --fit --shrinkage --save-sampler"):
        ref = greedy(v2f.Sampler.fit(centres, shrinkage=0.1), 9, 12, 0.5)
        check(np.array_equal(np.load(out5), ref),
              "--fit result = greedy selection over the fitted sampler")
        if ok(run(["sample-ids", "-n", "12", "--sampler", npz, "-t", "0.5",
                   "-s", "9", "-o", out6, "-q"]), "sample-ids --sampler"):
            check(open(out5, "rb").read() == open(out6, "rb").read(),
                  "--sampler (saved) gives the bytes of --fit")
    np.save(p("centres_few.npy"), centres[:5])
    r = run(["sample-ids", "-n", "5", "--fit", p("centres_few.npy"), "-o",
             p("nofit.npy"), "-q"])
    check(r.returncode == 1 and "--shrinkage" in r.stderr,
          "--fit on 5 rows of 12 values fails and points to --shrinkage")

    # Resume after the candidate limit: dim 16 at 0.5 runs out of room.
    whole, part = p("r_whole.npy"), p("r_part.npy")
    base = ["sample-ids", "-n", "120", "--dim", "16", "-t", "0.5", "-s", "2"]
    ok(run(base + ["-o", whole, "-q"]), "sample-ids 120 at dim 16, one run")
    r = run(base + ["-o", part, "--max-candidates", "60", "-q"])
    check(r.returncode == 1 and os.path.exists(part + ".partial")
          and os.path.exists(part + ".partial.npy")
          and not os.path.exists(part),
          "candidate limit: exit 1, partial state saved, no output")
    kept1 = np.load(part + ".partial.npy")
    check(np.array_equal(kept1, np.load(whole)[:len(kept1)]),
          f"partial rows ({len(kept1)}) are the first rows of one run")
    r = run(base + ["-o", part, "-s", "3", "-q"])
    check(r.returncode == 1 and "seed" in r.stderr,
          "a partial state of another seed is refused, naming the seed")
    r = run(base[:-2] + ["-s", "2", "-t", "0.6", "-o", part, "-q"])
    check(r.returncode == 1 and "threshold" in r.stderr,
          "a partial state of another threshold is refused")
    r = run(base + ["-o", part, "--max-candidates", "70", "-q"])
    check(r.returncode == 1, "second limited run stops again")
    r = run(base + ["-o", part])
    ok(r, "resumed run completes")
    check("resuming" in r.stderr and "acceptance" in r.stderr,
          "resumed run says so and prints the acceptance rate")
    check(os.path.exists(part) and
          open(part, "rb").read() == open(whole, "rb").read(),
          "resumed twice = one uninterrupted run, byte for byte")
    check(not os.path.exists(part + ".partial")
          and not os.path.exists(part + ".partial.npy"),
          "partial state removed after success")

    # SIGINT: exit 130 with a partial state; continuing equals one run.
    big = p("sig.npy")
    for wait in (1.5, 4.0, 10.0):
        proc = subprocess.Popen([CLI, "sample-ids", "-n", "60000", "-s", "4",
                                 "-o", big, "-q"], env=ENV,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        time.sleep(wait)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=300)
        if proc.returncode != -signal.SIGINT:
            break
        # Killed while still starting (before the handler): wait longer.
    if proc.returncode == 0:
        log("note: sample-ids finished before SIGINT; interrupt not tested")
    elif check(proc.returncode == 130 and os.path.exists(big + ".partial"),
               "SIGINT: exit 130 and a partial state"):
        k = len(np.load(big + ".partial.npy")) \
            if os.path.exists(big + ".partial.npy") else 0
        n = k + 200
        ok(run(["sample-ids", "-n", str(n), "-s", "4", "-o", big, "-q"]),
           f"continue after SIGINT ({k} kept) to {n}")
        ok(run(["sample-ids", "-n", str(n), "-s", "4", "-o", p("sig1.npy"),
                "-q"]), "the same in one run")
        check(open(big, "rb").read() == open(p("sig1.npy"), "rb").read(),
              "interrupted + continued = one run")


# ------------------------------------------------------------------- centres
def test_centres_features():
    rng = np.random.default_rng(7)
    feats = rng.standard_normal((50, 512)).astype(np.float32)
    labels = np.concatenate([np.arange(6), rng.integers(0, 6, 44)])
    rng.shuffle(labels)
    np.save(p("f.npy"), feats)
    np.save(p("l64.npy"), labels.astype(np.int64))
    np.save(p("l32.npy"), labels.astype(np.int32).reshape(-1, 1))
    plain = np.stack([feats[labels == k].astype(np.float64).mean(0)
                      for k in range(6)])
    u = unit(feats)
    normed = np.stack([u[labels == k].mean(0) for k in range(6)])
    for lab, norm, want, what in (("l64.npy", [], plain, "int64, plain"),
                                  ("l32.npy", ["--normalize"], normed,
                                   "int32 [n,1], --normalize")):
        out = p(f"c_{lab}.npy")
        if ok(run(["centres", "--features", p("f.npy"), "--labels", p(lab),
                   "--out", out, "-q"] + norm), f"centres {what}"):
            got = np.load(out)
            check(got.shape == (6, 512) and
                  np.allclose(got, want, rtol=1e-5, atol=1e-6),
                  f"centres {what} = numpy means (max diff "
                  f"{np.abs(got - want).max():.2e})")
            check(not os.path.exists(p(f"c_{lab}.txt")),
                  "no names file for features + labels")
    # --num-ids beyond the labels: an identity without features is an error.
    r = run(["centres", "--features", p("f.npy"), "--labels", p("l64.npy"),
             "--num-ids", "7", "-o", p("c7.npy"), "-q"])
    check(r.returncode == 1 and "6" in r.stderr,
          "an identity without features fails, naming it")
    np.save(p("lbad.npy"), labels[:49].astype(np.int64))
    r = run(["centres", "--features", p("f.npy"), "--labels", p("lbad.npy"),
             "-o", p("cb.npy"), "-q"])
    check(r.returncode == 1 and "49" in r.stderr and "50" in r.stderr,
          "label count != feature count fails with both counts")
    np.save(p("lf.npy"), labels.astype(np.float32))
    r = run(["centres", "--features", p("f.npy"), "--labels", p("lf.npy"),
             "-o", p("cb.npy"), "-q"])
    check(r.returncode == 1 and "integer" in r.stderr,
          "float labels are refused with the dtype named")


def rgb_images(seed, n):
    return np.random.default_rng(seed).integers(0, 256, (n, 112, 112, 3),
                                                dtype=np.uint8)


_MODEL = []


def features_of(paths):
    if not _MODEL:  # loading takes seconds: once
        _MODEL.append(v2f.Model.load(MODEL))
    model = _MODEL[0]
    imgs = np.stack([np.asarray(v2f.read_image(f)).reshape(112, 112, 3)
                     for f in paths])
    return np.asarray(model.features(imgs), np.float64)


def test_centres_folder():
    # A tiny generated dataset: 3 identities x 3 images, in a clean tree.
    rng = np.random.default_rng(11)
    np.save(p("g_ids.npy"), (rng.standard_normal((3, 512)) * 2)
            .astype(np.float32))
    data = p("gen")
    if not ok(run(["generate", "--model", MODEL, "--ids", p("g_ids.npy"),
                   "--out", data, "--per-id", "3", "--threads", "1", "-q"]),
              "generate a tiny dataset for centres"):
        return
    root = p("faces")
    os.makedirs(root)
    names = []
    for d in sorted(glob.glob(os.path.join(data, "[0-9]*"))):
        name = "id_" + os.path.basename(d)
        names.append(name)
        os.rename(d, os.path.join(root, name))
    os.makedirs(os.path.join(root, ".hidden"))  # skipped
    out = p("fc.npy")
    r = run(["centres", "--folder", root, "--model", MODEL, "--out", out])
    if not ok(r, "centres --folder"):
        return
    want = np.stack([features_of(sorted(glob.glob(os.path.join(root, n,
                                                               "*.png"))))
                     .mean(0) for n in names])
    got = np.load(out)
    check(got.shape == (3, 512) and np.allclose(got, want, rtol=1e-4,
                                                atol=1e-5),
          "centres --folder = numpy means of the binding's ArcFace features "
          f"(max diff {np.abs(got - want).max():.2e})")
    check(open(p("fc.txt")).read().splitlines() == names,
          "names file next to it (.npy -> .txt), one a line, row order")
    ok(run(["centres", "--folder", root, "--model", MODEL, "-o",
            p("fc2.npy"), "--names", p("names2.lst"), "--normalize", "-q"]),
       "centres --folder --names --normalize")
    wantn = np.stack([unit(features_of(sorted(glob.glob(
        os.path.join(root, n, "*.png"))))).mean(0) for n in names])
    check(np.allclose(np.load(p("fc2.npy")), wantn, rtol=1e-4, atol=1e-5)
          and open(p("names2.lst")).read().splitlines() == names,
          "--normalize means of unit features; --names path used")
    os.makedirs(os.path.join(root, "zz_empty"))
    r = run(["centres", "--folder", root, "--model", MODEL, "-o",
             p("fc3.npy"), "-q"])
    check(r.returncode == 1 and "zz_empty" in r.stderr
          and not os.path.exists(p("fc3.npy")),
          "an identity folder without images fails, naming it, no output")
    os.rmdir(os.path.join(root, "zz_empty"))


# -------------------------------------------------------- generate --recipe
def dataset_files(out):
    got = {}
    for f in glob.glob(os.path.join(out, "[0-9]*", "*")):
        got[os.path.relpath(f, out)] = open(f, "rb").read()
    return got


def test_recipe():
    rng = np.random.default_rng(5)
    ids = p("r_ids.npy")
    np.save(ids, (rng.standard_normal((2, 512)) * 2).astype(np.float32))
    flags = ["--model", MODEL, "--ids", ids, "--per-id", "2", "--eps",
             "0.4:1,0.6:3", "--seed", "7", "--threads", "1", "--quiet"]
    a, b, c, d = p("rA"), p("rB"), p("rC"), p("rD")
    if not ok(run(["generate", "--out", a] + flags), "generate with flags"):
        return
    rec = p("recipe.cfg")
    with open(rec, "w") as f:
        f.write("# a dataset recipe\n\n"
                f"model = {MODEL}\n"
                f"  ids   =   {ids}   \n"
                "per-id = 2\n"
                "eps = 0.4:1,0.6:3\n"
                "# the seed\n"
                "seed = 7\n"
                "threads = 1\n"
                "quiet = true\n")
    ok(run(["generate", "--recipe", rec, "--out", b]), "generate --recipe")
    check(open(os.path.join(a, "recipe.txt"), "rb").read()
          == open(os.path.join(b, "recipe.txt"), "rb").read(),
          "--recipe FILE writes the recipe.txt of the same flags")
    fa, fb = dataset_files(a), dataset_files(b)
    check(len(fa) == 4 and fa == fb, "--recipe FILE: the same images")
    # The command line overrides the file.
    ok(run(["generate", "--out", c] + flags[:-5] + ["--seed", "8",
                                                     "--threads", "1", "-q"]),
       "generate with flags, seed 8")
    ok(run(["generate", f"--recipe={rec}", "--seed", "8", "--out", d]),
       "generate --recipe=FILE --seed 8")
    check(open(os.path.join(c, "recipe.txt"), "rb").read()
          == open(os.path.join(d, "recipe.txt"), "rb").read()
          and dataset_files(c) == dataset_files(d),
          "a flag on the command line overrides the file's key")
    check(dataset_files(c) != fa, "seed 8 differs from seed 7")

    # Errors name FILE:LINE and the key; exit 2.
    cases = [
        ("seed = 7\nperturb-everything = 3\n", 2, "perturb-everything"),
        ("seed = 7\n\nper-id = three\n", 3, "per-id"),
        ("# c\nseed 7\n", 2, "seed 7"),
        ("seed = 1\nseed = 2\n", 2, "seed"),
        ("quiet = maybe\n", 1, "quiet"),
        ("recipe = other.cfg\n", 1, "recipe"),
        ("format = gif\n", 1, "format"),
    ]
    for i, (text, line, key) in enumerate(cases):
        bad = p(f"bad{i}.cfg")
        open(bad, "w").write(text)
        r = run(["generate", "--recipe", bad, "--model", MODEL, "--ids", ids,
                 "--out", p(f"rbad{i}")])
        check(r.returncode == 2 and f"{bad}:{line}" in r.stderr
              and key in r.stderr,
              f"recipe error {key!r} -> exit 2 naming {os.path.basename(bad)}"
              f":{line} (got {r.returncode}: {r.stderr.strip()[:160]!r})")
    r = run(["generate", "--recipe", p("missing.cfg"), "--out", p("rm")])
    check(r.returncode == 2 and "missing.cfg" in r.stderr,
          "a missing recipe file is a usage error naming it")


# ---------------------------------------------------- generate --identities
def test_identities_dir():
    gen = ["--model", MODEL, "--per-id", "2", "--seed", "3", "--threads", "1",
           "--quiet"]
    # One identity per image.
    refs = p("refs")
    os.makedirs(refs)
    names = ["carol.png", "alice.png", "bob.jpg"]
    for name, img in zip(names, rgb_images(21, 3)):
        v2f.write_image(os.path.join(refs, name), img.tobytes())
    open(os.path.join(refs, "notes.txt"), "w").write("not an image\n")
    order = sorted(names)
    feats = features_of([os.path.join(refs, n) for n in order])
    np.save(p("hand.npy"), feats.astype(np.float32))
    out, hand = p("iA"), p("iHand")
    r = run(["generate", "--identities", refs, "--out", out] + gen)
    if not ok(r, "generate --identities DIR of images"):
        return
    ok(run(["generate", "--ids", p("hand.npy"), "--out", hand] + gen),
       "generate --ids hand-made .npy of the same features")
    got = np.load(os.path.join(out, "identities.npy"))
    check(np.allclose(got, feats, rtol=1e-5, atol=1e-5),
          "identities.npy = the binding's ArcFace features, names sorted")
    check(open(os.path.join(out, "identities.txt")).read().splitlines()
          == order, "identities.txt: the image names in row order")
    fa, fh = dataset_files(out), dataset_files(hand)
    check(len(fa) == 6 and fa == fh,
          "--identities DIR images = --ids with the hand-made features")
    # Restart: reused, not recomputed.
    st = os.stat(os.path.join(out, "identities.npy"))
    time.sleep(0.05)
    r = run(["generate", "--identities", refs, "--out", out] + gen[:-1])
    check(r.returncode == 0 and "reusing" in r.stderr
          and os.stat(os.path.join(out, "identities.npy")).st_mtime_ns
          == st.st_mtime_ns, "restart with the same DIR reuses identities.npy")
    # A changed folder is refused; nothing is rewritten.
    v2f.write_image(os.path.join(refs, "dave.png"),
                    rgb_images(22, 1)[0].tobytes())
    r = run(["generate", "--identities", refs, "--out", out] + gen)
    check(r.returncode == 1 and "differs" in r.stderr and
          np.array_equal(np.load(os.path.join(out, "identities.npy")), got),
          "a changed DIR is refused, identities.npy kept")

    # One identity per subfolder: the mean feature.
    tree = p("tree")
    groups = {"p2": 2, "p1": 3}
    want = {}
    for g, k in groups.items():
        os.makedirs(os.path.join(tree, g))
        files = []
        for j, img in enumerate(rgb_images(30 + k, k)):
            f = os.path.join(tree, g, f"{j}.png")
            v2f.write_image(f, img.tobytes())
            files.append(f)
        want[g] = features_of(files).mean(0)
    np.save(p("hand2.npy"), np.stack([want["p1"], want["p2"]])
            .astype(np.float32))
    out2, hand2 = p("iB"), p("iHand2")
    if ok(run(["generate", "--identities", tree, "--out", out2] + gen),
          "generate --identities DIR of subfolders"):
        ok(run(["generate", "--ids", p("hand2.npy"), "--out", hand2] + gen),
           "generate --ids hand-made means")
        check(open(os.path.join(out2, "identities.txt")).read().splitlines()
              == ["p1", "p2"], "identities.txt: subfolder names in order")
        got2 = np.load(os.path.join(out2, "identities.npy"))
        check(np.allclose(got2, np.load(p("hand2.npy")), rtol=1e-4,
                          atol=1e-5), "subfolder identities = mean features")
        # Same vectors up to float rounding of the mean: compare the
        # generated images only when the vectors are bitwise equal.
        if np.array_equal(got2, np.load(p("hand2.npy"))):
            check(dataset_files(out2) == dataset_files(hand2),
                  "--identities DIR subfolders = --ids hand-made means")
        else:
            np.save(p("hand2.npy"), got2)
            ok(run(["generate", "--ids", p("hand2.npy"), "--out",
                    p("iHand3")] + gen), "generate --ids its identities.npy")
            check(dataset_files(out2) == dataset_files(p("iHand3")),
                  "--identities DIR subfolders = --ids of the same vectors")
    mixed = p("mixed")
    os.makedirs(os.path.join(mixed, "sub"))
    v2f.write_image(os.path.join(mixed, "x.png"), rgb_images(1, 1)[0].tobytes())
    r = run(["generate", "--identities", mixed, "--out", p("iM")] + gen)
    check(r.returncode == 1 and "both" in r.stderr,
          "images and subfolders mixed: refused with a message")


# ------------------------------------------------------------- help & usage
def test_help_and_usage():
    for sub, flags in (("sample-ids", ["--count", "--out", "--fit",
                                       "--shrinkage", "--sampler",
                                       "--threshold", "--seed", "--exclude",
                                       "--quiet", "0.3"]),
                       ("centres", ["--folder", "--model", "--features",
                                    "--labels", "--out", "--names",
                                    "--normalize"]),
                       ("generate", ["--recipe", "--identities",
                                     "key = value"])):
        r = run([sub, "--help"])
        check(r.returncode == 0 and "Usage: vec2face" in r.stdout
              and all(f in r.stdout for f in flags),
              f"`vec2face {sub} --help` documents {', '.join(flags)}")
    r = run(["--help"])
    check("sample-ids" in r.stdout and "centres" in r.stdout,
          "top --help lists sample-ids and centres")
    o = p("u.npy")
    bad = [
        ["sample-ids"],
        ["sample-ids", "--out", o],
        ["sample-ids", "--count", "0", "--out", o],
        ["sample-ids", "--count", "ten", "--out", o],
        ["sample-ids", "--count", "5", "--out", o, "--threshold", "1.5"],
        ["sample-ids", "--count", "5", "--out", o, "--threshold", "-1"],
        ["sample-ids", "--count", "5", "--out", o, "--fit", "a.npy",
         "--sampler", "b.npz"],
        ["sample-ids", "--count", "5", "--out", o, "--shrinkage", "0.1"],
        ["sample-ids", "--count", "5", "--out", o, "--fit", "a.npy",
         "--shrinkage", "2"],
        ["sample-ids", "--count", "5", "--out", o, "--fit", "a.npy",
         "--dim", "8"],
        ["sample-ids", "--count", "5", "--out", o, "--norm-mean", "0"],
        ["sample-ids", "--count", "5", "--out", o, "--bogus"],
        ["sample-ids", "--count", "5", "--out", o, "extra"],
        ["centres"],
        ["centres", "--out", o],
        ["centres", "--out", o, "--folder", "x"],
        ["centres", "--out", o, "--features", "f.npy"],
        ["centres", "--out", o, "--folder", "x", "--model", "m",
         "--features", "f.npy", "--labels", "l.npy"],
        ["centres", "--out", o, "--features", "f.npy", "--labels", "l.npy",
         "--names", "n.txt"],
        ["centres", "--out", o, "--features", "f.npy", "--labels", "l.npy",
         "--num-ids", "0"],
        ["generate", "--model", MODEL, "--ids", o, "--identities", TMP,
         "--out", p("x")],
        ["generate", "--model", MODEL, "--out", p("x")],
        ["generate", "--model", MODEL, "--ids", o, "--out", p("x"),
         "--recipe", "a", "--recipe", "b"],
    ]
    for args in bad:
        r = run(args)
        check(r.returncode == 2 and "Try 'vec2face" in r.stderr,
              f"`vec2face {' '.join(os.path.basename(a) for a in args)}` "
              f"-> exit 2 (got {r.returncode})")


if __name__ == "__main__":
    run_each(test_help_and_usage, test_sample_ids, test_centres_features,
             test_centres_folder, test_recipe, test_identities_dir)
