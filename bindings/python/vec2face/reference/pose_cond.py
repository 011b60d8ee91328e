"""Landmark encoder (official ``PoseCondModel``): landmark image -> condition [B,1,768]."""

import torch
import torch.nn as nn


class PoseCondModel(nn.Module):
    """Input: landmark image [B,3,112,112] RGB scaled to [-1,1]."""

    def __init__(self, cond_dim: int = 768):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, 2, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 2, 1)
        self.conv3 = nn.Conv2d(64, 128, 3, 2, 1)
        self.conv4 = nn.Conv2d(128, 256, 3, 2, 1)
        self.linear = nn.Linear(7 * 7 * 256, cond_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv1(x))  # 56
        x = torch.relu(self.conv2(x))  # 28
        x = torch.relu(self.conv3(x))  # 14
        x = torch.relu(self.conv4(x))  # 7
        x = self.linear(torch.flatten(x, 1))
        return x.unsqueeze(1).contiguous()
