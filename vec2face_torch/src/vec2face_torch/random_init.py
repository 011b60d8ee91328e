"""Random, non-trivial, finite weights for test/benchmark models.

Every parameter and buffer is set (LoRA B, the landmark encoder's last
Linear and norm affines included, which the official init leaves at zero or
one), then BatchNorm statistics are calibrated on a random batch so that an
eval-mode iresnet stays finite, and the generator's output is scaled to
about [-1, 1] so that the uint8 conversion sees a spread of values.
Same seed, same weights (for one torch version).
"""

import math

import torch
import torch.nn as nn

from .reference import Generator, HeadPose, IResNet, LoRALinear, PoseCondModel


def _init_params(module: nn.Module, g: torch.Generator) -> None:
    for m in module.modules():
        if isinstance(m, LoRALinear):
            m.A.data.normal_(0.0, 1.0 / math.sqrt(m.A.shape[1]), generator=g)
            m.B.data.normal_(0.0, 0.05, generator=g)
        elif isinstance(m, nn.Linear):
            bound = math.sqrt(6.0 / (m.in_features + m.out_features))  # xavier uniform
            m.weight.data.uniform_(-bound, bound, generator=g)
            if m.bias is not None:
                m.bias.data.normal_(0.0, 0.02, generator=g)
        elif isinstance(m, nn.Conv2d):
            fan_in = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            m.weight.data.normal_(0.0, math.sqrt(2.0 / fan_in), generator=g)
            if m.bias is not None:
                m.bias.data.normal_(0.0, 0.02, generator=g)
        elif isinstance(m, (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d, nn.BatchNorm2d)):
            m.weight.data.uniform_(0.8, 1.2, generator=g)
            m.bias.data.normal_(0.0, 0.05, generator=g)
        elif isinstance(m, nn.PReLU):
            m.weight.data.uniform_(0.1, 0.3, generator=g)
        elif isinstance(m, nn.Embedding):
            m.weight.data.normal_(0.0, 0.02, generator=g)
    for name, p in module.named_parameters(recurse=False):
        p.data.normal_(0.0, 0.02, generator=g)  # e.g. decoder_pos_embed_learned


def _random_vectors(n: int, g: torch.Generator) -> torch.Tensor:
    v = torch.randn(n, 512, generator=g)
    return v / v.norm(dim=1, keepdim=True) * 25.0  # ArcFace-like norms


def _random_masks(gen: Generator, n: int, g: torch.Generator):
    order = torch.rand(n, gen.num_tokens, generator=g).argsort(dim=1)
    ranks = order.argsort(dim=1)
    dropped = ranks < gen.num_dropped
    masked = ranks < max(gen.num_dropped, int(math.ceil(gen.num_tokens * 0.5)))
    return dropped, masked


@torch.no_grad()
def _calibrate_generator_output(gen: Generator, g: torch.Generator, with_cond: bool) -> None:
    gen.eval()
    v = _random_vectors(2, g)
    d, m = _random_masks(gen, 2, g)
    cond = torch.randn(2, 1, gen.cond_dim, generator=g) if with_cond else None
    out = gen(v, d, m, cond)
    conv = gen.im_decoder.conv_out
    scale = 0.5 / max(float(out.std()), 1e-6)
    mean = float(out.mean()) * scale
    conv.weight.mul_(scale)
    conv.bias.mul_(scale).sub_(mean)


@torch.no_grad()
def _calibrate_batchnorm(net: nn.Module, x: torch.Tensor) -> None:
    """Set running statistics to the batch statistics of x, layer by layer."""
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one pass = that batch's stats
    net.train()
    net(x)
    net.eval()
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = 0.1


def randomize(module: nn.Module, seed: int) -> nn.Module:
    """Fill `module` (one of the reference networks) with random weights.

    Tensor methods with an explicit torch.Generator are used rather than
    nn.init (which takes no generator in torch 1.13), so nothing depends on
    the global RNG state.
    """
    g = torch.Generator().manual_seed(seed)
    _init_params(module, g)
    # Calibration derives weights from a forward pass; one thread keeps its
    # float sums in one order, so the same seed gives the same weights
    # whatever the thread count.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _calibrate(module, g)
    finally:
        torch.set_num_threads(threads)
    return module.eval()


def _calibrate(module: nn.Module, g: torch.Generator) -> None:
    if isinstance(module, Generator):
        has_lora = any(isinstance(m, LoRALinear) for m in module.modules())
        _calibrate_generator_output(module, g, with_cond=has_lora)
    elif isinstance(module, IResNet):
        x = (torch.rand(16, 3, 112, 112, generator=g) * 2 - 1)
        _calibrate_batchnorm(module, x)
    elif isinstance(module, PoseCondModel):
        # The official zero-init of the last Linear would make every
        # condition equal; random weights keep the pose path non-trivial.
        module.linear.weight.data.mul_(4.0)
