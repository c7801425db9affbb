"""Independent numpy reference of the UniMIE sampler (docs: shared/design/unimie-algorithm.md).

Written from the spec in vectorised numpy, separately from the TypeScript engine, for the golden
test: same tiny network (forward in numpy from tiny-weights.json, no onnxruntime), same injected
noise (a closed-form formula both sides implement, so no RNG parity is needed), and it processes
duplicated grid corners twice, literally as §5 describes.

usage: /usr/bin/python3 unimie_reference.py CONFIG.json OUT.f32
Writes the final image before quantisation, planar float32 3×H×W at the input size, [-1, 1] space.
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- tiny network (numpy forward)
class TinyNet:
    def __init__(self, weights, hidden):
        self.w = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
        self.hidden = hidden

    @staticmethod
    def conv3x3(x, w, b):
        bsz, c, h, wd = x.shape
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        cols = np.stack([np.stack([xp[:, :, i:i + h, j:j + wd] for j in range(3)], axis=2) for i in range(3)], axis=2)
        return np.einsum("ocij,bcijhw->bohw", w, cols) + b[None, :, None, None]

    def __call__(self, x, t):
        half = self.hidden // 2
        freqs = np.exp(-math.log(10000) * np.arange(half, dtype=np.float64) / half)
        args = np.asarray(t, dtype=np.float64)[:, None] * freqs[None]
        emb = np.concatenate([np.cos(args), np.sin(args)], axis=1)
        temb = emb @ self.w["temb.weight"].T + self.w["temb.bias"]
        h = self.conv3x3(x, self.w["conv1.weight"], self.w["conv1.bias"]) + temb[:, :, None, None]
        h = h / (1 + np.exp(-h))  # SiLU
        return self.conv3x3(h, self.w["conv2.weight"], self.w["conv2.bias"])


# ---------------------------------------------------------------- shared formula inputs
def golden_image(width, height):
    """Integer-only test image (identical in TypeScript): textured disc on a dark background."""
    y, x = np.mgrid[0:height, 0:width].astype(np.int64)
    inside = (x - width // 2) ** 2 * 4 + (y - height // 2) ** 2 * 9 < (min(width, height) * 3 // 2) ** 2
    r = (x * 7 + y * 13 + ((x * y) % 31) * 3) % 256
    g = (x * 3 + y * 5 + ((x + y) % 17) * 5) % 256
    b = (x * 11 + y * 2) % 256
    img = np.stack([r, g, b])
    img = np.where(inside[None], img, (x + y)[None] % 5)
    return img.astype(np.uint8)  # planar 3×H×W


def formula_uniform(kind, sl, step, n):
    i = np.arange(n, dtype=np.float64)
    a = i * 0.7548776662 + kind * 0.5698402910 + step * 0.3141592653 + sl * 0.2718281828
    v = np.sin(a * 12.9898 + 1.2345) * 43758.5453
    return v - np.floor(v)


def formula_normal(kind, sl, step, n):
    s = formula_uniform(kind * 4, sl, step, n) + formula_uniform(kind * 4 + 1, sl, step, n)
    s += formula_uniform(kind * 4 + 2, sl, step, n) + formula_uniform(kind * 4 + 3, sl, step, n)
    return (s - 2) * math.sqrt(3)


# ---------------------------------------------------------------- schedule (§3)
def linear_betas(T, b0, b1):
    scale = 1000 / T
    return np.linspace(scale * b0, scale * b1, T, dtype=np.float64)


def space_timesteps(T, count):
    """ADM space_timesteps with one section of `count` steps (round = half to even)."""
    frac = 1 if count <= 1 else (T - 1) / (count - 1)
    cur, out = 0.0, []
    for _ in range(count):
        out.append(round(cur))
        cur += frac
    return sorted(set(out))


class Schedule:
    def __init__(self, betas, kept):
        acp_full = np.cumprod(1.0 - betas)
        new, last = [], 1.0
        for i in kept:
            new.append(1 - acp_full[i] / last)
            last = acp_full[i]
        self.betas = b = np.array(new)
        self.map = list(kept)
        self.acp = np.cumprod(1.0 - b)
        self.acp_prev = np.append(1.0, self.acp[:-1])
        self.sqrt_recip = np.sqrt(1.0 / self.acp)
        self.sqrt_recipm1 = np.sqrt(1.0 / self.acp - 1)
        self.post_var = b * (1.0 - self.acp_prev) / (1.0 - self.acp)
        self.post_log_clipped = np.log(np.append(self.post_var[1], self.post_var[1:]))
        self.c1 = b * np.sqrt(self.acp_prev) / (1.0 - self.acp)
        self.c2 = (1.0 - self.acp_prev) * np.sqrt(1.0 - b) / (1.0 - self.acp)


# ---------------------------------------------------------------- geometry (§4, §5)
def working(L, p):
    return max(int(math.floor(L / 16 + 0.5)) * 16, p)


def resize(img, oh, ow):
    c, ih, iw = img.shape
    if (ih, iw) == (oh, ow):
        return img.copy()

    def taps(n_in, n_out):
        src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0)
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        return i0, np.minimum(i0 + 1, n_in - 1), src - i0

    y0, y1, ly = taps(ih, oh)
    x0, x1, lx = taps(iw, ow)
    top = img[:, y0][:, :, x0] * (1 - lx) + img[:, y0][:, :, x1] * lx
    bot = img[:, y1][:, :, x0] * (1 - lx) + img[:, y1][:, :, x1] * lx
    return top * (1 - ly)[:, None] + bot * ly[:, None]


def pos(L, p, r):
    out = list(range(0, L - p + 1, r))
    out.append(L - p)
    return out


# ---------------------------------------------------------------- the sampler (§5)
def run(cfg):
    weights = json.load(open(os.path.join(HERE, "tiny-weights.json")))
    net = TinyNet(weights["nets"][cfg["net"]], weights["hidden"])
    channels = 6 if cfg["net"] == "tiny-epsvar" else 3
    w0, h0, p, r = cfg["width"], cfg["height"], cfg["patchSize"], cfg["stride"]
    T = 1000
    betas = linear_betas(T, 1e-4, 0.02)
    sch = Schedule(betas, space_timesteps(T, cfg["steps"]))
    K_steps = len(sch.betas)
    s = cfg["guidanceScale"]
    if cfg["guidanceScaleFollowsRespacing"]:
        s *= min(T / cfg["steps"], cfg["guidanceScaleCap"])
    lam, E = cfg["exposureWeight"], cfg["exposureTarget"]
    variance = cfg["variance"]
    if variance == "auto":
        variance = "learned" if channels == 6 else "fixed_small"

    img = golden_image(w0, h0).astype(np.float64) / 255.0
    H, W = working(h0, p), working(w0, p)
    y = resize(img * 2 - 1, H, W)
    f = (formula_uniform(0, 0, 0, 1)[0] - 0.5) * 0.02
    M = (formula_uniform(1, 0, 0, H * W) / 1e4).reshape(H, W)
    x = formula_normal(2, 0, 0, 3 * H * W).reshape(3, H, W)
    k0 = K_steps - 1
    if cfg["startStep"] is not None:
        k0 = max(k for k, t in enumerate(sch.map) if t <= cfg["startStep"])
        start = y  # no gamma, no stretch in the golden configurations
        x = np.sqrt(sch.acp[k0]) * start + np.sqrt(1 - sch.acp[k0]) * x
        # anchored start: f begins at the least-squares gain argmin_f |f·start01 − y01|²
        s01, y01 = (start + 1) / 2, (y + 1) / 2
        f = float(np.sum(s01 * y01) / np.sum(s01 * s01))

    N, Kb = 3 * p * p, (p // 8) ** 2
    for k in range(k0, -1, -1):
        t = sch.map[k]
        mu_sum = np.zeros((3, H, W)); lv_sum = np.zeros((3, H, W)); M_sum = np.zeros((H, W)); cnt = np.zeros((H, W))
        f_sum, f_n = 0.0, 0
        for cy in pos(H, p, r):
            for cx in pos(W, p, r):
                sl = (slice(cy, cy + p), slice(cx, cx + p))
                xi = x[:, sl[0], sl[1]]
                out = net(xi[None].astype(np.float32).astype(np.float64), [t])[0]
                eps = out[:3]
                x0 = np.clip(sch.sqrt_recip[k] * xi - sch.sqrt_recipm1[k] * eps, -1, 1)
                mu = sch.c1[k] * x0 + sch.c2[k] * xi
                if variance == "learned":
                    frac = (out[3:6] + 1) / 2
                    lv = frac * np.log(sch.betas[k]) + (1 - frac) * sch.post_log_clipped[k]
                elif variance == "fixed_small":
                    lv = np.full_like(mu, sch.post_log_clipped[k])
                else:
                    large = np.log(np.append(sch.post_var[1], sch.betas[1:]))
                    lv = np.full_like(mu, large[k])
                z = x0 if cfg["guidanceTarget"] == "x0" else xi
                u = (z + 1) / 2
                m = M[sl]
                yi = (y[:, sl[0], sl[1]] + 1) / 2
                rho = f * u + m[None] - yi
                R = z.mean(axis=0).reshape(p // 8, 8, p // 8, 8).mean(axis=(1, 3))
                R_full = np.repeat(np.repeat(R, 8, axis=0), 8, axis=1)[None]
                g = -(s / N) * f * rho - lam * s * 2 * (R_full - E) / (3 * 64 * Kb)
                mu = mu + 2 * g
                f_sum += f - (2 / N) * np.sum(rho * u)
                f_n += 1
                M_sum[sl] += m - (2 / N) * rho.sum(axis=0)
                mu_sum[:, sl[0], sl[1]] += mu
                lv_sum[:, sl[0], sl[1]] += lv
                cnt[sl] += 1
        mu_bar, lv_bar = mu_sum / cnt, lv_sum / cnt
        M, f = M_sum / cnt, f_sum / f_n
        if k > 0:
            x = mu_bar + np.exp(0.5 * lv_bar) * formula_normal(3, 0, k, 3 * H * W).reshape(3, H, W)
        else:
            x = mu_bar
    return resize(x, h0, w0)


RECORD_STRIDE = 29


def record():
    """Write golden-<name>.json: every RECORD_STRIDE-th value of each configuration's output."""
    configs = json.load(open(os.path.join(HERE, "golden-configs.json")))
    for name, cfg in configs.items():
        out = run(cfg).astype(np.float32).ravel()
        data = {"stride": RECORD_STRIDE, "length": int(out.size), "values": [float(f"{v:.7g}") for v in out[::RECORD_STRIDE]]}
        json.dump(data, open(os.path.join(HERE, f"golden-{name}.json"), "w"))
        print(name, out.size, float(out.min()), float(out.max()))


if __name__ == "__main__":
    if sys.argv[1] == "--record":
        record()
    else:
        cfg = json.load(open(sys.argv[1]))
        run(cfg).astype(np.float32).tofile(sys.argv[2])
