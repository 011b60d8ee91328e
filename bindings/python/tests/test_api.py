"""The typed API: real keyword parameters whose defaults are the C *_init
defaults, unknown keywords refused, annotations everywhere, shapes
checked, measure names as the CLI takes them."""

import ctypes
import inspect
import math

import pytest

import vec2face
from vec2face import _ctypes_api as api
from vec2face import _lib
from vec2face.dataset import _measure


def _c_defaults(struct):
    o = api.new_opts(_lib.get(), struct)
    return {f[0]: getattr(o, f[0]) for f in struct._fields_}


def _py_default(fn, name):
    return inspect.signature(fn).parameters[name].default


def _same(py, c, name=""):
    if py is None or isinstance(py, bytes):
        return py == c
    if isinstance(py, str):  # a name the binding maps to the C value
        return c == {"png": 0}[py]
    if isinstance(py, bool) and name == "attrop":
        return int(not py) == c  # attrop=True -> V2F_ATTROP_ENABLED (0)
    if isinstance(py, float) or isinstance(c, float):
        return math.isclose(float(py), float(c), rel_tol=1e-6)
    return int(py) == int(c)


# (callable, struct, {python parameter: C field})
CASES = [
    (vec2face.Model.__init__, api.v2f_runtime_opts,
     {"device": "device", "threads": "threads", "precision": "precision",
      "max_model_bytes": "max_model_bytes", "memory_limit": "memory_limit",
      "attrop": "attrop"}),
    (vec2face.Model.generate, api.v2f_gen_opts,
     {"seed": "seed", "identity_base": "identity_base", "image_base": "image_base",
      "mask_ratio_min": "mask_ratio_min", "mask_ratio_max": "mask_ratio_max",
      "mask_ratio_mu": "mask_ratio_mu", "mask_ratio_std": "mask_ratio_std",
      "batch_size": "batch_size"}),
    (vec2face.AttrOP.__init__, api.v2f_attrop_opts,
     {"lr": "lr", "target_sim": "target_sim", "quality_target": "quality_target",
      "yaw_target": "yaw_target", "identity_model": "identity_model",
      "quality_model": "quality_model", "max_retries": "max_retries", "seed": "seed",
      "identity_base": "identity_base", "image_base": "image_base"}),
    (vec2face.DatasetJob.__init__, api.v2f_dataset_recipe,
     {"seed": "seed", "perturb_images": "perturb_images", "pose_images": "pose_images",
      "pose_eps": "pose_eps", "format": "format", "jpeg_quality": "jpeg_quality",
      "batch_size": "batch_size", "measure": "measure", "filter": "filter",
      "filter_threshold": "filter_threshold", "filter_max_attempts": "filter_max_attempts",
      "attrop_images": "attrop_images", "attrop_quality": "attrop_quality",
      "attrop_iterations": "attrop_iterations", "attrop_max_retries": "attrop_max_retries",
      "pose_order": "pose_order", "png_level": "png_level",
      "wait_lock": "wait_lock"}),
    (vec2face.sample_identities, api.v2f_sample_opts,
     {"seed": "seed", "max_similarity": "max_similarity", "threads": "threads",
      "max_candidates": "max_candidates", "block_size": "block_size"}),
    (vec2face.perturb, api.v2f_perturb_opts,
     {"seed": "seed", "images_per_vector": "images_per_vector"}),
    (vec2face.report_dataset, api.v2f_dataset_report_opts,
     {"batch_size": "batch_size", "histogram_bins": "histogram_bins",
      "threshold": "threshold", "sheet_identities": "sheet_identities",
      "sheet_images": "sheet_images", "sheet_tile": "sheet_tile"}),
    (vec2face.write_image, api.v2f_image_write_opts,
     {"jpeg_quality": "jpeg_quality", "png_level": "png_level"}),
]


@pytest.mark.parametrize("fn,struct,names", CASES, ids=[c[0].__qualname__ for c in CASES])
def test_defaults_are_the_c_defaults(fn, struct, names):
    c = _c_defaults(struct)
    for py_name, c_name in names.items():
        d = _py_default(fn, py_name)
        assert d is not inspect.Parameter.empty, f"{py_name} has no default"
        assert _same(d, c[c_name], py_name), f"{fn.__qualname__}({py_name}={d!r}), C {c_name}={c[c_name]!r}"


def test_unknown_keywords_are_refused(model, np, tmp_path):
    v = np.zeros((1, 512), np.float32)
    with pytest.raises(TypeError, match="sed"):
        model.generate(v, sed=1)
    with pytest.raises(TypeError, match="learning_rate"):
        model.attrop(v, learning_rate=0.1)
    with pytest.raises(TypeError, match="per_id"):
        vec2face.DatasetJob(model, tmp_path / "ids.npy", tmp_path / "out", per_id=3)
    with pytest.raises(TypeError, match="treshold"):
        vec2face.Sampler.isotropic(8).sample(2, treshold=0.3)
    with pytest.raises(TypeError, match="bins"):
        vec2face.report_dataset(tmp_path, bins=3)
    # the old keyword names still work
    assert model.generate(v, seed=1, batch_size=1, mask_ratio_mu=None).shape == (1, 112, 112, 3)


def _public_callables():
    for name in vec2face.__all__:
        obj = getattr(vec2face, name)
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj) and obj.__module__.startswith("vec2face") and \
                not issubclass(obj, BaseException) and not hasattr(obj, "__dataclass_fields__"):
            for mname, m in vars(obj).items():
                if isinstance(m, (classmethod, staticmethod)):
                    m = m.__func__
                if isinstance(m, property):
                    m = m.fget
                if inspect.isfunction(m) and (not mname.startswith("_") or mname == "__init__"):
                    yield f"{name}.{mname}", m


def test_everything_public_is_annotated():
    seen = 0
    for name, fn in _public_callables():
        sig = inspect.signature(fn)
        for p in sig.parameters.values():
            if p.name in ("self", "cls"):
                continue
            assert p.annotation is not inspect.Parameter.empty, f"{name}: {p.name} unannotated"
            assert p.kind is not inspect.Parameter.VAR_KEYWORD, f"{name} takes **{p.name}"
        assert sig.return_annotation is not inspect.Signature.empty, f"{name}: no return type"
        seen += 1
    assert seen > 40
    assert "seed: 'int' = 0" in str(inspect.signature(vec2face.Model.generate))


def test_shapes_other_than_rows_are_refused(model, np):
    with pytest.raises(vec2face.InvalidArgumentError,
                       match=r"vectors: array of shape \(1, 2, 512\); need \(512,\) or \(N, 512\)"):
        model.generate(np.zeros((1, 2, 512), np.float32))
    with pytest.raises(vec2face.InvalidArgumentError, match=r"shape \(1024,\)"):
        model.generate(np.zeros(1024, np.float32))
    with pytest.raises(vec2face.InvalidArgumentError, match=r"images: array of shape \(1, 2, 112, 112, 3\)"):
        model.features(np.zeros((1, 2, 112, 112, 3), np.uint8))
    with pytest.raises(vec2face.InvalidArgumentError, match=r"points5: array of shape \(2, 3, 2\)"):
        vec2face.render_landmarks(np.zeros((2, 3, 2), np.float32))
    with pytest.raises(vec2face.InvalidArgumentError, match=r"shape \(2, 2, 64\)"):
        vec2face.separability(np.ones((2, 2, 64), np.float32))
    with pytest.raises(vec2face.InvalidArgumentError, match="rows of 256 values"):
        model.generate([[0.0] * 256, [0.0] * 256])
    # what stays accepted: one row, rows, image rows flat or shaped
    one = np.ones(512, np.float32)
    assert model.generate(one, seed=2).tobytes() == model.generate(one[None], seed=2).tobytes()
    img = model.generate(one, seed=2)
    assert model.features(img).shape == (1, 512)
    assert model.features(img[0]).shape == (1, 512)
    assert model.features(img.reshape(1, -1)).shape == (1, 512)
    pts = np.full((2, 5, 2), 50, np.float32)
    assert vec2face.render_landmarks(pts).tobytes() == \
        vec2face.render_landmarks(pts.reshape(2, 10)).tobytes()


def test_measure_names_as_the_cli_takes_them(model, np, tmp_path):
    M = vec2face.DatasetMeasure
    assert _measure("all") == M.SIMILARITY | M.QUALITY | M.YAW
    assert _measure("similarity,yaw") == M.SIMILARITY | M.YAW
    assert _measure(["quality", "all"]) == M.SIMILARITY | M.QUALITY | M.YAW
    with pytest.raises(vec2face.InvalidArgumentError, match="'all'"):
        _measure("everything")
    ids = tmp_path / "ids.npy"
    vec2face.write_npy(ids, np.ones((1, 512), np.float32))
    with vec2face.DatasetJob(model, ids, tmp_path / "out", measure="all", perturb_images=1):
        pass
    with vec2face.DatasetJob(model, ids, tmp_path / "out2", measure=M.SIMILARITY | M.QUALITY
                             | M.YAW, perturb_images=1):
        pass
    recipe = (tmp_path / "out" / "recipe.txt").read_text()
    assert recipe == (tmp_path / "out2" / "recipe.txt").read_text().replace("out2", "out")


def test_py_typed_is_shipped():
    import pathlib
    assert (pathlib.Path(vec2face.__file__).parent / "py.typed").exists()
