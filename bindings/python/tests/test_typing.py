"""mypy --strict on the binding and on examples/python (the types users and
IDEs see). mypy comes from PyPI into a venv cached under the build dir
(V2F_MYPY_VENV); the test skips, saying so, only when PyPI is unreachable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent
REPO = PKG.parent.parent
# every module of the binding (the torch converter is the vec2face_torch package)
MODULES = ["vec2face", "vec2face._lib", "vec2face._buffers", "vec2face._ctypes_api",
           "vec2face._handle", "vec2face.attrop", "vec2face.core", "vec2face.dataset",
           "vec2face.errors", "vec2face.files", "vec2face.identities", "vec2face.model",
           "vec2face.report"]


@pytest.fixture(scope="module")
def mypy():
    venv = Path(os.environ.get("V2F_MYPY_VENV") or REPO / "build" / "python-mypy-venv")
    exe = venv / "bin" / "mypy"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        r = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "mypy"],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            if "No matching distribution" in r.stderr or "connection" in r.stderr.lower() \
                    or "network" in r.stderr.lower() or "resolve" in r.stderr.lower():
                pytest.skip(f"PyPI unreachable, cannot install mypy: {r.stderr.strip()[-300:]}")
            raise AssertionError(r.stderr)
    return exe


def _mypy(exe, *args):
    env = dict(os.environ, MYPYPATH=str(PKG))
    return subprocess.run([str(exe), "--strict", "--no-incremental", *args], cwd=str(PKG),
                          env=env, capture_output=True, text=True, timeout=300)


def test_package_passes_mypy_strict(mypy):
    r = _mypy(mypy, *[a for m in MODULES for a in ("-m", m)])
    assert r.returncode == 0, r.stdout + r.stderr


def test_examples_pass_mypy_strict(mypy):
    examples = sorted(str(p) for p in (REPO / "examples" / "python").glob("*.py"))
    assert examples
    r = _mypy(mypy, *examples)
    assert r.returncode == 0, r.stdout + r.stderr
