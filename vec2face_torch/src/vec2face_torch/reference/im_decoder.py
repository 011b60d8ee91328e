"""VQGAN-style image decoder of the Vec2Face generator (official ``im_decoder``).

Config of the release: ch 128, ch_mult (1,1,2,2,4), 2 res blocks per level,
z_channels 256, 7x7 -> 112x112, no attention (attn_resolutions [16] never
matches a level), no timestep embedding, convs inside res blocks bias-free.
"""

from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


class GroupNorm32(nn.GroupNorm):
    """GroupNorm whose statistics are computed in float32 whatever the input
    dtype, returning the input dtype. In float32 the casts are no-ops (same
    numbers, same parameter names); in bfloat16 they keep the result usable:
    a plain bfloat16 GroupNorm gave 14.7 dB PSNR against float32 (issue 9).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.group_norm(x.float(), self.num_groups, self.weight.float(),
                            self.bias.float(), self.eps).to(x.dtype)


def _norm(ch: int) -> nn.GroupNorm:
    return GroupNorm32(num_groups=32, num_channels=ch, eps=1e-6, affine=True)


def _swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.in_channels = cin
        self.out_channels = cout
        self.norm1 = _norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.norm2 = _norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        # Official quirk: the 1x1 shortcut maps the block OUTPUT h (cout ->
        # cout), and the result is shortcut(h) + h; x is not used then.
        self.has_shortcut = cin != cout
        self.nin_shortcut = nn.Conv2d(cout, cout, 1, 1, 0, bias=False) if cin != cout \
            else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(_swish(self.norm1(x)))
        h = self.conv2(_swish(self.norm2(h)))
        if self.has_shortcut:
            return self.nin_shortcut(h) + h
        return x + h


class Upsample(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UpLevel(nn.Module):
    """One resolution level; ``upsample`` is absent on level 0 (as officially)."""

    def __init__(self, blocks: List[ResnetBlock], upsample: bool, ch: int):
        super().__init__()
        self.block = nn.ModuleList(blocks)
        # Identity holds no parameters, so level 0 has no upsample.* keys.
        self.upsample = Upsample(ch) if upsample else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for blk in self.block:
            x = blk(x)
        return self.upsample(x)


class Mid(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.block_1 = ResnetBlock(ch, ch)
        self.block_2 = ResnetBlock(ch, ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block_2(self.block_1(x))


class ImageDecoder(nn.Module):
    def __init__(self, ch: int, ch_mult: Tuple[int, ...], num_res_blocks: int,
                 z_channels: int, out_ch: int = 3):
        super().__init__()
        n = len(ch_mult)
        if n != 5:
            raise ValueError("the image decoder has five levels (ch_mult of length 5)")
        block_in = ch * ch_mult[n - 1]
        self.conv_in = nn.Conv2d(z_channels, block_in, 3, 1, 1)
        self.mid = Mid(block_in)
        levels: List[UpLevel] = []
        for i_level in reversed(range(n)):  # built top-down, stored by level index
            block_out = ch * ch_mult[i_level]
            blocks = []
            for _ in range(num_res_blocks):
                blocks.append(ResnetBlock(block_in, block_out))
                block_in = block_out
            levels.insert(0, UpLevel(blocks, i_level != 0, block_in))
        self.up = nn.ModuleList(levels)
        self.norm_out = _norm(block_in)
        self.conv_out = nn.Conv2d(block_in, out_ch, 3, 1, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.mid(self.conv_in(z))
        # Deepest level first, level 0 last. TorchScript cannot iterate a
        # ModuleList backwards, so the five levels are spelled out.
        h = self.up[4](h)
        h = self.up[3](h)
        h = self.up[2](h)
        h = self.up[1](h)
        h = self.up[0](h)
        return self.conv_out(_swish(self.norm_out(h)))
