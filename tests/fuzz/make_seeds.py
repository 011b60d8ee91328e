#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets: OUT/<target>/<name>.

Generated (not committed) so that they follow the formats the library
writes and reads today; each seed is a valid input or a near miss that
takes the parser deep. Needs numpy (for .npy/.npz); the JPEG seeds come
from make_jpeg_seeds (libjpeg), run by run.sh.

Usage: make_seeds.py OUT
"""
import io
import math
import os
import struct
import sys
import zipfile
import zlib

import numpy as np


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy_bytes(arr, version=None):
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, version=version, allow_pickle=True)
    return b.getvalue()


def npy_seeds(out):
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    cases = {
        "f4_3x4": a,
        "f8_3x4": a.astype(np.float64),
        "f2_3x4": a.astype(np.float16),
        "be_f4_3x4": a.astype(">f4"),
        "fortran_3x4": np.asfortranarray(a),
        "1d_5": np.arange(5, dtype=np.float32),
        "0d": np.array(1.5, dtype=np.float32),
        "3d_2x2x2": np.ones((2, 2, 2), np.float32),
        "empty_0x3": np.zeros((0, 3), np.float32),
        "i4_2x2": np.arange(4, dtype=np.int32).reshape(2, 2),
        "u1_2x2": np.arange(4, dtype=np.uint8).reshape(2, 2),
        "bool_2x2": np.array([[True, False], [False, True]]),
        "struct": np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]),
        "object": np.array([1, "a"], dtype=object),
        "nan_inf": np.array([[np.nan, np.inf, -np.inf, 0.0]], np.float32),
    }
    for name, arr in cases.items():
        put(out, "fuzz_npy", name + ".npy", npy_bytes(arr))
    put(out, "fuzz_npy", "v2_f4_3x4.npy", npy_bytes(a, (2, 0)))
    put(out, "fuzz_npy", "v3_f4_3x4.npy", npy_bytes(a, (3, 0)))
    # Near misses: truncated data, header cut short.
    full = npy_bytes(a)
    put(out, "fuzz_npy", "truncated_data.npy", full[:-5])
    put(out, "fuzz_npy", "truncated_header.npy", full[:40])
    return a


def zip_bytes(members, compression, zip64=False):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression   # ZipInfo defaults to stored
            with z.open(info, "w", force_zip64=zip64) as f:
                f.write(data)
    return b.getvalue()


def npz_seeds(out, a):
    b = io.BytesIO()
    np.savez(b, a=a, other=np.zeros((1, 2), np.float32))
    put(out, "fuzz_npz", "savez.npz", b.getvalue())
    b = io.BytesIO()
    np.savez_compressed(b, a=a)
    put(out, "fuzz_npz", "savez_compressed.npz", b.getvalue())
    m = npy_bytes(a)
    put(out, "fuzz_npz", "exact_name.npz", zip_bytes([("a", m)], zipfile.ZIP_STORED))
    put(out, "fuzz_npz", "zip64_stored.npz",
        zip_bytes([("a.npy", m)], zipfile.ZIP_STORED, zip64=True))
    put(out, "fuzz_npz", "zip64_deflated.npz",
        zip_bytes([("a.npy", m)], zipfile.ZIP_DEFLATED, zip64=True))
    put(out, "fuzz_npz", "f8_deflated.npz",
        zip_bytes([("b.npy", m), ("a.npy", npy_bytes(a.astype(np.float64)))],
                  zipfile.ZIP_DEFLATED))
    put(out, "fuzz_npz", "empty.npz", zip_bytes([], zipfile.ZIP_STORED))


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


# Adam7 passes: (x0, y0, dx, dy).
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_bytes(w, h, color_type, depth, interlace=False):
    """A PNG of a deterministic pattern; samples per pixel from the type."""
    spp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    maxv = (1 << depth) - 1

    def sample(x, y, k):
        return (x * 7 + y * 13 + k * 50) % (maxv + 1)

    def row_bytes(xs, y):
        bits = []
        for x in xs:
            for k in range(spp):
                bits.append(sample(x, y, k))
        if depth >= 8:
            fmt = ">" + ("B" if depth == 8 else "H") * len(bits)
            return struct.pack(fmt, *bits)
        out, acc, n = bytearray(), 0, 0
        for v in bits:
            acc = (acc << depth) | v
            n += depth
            if n == 8:
                out.append(acc)
                acc, n = 0, 0
        if n:
            out.append(acc << (8 - n))
        return bytes(out)

    raw = bytearray()
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            xs = list(range(x0, w, dx))
            if not xs:
                continue
            for y in range(y0, h, dy):
                raw += bytes([0]) + row_bytes(xs, y)
    else:
        for y in range(h):
            raw += bytes([0]) + row_bytes(range(w), y)   # filter: none
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1 if interlace else 0)
    body = png_chunk(b"IHDR", ihdr)
    if color_type == 3:
        body += png_chunk(b"PLTE", bytes(range(48)))
        body += png_chunk(b"tRNS", bytes([0, 128]))
    body += png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    body += png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def png_seeds(out):
    for (w, h) in [(112, 112), (1, 1), (13, 7)]:
        put(out, "fuzz_png", f"rgb8-{w}x{h}.png", png_bytes(w, h, 2, 8))
        put(out, "fuzz_png", f"rgba8-{w}x{h}.png", png_bytes(w, h, 6, 8))
        put(out, "fuzz_png", f"gray8-{w}x{h}.png", png_bytes(w, h, 0, 8))
    put(out, "fuzz_png", "gray1-13x7.png", png_bytes(13, 7, 0, 1))
    put(out, "fuzz_png", "graya8-13x7.png", png_bytes(13, 7, 4, 8))
    put(out, "fuzz_png", "palette4-13x7.png", png_bytes(13, 7, 3, 4))
    put(out, "fuzz_png", "rgb16-13x7.png", png_bytes(13, 7, 2, 16))
    put(out, "fuzz_png", "rgb8-adam7-13x7.png", png_bytes(13, 7, 2, 8, interlace=True))
    full = png_bytes(13, 7, 2, 8)
    put(out, "fuzz_png", "truncated.png", full[:len(full) - 20])


def fnv1a64(data, h=0xcbf29ce484222325):
    for c in data:
        h ^= c
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h


def recipe_file(lines, digest=True):
    canon = "".join(l + "\n" for l in lines)
    text = ("# vec2face dataset recipe, written by libvec2face 0.1.0. Do not edit\n"
            "# identities file: ids.npy\n" + canon)
    if digest:
        text += "digest = %016x\n" % fnv1a64(canon.encode())
    return text.encode()


def recipe_seeds(out):
    base = ["text_version = 1", "identities = 10",
            "identities_fnv1a64 = 0123456789abcdef", "seed = 42",
            "perturb_images = 4", "eps = 0.3:0.4,0.5:0.4,0.7:0.2",
            "pose_images = 0", "image_format = png"]
    put(out, "fuzz_recipe", "png.txt", recipe_file(base))
    pose = base[:6] + ["pose_images = 2", "pose_eps = 0.7", "pose_templates = 3",
                       "pose_points_fnv1a64 = 00000000deadbeef",
                       "image_format = jpg", "jpeg_quality = 90"]
    put(out, "fuzz_recipe", "jpg_pose.txt", recipe_file(pose))
    put(out, "fuzz_recipe", "bad_digest.txt", recipe_file(base)[:-3] + b"00\n")
    put(out, "fuzz_recipe", "no_digest.txt", recipe_file(base, digest=False))


def manifest_seeds(out):
    # 0.1 parts: six columns; 0.2 parts add attempt,status and three metrics.
    v1 = "identity,file,image,source,eps,seed\n"
    v2 = v1[:-1] + ",attempt,status,similarity,quality,yaw\n"
    sources = ["perturb", "perturb", "pose", "attrop"]
    rows1, rows2 = "", ""
    for i in range(8):
        first = "%d,%06d/%03d.png,%d,%s,%s,%d" % (
            i // 4, i // 4, i % 4, i % 4, sources[i % 4], ["0.3", "0.5", "0.7", "0"][i % 4],
            1000003 * i)
        rows1 += first + "\n"
        metrics = ",,," if i % 3 == 0 else ",0.61,27.5,-12.25"
        rows2 += first + ",%d,%s%s\n" % (i % 3, "dropped" if i == 5 else "ok", metrics)
    for name, header, rows in (("v1", v1, rows1), ("v2", v2, rows2)):
        put(out, "fuzz_manifest", name + "_complete.csv", (header + rows).encode())
        put(out, "fuzz_manifest", name + "_torn_row.csv", (header + rows)[:-7].encode())
        put(out, "fuzz_manifest", name + "_header_only.csv", header.encode())
        put(out, "fuzz_manifest", name + "_torn_header.csv", header[:11].encode())
    put(out, "fuzz_manifest", "v1_bad_row.csv", (v1 + "1,x,2,perturb,nan,3\n").encode())


def landmark_seeds(out):
    # The usual five points (eyes, nose tip, mouth corners) in 112x112.
    tmpl = [38.29, 51.70, 73.53, 51.50, 56.03, 71.74, 41.55, 92.37, 70.73, 92.20]
    f = lambda v: struct.pack("<%df" % len(v), *v)
    put(out, "fuzz_landmarks", "one_face", f(tmpl))
    put(out, "fuzz_landmarks", "three_faces", f(tmpl + [v + 1 for v in tmpl] + [v - 1 for v in tmpl]))
    put(out, "fuzz_landmarks", "corners", f([0, 0, 111, 0, 0, 111, 111, 111, 55.5, 55.5]))
    put(out, "fuzz_landmarks", "outside", f([-3, -3, 114, 114, -1e6, 1e6, 2.9, -2.9, 114.9, 50]))
    put(out, "fuzz_landmarks", "not_finite", f([math.nan, 1, math.inf, 2, -math.inf, 3, 4, 5, 6, 7]))
    put(out, "fuzz_landmarks", "huge", f([1e6, 1e6, 1.0000001e6, 0, 3e38, 0, 0, 0, 0, 0]))


def torchscript_like(top, entries, compression, zip64=False):
    """A zip laid out as torch.jit.save lays it out (one top folder)."""
    return zip_bytes([(top + "/" + n, d) for n, d in entries], compression, zip64)


def model_seeds(out):
    entries = [("data.pkl", b"\x80\x02}q\x00."), ("constants.pkl", b"\x80\x02)."),
               ("version", b"3\n"), ("code/__torch__.py", b"class M:\n  pass\n"),
               ("data/0", bytes(64)), ("extra/producer", b"vec2face"),
               (".data/version", b"3\n"), ("byteorder", b"little")]
    put(out, "fuzz_model_precheck", "stored.pt",
        torchscript_like("m", entries, zipfile.ZIP_STORED))
    put(out, "fuzz_model_precheck", "deflated.pt",
        torchscript_like("m", entries, zipfile.ZIP_DEFLATED))
    put(out, "fuzz_model_precheck", "zip64.pt",
        torchscript_like("m", entries[:4], zipfile.ZIP_STORED, zip64=True))
    put(out, "fuzz_model_precheck", "escape.pt",
        zip_bytes([("m/data.pkl", b"x"), ("m/../evil", b"y")], zipfile.ZIP_STORED))
    # A real TorchScript file, when this Python has torch.
    try:
        import torch
    except ImportError:
        return
    b = io.BytesIO()
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), b)
    put(out, "fuzz_model_precheck", "torch_linear.pt", b.getvalue())


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_seeds.py OUT")
    out = sys.argv[1]
    a = npy_seeds(out)
    npz_seeds(out, a)
    png_seeds(out)
    recipe_seeds(out)
    manifest_seeds(out)
    landmark_seeds(out)
    model_seeds(out)


if __name__ == "__main__":
    main()
