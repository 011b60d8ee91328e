"""Buffers: numpy without copies, explicit rejections, the stdlib path."""

import array
import os
import subprocess
import sys
from pathlib import Path

import pytest

import vec2face
from vec2face import _buffers as B

PKG = str(Path(__file__).resolve().parent.parent)


def test_numpy_passed_without_copy(np):
    a = np.zeros((3, 512), np.float32)
    buf = B.floats_in(a, "x", 512)
    assert buf.ptr == a.ctypes.data and buf.keep is a and buf.rows == 3
    img = np.zeros((2, 112, 112, 3), np.uint8)
    assert B.bytes_in(img, "img", vec2face.IMAGE_BYTES, B.IMAGE_ROWS).ptr == img.ctypes.data
    # a view that is C-contiguous (row slice) is still passed as is
    assert B.floats_in(a[1:], "x", 512).ptr == a[1:].ctypes.data


def test_numpy_rejections(np, model):
    with pytest.raises(TypeError, match="float32"):
        model.generate(np.zeros((1, 512), np.float64))
    with pytest.raises(vec2face.InvalidArgumentError, match="C-contiguous"):
        model.generate(np.zeros((512, 2), np.float32).T)
    with pytest.raises(vec2face.InvalidArgumentError, match=r"shape \(1, 500\)"):
        model.generate(np.zeros((1, 500), np.float32))
    with pytest.raises(vec2face.InvalidArgumentError, match="whole number of rows"):
        model.generate(bytes(4 * 500))
    with pytest.raises(TypeError, match="uint8"):
        model.features(np.zeros((1, 112, 112, 3), np.int32))


def test_stdlib_outputs_without_numpy(monkeypatch, model, np):
    v = np.random.default_rng(3).standard_normal((1, 512)).astype(np.float32)
    want = model.generate(v, seed=4)
    monkeypatch.setenv("VEC2FACE_NO_NUMPY", "1")
    for inp in (v.tobytes(), bytearray(v.tobytes()), array.array("f", v.ravel().tolist()),
                memoryview(bytearray(v.tobytes())), memoryview(v.tobytes()),
                v.tolist()):
        got = model.generate(inp, seed=4)
        assert isinstance(got, bytearray) and bytes(got) == want.tobytes(), type(inp)
    f = model.features(bytes(got))
    assert isinstance(f, array.array) and f.typecode == "f" and len(f) == 512
    with pytest.raises(TypeError, match="format"):
        model.generate(array.array("d", [0.0] * 512))


def test_import_needs_neither_numpy_nor_torch_nor_the_library():
    code = ("import sys; sys.modules['numpy'] = None; sys.modules['torch'] = None\n"
            "import vec2face, vec2face.model, vec2face.attrop, vec2face.identities, vec2face.files\n"
            "assert vec2face._lib._loaded is None\n"
            "print('ok')\n")
    env = dict(os.environ, PYTHONPATH=PKG, VEC2FACE_LIBRARY="/nonexistent/libvec2face.so.0")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_works_without_numpy_installed(tiny_dir, tmp_path):
    """A whole round in a process where numpy cannot be imported."""
    code = f"""
import array, sys
sys.modules['numpy'] = None
import vec2face
with vec2face.Model({str(tiny_dir / '..' / 'gen_only')!r}) as m:
    v = array.array('f', [0.01 * (i % 97) for i in range(512)])
    img = m.generate(v, seed=1)
    assert isinstance(img, bytearray) and len(img) == vec2face.IMAGE_BYTES
    vec2face.write_image({str(tmp_path / 'x.png')!r}, img)
    assert vec2face.read_image({str(tmp_path / 'x.png')!r}) == img
    vec2face.write_npy({str(tmp_path / 'v.npy')!r}, v, cols=512)
    back = vec2face.read_npy({str(tmp_path / 'v.npy')!r})
    assert isinstance(back, array.array) and back == v
    p = vec2face.perturb(v, seed=2)
    assert isinstance(p, array.array) and len(p) == 512
print('ok')
"""
    env = dict(os.environ, PYTHONPATH=PKG)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
