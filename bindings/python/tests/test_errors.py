"""Status -> exception mapping, library search, ABI check, logging."""

import pytest

import vec2face
from vec2face import _lib, errors


def test_missing_directory_is_io_error(tmp_path):
    missing = tmp_path / "no_such_model"
    with pytest.raises(vec2face.FileIOError) as ei:
        vec2face.Model(missing)
    e = ei.value
    assert str(missing) in e.message and str(missing) in str(e)
    assert e.status == 2 and e.status_name == "V2F_E_IO"
    assert isinstance(e, vec2face.Vec2FaceError)
    assert vec2face.last_error() == e.message


def test_gen_only_pose_is_unsupported(models_dir, np):
    with vec2face.Model(models_dir / "gen_only") as m:
        assert m.info.parts == {vec2face.Part.GENERATOR}
        lm = np.zeros((1, 112, 112, 3), np.uint8)
        with pytest.raises(vec2face.UnsupportedError, match="pose_generator.pt"):
            m.generate_pose(np.ones((1, 512), np.float32), lm)
        with pytest.raises(vec2face.UnsupportedError, match="arcface.pt"):
            m.features(lm)


def test_nan_vector_is_invalid_argument(model, np):
    v = np.ones((2, 512), np.float32)
    v[1, 7] = np.nan
    with pytest.raises(vec2face.InvalidArgumentError) as ei:
        model.generate(v)
    assert ei.value.status == 1 and isinstance(ei.value, ValueError)


def test_broken_models(models_dir):
    with pytest.raises(vec2face.ModelError):
        vec2face.Model(models_dir / "wrong_kind")
    with pytest.raises(vec2face.FileIOError):
        vec2face.Model(models_dir / "empty")


def test_error_for_every_status():
    for code, name in errors.STATUS_NAMES.items():
        if code == 0:
            continue
        e = errors.error_for(code, "msg")
        assert type(e) is not errors.Vec2FaceError and e.status == code
        assert e.status_name == name
    e = errors.error_for(1234, "future")
    assert type(e) is errors.Vec2FaceError and e.status == 1234
    assert "1234" in e.status_name


class _FakeFn:
    def __init__(self, value):
        self.value = value
        self.restype = self.argtypes = None

    def __call__(self):
        return self.value


class _FakeLib:
    def __init__(self, abi):
        self.v2f_abi_version = _FakeFn(abi)


def test_abi_mismatch_message(monkeypatch):
    assert _lib.check_abi(_FakeLib(vec2face.ABI_VERSION), "libfake.so") == vec2face.ABI_VERSION
    with pytest.raises(vec2face.AbiMismatchError) as ei:
        _lib.check_abi(_FakeLib(vec2face.ABI_VERSION + 7), "/x/libfake.so")
    msg = str(ei.value)
    assert "/x/libfake.so" in msg and f"ABI version {vec2face.ABI_VERSION + 7}" in msg
    assert f"needs ABI version {vec2face.ABI_VERSION}" in msg
    assert isinstance(ei.value, ImportError)
    # the real library against a binding expecting another version
    real = _lib.path()
    monkeypatch.setattr(_lib, "ABI_VERSION", 99)
    monkeypatch.setattr(_lib.check_abi, "__defaults__", (99,))
    with pytest.raises(vec2face.AbiMismatchError, match="needs ABI version 99"):
        _lib.load_from(real)


def test_library_not_found(monkeypatch, tmp_path):
    monkeypatch.setattr(_lib, "_loaded", None)
    monkeypatch.setenv("VEC2FACE_LIBRARY", str(tmp_path / "libnothere.so.0"))
    with pytest.raises(vec2face.LibraryNotFoundError) as ei:
        vec2face.version()
    assert "libnothere.so.0" in str(ei.value) and "VEC2FACE_LIBRARY" in str(ei.value)
    assert isinstance(ei.value, ImportError)
    (tmp_path / "junk.so").write_bytes(b"not an ELF file")
    monkeypatch.setenv("VEC2FACE_LIBRARY", str(tmp_path / "junk.so"))
    with pytest.raises(vec2face.LibraryNotFoundError, match="junk.so"):
        vec2face.version()


def test_search_order(monkeypatch, tmp_path):
    monkeypatch.setenv("VEC2FACE_LIBRARY", "/somewhere/libvec2face.so.0")
    monkeypatch.setenv("PKG_CONFIG_LIBDIR", str(tmp_path))  # no vec2face.pc anywhere
    monkeypatch.delenv("PKG_CONFIG_PATH", raising=False)
    c = _lib.candidates()
    whats = [w for w, _ in c]
    assert whats[:2] == ["VEC2FACE_LIBRARY", "next to the package"]
    assert "sys.prefix" in whats and "pkg-config" not in whats
    assert whats[-2:] == ["build tree", "system"]  # this runs from a checkout
    assert c[-2][1].endswith("build/libvec2face.so.0") and c[-1][1] == "libvec2face.so.0"
    (tmp_path / "vec2face.pc").write_text("libdir=/opt/v2f/lib\nName: vec2face\n"
                                          "Description: x\nVersion: 0.3.0\n")
    c = _lib.candidates()
    assert ("pkg-config", "/opt/v2f/lib/libvec2face.so.0") in c


def test_file_io_error_is_os_error(tmp_path):
    with pytest.raises(OSError) as ei:
        vec2face.Model(tmp_path / "missing")
    assert isinstance(ei.value, vec2face.FileIOError)
    assert isinstance(ei.value, vec2face.Vec2FaceError)
    assert "missing" in str(ei.value) and ei.value.status_name == "V2F_E_IO"


def test_log_callback(tmp_path):
    got = []
    vec2face.set_log_callback(lambda level, msg: got.append((level, msg)), vec2face.LogLevel.DEBUG)
    try:
        with pytest.raises(vec2face.FileIOError):
            vec2face.read_npy(tmp_path / "missing.npy")
    finally:
        vec2face.set_log_callback(None)
    assert any("missing.npy" in m for _, m in got)
    assert all(isinstance(l, vec2face.LogLevel) for l, _ in got)
    got.clear()
    with pytest.raises(vec2face.FileIOError):
        vec2face.read_npy(tmp_path / "missing.npy")
    assert got == []
    # exceptions inside the callback never cross into C
    vec2face.set_log_callback(lambda level, msg: 1 / 0, vec2face.LogLevel.DEBUG)
    try:
        with pytest.raises(vec2face.FileIOError):
            vec2face.read_npy(tmp_path / "missing.npy")
    finally:
        vec2face.set_log_callback(None)

