"""The Vec2Face+ generator: fMAE ViT over 49+1 feature tokens, then an image decoder.

Follows the official ``MaskedGenerativeEncoderViT`` (factory
``vec2face_vit_base_patch16``) in arithmetic and parameter names, with one
change of interface: masks are inputs, not sampled inside, so that the C
library owns the randomness and another implementation's run can be replayed.
"""

import math
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .im_decoder import ImageDecoder

NUM_TOKENS = 49  # 7x7 feature tokens; token 0 (the vector itself) is extra


@dataclass
class GeneratorConfig:
    rep_dim: int = 512
    embed_dim: int = 768
    depth: int = 12
    num_heads: int = 12
    decoder_embed_dim: int = 768
    decoder_depth: int = 8
    decoder_num_heads: int = 16
    mlp_ratio: float = 4.0
    # image decoder (VQGAN-style)
    dec_ch: int = 128
    dec_ch_mult: Tuple[int, ...] = (1, 1, 2, 2, 4)
    dec_num_res_blocks: int = 2
    z_channels: int = 256
    # inference-time mask defaults (plain generation)
    mask_ratio_min: float = 0.1
    mask_ratio_max: float = 1.0
    mask_ratio_mu: float = 0.15
    mask_ratio_std: float = 0.25
    # LoRA on every attention qkv/proj (pose model); 0 = none
    lora_r: int = 0
    lora_alpha: float = 32.0


class LoRALinear(nn.Module):
    """base(x) + (alpha/r) * x A^T B^T, names as the official ``LoRALinear``."""

    def __init__(self, base: nn.Linear, r: int, alpha: float):
        super().__init__()
        self.base = base
        self.A = nn.Parameter(torch.zeros(r, base.in_features))
        self.B = nn.Parameter(torch.zeros(base.out_features, r))
        self.scaling = float(alpha) / float(r)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + self.scaling * (x @ self.A.t()) @ self.B.t()

    def merged(self) -> nn.Linear:
        """An nn.Linear computing the same function: W + (alpha/r) B A."""
        lin = nn.Linear(self.base.in_features, self.base.out_features,
                        bias=self.base.bias is not None)
        with torch.no_grad():
            lin.weight.copy_(self.base.weight + self.scaling * (self.B @ self.A))
            if self.base.bias is not None:
                lin.bias.copy_(self.base.bias)
        return lin


def _linear(dim_in: int, dim_out: int, lora_r: int, lora_alpha: float) -> nn.Module:
    lin = nn.Linear(dim_in, dim_out, bias=True)
    return LoRALinear(lin, lora_r, lora_alpha) if lora_r > 0 else lin


class Attention(nn.Module):
    def __init__(self, dim: int, num_heads: int, lora_r: int, lora_alpha: float):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = _linear(dim, dim * 3, lora_r, lora_alpha)
        self.proj = _linear(dim, dim, lora_r, lora_alpha)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads)
        qkv = qkv.permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        # Official: scores in float32, max subtracted before the softmax.
        attn = (q.float() @ k.float().transpose(-2, -1)) * self.scale
        attn = attn - attn.max(dim=-1, keepdim=True)[0]
        attn = attn.softmax(dim=-1)
        # Back to the activations' dtype (a no-op in float32) for bfloat16.
        x = (attn.to(v.dtype) @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim: int, num_heads: int, mlp_ratio: float,
                 lora_r: int, lora_alpha: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, lora_r, lora_alpha)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TokenEmbeddings(nn.Module):
    """BERT-style: learned position embedding, then LayerNorm (official ``token_emb``).

    The official module also holds a ``position_ids`` buffer (arange); it is
    recomputed here and ignored by name when loading.
    """

    def __init__(self, hidden: int, positions: int):
        super().__init__()
        self.position_embeddings = nn.Embedding(positions, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(x + self.position_embeddings.weight[: x.shape[1]].unsqueeze(0))


class Generator(nn.Module):
    """vectors [B,512] + masks -> raw image [B,3,112,112] (RGB, about [-1,1])."""

    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        if cfg.decoder_embed_dim != cfg.embed_dim:
            raise ValueError("the pose path feeds encoder tokens to the decoder "
                             "without decoder_embed: embed_dim must equal decoder_embed_dim")
        self.num_tokens = NUM_TOKENS
        self.num_dropped = int(math.ceil(NUM_TOKENS * cfg.mask_ratio_min))
        self.cond_dim = cfg.decoder_embed_dim
        self.z_channels = cfg.z_channels
        self.latent_prior_proj_f = nn.Linear(cfg.rep_dim, cfg.embed_dim)
        self.feature_token = nn.Linear(1, NUM_TOKENS)
        self.token_emb = TokenEmbeddings(cfg.embed_dim, NUM_TOKENS + 1)
        self.blocks = nn.ModuleList([
            Block(cfg.embed_dim, cfg.num_heads, cfg.mlp_ratio, cfg.lora_r, cfg.lora_alpha)
            for _ in range(cfg.depth)])
        self.norm = nn.LayerNorm(cfg.embed_dim, eps=1e-6)
        self.decoder_embed = nn.Linear(cfg.embed_dim, cfg.decoder_embed_dim)
        self.decoder_pos_embed_learned = nn.Parameter(
            torch.zeros(1, NUM_TOKENS + 1, cfg.decoder_embed_dim))
        self.decoder_blocks = nn.ModuleList([
            Block(cfg.decoder_embed_dim, cfg.decoder_num_heads, cfg.mlp_ratio,
                  cfg.lora_r, cfg.lora_alpha)
            for _ in range(cfg.decoder_depth)])
        self.decoder_norm = nn.LayerNorm(cfg.decoder_embed_dim, eps=1e-6)
        self.im_decoder_proj = nn.Linear(cfg.decoder_embed_dim, cfg.z_channels)
        self.im_decoder = ImageDecoder(cfg.dec_ch, cfg.dec_ch_mult,
                                       cfg.dec_num_res_blocks, cfg.z_channels)

    def check_masks(self, dropped: torch.Tensor, masked: torch.Tensor, batch: int) -> None:
        """Reject masks that break the rules, with the reason."""
        if dropped.dim() != 2 or dropped.shape[0] != batch or dropped.shape[1] != self.num_tokens:
            raise ValueError("dropped must be [B,49] bool, got " + str(dropped.shape))
        if masked.dim() != 2 or masked.shape[0] != batch or masked.shape[1] != self.num_tokens:
            raise ValueError("masked must be [B,49] bool, got " + str(masked.shape))
        if dropped.dtype != torch.bool or masked.dtype != torch.bool:
            raise ValueError("dropped and masked must be bool tensors")
        counts = dropped.sum(dim=1)
        bad = (counts != self.num_dropped).nonzero()
        if bad.shape[0] > 0:
            i = int(bad[0, 0])
            raise ValueError("image " + str(i) + " drops " + str(int(counts[i]))
                             + " tokens; this model drops exactly " + str(self.num_dropped)
                             + " (ceil(49*mask_ratio_min))")
        bad = (dropped & ~masked).any(dim=1).nonzero()
        if bad.shape[0] > 0:
            raise ValueError("image " + str(int(bad[0, 0]))
                             + ": dropped tokens must be a subset of masked tokens")

    def forward(self, vectors: torch.Tensor, dropped: torch.Tensor, masked: torch.Tensor,
                cond: Optional[torch.Tensor] = None) -> torch.Tensor:
        B = vectors.shape[0]
        if vectors.dim() != 2 or vectors.shape[1] != self.latent_prior_proj_f.in_features:
            raise ValueError("vectors must be [B,512], got " + str(vectors.shape))
        self.check_masks(dropped, masked, B)
        if cond is not None:
            if cond.dim() != 3 or cond.shape[0] != B or cond.shape[1] != 1 \
                    or cond.shape[2] != self.cond_dim:
                raise ValueError("cond must be [B,1,768], got " + str(cond.shape))

        # ---- encoder ----
        f = self.latent_prior_proj_f(vectors)                          # [B,C]
        tokens = self.feature_token(f.unsqueeze(-1)).permute(0, 2, 1)  # [B,49,C]
        f_tok = f.unsqueeze(1)
        # Masked tokens are overwritten with f itself.
        tokens = torch.where(masked.unsqueeze(-1), f_tok.expand(-1, self.num_tokens, -1), tokens)
        tokens = torch.cat([f_tok, tokens], dim=1)                     # [B,50,C]
        zero = torch.zeros(B, 1, dtype=torch.bool, device=vectors.device)
        drop50 = torch.cat([zero, dropped], dim=1)
        mask50 = torch.cat([zero, masked], dim=1)
        x = self.token_emb(tokens)
        C = x.shape[2]
        keep = ~drop50
        x = x[keep].reshape(B, -1, C)                                  # kept, in token order
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)

        # ---- decoder ----
        if cond is None:
            x = self.decoder_embed(x)
            fill = x[:, 0:1].expand(-1, self.num_tokens + 1, -1)           # decoder token 0
        else:
            # The released pose model was trained with the condition filling the
            # masked positions and WITHOUT decoder_embed on the encoder output.
            fill = cond.expand(-1, self.num_tokens + 1, -1)
        D = x.shape[2]
        padded = fill.clone()
        padded[keep] = x.reshape(-1, D)
        padded = torch.where(mask50.unsqueeze(-1), fill, padded)
        x = padded + self.decoder_pos_embed_learned
        for blk in self.decoder_blocks:
            x = blk(x)
        x = self.decoder_norm(x)
        z = self.im_decoder_proj(x[:, 1:, :].reshape(B, 7, 7, D)).permute(0, 3, 1, 2)
        return self.im_decoder(z)

    def merge_lora(self) -> "Generator":
        """Replace every LoRALinear by its exact merged nn.Linear (in place)."""
        for blocks in (self.blocks, self.decoder_blocks):
            for blk in blocks:
                for name in ("qkv", "proj"):
                    layer = getattr(blk.attn, name)
                    if isinstance(layer, LoRALinear):
                        setattr(blk.attn, name, layer.merged())
        return self
