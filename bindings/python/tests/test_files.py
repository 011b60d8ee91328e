"""Image, .npy and .npz round trips."""

import zipfile

import pytest

import vec2face


def test_image_round_trip(tmp_path, rng, np):
    img = rng.integers(0, 256, (112, 112, 3), dtype=np.uint8)
    vec2face.write_image(tmp_path / "a.png", img)
    assert vec2face.read_image(tmp_path / "a.png").tobytes() == img.tobytes()
    vec2face.write_image(tmp_path / "a.jpg", img, jpeg_quality=90)
    back = vec2face.read_image(str(tmp_path / "a.jpg"))
    assert back.shape == (112, 112, 3)
    small = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    vec2face.write_image(tmp_path / "s.png", small, width=30, height=20)
    with pytest.raises(vec2face.FormatError):
        vec2face.read_image(tmp_path / "s.png")
    assert vec2face.read_image(tmp_path / "s.png", resize=True).shape == (112, 112, 3)
    paths = vec2face.write_images(str(tmp_path / "{}.png"), np.stack([img, img]))
    assert len(paths) == 2
    with pytest.raises(vec2face.InvalidArgumentError):
        vec2face.write_image(tmp_path / "a.bmp", img)


def test_npy_npz_round_trip(tmp_path, rng, np):
    a = rng.standard_normal((5, 7)).astype(np.float32)
    vec2face.write_npy(tmp_path / "a.npy", a)
    assert np.array_equal(np.load(tmp_path / "a.npy"), a)
    assert np.array_equal(vec2face.read_npy(tmp_path / "a.npy"), a)
    np.savez(tmp_path / "z.npz", first=a, second=a * 2)
    assert np.array_equal(vec2face.read_npz(tmp_path / "z.npz", "second"), a * 2)
    with pytest.raises(vec2face.FormatError, match="first"):
        vec2face.read_npz(tmp_path / "z.npz", "third")
    np.save(tmp_path / "d.npy", a.astype(np.float64))
    with pytest.raises(vec2face.FormatError):
        vec2face.read_npy(tmp_path / "d.npy")
    assert zipfile.is_zipfile(tmp_path / "z.npz")
