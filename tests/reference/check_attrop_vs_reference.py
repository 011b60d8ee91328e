"""One AttrOP step of the C library against the eager reference.

The reference step is written here from the official `gen_image` (MODEL_FACTS,
"AttrOP"): same weights (loaded from the exported files into our eager
classes), same explicit masks. Losses must agree to 1e-5 relative, the
gradient with respect to the vectors to 1e-4 relative norm, and the updated
vectors must equal one torch.optim.Adam step from that gradient. A pixel whose
unclipped value is within twice the forward's 1e-4 of the clip boundary may be
clipped the other way by the C side (seen on an AMD EPYC: 6e-4); the gradient
is then compared with the reference plus that pixel's own term, computed here
(`clip_flip_terms`), never with a looser tolerance. Cases:
identity only, + quality, + pose, all three, class vectors, pose-conditioned.
Estimators (features, quality, pose) are checked on random images too.
Environment: V2F_ATTROP_DUMP, V2F_EST_DUMP, V2F_TEST_MODELS.
"""

import dataclasses
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

from vec2face_torch.reference import CONFIGS, Generator, HeadPose, IResNet, PoseCondModel, landmark_input

DUMP = os.environ["V2F_ATTROP_DUMP"]
EST = os.environ["V2F_EST_DUMP"]
MODEL = os.path.join(os.environ["V2F_TEST_MODELS"], "tiny")
ARCFACE, MAGFACE = 3, 4


def load(name, module):
    module.load_state_dict(torch.jit.load(os.path.join(MODEL, name)).state_dict(), strict=True)
    for p in module.parameters():
        p.requires_grad_(False)
    return module.eval()


cfg = CONFIGS["tiny"]
NETS = {
    "generator": load("generator.pt", Generator(cfg["generator"])),
    "pose_generator": load("pose_generator.pt",
                           Generator(dataclasses.replace(cfg["pose_generator"], lora_r=0))),
    "pose_cond": load("pose_cond.pt", PoseCondModel()),
    ARCFACE: load("arcface.pt", IResNet(cfg["iresnet"])),
    MAGFACE: load("magface.pt", IResNet(cfg["iresnet"])),
    "headpose": load("headpose.pt", HeadPose(cfg["headpose"])),
}


def reference_step(vec, cls, d, m, lm, q_target, yaw_target, id_part):
    """Official gen_image, one iteration, written from the paper's code."""
    rep = torch.from_numpy(vec)
    x = rep.clone().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=0.1)
    cond = None
    gen = NETS["generator"]
    if lm is not None:
        cond = NETS["pose_cond"](landmark_input(torch.from_numpy(lm)))
        gen = NETS["pose_generator"]
    pre = gen(x, torch.from_numpy(d).bool(), torch.from_numpy(m).bool(), cond)
    image = pre.clip(-1, 1)
    image.retain_grad()
    feat = NETS[id_part](image)
    if cls is None:
        id_per = 1 - torch.cosine_similarity(feat, rep)
    else:
        dist = 1 - torch.cosine_similarity(feat, torch.from_numpy(cls))
        id_per = torch.where(dist > 0.3, dist, torch.zeros_like(dist))
    id_loss = id_per.mean()
    q_per = torch.zeros(len(vec))
    q_loss = torch.zeros(())
    if q_target > 0:
        norm = torch.norm(NETS[MAGFACE](image), 2, 1, True)
        q = torch.where(norm < q_target, q_target - norm, torch.zeros_like(norm)) / 30
        q_per, q_loss = q[:, 0], q.mean()
    p_per = torch.zeros(len(vec))
    p_loss = torch.zeros(())
    if yaw_target >= 0:
        angles = NETS["headpose"]((image[:, [2, 1, 0]] + 1) / 2)
        p_per = torch.abs(yaw_target - torch.abs(angles[:, 1].clip(min=-90, max=90))) / 90
        p_loss = p_per.mean()
    total = id_loss + p_loss + q_loss
    opt.zero_grad()
    total.backward(retain_graph=True)
    grad = x.grad.detach().clone().numpy()
    flips = clip_flip_terms(pre, image.grad, x)
    opt.step()
    losses = np.array([float(id_loss), float(q_loss), float(p_loss), float(total)], np.float32)
    per = np.stack([id_per.detach().numpy(), q_per.detach().numpy(), p_per.detach().numpy()])
    return losses, grad, per, x.detach().numpy(), flips


def clip_flip_terms(pre, upstream, x):
    """What the gradient would gain or lose if a pixel near the clip boundary
    were clipped the other way.

    The C forward agrees with this one to 1e-4 (c_vs_reference), so a pixel
    whose unclipped value lies within 2e-4 of +-1 (twice that, to be safe)
    may fall on the other side
    of the official clip(-1, 1) there. Such a pixel moves the gradient by a
    whole pixel's term, J_p^T u_p (about 1/sqrt(pixels) of it: 1e-3 relative
    on the tiny model), which no float tolerance should absorb. One term per
    such pixel, signed: + where this side clipped it (the other would pass
    it), - where this side passed it.
    """
    flat = pre.detach().reshape(-1)
    near = torch.nonzero((flat.abs() - 1).abs() < 2e-4).reshape(-1)
    terms = []
    for i in near.tolist():
        (jp,) = torch.autograd.grad(pre.reshape(-1)[i], x, retain_graph=True)
        sign = 1.0 if abs(float(flat[i])) > 1 else -1.0
        terms.append(sign * float(upstream.reshape(-1)[i]) * jp.numpy())
    return terms


def best_flip_subset(grad_c, grad_ref, flips):
    """Smallest |grad_c - (grad_ref + sum of a subset of flip terms)|, with
    the subset size; every subset is tried (at most 2^14)."""
    assert len(flips) <= 14, f"{len(flips)} pixels within 2e-4 of the clip boundary: redraw"
    best, best_k = np.linalg.norm(grad_c - grad_ref), 0
    for bits in range(1, 1 << len(flips)):
        g = grad_ref + sum(t for k, t in enumerate(flips) if bits >> k & 1)
        err = np.linalg.norm(grad_c - g)
        if err < best:
            best, best_k = err, bin(bits).count("1")
    return best, best_k


def c_step(tmp, vec, cls, d, m, lm, q_target, yaw_target, id_part):
    n = len(vec)
    f = lambda k: os.path.join(tmp, k)
    vec.tofile(f("v"))
    d.tofile(f("d"))
    m.tofile(f("m"))
    cls_arg = lm_arg = "-"
    if cls is not None:
        cls.tofile(f("c"))
        cls_arg = f("c")
    if lm is not None:
        lm.tofile(f("lm"))
        lm_arg = f("lm")
    subprocess.run([DUMP, MODEL, str(n), f("v"), cls_arg, f("d"), f("m"), lm_arg, str(q_target),
                    str(yaw_target), str(id_part), f("losses"), f("grad"), f("per"), f("after")],
                   check=True)
    return (np.fromfile(f("losses"), "<f4"), np.fromfile(f("grad"), "<f4").reshape(n, 512),
            np.fromfile(f("per"), "<f4").reshape(3, n), np.fromfile(f("after"), "<f4").reshape(n, 512))


def masks(rng, n, num_dropped):
    d = np.zeros((n, 49), np.uint8)
    m = np.zeros((n, 49), np.uint8)
    for i in range(n):
        order = rng.permutation(49)
        k = rng.integers(num_dropped, 50)
        d[i, order[:num_dropped]] = 1
        m[i, order[:k]] = 1
    return d, m


def check_case(tmp, name, rng, q_target, yaw_target, id_part=ARCFACE, with_class=False,
               with_pose_cond=False):
    n = 3
    vec = rng.standard_normal((n, 512)).astype(np.float32)
    vec *= 25 / np.linalg.norm(vec, axis=1, keepdims=True)
    cls = None
    if with_class:
        cls = (vec + rng.standard_normal((n, 512)).astype(np.float32) * 0.5).astype(np.float32)
    lm = None
    nd = 5
    if with_pose_cond:
        lm = np.zeros((n, 112, 112, 3), np.uint8)
        for i in range(n):
            for k, c in enumerate([(255, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255), (0, 0, 255)]):
                y, x = rng.integers(10, 100, 2)
                lm[i, y - 2:y + 3, x - 2:x + 3] = c
        nd = 40
    d, m = masks(rng, n, nd)
    ref = reference_step(vec, cls, d, m, lm, q_target, yaw_target, id_part)
    got = c_step(tmp, vec, cls, d, m, lm, q_target, yaw_target, id_part)
    losses_ref, grad_ref, per_ref, after_ref, flips = ref
    losses_c, grad_c, per_c, after_c = got
    rel = np.abs(losses_c - losses_ref) / np.maximum(np.abs(losses_ref), 1e-6)
    assert (rel <= 1e-5).all() or np.abs(losses_c - losses_ref).max() <= 1e-7, \
        f"{name}: losses C {losses_c} vs reference {losses_ref}"
    assert np.allclose(per_c, per_ref, rtol=1e-5, atol=1e-7), f"{name}: per-vector losses differ"
    gnorm = np.linalg.norm(grad_ref)
    assert gnorm > 0, f"{name}: reference gradient is zero: the case tests nothing"
    plain = np.linalg.norm(grad_c - grad_ref) / gnorm
    err, flipped = best_flip_subset(grad_c, grad_ref, flips)
    grel = err / gnorm
    assert grel <= 1e-4, (f"{name}: gradient relative error {grel:.2e} "
                          f"({plain:.2e} as computed; {len(flips)} pixels near the clip boundary)")
    # Adam's first step moves each component by about lr * sign(g); where g
    # is tiny the sign can flip between implementations, so compare the
    # update only where |g| is not tiny.
    big = np.abs(grad_ref) > 1e-3 * np.abs(grad_ref).max()
    big &= np.abs(grad_ref) > 2 * np.abs(grad_c - grad_ref)
    assert np.allclose(after_c[big], after_ref[big], atol=1e-5), f"{name}: Adam update differs"
    print(f"{name}: losses {losses_c.round(5)} (max rel err {rel.max():.1e}), "
          f"gradient rel err {grel:.1e}"
          + (f" ({flipped} of {len(flips)} near-boundary pixels clipped the other way; "
             f"{plain:.1e} before)" if flipped else ""))


def check_estimators(tmp, rng):
    n = 5
    rgb = rng.integers(0, 256, (n, 112, 112, 3), dtype=np.uint8)
    rgb.tofile(os.path.join(tmp, "rgb"))
    out = os.path.join(tmp, "est")
    subprocess.run([EST, MODEL, str(n), os.path.join(tmp, "rgb"), out], check=True)
    got = np.fromfile(out, "<f4")
    arc_c, mag_c = got[:n * 512].reshape(n, 512), got[n * 512:2 * n * 512].reshape(n, 512)
    q_c, pose_c = got[2 * n * 512:2 * n * 512 + n], got[2 * n * 512 + n:].reshape(n, 3)
    x = torch.from_numpy(rgb).permute(0, 3, 1, 2).float()
    with torch.no_grad():
        arc = NETS[ARCFACE](x / 127.5 - 1).numpy()
        mag = NETS[MAGFACE](x / 127.5 - 1).numpy()
        pose = NETS["headpose"](x[:, [2, 1, 0]] / 255.0).numpy()
    for name, a, b in [("arcface", arc_c, arc), ("magface", mag_c, mag), ("headpose", pose_c, pose)]:
        err = np.abs(a - b).max() / max(1.0, np.abs(b).max())
        assert err <= 1e-4, f"{name}: max error {err:.2e} (scaled)"
    q = np.linalg.norm(mag.astype(np.float64), axis=1)
    assert np.allclose(q_c, q, rtol=1e-4), "quality is not the MagFace feature norm"
    print("estimators: arcface, magface, quality, headpose == eager reference")


def main():
    torch.set_num_threads(2)
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory() as tmp:
        check_estimators(tmp, rng)
        check_case(tmp, "identity only", rng, 0, -1)
        check_case(tmp, "identity + quality", rng, 30, -1)
        check_case(tmp, "identity + pose", rng, 0, 60)
        check_case(tmp, "all three", rng, 30, 45)
        check_case(tmp, "magface identity, class vectors", rng, 30, 30, id_part=MAGFACE,
                   with_class=True)
        check_case(tmp, "pose-conditioned generation", rng, 30, 60, with_pose_cond=True)
    print("AttrOP step == eager reference")


if __name__ == "__main__":
    main()
