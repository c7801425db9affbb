"""Train the embedded prior on CPU, or on a GPU where one is lent: v-prediction loss (the exported graph outputs epsilon), T = 1000
linear schedule, random crops
that grow late in training (phases of crop size and batch), EMA weights, resumable checkpoints.

Every random draw of step n comes from generators seeded with (seed, n), so a run is reproducible
from its seed and a resumed run continues exactly as an uninterrupted one would.

  /usr/bin/python3 model/embedded/train.py --out var/embedded-train --budget-minutes 60
  /usr/bin/python3 model/embedded/train.py --out var/x --phases 64:16:1500,128:6:600,256:2:400

With --budget-minutes the step count of each phase is fixed at run time from the wall-clock budget
(crop 64 until 45 % of it, crop 128 until 75 %, crop 256 for the measured rest) and written to
summary.json; passing those counts as --phases reproduces the run exactly, as the learning rate
depends only on the step and the phase boundaries.

On a GPU (model/embedded/train-gpu.sh): --device cuda --corpus-pack DIR (the corpus written by
`corpus.py pack`, for a machine without the Debian packages) --workers N (batches are made ahead in
N processes; each is still a pure function of (seed, step)) --shapes 64:256,128:64,256:16 (crop and
batch of the three budget phases); the forward and backward passes run in bfloat16 autocast there.

Fine-tuning: --init FILE starts a new run from an exported embedded.onnx (onnx_weights.py) or another
run's checkpoint.pt (its EMA weights); --low-t 300:0.7 draws 70 % of the timesteps below 300, where
the engine's presets sample, and the rest uniformly over all T.
"""
import argparse
import concurrent.futures as cf
import json
import multiprocessing
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.diffusion import T, alphas_cumprod, q_sample  # noqa: E402
from embedded.data import training_images  # noqa: E402
from embedded.unet import EmbeddedUNet, parameter_count  # noqa: E402
from embedded.onnx_weights import load_onnx_weights  # noqa: E402

KIND_WEIGHTS = {"medical": 0.4, "phantom": 0.3, "natural": 0.3}


def parse_phases(text: str):
    return [tuple(int(v) for v in p.split(":")) for p in text.split(",")]


class CropSampler:
    """Random resized crops with flips, 90-degree rotations, gamma/scale and zoom-out onto black."""

    def __init__(self, images):
        self.images = images
        self.by_kind = {k: [i for i, im in enumerate(images) if im.kind == k] for k in KIND_WEIGHTS}

    def one(self, rng: np.random.Generator, size: int) -> np.ndarray:
        kinds = list(KIND_WEIGHTS)
        kind = kinds[rng.choice(len(kinds), p=[KIND_WEIGHTS[k] for k in kinds])]
        img = self.images[self.by_kind[kind][rng.integers(len(self.by_kind[kind]))]].pixels
        h, w = img.shape[:2]
        short = min(h, w)
        # Crop side in source pixels: from a quarter of the output size's worth of detail up to the whole image.
        side = int(np.clip(short * rng.uniform(0.25, 1.0) if rng.random() < 0.7 else size * rng.uniform(0.5, 1.5), 8, short))
        y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        crop = torch.from_numpy(np.ascontiguousarray(img[y:y + side, x:x + side])).permute(2, 0, 1)[None]
        crop = F.interpolate(crop, size=(size, size), mode="bilinear", align_corners=False,
                             antialias=side > size)[0]
        if kind != "natural" and rng.random() < 0.25:  # zoom out: whole image small on a black canvas
            s = int(size * rng.uniform(0.35, 0.9))
            small = F.interpolate(crop[None], size=(s, s), mode="bilinear", align_corners=False, antialias=True)[0]
            crop = torch.zeros_like(crop)
            oy, ox = rng.integers(0, size - s + 1), rng.integers(0, size - s + 1)
            crop[:, oy:oy + s, ox:ox + s] = small
        a = crop.numpy()
        if rng.random() < 0.5:
            a = a[:, :, ::-1]
        if rng.random() < 0.5:
            a = a[:, ::-1, :]
        a = np.rot90(a, int(rng.integers(4)), axes=(1, 2))
        a = np.clip(a, 0, 1) ** rng.uniform(0.7, 1.4) * rng.uniform(0.8, 1.05)
        return np.ascontiguousarray(np.clip(a, 0, 1) * 2 - 1, dtype=np.float32)

    def batch(self, rng: np.random.Generator, size: int, n: int) -> torch.Tensor:
        return torch.from_numpy(np.stack([self.one(rng, size) for _ in range(n)]))

    def step_images(self, seed: int, step: int, size: int, n: int) -> torch.Tensor:
        """The clean crops of one training step, drawn from (seed, step)."""
        return self.batch(np.random.default_rng([seed, step]), size, n)


_worker_sampler = None


def _init_worker(sampler: CropSampler) -> None:
    global _worker_sampler
    _worker_sampler = sampler
    torch.set_num_threads(1)


def _images_f16(sampler: CropSampler, seed: int, step: int, size: int, n: int) -> np.ndarray:
    # float16 halves what crosses a worker's pipe; the crops come from 8-bit pixels, which float16 holds
    return sampler.step_images(seed, step, size, n).numpy().astype(np.float16)


def _worker_images(seed: int, step: int, size: int, n: int) -> np.ndarray:
    return _images_f16(_worker_sampler, seed, step, size, n)


class Prefetcher:
    """Makes the inputs of the next steps ahead in worker processes; a request for another crop size or
    batch than was made ahead (a phase boundary decided at run time) is made again, never reused."""

    def __init__(self, sampler: CropSampler, seed: int, workers: int, ahead: int):
        self.sampler, self.seed, self.ahead = sampler, seed, ahead
        # fork: the workers inherit the images instead of unpickling them, and start before CUDA does
        self.pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                           initializer=_init_worker, initargs=(sampler,)) if workers else None
        if self.pool:
            self.pool.submit(int).result()  # a fork pool starts all its workers at the first task: now
        self.pending = {}

    def get(self, step: int, size: int, n: int) -> torch.Tensor:
        if not self.pool:
            return torch.from_numpy(_images_f16(self.sampler, self.seed, step, size, n))
        for s in range(step, step + self.ahead):
            if self.pending.get(s, (None, None))[0] != (size, n):
                self.pending[s] = ((size, n), self.pool.submit(_worker_images, self.seed, s, size, n))
        return torch.from_numpy(self.pending.pop(step)[1].result())

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown(cancel_futures=True)


BUDGET_SHARES = (0.45, 0.30, 0.25)
BUDGET_SHAPES = "64:16,128:6,256:2"


def phase_at(phases, step):
    """(phase index, crop size, batch, step within phase); phases are (size, batch, steps)."""
    for i, (size, batch, steps) in enumerate(phases):
        if step < steps or i == len(phases) - 1:
            return i, size, batch, step
        step -= steps
    raise AssertionError


def lr_at(phases, step, peak, warmup=200):
    """Warm-up, peak during the first phase, half peak in the middle ones, cosine to peak/20 in the last."""
    i, _, _, k = phase_at(phases, step)
    if step < warmup:
        return peak * (step + 1) / warmup
    if i == 0:
        return peak
    if i < len(phases) - 1:
        return peak / 2
    n = phases[-1][2]
    return peak * (0.05 + 0.45 * (1 + math.cos(math.pi * min(k, n) / max(1, n))))


def parse_low_t(text: str | None) -> tuple[int, float] | None:
    if not text:
        return None
    bound, share = text.split(":")
    assert 0 < int(bound) <= T and 0 <= float(share) <= 1, "--low-t BOUND:SHARE with 0 < BOUND <= T, SHARE in [0, 1]"
    return int(bound), float(share)


def draw_timesteps(gen: torch.Generator, bs: int, device, low_t: tuple[int, float] | None) -> torch.Tensor:
    """Uniform over T, or with --low-t a share of the batch uniform below the bound."""
    t = torch.randint(0, T, (bs,), generator=gen, device=device)
    if low_t:
        low = torch.randint(0, low_t[0], (bs,), generator=gen, device=device)
        t = torch.where(torch.rand(bs, generator=gen, device=device) < low_t[1], low, t)
    return t


def init_weights(model: EmbeddedUNet, path: str) -> None:
    if path.endswith(".onnx"):
        load_onnx_weights(model, path)
    else:
        model.load_state_dict(torch.load(path, map_location="cpu")["ema"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--phases", help="size:batch:steps,... (fixed schedule)")
    ap.add_argument("--budget-minutes", type=float, help="phases sized from a wall-clock budget instead")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--shapes", default=BUDGET_SHAPES, help="crop:batch of the three --budget-minutes phases")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint-minutes", type=float, default=3.0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--corpus-pack", help="train from a folder written by `corpus.py pack`")
    ap.add_argument("--workers", type=int, default=0, help="processes that make batches ahead (0: in the loop)")
    ap.add_argument("--init", help="start a new run from these weights (embedded.onnx or a checkpoint.pt)")
    ap.add_argument("--low-t", help="BOUND:SHARE, that share of the timesteps drawn below BOUND")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    if args.phases:
        phases = parse_phases(args.phases)
    elif args.budget_minutes:
        big = 10 ** 9  # open-ended until the budget decides
        phases = [(s, b, big) for s, b in parse_phases(args.shapes)]
        assert len(phases) == len(BUDGET_SHARES), "--shapes names three phases"
    else:
        raise SystemExit("give --phases or --budget-minutes")

    sampler = CropSampler(training_images(args.corpus_pack))
    prefetch = Prefetcher(sampler, args.seed, args.workers, ahead=2 * args.workers)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
        print(f"torch {torch.__version__} on {torch.cuda.get_device_name(device)}", flush=True)
    torch.manual_seed(args.seed)
    low_t = parse_low_t(args.low_t)
    model = EmbeddedUNet()
    if args.init:
        init_weights(model, args.init)
    model = model.to(device)
    ema = EmbeddedUNet().to(device)
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    abar = torch.tensor(alphas_cumprod(), dtype=torch.float32, device=device)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    step, elapsed, losses = 0, 0.0, []
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device)
        model.load_state_dict(ck["model"]), ema.load_state_dict(ck["ema"])
        if "opt" in ck:
            opt.load_state_dict(ck["opt"])
        else:  # weights brought back from a GPU run without the optimizer's moments
            print("checkpoint has no optimizer state: AdamW starts its moments afresh", flush=True)
        step, elapsed, losses, phases = ck["step"], ck["elapsed"], ck["losses"], ck["phases"]
        print(f"resumed at step {step}, {elapsed / 60:.1f} min", flush=True)
    print(f"params {parameter_count(model)}, images {len(sampler.images)}, phases {phases}", flush=True)
    ema_params, model_params = list(ema.parameters()), list(model.parameters())

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save(dict(model=model.state_dict(), ema=ema.state_dict(), opt=opt.state_dict(), step=step,
                        elapsed=elapsed, losses=losses, phases=phases, args=vars(args), config=model.config), tmp)
        os.replace(tmp, ckpt_path)

    last_save, window, recent = time.time(), [], []
    t_start = time.time() - elapsed
    while step < sum(p[2] for p in phases):
        i, size, bs, k = phase_at(phases, step)
        if args.budget_minutes and phases[i][2] >= 10 ** 8:
            budget = args.budget_minutes * 60
            if i < len(phases) - 1 and elapsed >= sum(BUDGET_SHARES[:i + 1]) * budget:
                phases[i] = (size, bs, k)  # close this phase here
                if i + 1 == len(phases) - 1:  # size the last phase from the measured pixel rate
                    nxt = phases[i + 1]
                    px_rate = sum(r[0] for r in recent) / max(1e-9, sum(r[1] for r in recent))
                    steps = max(20, int((budget - elapsed) * px_rate / (nxt[0] * nxt[0] * nxt[1])))
                    phases[i + 1] = (nxt[0], nxt[1], steps)
                print(f"phase boundaries now {phases}", flush=True)
                continue
        t_step = time.time()
        x0 = prefetch.get(step, size, bs).to(device, non_blocking=True).float()
        gen = torch.Generator(device).manual_seed(args.seed * 1_000_003 + step)
        t = draw_timesteps(gen, bs, device, low_t)
        noise = torch.randn(x0.shape, generator=gen, device=device)
        for g in opt.param_groups:
            g["lr"] = lr_at(phases, step, args.lr)
        xt = q_sample(x0, t, noise, abar)
        if model.parameterization == "v":
            a = abar[t].view(-1, 1, 1, 1)
            target = a.sqrt() * noise - (1 - a).sqrt() * x0
        else:
            target = noise
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cuda):
            pred = model.body(xt, t)
        loss = F.mse_loss(pred.float(), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_mul_(ema_params, decay)
            torch._foreach_add_(ema_params, [p.detach() for p in model_params], alpha=1 - decay)
        step += 1
        window.append(loss.detach())
        if cuda and step % 50 == 0:
            torch.cuda.synchronize()  # so the step times below are the GPU's, not the queue's
        recent = (recent + [(size * size * bs, time.time() - t_step)])[-100:]
        elapsed = time.time() - t_start
        total = sum(p[2] for p in phases)
        if step % 50 == 0 or step == total:
            mean_loss = float(torch.stack(window).mean())
            losses.append((step, size, mean_loss, elapsed))
            print(f"step {step}/{total} crop {size} batch {bs} loss {mean_loss:.4f} "
                  f"lr {opt.param_groups[0]['lr']:.2e} {elapsed / 60:.1f} min "
                  f"{np.mean([r[1] for r in recent]):.2f} s/step", flush=True)
            window = []
        if time.time() - last_save > args.checkpoint_minutes * 60 or step == total:
            save()
            last_save = time.time()
    prefetch.close()
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(dict(steps=step, wall_minutes=elapsed / 60, final_loss=losses[-1][2] if losses else None,
                       phases=phases, phases_arg=",".join(f"{a}:{b}:{c}" for a, b, c in phases),
                       budget_minutes=args.budget_minutes, seed=args.seed, lr=args.lr, ema=args.ema, threads=args.threads,
                       device=torch.cuda.get_device_name(device) if cuda else "cpu", workers=args.workers,
                       params=parameter_count(model), config=model.config,
                       images=len(sampler.images)), f, indent=1)
    print("done", flush=True)


if __name__ == "__main__":
    main()
