"""Facts and helpers shared by the converter tests.

The numbers come from /work/shared/design/MODEL_FACTS.md and are typed here on
purpose (not read from the vec2face package), so the tests check the package.
"""

import math

import torch

NUM_TOKENS = 49
PLAIN_MASK = dict(min=0.1, max=1.0, mu=0.15, std=0.25)
POSE_MASK = dict(min=0.8, max=0.9, mu=0.85, std=0.05)
NUM_DROPPED_PLAIN = int(math.ceil(NUM_TOKENS * PLAIN_MASK["min"]))  # 5
NUM_DROPPED_POSE = int(math.ceil(NUM_TOKENS * POSE_MASK["min"]))    # 40
assert NUM_DROPPED_PLAIN == 5 and NUM_DROPPED_POSE == 40
RELEASE_LORA_R, RELEASE_LORA_ALPHA = 8, 32.0
COND_DIM = 768


def random_valid_masks(batch, num_dropped, g):
    """Per image: random permutation; first num_dropped dropped, first k masked,
    k uniform in [num_dropped, 49]."""
    dropped = torch.zeros(batch, NUM_TOKENS, dtype=torch.bool)
    masked = torch.zeros(batch, NUM_TOKENS, dtype=torch.bool)
    for i in range(batch):
        perm = torch.randperm(NUM_TOKENS, generator=g)
        k = int(torch.randint(num_dropped, NUM_TOKENS + 1, (1,), generator=g))
        dropped[i, perm[:num_dropped]] = True
        masked[i, perm[:k]] = True
    return dropped, masked


def random_vectors(batch, g):
    """ArcFace-like vectors: random directions, norm 25."""
    v = torch.randn(batch, 512, generator=g)
    return v / v.norm(dim=1, keepdim=True) * 25.0


def max_abs_diff(a, b):
    return float((a.double() - b.double()).abs().max())


def official_generator_sd(gen):
    """Our state dict plus the keys the official generator has but does not use."""
    sd = dict(gen.state_dict())  # tensors shared: callers change keys, not values
    g = torch.Generator().manual_seed(0)
    sd["patch_embed.proj.weight"] = torch.randn(768, 3, 16, 16, generator=g)
    sd["patch_embed.proj.bias"] = torch.randn(768, generator=g)
    sd["center_token.weight"] = torch.randn(49, 768, generator=g)
    sd["center_token.bias"] = torch.randn(49, generator=g)
    sd["token_emb.position_ids"] = torch.arange(50).unsqueeze(0)
    return sd


IGNORED_KEYS = {"patch_embed.proj.weight", "patch_embed.proj.bias", "center_token.weight",
                "center_token.bias", "token_emb.position_ids"}
