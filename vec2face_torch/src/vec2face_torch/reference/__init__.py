"""Our eager PyTorch definitions of the six Vec2Face+ networks.

Parameter names and shapes follow the official code so that the official
checkpoints load with a strict key check (see ``vec2face_torch.checkpoints``).
Every module here is TorchScript-compatible; ``vec2face_torch.export`` scripts
and saves them.
"""

from .generator import Generator, GeneratorConfig, LoRALinear
from .pose_cond import PoseCondModel, landmark_input
from .iresnet import IResNet, IResNetConfig
from .headpose import HeadPose, HeadPoseConfig, rotation_from_6d, euler_from_rotation
from .configs import CONFIGS

__all__ = [
    "Generator", "GeneratorConfig", "LoRALinear", "PoseCondModel", "landmark_input",
    "IResNet", "IResNetConfig", "HeadPose", "HeadPoseConfig",
    "rotation_from_6d", "euler_from_rotation", "CONFIGS",
]
