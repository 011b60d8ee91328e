"""6D -> rotation -> Euler angles (sixdrepnet utils) against a float64 NumPy version.

Written from MODEL_FACTS.md: x = normalise(p[0:3]) (norm floored at 1e-8),
z = normalise(x cross p[3:6]), y = z cross x, R = [x y z] (columns);
sy = sqrt(R00^2 + R10^2); regular (atan2(R21,R22), atan2(-R20,sy),
atan2(R10,R00)); if sy < 1e-6: (atan2(-R12,R11), atan2(-R20,sy), 0).
"""

import math

import numpy as np
import pytest
import torch

from vec2face_torch.reference import CONFIGS, HeadPose, euler_from_rotation, rotation_from_6d


def np_normalise(v):
    return v / max(np.sqrt((v * v).sum()), 1e-8)


def np_rotation(p):
    x = np_normalise(p[0:3])
    z = np_normalise(np.cross(x, p[3:6]))
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=1)  # columns


def np_euler(R):
    sy = math.sqrt(R[0, 0] ** 2 + R[1, 0] ** 2)
    if sy < 1e-6:
        return np.array([math.atan2(-R[1, 2], R[1, 1]), math.atan2(-R[2, 0], sy), 0.0])
    return np.array([math.atan2(R[2, 1], R[2, 2]), math.atan2(-R[2, 0], sy),
                     math.atan2(R[1, 0], R[0, 0])])


def np_degrees(p):
    return np_euler(np_rotation(p)) * 180.0 / math.pi


def random_6d(n, seed):
    rng = np.random.default_rng(seed)
    p = rng.normal(size=(n, 6))
    p[: n // 2] *= rng.uniform(0.01, 100, size=(n // 2, 1))  # scale does not matter
    return p


def singular_6d():
    """x column = (0,0,+-1): R00 = R10 = 0 exactly, plus near-singular ones."""
    rows = [[0, 0, 1, 1, 0, 0], [0, 0, -2, 0.3, 1, 0.2], [0, 0, 5, -1, -1, 3],
            [0, 0, 1e-3, 0, 1, 0], [1e-9, 0, 1, 0.5, 0.5, 0]]
    return np.array(rows, dtype=np.float64)


def test_rotation_matches_numpy():
    p = random_6d(64, 0)
    got = rotation_from_6d(torch.from_numpy(p)).numpy()
    want = np.stack([np_rotation(q) for q in p])
    assert np.abs(got - want).max() <= 1e-12
    # Proper rotations.
    eye = np.einsum("bji,bjk->bik", want, want)
    assert np.abs(eye - np.eye(3)).max() <= 1e-12
    assert np.abs(np.linalg.det(want) - 1).max() <= 1e-12


def test_normalise_floor():
    p = np.array([[0, 0, 0, 1, 2, 3]], dtype=np.float64)
    got = rotation_from_6d(torch.from_numpy(p)).numpy()[0]
    assert np.isfinite(got).all()
    assert np.abs(got - np_rotation(p[0])).max() <= 1e-12


def test_euler_matches_numpy_regular():
    p = random_6d(64, 1)
    R = torch.from_numpy(np.stack([np_rotation(q) for q in p]))
    got = euler_from_rotation(R).numpy()
    want = np.stack([np_euler(r) for r in R.numpy()])
    assert np.abs(got - want).max() <= 1e-12


def test_euler_matches_numpy_singular():
    p = singular_6d()
    R = np.stack([np_rotation(q) for q in p])
    assert (np.sqrt(R[:, 0, 0] ** 2 + R[:, 1, 0] ** 2) < 1e-6).all()
    assert R[0, 0, 0] == 0 and R[0, 1, 0] == 0
    got = euler_from_rotation(torch.from_numpy(R)).numpy()
    want = np.stack([np_euler(r) for r in R])
    assert np.abs(got - want).max() <= 1e-12
    assert (got[:, 2] == 0).all()
    # Hand-made singular matrix with R00 = R10 = 0 (not via 6D).
    Rh = np.array([[[0.0, 0.6, -0.8], [0.0, 0.8, 0.6], [-1.0, 0.0, 0.0]]])
    got = euler_from_rotation(torch.from_numpy(Rh)).numpy()[0]
    assert np.abs(got - np_euler(Rh[0])).max() <= 1e-12
    assert abs(got[1] - math.pi / 2) <= 1e-12 and abs(got[0] - math.atan2(-0.6, 0.8)) <= 1e-12


def test_composed_degrees_float32():
    p = np.concatenate([random_6d(32, 2), singular_6d()])
    got = (euler_from_rotation(rotation_from_6d(torch.from_numpy(p).float())) * 180 / math.pi)
    want = np.stack([np_degrees(q) for q in p])
    assert np.abs(got.double().numpy() - want).max() <= 1e-3


def test_headpose_module_last_step():
    """linear_reg with zero weight and bias = p: the module outputs degrees(p)
    whatever the image."""
    net = HeadPose(CONFIGS["tiny"]["headpose"]).eval()
    p = np.concatenate([random_6d(3, 3)[:, :], singular_6d()[:2]])
    x = torch.rand(1, 3, 112, 112, generator=torch.Generator().manual_seed(0))
    for q in p:
        with torch.no_grad():
            net.linear_reg.weight.zero_()
            net.linear_reg.bias.copy_(torch.from_numpy(q).float())
            got = net(x)[0].double().numpy()
        want = np_degrees(q.astype(np.float32).astype(np.float64))
        assert got.shape == (3,)
        assert np.abs(got - want).max() <= 1e-3, (q, got, want)


def test_gradcheck_composed_regular():
    p = torch.from_numpy(random_6d(4, 4)).requires_grad_(True)
    R = rotation_from_6d(p.detach())
    sy = torch.sqrt(R[:, 0, 0] ** 2 + R[:, 1, 0] ** 2)
    assert (sy > 1e-3).all()  # regular branch, away from the switch

    def f(q):
        return euler_from_rotation(rotation_from_6d(q)) * (180.0 / math.pi)

    assert torch.autograd.gradcheck(f, (p,), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_gradients_flow_through_headpose():
    net = HeadPose(CONFIGS["tiny"]["headpose"]).eval()
    x = torch.rand(1, 3, 112, 112, generator=torch.Generator().manual_seed(1),
                   requires_grad=True)
    net(x)[0, 1].backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().max() > 0
