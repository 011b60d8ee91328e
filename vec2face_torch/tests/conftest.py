"""Shared setup for the converter tests (vec2face_torch package).

Runs with plain ``pytest`` from the repository root: vec2face_torch/src is put
on sys.path here. Without PyTorch the whole directory is skipped.

Base-size models are expensive on CPU (one base generator forward is several
seconds on 2 cores), so each is built once per session here and shared.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SRC = os.path.join(REPO, "vec2face_torch", "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except Exception as e:  # pragma: no cover - depends on the machine
    HAVE_TORCH = False
    TORCH_ERROR = repr(e)


class _TorchMissingItem(pytest.Item):
    def runtest(self):
        pytest.skip("PyTorch is not importable (" + TORCH_ERROR + "); the vec2face "
                    "converter tests (vec2face_torch/tests) need torch")

    def reportinfo(self):
        return self.path, 0, self.name


class _TorchMissingFile(pytest.File):
    def collect(self):
        yield _TorchMissingItem.from_parent(self, name="requires_torch")


def pytest_pycollect_makemodule(module_path, parent):
    # Without torch, each test module (they import torch at the top) is
    # replaced by one skipped item that gives the reason.
    if not HAVE_TORCH:
        return _TorchMissingFile.from_parent(parent, path=module_path)
    return None


def pytest_report_header(config):
    if not HAVE_TORCH:
        return "vec2face_torch/tests: all skipped, PyTorch is not importable: " + TORCH_ERROR
    return None


if HAVE_TORCH:
    torch.set_num_threads(2)

    @pytest.fixture(scope="session")
    def tiny_models():
        """Eager tiny-size networks (vec2face_torch.random_init.randomize), once per session."""
        import vec2face_torch.random_init as ri
        from vec2face_torch.reference import CONFIGS, Generator, HeadPose, IResNet, PoseCondModel
        tiny = CONFIGS["tiny"]
        return {
            "generator": ri.randomize(Generator(tiny["generator"]), 10),
            "pose_generator": ri.randomize(Generator(tiny["pose_generator"]), 11),
            "pose_cond": ri.randomize(PoseCondModel(), 12),
            "arcface": ri.randomize(IResNet(tiny["iresnet"]), 13),
            "magface": ri.randomize(IResNet(tiny["iresnet"]), 14),
            "headpose": ri.randomize(HeadPose(tiny["headpose"]), 15),
        }

    @pytest.fixture(scope="session")
    def base_models():
        """Eager base-size networks, randomised once per session.

        All go through vec2face_torch.random_init.randomize. For the two generators
        its final output calibration (four base-size forwards, 10-15 s on 2
        cores; it only rescales conv_out so that the output spans about
        [-1,1]) is skipped: comparing two implementations does not need it.
        ArcFace and MagFace have the same architecture and export path; at
        base size one randomised iresnet100 (BatchNorm calibrated) serves both.
        """
        import vec2face_torch.random_init as ri
        from vec2face_torch.reference import CONFIGS, Generator, HeadPose, IResNet, PoseCondModel
        base = CONFIGS["base"]
        models = {}
        saved = ri._calibrate_generator_output
        ri._calibrate_generator_output = lambda gen, g, with_cond: None
        try:
            models["generator"] = ri.randomize(Generator(base["generator"]), 100)
            models["pose_generator"] = ri.randomize(Generator(base["pose_generator"]), 101)
        finally:
            ri._calibrate_generator_output = saved
        models["pose_cond"] = ri.randomize(PoseCondModel(), 102)
        models["arcface"] = ri.randomize(IResNet(base["iresnet"]), 103)
        models["magface"] = models["arcface"]
        models["headpose"] = ri.randomize(HeadPose(base["headpose"]), 105)
        return models

    @pytest.fixture(scope="session")
    def base_estimator_io(base_models):
        """Inputs and eager outputs of the base estimators, computed once
        (an iresnet100 forward costs seconds): {kind: (x, y)}, batch 2."""
        g = torch.Generator().manual_seed(2024)
        x = torch.rand(2, 3, 112, 112, generator=g)
        io = {}
        with torch.no_grad():
            rgb = x * 2 - 1
            io["arcface"] = (rgb, base_models["arcface"](rgb))
            io["magface"] = io["arcface"]  # same network at base size (see base_models)
            io["headpose"] = (x, base_models["headpose"](x))   # BGR [0,1]
            lm = torch.rand(2, 3, 112, 112, generator=g) * 2 - 1
            io["pose_cond"] = (lm, base_models["pose_cond"](lm))
        return io

    @pytest.fixture(scope="session")
    def tiny_random_exports(tmp_path_factory):
        """Model directories from `export --random --size tiny`: seed 7 through the
        CLI (subprocess) and through export_random. {"cli7"|"fn7": directory}."""
        import subprocess
        from vec2face_torch.export import export_random
        root = tmp_path_factory.mktemp("random_exports")
        env = dict(os.environ)
        env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
        # Same intra-op thread count as this process: the random weights
        # depend on it (see test_random_init.test_same_seed_independent_of_thread_count).
        env["OMP_NUM_THREADS"] = str(torch.get_num_threads())
        cli = root / "cli7"
        r = subprocess.run([sys.executable, "-m", "vec2face_torch.export", "--random", "--size",
                            "tiny", "--seed", "7", "--out", str(cli)], capture_output=True,
                           text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stderr
        assert "RANDOM" in r.stdout
        dirs = {"cli7": str(cli)}
        for name, seed in (("fn7", 7),):
            (root / name).mkdir()
            export_random("tiny", seed, str(root / name))
            dirs[name] = str(root / name)
        return dirs
