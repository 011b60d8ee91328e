"""6DRepNet head pose (RepVGG-B1g2 backbone in deploy form) returning degrees.

Input: BGR image in [0,1], [B,3,112,112] (as the official AttrOP feeds it).
Output: [B,3] Euler angles in degrees (pitch, yaw, roll = x, y, z of the
sixdrepnet utilities); index 1 is the yaw AttrOP uses. The 6D -> rotation ->
Euler math is inside the module and differentiable.
"""

import math
from dataclasses import dataclass
from typing import Tuple

import torch
import torch.nn as nn


@dataclass
class HeadPoseConfig:
    blocks: Tuple[int, ...] = (1, 4, 6, 16, 1)          # layer0..layer4
    widths: Tuple[int, ...] = (64, 128, 256, 512, 2048)
    # groups 2 on these global block indices (counted from 1 after layer0)
    grouped: Tuple[int, ...] = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26)


class RepVGGBlock(nn.Module):
    """Deploy form: one 3x3 conv with bias (``rbr_reparam``), then ReLU."""

    def __init__(self, cin: int, cout: int, stride: int, groups: int):
        super().__init__()
        self.rbr_reparam = nn.Conv2d(cin, cout, 3, stride, 1, groups=groups, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.rbr_reparam(x))


def _normalize(v: torch.Tensor) -> torch.Tensor:
    mag = torch.sqrt((v * v).sum(dim=1, keepdim=True))
    return v / torch.clamp(mag, min=1e-8)


def _cross(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    i = u[:, 1] * v[:, 2] - u[:, 2] * v[:, 1]
    j = u[:, 2] * v[:, 0] - u[:, 0] * v[:, 2]
    k = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    return torch.stack([i, j, k], dim=1)


def rotation_from_6d(p: torch.Tensor) -> torch.Tensor:
    """[B,6] -> [B,3,3]; columns x, y, z by Gram-Schmidt (sixdrepnet utils)."""
    x = _normalize(p[:, 0:3])
    z = _normalize(_cross(x, p[:, 3:6]))
    y = _cross(z, x)
    return torch.stack([x, y, z], dim=2)


def euler_from_rotation(R: torch.Tensor) -> torch.Tensor:
    """[B,3,3] -> [B,3] radians (x, y, z), with the official singular branch."""
    sy = torch.sqrt(R[:, 0, 0] * R[:, 0, 0] + R[:, 1, 0] * R[:, 1, 0])
    singular = (sy < 1e-6).to(R.dtype)
    x = torch.atan2(R[:, 2, 1], R[:, 2, 2])
    y = torch.atan2(-R[:, 2, 0], sy)
    z = torch.atan2(R[:, 1, 0], R[:, 0, 0])
    xs = torch.atan2(-R[:, 1, 2], R[:, 1, 1])
    zs = R[:, 1, 0] * 0
    # y and ys are the same expression in the official code.
    return torch.stack([x * (1 - singular) + xs * singular,
                        y,
                        z * (1 - singular) + zs * singular], dim=1)


class HeadPose(nn.Module):
    def __init__(self, cfg: HeadPoseConfig = HeadPoseConfig()):
        super().__init__()
        self.layer0 = RepVGGBlock(3, cfg.widths[0], 2, 1)
        cin = cfg.widths[0]
        idx = 1
        stages = []
        for nblocks, cout in zip(cfg.blocks[1:], cfg.widths[1:]):
            blocks = []
            for b in range(nblocks):
                groups = 2 if idx in cfg.grouped else 1
                blocks.append(RepVGGBlock(cin, cout, 2 if b == 0 else 1, groups))
                cin = cout
                idx += 1
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.linear_reg = nn.Linear(cin, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer4(self.layer3(self.layer2(self.layer1(self.layer0(x)))))
        x = torch.flatten(torch.mean(x, dim=(2, 3), keepdim=True), 1)  # global avg pool
        R = rotation_from_6d(self.linear_reg(x))
        return euler_from_rotation(R) * (180.0 / math.pi)
