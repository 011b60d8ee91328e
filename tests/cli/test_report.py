#!/usr/bin/env python3
"""End-to-end test of `vec2face report` (stdlib + numpy + the ctypes
binding). Usage: test_report.py PATH/TO/vec2face MODEL_DIR LIBVEC2FACE

Tiny-model datasets are made with `vec2face generate`; then every number in
report.json is recomputed by brute force: images decoded here (PNG with a
zlib decoder in png_codec.py, JPEG through the binding), features, quality
and yaw through the binding in one batch (the report uses others), and
then in float64 NumPy: both centres, per-image and per-identity cosines,
nearest neighbours and separability at 0.4, every histogram count with the
documented bin rule, the summary statistics, and the contact sheet pixel by
pixel (box-average reduction). Also: an incomplete dataset (a missing and a
corrupt image), a JPEG dataset of one identity, models without some parts,
no model, a moved identities file, a self-contained HTML page, --help and
usage errors (exit 2).
"""
import base64
import glob
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

LIB = sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))
os.environ["VEC2FACE_LIBRARY"] = LIB
import vec2face  # noqa: E402
sys.path.insert(0, HERE)
# after VEC2FACE_LIBRARY is set: the CLI's environment (harness.ENV) has it too
from harness import CLI, ENV, MODEL, check, log, p, run, session, start  # noqa: E402
from png_codec import png_decode  # noqa: E402  (independent of the library)

TMP = start("v2f-report-")
TOL = 1e-5          # cosines (features from another batch shape)
REL = 1e-5          # quality, yaw: relative


def decode(path):
    if path.endswith(".png"):
        img = png_decode(open(path, "rb").read())
        lib = np.asarray(vec2face.read_image(path))
        check(np.array_equal(img, lib), f"PNG decoder here == library on "
              f"{os.path.relpath(path, TMP)}") if path.endswith("000.png") else None
        return img
    return np.asarray(vec2face.read_image(path))


# ---- brute force ----

def cos(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(a @ b / math.sqrt((a @ a) * (b @ b)))


def hist(values, bins, lo=None, hi=None):
    v = np.asarray([x for x in values], np.float64)
    if lo is None:
        lo = math.floor(v.min()) if len(v) else 0.0
        hi = math.ceil(v.max()) if len(v) else 1.0
        if hi <= lo:
            hi = lo + 1.0
    k = np.floor((v - lo) / (hi - lo) * bins)
    k = np.clip(k, 0, bins - 1).astype(int)
    return float(lo), float(hi), np.bincount(k, minlength=bins).tolist(), v


def near_edge(v, lo, hi, bins, tol):
    edges = lo + (hi - lo) * np.arange(bins + 1) / bins
    return any(np.min(np.abs(edges - x)) <= tol * max(1.0, abs(x)) for x in v)


def close(a, b, tol, rel=False):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * (max(1.0, abs(b)) if rel else 1.0)


def check_hist(j, values, bins, what, tol, lo=None, hi=None):
    blo, bhi, counts, v = hist(values, bins, lo, hi)
    if lo is None:
        check(j["lo"] == blo and j["hi"] == bhi,
              f"{what}: histogram range [{j['lo']}, {j['hi']}] == "
              f"[floor(min), ceil(max)] = [{blo}, {bhi}]")
    check(j["bins"] == bins and len(j["counts"]) == bins,
          f"{what}: {bins} bins")
    ok = j["counts"] == counts
    if not ok and near_edge(v, j["lo"], j["hi"], bins, tol):
        ok = sum(j["counts"]) == sum(counts)
        log(f"note {what}: a value within {tol} of a bin edge; totals only")
    check(ok, f"{what}: histogram counts {j['counts']} == brute force")


class Truth:
    """Everything recomputed from the files of a dataset folder."""

    def __init__(self, model, out, ids_path, per_id, ext, dropped=()):
        self.ids = np.load(ids_path) if ids_path else None
        n = len(self.ids) if self.ids is not None else None
        self.keys, imgs, self.state = [], [], {}
        for i in range(n):
            for j in range(per_id):
                f = os.path.join(out, f"{i:06d}", f"{j:03d}.{ext}")
                if not os.path.exists(f):
                    self.state[(i, j)] = "dropped" if (i, j) in dropped else "missing"
                    continue
                try:
                    img = decode(f)
                except Exception:
                    self.state[(i, j)] = "unreadable"
                    continue
                self.state[(i, j)] = "read"
                self.keys.append((i, j))
                imgs.append(img)
        self.imgs = np.stack(imgs)
        self.n_ids, self.per_id = n, per_id
        self.feat = model.features(self.imgs) if model and model.has_part(
            vec2face.Part.ARCFACE) else None
        self.q = model.quality(self.imgs) if model and model.has_part(
            vec2face.Part.MAGFACE) else None
        self.yaw = model.pose(self.imgs)[:, 1] if model and model.has_part(
            vec2face.Part.HEADPOSE) else None
        self.by_id = {i: [k for k, key in enumerate(self.keys) if key[0] == i]
                      for i in range(n)}
        if self.feat is not None:
            self.centre = {i: np.mean(self.feat[r].astype(np.float64), axis=0)
                           .astype(np.float32) for i, r in self.by_id.items() if r}
            self.cc = [cos(self.feat[k], self.centre[key[0]])
                       for k, key in enumerate(self.keys)]
            self.ci = [cos(self.feat[k], self.ids[key[0]])
                       for k, key in enumerate(self.keys)]


def nearest(vectors):
    v = np.asarray(vectors, np.float64)
    u = v / np.linalg.norm(v, axis=1, keepdims=True)
    s = u @ u.T
    np.fill_diagonal(s, -np.inf)
    return s.max(axis=1)


def check_sep(j, vectors, thr, what):
    nn = nearest(vectors)
    check(j["measured"] and j["n"] == len(vectors), f"{what}: measured, n")
    want = int(np.sum(nn <= np.float64(np.float32(thr))))
    borderline = np.any(np.abs(nn - thr) < TOL)
    check(j["separated"] == want or borderline,
          f"{what}: separated {j['separated']} == brute force {want}")
    check(close(j["fraction"], j["separated"] / len(vectors), 1e-7),
          f"{what}: fraction")
    check(close(j["nn_min"], nn.min(), TOL) and close(j["nn_max"], nn.max(), TOL)
          and close(j["nn_mean"], nn.mean(), TOL), f"{what}: nn min/mean/max")
    check_hist(j["nn_histogram"], nn, j["nn_histogram"]["bins"],
               f"{what} nn", TOL, -1.0, 1.0)
    return nn


def check_report(rep, t, bins, thr=0.4, per_image=True):
    c = rep["counts"]
    read = len(t.keys)
    def count(state, i=None):
        return sum(1 for k, s in t.state.items()
                   if s == state and (i is None or k[0] == i))
    measured_ids = [i for i in range(t.n_ids) if t.by_id[i]]
    complete = [i for i in range(t.n_ids)
                if len(t.by_id[i]) + count("dropped", i) == t.per_id]
    check(c == {"identities": t.n_ids, "identities_measured": len(measured_ids),
                "identities_complete": len(complete),
                "images_expected": t.n_ids * t.per_id, "images_read": read,
                "images_missing": count("missing"),
                "images_unreadable": count("unreadable"),
                "images_dropped": count("dropped")},
          f"counts {c}")
    # per image
    if per_image:
        imgs = {(e["identity"], e["image"]): e for e in rep["images"]}
        check(len(imgs) == t.n_ids * t.per_id, "one per-image entry per image")
        check(all(imgs[k]["state"] == s for k, s in t.state.items()),
              "per-image states (read / missing / unreadable)")
        ok = True
        for k, key in enumerate(t.keys):
            e = imgs[key]
            if t.feat is not None:
                ok &= close(e["cos_mean_centre"], t.cc[k], TOL)
                ok &= close(e["cos_input"], t.ci[k], TOL)
            if t.q is not None:
                ok &= close(e["quality"], float(t.q[k]), REL, True)
            if t.yaw is not None:
                ok &= close(e["yaw"], float(t.yaw[k]), REL, True)
        for key, s in t.state.items():
            if s != "read":
                e = imgs[key]
                ok &= all(e[f] is None for f in ("cos_mean_centre", "cos_input",
                                                 "quality", "yaw"))
        check(ok, "per-image cosines, quality and yaw == brute force")
    # per identity
    ok = True
    ids = {e["identity"]: e for e in rep["identities"]}
    nn_c = None
    sep = rep["separability"]
    if t.feat is not None and len(measured_ids) >= 2:
        nn_c = dict(zip(measured_ids, check_sep(
            sep["mean_centres"], [t.centre[i] for i in measured_ids], thr,
            "separability of the mean centres")))
    elif t.feat is not None:
        check(not sep["mean_centres"]["measured"]
              and "needs two identities" in sep["mean_centres"]["reason"],
              "separability of one identity: not measured, says why")
    nn_i = None
    if t.feat is not None and t.ids is not None and t.n_ids >= 2:
        nn_i = check_sep(sep["input_vectors"], t.ids, thr,
                         "separability of the input vectors")
    for i in range(t.n_ids):
        e, r = ids[i], t.by_id[i]
        ok &= (e["images"] == len(r) and e["missing"] == count("missing", i)
               and e["unreadable"] == count("unreadable", i)
               and e["dropped"] == count("dropped", i))
        if t.feat is not None and r:
            cc = [t.cc[k] for k in r]
            ci = [t.ci[k] for k in r]
            ok &= close(e["cos_mean_centre_mean"], np.mean(cc), TOL)
            ok &= close(e["cos_mean_centre_min"], min(cc), TOL)
            ok &= close(e["cos_input_mean"], np.mean(ci), TOL)
            ok &= close(e["cos_input_min"], min(ci), TOL)
        else:
            ok &= e["cos_mean_centre_mean"] is None and e["cos_input_min"] is None
        ok &= close(e["nn_mean_centre"], nn_c.get(i) if nn_c else None, TOL)
        ok &= close(e["nn_input"], float(nn_i[i]) if nn_i is not None else None, TOL)
        if t.q is not None and r:
            ok &= close(e["quality_mean"], float(np.mean(t.q[r].astype(np.float64))), REL, True)
        else:
            ok &= e["quality_mean"] is None
        if t.yaw is not None and r:
            ok &= close(e["yaw_mean"], float(np.mean(t.yaw[r].astype(np.float64))), REL, True)
        else:
            ok &= e["yaw_mean"] is None
    check(ok, "per-identity counts, mean/min cosines to both centres, "
          "nearest neighbours, quality and yaw means == brute force")
    # dataset-wide
    con = rep["consistency"]
    if t.feat is not None:
        for key, vals in (("mean_centre", t.cc), ("input_centre", t.ci)):
            j = con[key]
            check(j["measured"] and close(j["mean"], np.mean(vals), TOL)
                  and close(j["min"], min(vals), TOL),
                  f"consistency to the {key}: mean and min")
            check_hist(j["histogram"], vals, bins, f"cosine to the {key}", TOL,
                       -1.0, 1.0)
    for key, vals in (("quality", t.q), ("yaw", t.yaw)):
        j = rep[key]
        if vals is None:
            continue
        v = vals.astype(np.float64)
        ok = (j["measured"] and close(j["mean"], v.mean(), REL, True)
              and close(j["min"], v.min(), REL, True)
              and close(j["max"], v.max(), REL, True))
        if key == "yaw":
            ok &= close(j["abs_mean"], np.abs(v).mean(), REL, True)
        check(ok, f"{key}: mean, min, max")
        check_hist(j["histogram"], v, bins, key, REL)


def sheet_truth(t, out, ext, rows, cols, tile):
    f = 112 // tile
    sheet = np.full((rows * tile, cols * tile, 3), 128, np.uint8)
    for i in range(rows):
        for j in range(cols):
            if t.state.get((i, j)) != "read":
                continue
            img = decode(os.path.join(out, f"{i:06d}", f"{j:03d}.{ext}")).astype(np.int64)
            s = img.reshape(tile, f, tile, f, 3).sum(axis=(1, 3))
            sheet[i * tile:(i + 1) * tile, j * tile:(j + 1) * tile] = \
                (s + f * f // 2) // (f * f)
    return sheet


def check_html(path, sheet_path):
    html = open(path, encoding="utf-8").read()
    check("<svg" in html, "HTML has inline SVG plots")
    check("http://" not in html and "https://" not in html,
          "HTML has no http(s) reference")
    srcs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html)
    check(all(s.startswith("data:") for s in srcs) and srcs,
          f"every src/href of the HTML is a data: URI ({len(srcs)})")
    m = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    check(m and base64.b64decode(m.group(1)) == open(sheet_path, "rb").read(),
          "HTML embeds the contact sheet PNG byte for byte")
    check("<script" not in html and "<link" not in html, "HTML: no script, "
          "no link")


# ---- the tests ----

def test_help_and_usage():
    r = run(["report", "--help"])
    check(r.returncode == 0 and "Usage: vec2face report" in r.stdout,
          "`report --help` prints usage, exit 0")
    for flag in ("--models", "--out-prefix", "--quiet", "--ids", "--per-image",
                 "--bins", "--sheet-tile"):
        if flag not in r.stdout:
            check(False, f"report --help mentions {flag}")
    r = run(["--help"])
    check(r.returncode == 0 and "report" in r.stdout, "top --help lists report")
    for args in (["report"], ["report", "a", "b"], ["report", "x", "--bins", "0"],
                 ["report", "x", "--sheet-tile", "30"], ["report", "x", "--bogus"],
                 ["report", "x", "--threshold", "2"], ["report", "x", "--models"],
                 ["report", "x", "--batch", "zero"]):
        r = run(args)
        check(r.returncode == 2 and "vec2face report" in r.stderr,
              f"`vec2face {' '.join(args)}` is a usage error, exit 2")
    r = run(["report", p("no-such-folder")])
    check(r.returncode == 1 and "no-such-folder" in r.stderr,
          "a folder without recipe.txt: exit 1 naming it")


def generate(out, ids, per_id, fmt="png"):
    r = run(["generate", "--model", MODEL, "--ids", ids, "--out", out,
             "--per-id", str(per_id), "--seed", "5", "--threads", "1",
             "--format", fmt, "--quiet"])
    assert r.returncode == 0, r.stderr


def test_png_incomplete(model):
    """Five identities x 4 PNGs; one missing, one corrupt, one dropped."""
    out = p("png")
    rng = np.random.default_rng(77)
    ids = p("ids.npy")
    np.save(ids, (rng.standard_normal((5, 512)) * 2.0).astype(np.float32))
    generate(out, ids, 4)
    os.remove(os.path.join(out, "000002", "001.png"))        # missing
    with open(os.path.join(out, "000003", "002.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\nnot really")               # corrupt
    # Dropped by the consistency filter: no file, a manifest row that says
    # so (columns in another order, one unknown column, as a later part
    # might have them; a torn last line is ignored).
    os.remove(os.path.join(out, "000001", "003.png"))
    with open(os.path.join(out, "manifest", "part-7-of-9.csv"), "w") as f:
        f.write("status,file,identity,future,image\n"
                "dropped,000001/003.png,1,x,3\n"
                "ok,000001/002.png,1,x,2\n"
                "dropped,000004/000.png,4,x")
    os.makedirs(p("rep"))
    prefix = p("rep", "a-")
    r = run(["report", out, "--models", MODEL, "--per-image", "--bins", "7",
             "--sheet-tile", "28", "--sheet-ids", "4", "--sheet-images", "3",
             "--batch", "3", "--out-prefix", prefix, "--threads", "1"])
    check(r.returncode == 0, f"report of an incomplete PNG dataset: exit 0 "
          f"({r.stderr.strip()[-300:]})")
    check("images: 20 expected, 17 read, 1 missing, 1 unreadable, 1 dropped"
          in r.stdout, "summary line counts the missing, the corrupt and the "
          "dropped image")
    check("separability at 0.40" in r.stdout and "quality: mean" in r.stdout,
          "summary has separability and quality")
    rep = json.load(open(prefix + "report.json"))
    check(rep["identities_file"] == ids and rep["image_format"] == "png",
          "report names the identities file and format")
    t = Truth(model, out, ids, 4, "png", dropped={(1, 3)})
    check_report(rep, t, 7)
    cs = rep["contact_sheet"]
    check(cs == {"file": "a-contact_sheet.png", "width": 84, "height": 112,
                 "tile": 28, "rows": 4, "columns": 3}, f"contact sheet entry {cs}")
    got = png_decode(open(prefix + "contact_sheet.png", "rb").read())
    want = sheet_truth(t, out, "png", 4, 3, 28)
    check(got.shape == (112, 84, 3), f"contact sheet is 84x112 ({got.shape})")
    check(np.array_equal(got, want), "contact sheet tiles == box-averaged "
          "images, grey where missing or corrupt")
    check_html(prefix + "report.html", prefix + "contact_sheet.png")
    check(not glob.glob(p("rep", ".*")) and not os.path.exists(
        os.path.join(out, "report.json")), "no temporary files; nothing in "
          "the dataset folder with --out-prefix")
    return out, ids, t


def test_jpeg_one_identity(model):
    out = p("jpg1")
    ids = p("ids1.npy")
    np.save(ids, (np.random.default_rng(3).standard_normal((1, 512)) * 2.0)
            .astype(np.float32))
    generate(out, ids, 3, "jpg")
    r = run(["report", out, "--models", MODEL, "--per-image", "--threads", "1",
             "--quiet"])
    check(r.returncode == 0 and r.stdout == "", f"JPEG, one identity, --quiet:"
          f" exit 0, silent ({r.stderr.strip()[-300:]})")
    rep = json.load(open(os.path.join(out, "report.json")))
    t = Truth(model, out, ids, 3, "jpg")
    check_report(rep, t, 20)
    check(not rep["separability"]["input_vectors"]["measured"],
          "input separability of one identity: not measured")
    got = png_decode(open(os.path.join(out, "contact_sheet.png"), "rb").read())
    check(np.array_equal(got, sheet_truth(t, out, "jpg", 1, 3, 56)),
          "JPEG contact sheet (1 row of 3 tiles of 56) == box averages")
    check_html(os.path.join(out, "report.html"),
               os.path.join(out, "contact_sheet.png"))


def test_parts_and_no_model(out, ids):
    part_dir = p("mag_pose_only")
    os.makedirs(part_dir)
    for f in ("magface.pt", "headpose.pt"):
        shutil.copy(os.path.join(MODEL, f), part_dir)
    r = run(["report", out, "--models", part_dir, "--out-prefix", p("parts-"),
             "--threads", "1", "--quiet"])
    check(r.returncode == 0, "report with a model lacking arcface.pt: exit 0")
    rep = json.load(open(p("parts-report.json")))
    con = rep["consistency"]["mean_centre"]
    check(not con["measured"] and "model lacks arcface.pt" in con["reason"],
          f"consistency: not measured (model lacks arcface.pt): {con}")
    check(not rep["separability"]["mean_centres"]["measured"],
          "separability: not measured without arcface.pt")
    check(rep["quality"]["measured"] and rep["yaw"]["measured"],
          "quality and yaw still measured")
    html = open(p("parts-report.html")).read()
    check("not measured (model lacks arcface.pt)" in html,
          "HTML says 'not measured (model lacks arcface.pt)'")
    r = run(["report", out, "--out-prefix", p("none-"), "--quiet"])
    rep = json.load(open(p("none-report.json")))
    check(r.returncode == 0 and not rep["quality"]["measured"]
          and not rep["yaw"]["measured"]
          and rep["counts"]["images_read"] == 17,
          "report without a model: counts only, sections not measured")
    # The identities file moved: the input half is not measured, unless
    # --ids names the new place.
    moved = p("ids-moved.npy")
    os.rename(ids, moved)
    r = run(["report", out, "--models", MODEL, "--out-prefix", p("moved-"),
             "--threads", "1", "--quiet"])
    rep = json.load(open(p("moved-report.json")))
    j = rep["consistency"]["input_centre"]
    check(r.returncode == 0 and not j["measured"] and "ids.npy" in j["reason"]
          and rep["consistency"]["mean_centre"]["measured"],
          f"identities file gone: input centre not measured, says why ({j})")
    other = p("other.npy")
    np.save(other, np.ones((5, 512), np.float32))
    r = run(["report", out, "--models", MODEL, "--out-prefix", p("other-"),
             "--ids", other, "--threads", "1", "--quiet"])
    j = json.load(open(p("other-report.json")))["consistency"]["input_centre"]
    check(r.returncode == 0 and not j["measured"]
          and "not the recipe's" in j["reason"],
          "a different identities file is refused by its digest")
    r = run(["report", out, "--models", MODEL, "--out-prefix", p("ids-"),
             "--ids", moved, "--threads", "1", "--quiet"])
    j = json.load(open(p("ids-report.json")))["consistency"]["input_centre"]
    check(r.returncode == 0 and j["measured"], "--ids with the moved file: "
          "input centre measured again")
    shutil.copy(moved, os.path.join(out, "ids.npy"))
    r = run(["report", out, "--models", MODEL, "--out-prefix", p("inside-"),
             "--threads", "1", "--quiet"])
    rep = json.load(open(p("inside-report.json")))
    check(r.returncode == 0 and rep["consistency"]["input_centre"]["measured"]
          and rep["identities_file"] == os.path.join(out, "ids.npy"),
          "identities file moved into the dataset folder: found there")


def test_interrupt(out):
    """Ctrl-C: exit 130 and no report file (they are written at the end)."""
    proc = subprocess.Popen([CLI, "report", out, "--models", MODEL,
                             "--out-prefix", p("int-"), "--batch", "1",
                             "--threads", "1"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    # Wait until the command catches SIGINT (loading libtorch before main
    # can take seconds on a busy machine): bit 1 of SigCgt in /proc.
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            status = open(f"/proc/{proc.pid}/status").read()
            cgt = int(re.search(r"SigCgt:\s*([0-9a-f]+)", status).group(1), 16)
            if cgt & (1 << (signal.SIGINT - 1)):
                break
        except (OSError, AttributeError):
            pass
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    check(proc.returncode == 130 and "interrupted" in err,
          f"SIGINT: exit 130 ({proc.returncode}, {err.strip()[-200:]})")
    check(not glob.glob(p("int-*")) and not glob.glob(p(".int-*")),
          "SIGINT: no report file, no temporary file")


# ---- the C API directly (ctypes mirrors of the two new structs) ----

import ctypes as C  # noqa: E402

PROGRESS = C.CFUNCTYPE(C.c_int, C.c_void_p, C.c_uint64, C.c_uint64)


class ReportOpts(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("out_prefix", C.c_char_p),
                ("identities", C.c_char_p), ("batch_size", C.c_int32),
                ("histogram_bins", C.c_int32), ("threshold", C.c_float),
                ("sheet_identities", C.c_int32), ("sheet_images", C.c_int32),
                ("sheet_tile", C.c_int32), ("per_image", C.c_int32),
                ("progress", PROGRESS), ("progress_user", C.c_void_p)]


class Summary(C.Structure):
    _fields_ = ([("struct_size", C.c_uint32), ("measured", C.c_uint32)]
                + [(n, C.c_uint64) for n in (
                    "identities", "identities_measured", "identities_complete",
                    "images_expected", "images_read", "images_missing",
                    "images_unreadable", "images_dropped")]
                + [(n, C.c_float) for n in (
                    "cos_mean_centre_mean", "cos_mean_centre_min",
                    "cos_input_mean", "cos_input_min")]
                + [("separability_n", C.c_uint64), ("separated", C.c_uint64)]
                + [(n, C.c_float) for n in (
                    "threshold", "quality_mean", "quality_min", "quality_max",
                    "yaw_mean", "yaw_min", "yaw_max", "abs_yaw_mean")]
                + [("sheet_width", C.c_int32), ("sheet_height", C.c_int32)])


def test_c_api(model, out):
    lib = C.CDLL(LIB)
    lib.v2f_dataset_report_opts_init.argtypes = [C.POINTER(ReportOpts), C.c_size_t]
    lib.v2f_dataset_report_write.argtypes = [C.c_void_p, C.c_char_p,
                                             C.POINTER(ReportOpts),
                                             C.POINTER(Summary)]
    lib.v2f_last_error.restype = C.c_char_p

    def opts(**kw):
        o = ReportOpts()
        lib.v2f_dataset_report_opts_init(C.byref(o), C.sizeof(o))
        for k, v in kw.items():
            setattr(o, k, v)
        return o

    o = opts()
    check((o.batch_size, o.histogram_bins, o.sheet_identities, o.sheet_images,
           o.sheet_tile, o.per_image) == (32, 20, 16, 8, 56, 0)
          and abs(o.threshold - 0.4) < 1e-7, "opts_init defaults")
    d = out.encode()
    for what, args, word in (
            ("NULL folder", (None, None, opts(), None), "folder"),
            ("struct_size 0", (None, d, ReportOpts(), None), "struct_size"),
            ("sheet_tile 30", (None, d, opts(sheet_tile=30), None), "sheet_tile"),
            ("batch_size 0", (None, d, opts(batch_size=0), None), "batch_size"),
            ("threshold 1.5", (None, d, opts(threshold=1.5), None), "threshold"),
            ("sheet_identities 1001", (None, d, opts(sheet_identities=1001),
                                       None), "sheet_identities")):
        st = lib.v2f_dataset_report_write(*args)
        msg = lib.v2f_last_error().decode()
        check(st == 1 and word in msg, f"C API: {what} is V2F_E_INVALID_ARG "
              f"naming it ({msg})")
    st = lib.v2f_dataset_report_write(None, p("nowhere").encode(), None, None)
    check(st == 2 and "nowhere" in lib.v2f_last_error().decode(),
          "C API: a folder without recipe.txt is V2F_E_IO naming it")
    # Cancel from the progress callback: V2F_E_CANCELLED, nothing written.
    calls = []

    def cancel(user, done, total):
        calls.append((done, total))
        return 1
    cb = PROGRESS(cancel)
    o = opts(out_prefix=p("cancel-").encode(), batch_size=2, progress=cb)
    with model._use() as h:   # the binding's raw handle, held for the call
        st = lib.v2f_dataset_report_write(h, d, C.byref(o), None)
    check(st == 8 and calls and calls[0][1] == 20 and not glob.glob(p("*cancel-*")),
          f"C API: progress returning 1 cancels (V2F_E_CANCELLED), nothing "
          f"written ({st}, {calls})")
    # The summary equals report.json; a short struct_size is respected.
    s = Summary()
    s.struct_size = C.sizeof(s)
    calls.clear()
    cb = PROGRESS(lambda u, done, total: calls.append(done) or 0)
    o = opts(out_prefix=p("capi-").encode(), progress=cb, histogram_bins=5)
    with model._use() as h:
        st = lib.v2f_dataset_report_write(h, d, C.byref(o), C.byref(s))
    rep = json.load(open(p("capi-report.json")))
    f32 = lambda x: float(np.float32(x))  # noqa: E731
    con, sep = rep["consistency"], rep["separability"]["mean_centres"]
    check(st == 0 and s.measured == 31 and calls and calls[-1] == 20
          and calls == sorted(calls), f"C API: V2F_OK, all sections measured, "
          f"progress up to 20 ({calls})")
    check(all(getattr(s, k) == v for k, v in rep["counts"].items())
          and s.cos_mean_centre_mean == f32(con["mean_centre"]["mean"])
          and s.cos_input_min == f32(con["input_centre"]["min"])
          and (s.separability_n, s.separated) == (sep["n"], sep["separated"])
          and s.quality_max == f32(rep["quality"]["max"])
          and s.abs_yaw_mean == f32(rep["yaw"]["abs_mean"])
          and (s.sheet_width, s.sheet_height) == (rep["contact_sheet"]["width"],
                                                  rep["contact_sheet"]["height"]),
          "C API: the summary equals report.json")
    short = Summary()
    C.memset(C.byref(short), 0xAB, C.sizeof(short))
    short.struct_size = Summary.identities.offset + 8
    st = lib.v2f_dataset_report_write(None, d, C.byref(opts(
        out_prefix=p("short-").encode())), C.byref(short))
    check(st == 0 and short.identities == 5 and short.measured == 0
          and short.identities_measured == 0xABABABABABABABAB,
          "C API: no model measures nothing; fields past struct_size "
          "untouched")


def main():
    with session():
        model = vec2face.Model(MODEL, threads=1)
        log("---- help")
        test_help_and_usage()
        log("---- png, incomplete")
        out, ids, _ = test_png_incomplete(model)
        log("---- jpeg, one identity")
        test_jpeg_one_identity(model)
        log("---- C API")
        test_c_api(model, out)
        log("---- parts, no model, identities file")
        test_parts_and_no_model(out, ids)
        log("---- interrupt")
        test_interrupt(out)


if __name__ == "__main__":
    main()
