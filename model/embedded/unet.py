"""The embedded prior: a small ADM-style noise-prediction (epsilon-output) U-Net written in the project.

Same building blocks as OpenAI's ADM (sinusoidal timestep embedding + MLP, residual blocks with
GroupNorm, SiLU and scale-shift conditioning, self-attention at the lowest resolutions), scaled
down for CPU. Fully convolutional: any H, W that are multiples of 2**(levels-1) work. With five
levels a 256x256 patch reaches 16x16 at the bottom, where attention sees the whole patch.
"""
import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding [cos | sin] as ADM's nn.timestep_embedding (dim even)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.to(torch.float32)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def norm(ch: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(32, ch // 4) if ch % 32 else 32, ch)


class ResBlock(nn.Module):
    def __init__(self, ch_in: int, ch_out: int, emb_dim: int, dropout: float = 0.0):
        super().__init__()
        self.in_norm = norm(ch_in)
        self.in_conv = nn.Conv2d(ch_in, ch_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * ch_out)
        self.out_norm = norm(ch_out)
        self.drop = nn.Dropout(dropout)
        self.out_conv = nn.Conv2d(ch_out, ch_out, 3, padding=1)
        nn.init.zeros_(self.out_conv.weight)
        nn.init.zeros_(self.out_conv.bias)
        self.skip = nn.Identity() if ch_in == ch_out else nn.Conv2d(ch_in, ch_out, 1)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.in_conv(F.silu(self.in_norm(x)))
        scale, shift = self.emb(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = self.out_norm(h) * (1 + scale) + shift
        h = self.out_conv(self.drop(F.silu(h)))
        return self.skip(x) + h


class Attention(nn.Module):
    def __init__(self, ch: int, head_channels: int = 32):
        super().__init__()
        self.heads = max(1, ch // head_channels)
        self.scale = 1.0 / math.sqrt(math.sqrt(ch // self.heads))
        self.norm = norm(ch)
        self.qkv = nn.Conv1d(ch, 3 * ch, 1)
        self.proj = nn.Conv1d(ch, ch, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        qkv = self.qkv(self.norm(x).reshape(b, c, h * w))
        q, k, v = qkv.reshape(b * self.heads, 3 * c // self.heads, h * w).chunk(3, dim=1)
        weight = torch.softmax(torch.einsum("bct,bcs->bts", q * self.scale, k * self.scale), dim=-1)
        a = torch.einsum("bts,bcs->bct", weight, v).reshape(b, c, h * w)
        return x + self.proj(a).reshape(b, c, h, w)


class Down(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Up(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class EmbeddedUNet(nn.Module):
    """Epsilon-prediction U-Net: x [B,3,H,W] in [-1,1] (noisy), t [B] timestep index -> eps [B,3,H,W]."""

    def __init__(
        self,
        base: int = 32,
        mult: Sequence[int] = (1, 1, 2, 2, 4),
        num_res_blocks: int | Sequence[int] = (1, 2, 2, 2, 2),
        attention_levels: Sequence[int] = (4,),
        head_channels: int = 32,
        dropout: float = 0.0,
        parameterization: str = "v",
    ):
        super().__init__()
        # The body predicts v = sqrt(abar) eps - sqrt(1 - abar) x0 (Salimans & Ho 2022) and forward()
        # turns it into eps with the schedule's abar[t]: the output stays epsilon (the model contract)
        # while errors stay small in x0 at large t, where an epsilon head's errors are multiplied by
        # sqrt((1 - abar) / abar) (about 60 at t = 900).
        assert parameterization in ("v", "eps")
        self.parameterization = parameterization
        from common.diffusion import alphas_cumprod
        self.register_buffer("abar", torch.tensor(alphas_cumprod(), dtype=torch.float32))
        blocks_per_level = [num_res_blocks] * len(mult) if isinstance(num_res_blocks, int) else list(num_res_blocks)
        self.config = dict(base=base, mult=list(mult), num_res_blocks=num_res_blocks if isinstance(num_res_blocks, int) else blocks_per_level,
                           attention_levels=list(attention_levels), head_channels=head_channels, dropout=dropout,
                           parameterization=parameterization)
        self.base = base
        emb_dim = 4 * base
        self.time_embed = nn.Sequential(nn.Linear(base, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.stem = nn.Conv2d(3, base, 3, padding=1)
        self.down = nn.ModuleList()
        skips = [base]
        ch = base
        for level, m in enumerate(mult):
            for _ in range(blocks_per_level[level]):
                blocks = nn.ModuleList([ResBlock(ch, base * m, emb_dim, dropout)])
                ch = base * m
                if level in attention_levels:
                    blocks.append(Attention(ch, head_channels))
                self.down.append(blocks)
                skips.append(ch)
            if level != len(mult) - 1:
                self.down.append(nn.ModuleList([Down(ch)]))
                skips.append(ch)
        self.mid = nn.ModuleList([ResBlock(ch, ch, emb_dim, dropout), Attention(ch, head_channels),
                                  ResBlock(ch, ch, emb_dim, dropout)])
        self.up = nn.ModuleList()
        for level, m in reversed(list(enumerate(mult))):
            for i in range(blocks_per_level[level] + 1):
                blocks = nn.ModuleList([ResBlock(ch + skips.pop(), base * m, emb_dim, dropout)])
                ch = base * m
                if level in attention_levels:
                    blocks.append(Attention(ch, head_channels))
                if level != 0 and i == blocks_per_level[level]:
                    blocks.append(Up(ch))
                self.up.append(blocks)
        self.out_norm = norm(ch)
        self.out_conv = nn.Conv2d(ch, 3, 3, padding=1)
        nn.init.zeros_(self.out_conv.weight)
        nn.init.zeros_(self.out_conv.bias)

    @staticmethod
    def _run(blocks: nn.ModuleList, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        for block in blocks:
            h = block(h, emb) if isinstance(block, ResBlock) else block(h)
        return h

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Predicted noise epsilon for x_t at timestep indices t (0..999)."""
        out = self.body(x, t)
        if self.parameterization == "eps":
            return out
        a = self.abar[t.long()].view(-1, 1, 1, 1)
        return (1 - a).sqrt() * x + a.sqrt() * out

    def body(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The network's own prediction: v (default) or epsilon, per `parameterization`."""
        emb = self.time_embed(timestep_embedding(t, self.base))
        h = self.stem(x)
        hs = [h]
        for blocks in self.down:
            h = self._run(blocks, h, emb)
            hs.append(h)
        h = self._run(self.mid, h, emb)
        for blocks in self.up:
            h = self._run(blocks, torch.cat([h, hs.pop()], dim=1), emb)
        return self.out_conv(F.silu(self.out_norm(h)))


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
