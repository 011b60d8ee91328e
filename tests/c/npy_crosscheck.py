"""Cross-check libvec2face's .npy/.npz reader and writer against numpy.

Usage: npy_crosscheck.py NPY_DUMP_EXECUTABLE
Writes files with np.save / np.savez / np.savez_compressed into a
temporary directory, has npy_dump print them, and compares; then has
npy_dump write a file and loads it with numpy. Exit 77 (skip) without numpy.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is not installed; skipping")
    sys.exit(77)

DUMP = sys.argv[1]
failures = []


def run(*args):
    return subprocess.run([DUMP, *args], capture_output=True, text=True,
                          timeout=30)


def check_read(label, expected, *args):
    r = run("read", *args)
    if r.returncode != 0:
        failures.append(f"{label}: npy_dump failed: {r.stderr.strip()}")
        return
    lines = r.stdout.split()
    rows, cols = int(lines[0]), int(lines[1])
    exp = np.atleast_2d(np.asarray(expected, dtype=np.float32))
    got = np.array([float(v) for v in lines[2:]], dtype=np.float32)
    if (rows, cols) != exp.shape:
        failures.append(f"{label}: shape {(rows, cols)} != {exp.shape}")
    elif not np.array_equal(got.reshape(exp.shape), exp):
        failures.append(f"{label}: values differ")


def check_error(label, needle, *args):
    r = run("read", *args)
    if r.returncode == 0 or needle not in r.stderr:
        failures.append(f"{label}: expected an error with {needle!r}, got "
                        f"rc={r.returncode} {r.stderr.strip()!r}")


def main():
    rng = np.random.default_rng(1234)
    vecs = rng.standard_normal((7, 512)).astype(np.float32)
    vecs[0, :4] = [0.0, -0.0, np.float32(1e-38), np.float32(3.4e38)]
    one = rng.standard_normal(512).astype(np.float32)
    with tempfile.TemporaryDirectory() as d:
        p = lambda name: os.path.join(d, name)
        np.save(p("vecs.npy"), vecs)
        check_read("np.save 2-D", vecs, p("vecs.npy"))
        np.save(p("one.npy"), one)
        check_read("np.save 1-D", one, p("one.npy"))
        big_header = np.lib.format
        with open(p("v2.npy"), "wb") as f:
            big_header.write_array(f, vecs, version=(2, 0))
        check_read("format 2.0", vecs, p("v2.npy"))
        with open(p("v3.npy"), "wb") as f:
            big_header.write_array(f, vecs, version=(3, 0))
        check_read("format 3.0", vecs, p("v3.npy"))
        # A non-contiguous slice is saved in C order by numpy.
        np.save(p("slice.npy"), vecs[:, ::2])
        check_read("np.save slice", vecs[:, ::2], p("slice.npy"))

        np.savez(p("s.npz"), vecs=vecs, one=one)
        check_read("np.savez vecs", vecs, p("s.npz"), "vecs")
        check_read("np.savez one.npy", one, p("s.npz"), "one.npy")
        np.savez_compressed(p("c.npz"), vecs, one)
        check_read("np.savez_compressed arr_0", vecs, p("c.npz"), "arr_0")
        check_read("np.savez_compressed arr_1", one, p("c.npz"), "arr_1")
        check_error("missing member", "arr_0, arr_1", p("c.npz"), "nope")

        np.save(p("f8.npy"), vecs.astype(np.float64))
        check_error("float64", "'<f8' (float64)", p("f8.npy"))
        np.save(p("be.npy"), vecs.astype(">f4"))
        check_error("big-endian", "big-endian float32", p("be.npy"))
        np.save(p("fortran.npy"), np.asfortranarray(vecs))
        check_error("fortran", "Fortran order", p("fortran.npy"))
        np.save(p("3d.npy"), np.zeros((2, 3, 4), np.float32))
        check_error("3-D", "3-D", p("3d.npy"))
        np.save(p("i32.npy"), np.arange(6, dtype=np.int32))
        check_error("int32", "int32", p("i32.npy"))
        np.savez_compressed(p("f8.npz"), x=vecs.astype(np.float64))
        check_error("npz float64", "float64", p("f8.npz"), "x")

        # The other direction: numpy loads what the library writes.
        r = subprocess.run([DUMP, "write", p("w.npy"), "3", "700"],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            failures.append(f"write: {r.stderr.strip()}")
        else:
            w = np.load(p("w.npy"))
            exp = (np.arange(3 * 700, dtype=np.float32) * np.float32(0.37)
                   - np.float32(5.0)).reshape(3, 700)
            if w.dtype != np.dtype("<f4") or w.shape != (3, 700):
                failures.append(f"write: loaded {w.dtype} {w.shape}")
            elif not np.array_equal(w, exp):
                failures.append("write: values differ")
            with open(p("w.npy"), "rb") as f:
                major, minor = np.lib.format.read_magic(f)
                if (major, minor) != (1, 0):
                    failures.append(f"write: format {major}.{minor}")
                f.seek(0)
                head = f.read(128)
                hlen = int.from_bytes(head[8:10], "little")
                if (10 + hlen) % 64 or head[9 + hlen:10 + hlen] != b"\n":
                    failures.append("write: header not padded to 64 / '\\n'")

    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("npy cross-check: all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
