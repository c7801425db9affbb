"""OpenAI guided-diffusion's ADM U-Net, written in this project from its published architecture
(Dhariwal & Nichol 2021, "Diffusion Models Beat GANs"; flags of 256x256_diffusion_uncond.pt).

Parameter names follow the checkpoint's key layout so that `load_state_dict(strict=True)` works:
time_embed.{0,2}, input_blocks.N.M, middle_block.{0,1,2}, output_blocks.N.M, out.{0,2}; residual
blocks hold in_layers [GroupNorm, SiLU, Conv], emb_layers [SiLU, Linear], out_layers [GroupNorm,
SiLU, Dropout, Conv] and skip_connection; attention blocks hold norm, qkv (Conv1d) and proj_out
with the legacy head ordering (heads split before q/k/v).
"""
import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


class GroupNorm32(nn.GroupNorm):
    """GroupNorm(32) evaluated in float32 whatever the activation dtype (as the reference does)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.float()).type(x.dtype)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.to(torch.float32)[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    return torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1) if dim % 2 else emb


class ResBlock(nn.Module):
    """Residual block with scale-shift timestep conditioning, optionally resampling (resblock_updown)."""

    def __init__(self, ch: int, emb_ch: int, out_ch: int, dropout: float = 0.0, up: bool = False, down: bool = False,
                 device=None):
        super().__init__()
        d = dict(device=device)
        self.in_layers = nn.Sequential(GroupNorm32(32, ch, **d), nn.SiLU(), nn.Conv2d(ch, out_ch, 3, padding=1, **d))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_ch, 2 * out_ch, **d))
        self.out_layers = nn.Sequential(GroupNorm32(32, out_ch, **d), nn.SiLU(), nn.Dropout(dropout),
                                        nn.Conv2d(out_ch, out_ch, 3, padding=1, **d))
        self.skip_connection = nn.Identity() if out_ch == ch else nn.Conv2d(ch, out_ch, 1, **d)
        self.up, self.down = up, down

    def _resample(self, x: torch.Tensor) -> torch.Tensor:
        if self.up:
            return F.interpolate(x, scale_factor=2.0, mode="nearest")
        if self.down:
            return F.avg_pool2d(x, kernel_size=2, stride=2)
        return x

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.in_layers[:-1](x)
        h = self.in_layers[-1](self._resample(h))
        x = self._resample(x)
        scale, shift = torch.chunk(self.emb_layers(emb).type(h.dtype)[..., None, None], 2, dim=1)
        h = self.out_layers[0](h) * (1 + scale) + shift
        h = self.out_layers[1:](h)
        return self.skip_connection(x) + h


class AttentionBlock(nn.Module):
    """Spatial self-attention; q, k, v laid out per head as [heads * 3 * head_ch] (legacy order)."""

    def __init__(self, ch: int, num_head_channels: int, device=None):
        super().__init__()
        self.heads = ch // num_head_channels
        self.norm = GroupNorm32(32, ch, device=device)
        self.qkv = nn.Conv1d(ch, 3 * ch, 1, device=device)
        self.proj_out = nn.Conv1d(ch, ch, 1, device=device)
        self.scale = 1.0 / math.sqrt(math.sqrt(num_head_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[0], x.shape[1]
        flat = x.reshape(b, c, -1)
        qkv = self.qkv(self.norm(flat))
        q, k, v = qkv.reshape(b * self.heads, 3 * (c // self.heads), -1).chunk(3, dim=1)
        weight = torch.einsum("bct,bcs->bts", q * self.scale, k * self.scale)
        weight = torch.softmax(weight.float(), dim=-1).type(weight.dtype)
        h = torch.einsum("bts,bcs->bct", weight, v).reshape(b, c, -1)
        return (flat + self.proj_out(h)).reshape(x.shape)


class Sequence_(nn.ModuleList):
    """A list of layers that passes the timestep embedding to the residual blocks."""

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        for layer in self:
            h = layer(h, emb) if isinstance(layer, ResBlock) else layer(h)
        return h


class ADMUNet(nn.Module):
    def __init__(self, image_size: int = 256, in_channels: int = 3, model_channels: int = 256,
                 out_channels: int = 6, num_res_blocks: int = 2, attention_resolutions: Sequence[int] = (32, 16, 8),
                 channel_mult: Sequence[int] = (1, 1, 2, 2, 4, 4), num_head_channels: int = 64, dropout: float = 0.0,
                 device=None):
        """`device="meta"` builds the structure without allocating or initialising any weights."""
        super().__init__()
        d = dict(device=device)
        self.model_channels = model_channels
        attention_ds = {image_size // r for r in attention_resolutions}
        emb_ch = 4 * model_channels
        self.time_embed = nn.Sequential(nn.Linear(model_channels, emb_ch, **d), nn.SiLU(), nn.Linear(emb_ch, emb_ch, **d))
        ch = model_channels * channel_mult[0]
        self.input_blocks = nn.ModuleList([Sequence_([nn.Conv2d(in_channels, ch, 3, padding=1, **d)])])
        skip_chans, ds = [ch], 1
        for level, mult in enumerate(channel_mult):
            for _ in range(num_res_blocks):
                layers = [ResBlock(ch, emb_ch, mult * model_channels, dropout, **d)]
                ch = mult * model_channels
                if ds in attention_ds:
                    layers.append(AttentionBlock(ch, num_head_channels, **d))
                self.input_blocks.append(Sequence_(layers))
                skip_chans.append(ch)
            if level != len(channel_mult) - 1:
                self.input_blocks.append(Sequence_([ResBlock(ch, emb_ch, ch, dropout, down=True, **d)]))
                skip_chans.append(ch)
                ds *= 2
        self.middle_block = Sequence_([ResBlock(ch, emb_ch, ch, dropout, **d),
                                       AttentionBlock(ch, num_head_channels, **d),
                                       ResBlock(ch, emb_ch, ch, dropout, **d)])
        self.output_blocks = nn.ModuleList()
        for level, mult in reversed(list(enumerate(channel_mult))):
            for i in range(num_res_blocks + 1):
                layers = [ResBlock(ch + skip_chans.pop(), emb_ch, model_channels * mult, dropout, **d)]
                ch = model_channels * mult
                if ds in attention_ds:
                    layers.append(AttentionBlock(ch, num_head_channels, **d))
                if level and i == num_res_blocks:
                    layers.append(ResBlock(ch, emb_ch, ch, dropout, up=True, **d))
                    ds //= 2
                self.output_blocks.append(Sequence_(layers))
        self.out = nn.Sequential(GroupNorm32(32, ch, **d), nn.SiLU(),
                                 nn.Conv2d(ch, out_channels, 3, padding=1, **d))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x, self.time_embed(timestep_embedding(t, self.model_channels))))

    def body(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        """The U-Net between the input and the output head, in h's dtype."""
        hs = []
        for block in self.input_blocks:
            h = block(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb)
        return h


ADM256_UNCOND = dict(image_size=256, model_channels=256, out_channels=6, num_res_blocks=2,
                     attention_resolutions=(32, 16, 8), channel_mult=(1, 1, 2, 2, 4, 4), num_head_channels=64)
