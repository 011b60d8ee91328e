"""A dataset made by a cluster template against the one a single process
makes (shared by the cluster tests; stdlib + NumPy).

File set, manifest rows (sorted: parts may split rows differently) and
recipe.txt must be equal byte for byte. Images: equal byte for byte,
except that libvec2face's pixels today depend on how a batch was
composed (which images share a generator call, the thread count): an
image whose bytes differ is decoded (a decoder of our own) and may
differ by at most 1 in at most MAX_PIXEL_SHARE of its values; the count of
such images is printed. V2F_CLUSTER_EXACT=1 demands every byte.
"""
import glob
import os
import struct
import zlib

import numpy as np

MAX_PIXEL_SHARE = 0.005
EXACT = os.environ.get("V2F_CLUSTER_EXACT") == "1"


def png_values(data):
    """The 8-bit samples of a non-interlaced PNG, row after row (a
    decoder of its own, plain ints: fast enough for a few hundred files)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", data[pos + 8:pos + 8 + n])
        elif kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and interlace == 0 and ctype in (0, 2, 4, 6), hdr
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw, stride = zlib.decompress(idat), w * bpp
    prev, out = bytearray(stride), bytearray()
    for y in range(h):
        f, start = raw[y * (stride + 1)], y * (stride + 1) + 1
        cur = bytearray(raw[start:start + stride])
        for x in range(stride):
            a = cur[x - bpp] if x >= bpp else 0
            b = prev[x]
            if f == 1:
                cur[x] = (cur[x] + a) & 255
            elif f == 2:
                cur[x] = (cur[x] + b) & 255
            elif f == 3:
                cur[x] = (cur[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                c = prev[x - bpp] if x >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                cur[x] = (cur[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += cur
        prev = cur
    return (w, h, ctype), np.frombuffer(bytes(out), np.uint8)


def images(out):
    """{relative path: bytes} of a dataset's image files."""
    return {os.path.relpath(f, out): open(f, "rb").read()
            for f in glob.glob(os.path.join(out, "[0-9]*", "*"))}


def manifest_rows(out):
    rows = []
    for f in glob.glob(os.path.join(out, "manifest", "part-*.csv")):
        rows += open(f).read().splitlines()[1:]
    return sorted(rows)


def same_dataset(out, ref, n_images, check, what):
    """check(cond, text) for each property; returns nothing."""
    got, want = images(out), images(ref)
    check(len(want) == n_images, f"{what}: one process made {n_images} images ({len(want)})")
    check(sorted(got) == sorted(want), f"{what}: the same {len(want)} image files")
    rows = manifest_rows(out)
    check(rows == manifest_rows(ref) and len(rows) == n_images,
          f"{what}: manifest rows == one process's, byte for byte ({len(rows)} rows)")
    check(open(os.path.join(out, "recipe.txt"), "rb").read()
          == open(os.path.join(ref, "recipe.txt"), "rb").read(),
          f"{what}: recipe.txt == one process's")
    common = sorted(set(got) & set(want))
    differ = [f for f in common if got[f] != want[f]]
    if EXACT:
        check(not differ, f"{what}: every image == one process's, byte for byte "
                          f"({len(differ)} of {len(common)} differ)")
        return
    worst, worst_share = 0, 0.0
    for f in differ:
        (ha, a), (hb, b) = png_values(got[f]), png_values(want[f])
        if ha != hb:
            worst = 255
            break
        d = np.abs(a.astype(np.int16) - b.astype(np.int16))
        worst = max(worst, int(d.max()))
        worst_share = max(worst_share, float((d > 0).mean()))
    check(worst <= 1 and worst_share <= MAX_PIXEL_SHARE,
          f"{what}: {len(common) - len(differ)} of {len(common)} images byte-identical; "
          f"the other {len(differ)} differ by at most {worst} in at most "
          f"{100 * worst_share:.3f}% of their values (allowed: 1, "
          f"{100 * MAX_PIXEL_SHARE:.1f}%: batch composition, see compare.py)")
