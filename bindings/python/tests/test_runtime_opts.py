"""The 0.2 runtime options reach the library: max_model_bytes, memory_limit,
precision "bf16"."""

import pytest

import vec2face


def test_max_model_bytes_refuses_a_bigger_part(tiny_dir):
    with pytest.raises(vec2face.ModelError, match="max_model_bytes"):
        vec2face.Model(tiny_dir, threads=1, max_model_bytes=1000)


def test_memory_limit_caps_a_call(tiny_dir):
    with vec2face.Model(tiny_dir, threads=1, memory_limit=1 << 20) as m:
        with pytest.raises(vec2face.NoMemoryError, match="memory_limit"):
            m.generate([[0.5] * 512], seed=1)
    with vec2face.Model(tiny_dir, threads=1, memory_limit=2 ** 64 - 1) as m:
        assert len(m.generate([[0.5] * 512], seed=1)) == 1


def test_bf16_is_accepted_or_unsupported(tiny_dir):
    with pytest.raises(vec2face.InvalidArgumentError, match="precision"):
        vec2face.Model(tiny_dir, precision="fp8")
    # bf16 needs AVX512-BF16/AMX or CUDA: a model that loads reports it.
    try:
        m = vec2face.Model(tiny_dir, threads=1, precision="bf16")
    except vec2face.UnsupportedError as e:
        assert "bf16" in str(e).lower() or "bfloat16" in str(e).lower()
        return
    with m:
        assert m.info.precision == vec2face.Precision.BF16


def test_attrop_disabled(tiny_dir):
    """0.3: attrop=False loads without the autograd copies: the same images,
    AttrOP refused naming the option; info reports it and the default
    batch size (8 on CPU under the default memory cap)."""
    vec = [[0.25 * ((i * 7) % 11 - 5) for i in range(512)]]
    with vec2face.Model(tiny_dir, threads=1) as on, \
            vec2face.Model(tiny_dir, threads=1, attrop=False) as off:
        assert on.info.attrop and not off.info.attrop
        assert on.info.default_batch_size == off.info.default_batch_size == 8
        assert bytes(on.generate(vec, seed=3)) == bytes(off.generate(vec, seed=3))
        with pytest.raises(vec2face.UnsupportedError, match="V2F_ATTROP_DISABLED"):
            off.attrop(vec)
