"""iresnet (ArcFace and MagFace identity/quality models), official layout.

Input RGB [-1,1] 112x112; output a 512-d feature, not normalised. Always
evaluated in eval mode (BatchNorm running statistics, dropout off).
"""

from dataclasses import dataclass
from typing import Tuple

import torch
import torch.nn as nn


@dataclass
class IResNetConfig:
    layers: Tuple[int, ...] = (3, 13, 30, 3)      # iresnet100
    widths: Tuple[int, ...] = (64, 128, 256, 512)
    stem: int = 64
    num_features: int = 512


def _conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)


class IBasicBlock(nn.Module):
    def __init__(self, cin: int, planes: int, stride: int):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, eps=1e-5)
        self.conv1 = _conv3x3(cin, planes)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-5)
        self.prelu = nn.PReLU(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-5)
        self.has_downsample = stride != 1 or cin != planes
        if self.has_downsample:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, planes, 1, stride, bias=False),
                nn.BatchNorm2d(planes, eps=1e-5))
        else:
            self.downsample = nn.Sequential()  # no parameters, no keys

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return out + self.downsample(x)


class IResNet(nn.Module):
    def __init__(self, cfg: IResNetConfig = IResNetConfig()):
        super().__init__()
        self.conv1 = nn.Conv2d(3, cfg.stem, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cfg.stem, eps=1e-5)
        self.prelu = nn.PReLU(cfg.stem)
        cin = cfg.stem
        stages = []
        for planes, blocks in zip(cfg.widths, cfg.layers):
            layer = [IBasicBlock(cin, planes, 2)]
            layer += [IBasicBlock(planes, planes, 1) for _ in range(1, blocks)]
            stages.append(nn.Sequential(*layer))
            cin = planes
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.bn2 = nn.BatchNorm2d(cin, eps=1e-5)
        self.fc = nn.Linear(cin * 7 * 7, cfg.num_features)
        self.features = nn.BatchNorm1d(cfg.num_features, eps=1e-5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.bn2(x), 1)
        return self.features(self.fc(x))
