"""Fixtures for the vec2face binding tests.

Environment (set by bindings/python/tests.cmake; defaults for a plain
`pytest bindings/python/tests` from a built tree):
  V2F_TEST_MODELS       directory with tiny/ and gen_only/ (build/tests/models)
  VEC2FACE_LIBRARY      the library (else the binding's own search)
  V2F_PRINT_LAYOUT      the layout printer (build/tests/v2f_print_layout)
  V2F_EXAMPLE_GENERATE  the C example (build/examples/v2f_example_generate)
"""

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent
BUILD = REPO / "build"
sys.path.insert(0, str(HERE.parent))


def _env_path(name, default):
    p = Path(os.environ.get(name) or default)
    if not p.exists():
        pytest.skip(f"{p} does not exist (set {name})")
    return p


@pytest.fixture(scope="session")
def models_dir():
    return _env_path("V2F_TEST_MODELS", BUILD / "tests" / "models")


@pytest.fixture(scope="session")
def tiny_dir(models_dir):
    return models_dir / "tiny"


@pytest.fixture(scope="session")
def model(tiny_dir):
    import vec2face
    m = vec2face.Model(tiny_dir, threads=1)
    yield m
    m.close()


@pytest.fixture(scope="session")
def print_layout():
    return _env_path("V2F_PRINT_LAYOUT", BUILD / "tests" / "v2f_print_layout")


@pytest.fixture(scope="session")
def example_generate():
    return _env_path("V2F_EXAMPLE_GENERATE", BUILD / "examples" / "v2f_example_generate")


@pytest.fixture(scope="session")
def np():
    return pytest.importorskip("numpy")


@pytest.fixture
def rng(np):
    return np.random.default_rng(1234)
