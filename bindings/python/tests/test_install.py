"""`pip install bindings/python` into a venv, then import + load the tiny
model with a clean environment (no VEC2FACE_LIBRARY, PYTHONPATH or
LD_LIBRARY_PATH), for each way the binding finds an installed library:
nowhere (the error lists the places tried), a prefix on PKG_CONFIG_PATH
(pkg-config), the venv's own prefix (cmake --install --prefix $VENV).

Needs V2F_BUILD_DIR (the CMake build to install from); registered as the
ctest python_binding_install.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SRC = HERE.parent

LOAD = ("import sys, vec2face; m = vec2face.Model(sys.argv[1], threads=1); "
        "print(vec2face.library_path()); print(sorted(p.name for p in m.info.parts))")


@pytest.fixture(scope="module")
def build_dir():
    b = os.environ.get("V2F_BUILD_DIR")
    if not b or not (Path(b) / "cmake_install.cmake").exists():
        pytest.skip("set V2F_BUILD_DIR to a configured and built CMake build")
    return Path(b)


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A venv (system site packages: setuptools for the offline build) with
    the binding pip-installed from a copy of its sources."""
    root = tmp_path_factory.mktemp("install")
    src = root / "src"
    shutil.copytree(SRC, src, ignore=shutil.ignore_patterns(
        "build", "*.egg-info", "__pycache__", "tests"))
    v = root / "venv"
    subprocess.run(["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable,
                    "-m", "venv", "--system-site-packages", str(v)], check=True)
    r = subprocess.run([str(v / "bin" / "pip"), "install", "-q", "--no-build-isolation",
                        "--no-index", str(src)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return v


def _clean_env(**extra):
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
           # hermetic pkg-config: only what a test puts on PKG_CONFIG_PATH
           "PKG_CONFIG_LIBDIR": "/nonexistent"}
    env.update(extra)
    return env


def _run(venv, tiny, tmp_path, **env):
    return subprocess.run([str(venv / "bin" / "python"), "-c", LOAD, str(tiny)],
                          capture_output=True, text=True, env=_clean_env(**env),
                          cwd=str(tmp_path), timeout=120)


def _install(build_dir, prefix):
    r = subprocess.run(["cmake", "--install", str(build_dir), "--prefix", str(prefix)],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"cmake --install {build_dir} failed (built?):\n{r.stderr}"


def _in_ldconfig_cache():
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "libvec2face.so.0" in out


def test_installed_package_finds_the_installed_library(venv, build_dir, tmp_path):
    tiny = Path(os.environ.get("V2F_TEST_MODELS", build_dir / "tests" / "models")) / "tiny"
    installed = list(venv.glob("lib/python*/site-packages/vec2face/py.typed"))
    assert installed, "py.typed not installed"
    # 1. nowhere: the error names every place it looked
    if _in_ldconfig_cache():
        pytest.skip("libvec2face.so.0 is in this machine's ldconfig cache")
    r = _run(venv, tiny, tmp_path)
    assert r.returncode != 0
    assert "LibraryNotFoundError" in r.stderr and "cannot load libvec2face" in r.stderr
    for where in (f"{venv}/lib/libvec2face.so.0", "pkg-config:", "system: libvec2face.so.0",
                  "VEC2FACE_LIBRARY="):
        assert where in r.stderr, f"{where!r} not in the message:\n{r.stderr}"
    # 2. a prefix pkg-config knows
    prefix = tmp_path / "prefix"
    _install(build_dir, prefix)
    pcs = list(prefix.glob("lib*/**/pkgconfig/vec2face.pc")) + list(
        prefix.glob("lib*/pkgconfig/vec2face.pc"))
    assert pcs
    r = _run(venv, tiny, tmp_path, PKG_CONFIG_PATH=str(pcs[0].parent))
    assert r.returncode == 0, r.stderr
    lib_path = r.stdout.splitlines()[0]
    assert lib_path.startswith(str(prefix)), lib_path
    assert "GENERATOR" in r.stdout
    # 3. the venv's own prefix (no pkg-config needed)
    _install(build_dir, venv)
    r = _run(venv, tiny, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith(str(venv)), r.stdout
    # ... and VEC2FACE_LIBRARY still wins over both
    other = next(prefix.glob("lib*/libvec2face.so.0"))
    r = _run(venv, tiny, tmp_path, VEC2FACE_LIBRARY=str(other),
             PKG_CONFIG_PATH=str(pcs[0].parent))
    assert r.returncode == 0 and r.stdout.splitlines()[0] == str(other), r.stdout + r.stderr
