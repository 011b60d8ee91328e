"""Landmark encoder (official ``PoseCondModel``): landmark image -> condition [B,1,768].

``landmark_input`` is the official preprocessing of a landmark image in
front of it, float16 rounding included; libvec2face does the same in C
(``v2f__landmarks_to_float``), so model files stay plain float32 graphs.
"""

import torch
import torch.nn as nn


def landmark_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 landmark images [B,112,112,3] (HWC RGB) -> encoder input [B,3,112,112].

    As the official pose_control.py: ToTensor (x / 255 in float32),
    Normalize(0.5, 0.5), then ``.half()``: every value is rounded to the
    nearest float16 (ties to even). The encoder then runs in float32 on
    those values (the official script, under CUDA autocast, also feeds it
    the float16 values); returned as float32. Pure 0/255 pixels give -1 and
    1, which float16 holds exactly; the grey levels of JPEG maps move by up
    to 2^-12, enough to move the generated image by ~1e-4.
    """
    if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[-1] != 3:
        raise ValueError("landmark_input: want uint8 [B,H,W,3], got "
                         f"{images.dtype} {list(images.shape)}")
    x = images.permute(0, 3, 1, 2).float() / 255.0
    return ((x - 0.5) / 0.5).half().float()


class PoseCondModel(nn.Module):
    """Input: landmark image [B,3,112,112] RGB scaled to [-1,1], rounded to
    float16 values (``landmark_input``)."""

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
