"""Architecture sizes: ``base`` is the release, ``tiny`` keeps the interfaces.

tiny: 512-d vectors in, 112x112x3 images out, 768-d pose condition, 512-d
features; few blocks, narrow channels, so the whole test suite stays fast.
"""

from .generator import GeneratorConfig
from .iresnet import IResNetConfig
from .headpose import HeadPoseConfig

POSE_MASK = dict(mask_ratio_min=0.8, mask_ratio_max=0.9, mask_ratio_mu=0.85, mask_ratio_std=0.05)

CONFIGS = {
    "base": {
        "generator": GeneratorConfig(),
        "pose_generator": GeneratorConfig(lora_r=8, lora_alpha=32.0, **POSE_MASK),
        "iresnet": IResNetConfig(),
        "headpose": HeadPoseConfig(),
    },
    "tiny": {
        "generator": GeneratorConfig(depth=1, num_heads=4, decoder_depth=1, decoder_num_heads=4,
                                     mlp_ratio=0.25, dec_ch=32, dec_num_res_blocks=1,
                                     z_channels=32),
        "pose_generator": GeneratorConfig(depth=1, num_heads=4, decoder_depth=1,
                                          decoder_num_heads=4, mlp_ratio=0.25, dec_ch=32,
                                          dec_num_res_blocks=1, z_channels=32,
                                          lora_r=2, lora_alpha=8.0, **POSE_MASK),
        "iresnet": IResNetConfig(layers=(1, 1, 1, 1), widths=(8, 16, 16, 32), stem=8),
        "headpose": HeadPoseConfig(blocks=(1, 1, 2, 1, 1), widths=(8, 8, 16, 16, 32),
                                   grouped=(2, 4)),
    },
}
