"""Loading the official Vec2Face+ checkpoints strictly into our definitions.

Every key of an official state dict is either consumed by a parameter or
buffer of the same name and shape, or ignored by name (IGNORED); anything
else (missing, unexpected, mis-shaped) is an error listing the keys.
"""

import hashlib
import pickle
from typing import Dict, Iterable, List, Tuple

import torch
import torch.nn as nn

# Present in the official generator state dicts, unused by inference.
GENERATOR_IGNORED = ("patch_embed.", "center_token.", "token_emb.position_ids")


class CheckpointError(Exception):
    """A checkpoint that cannot be loaded, with the reason."""


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_checkpoint(path: str, trust: bool = False):
    """torch.load with weights_only=True; a full unpickle only when trusted."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError) as e:
        if not trust:
            raise CheckpointError(
                f"{path}: cannot be loaded with weights_only=True ({str(e).splitlines()[0]}). "
                "Loading it fully would unpickle arbitrary objects, and unpickling runs "
                "code: pass --trust-checkpoint only if you trust where the file came from."
            ) from e
    return torch.load(path, map_location="cpu", weights_only=False)


def _ignored(key: str, ignored: Iterable[str]) -> bool:
    return any(key == p or (p.endswith(".") and key.startswith(p)) for p in ignored)


def strict_load(module: nn.Module, state: Dict[str, torch.Tensor], what: str,
                ignored: Iterable[str] = ()) -> List[str]:
    """Load `state` into `module`; return the keys ignored by name.

    BatchNorm ``num_batches_tracked`` may be absent (old checkpoints): it is
    not used in eval mode.
    """
    if not isinstance(state, dict):
        raise CheckpointError(f"{what}: expected a state dict, found {type(state).__name__}")
    expected = module.state_dict()
    unexpected, mismatched, skipped = [], [], []
    for key, value in state.items():
        if _ignored(key, ignored):
            skipped.append(key)
        elif key not in expected:
            unexpected.append(key)
        elif not torch.is_tensor(value) or tuple(value.shape) != tuple(expected[key].shape):
            shape = tuple(value.shape) if torch.is_tensor(value) else type(value).__name__
            mismatched.append(f"{key} (checkpoint {shape}, expected {tuple(expected[key].shape)})")
    missing = [k for k in expected if k not in state and not k.endswith("num_batches_tracked")]
    if unexpected or missing or mismatched:
        parts = []
        if missing:
            parts.append("missing keys: " + ", ".join(missing))
        if unexpected:
            parts.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            parts.append("mis-shaped keys: " + ", ".join(mismatched))
        raise CheckpointError(f"{what}: state dict does not match our definition; "
                              + "; ".join(parts))
    usable = {k: v for k, v in state.items() if k in expected}
    module.load_state_dict(usable, strict=False)
    return skipped


def lora_rank(state: Dict[str, torch.Tensor]) -> int:
    """LoRA rank from the A matrices (0 when none); all must agree."""
    ranks = {tuple(v.shape)[0] for k, v in state.items() if k.endswith(".A")}
    if len(ranks) > 1:
        raise CheckpointError(f"LoRA A matrices disagree on the rank: {sorted(ranks)}")
    return ranks.pop() if ranks else 0


def unwrap(ckpt, key: str, what: str):
    """ckpt[key] with an error naming the keys that are there."""
    if not isinstance(ckpt, dict) or key not in ckpt:
        have = sorted(ckpt.keys()) if isinstance(ckpt, dict) else type(ckpt).__name__
        raise CheckpointError(f"{what}: no '{key}' entry (found {have})")
    return ckpt[key]
