"""Evidence for the embedded prior, written into model/embedded/README.md:

- held-out denoising MSE of x0 (in [-1, 1]) at t = 50 ... 900 for the model (x0 from its epsilon,
  clipped) against identity (x_t / sqrt(abar), clipped), the best Gaussian blur of x_t (sigma searched
  per t over the whole held-out set) and the flat mean (each image's own true per-channel mean, an
  oracle; the mean of x_t / sqrt(abar) is reported too);
- the prior's bar (issue 20 item 3, scripts/eval/prior_bar.py): at t = 25 ... 250 the model against
  scikit-image's non-local means, total variation, wavelet and bilateral denoisers applied to
  x_t / sqrt(abar) with the known noise sigma, each tuned per t on training slices and reported on the
  held-out medical slices (held-out natural images apart, tuned on training photographs);
- a sample grid generated from pure noise (ADM respacing, fixed_small variance) and a denoising figure;
- ONNX-vs-PyTorch max abs difference through onnxruntime-node.

With the PyTorch checkpoint everything is measured with it:

  /usr/bin/python3 model/embedded/evaluate.py --checkpoint /tmp/unimie-embedded-train/checkpoint.pt

Without it (the repository ships only the ONNX file) the denoising tables, the bar and the figures
are measured on embedded.onnx through onnxruntime-node (scripts/eval/onnx-eps.mjs; Debian has no
onnxruntime for Python), and the sample grid, ONNX parity and PyTorch timing are kept from the
previous evaluation.json, only if it was made for the same ONNX file (sha256):

  nice -n 10 /usr/bin/python3 model/embedded/evaluate.py
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch
import yaml
from PIL import Image as PILImage
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "eval"))
from common.diffusion import alphas_cumprod  # noqa: E402
from common.manifest import sha256_of  # noqa: E402
from common.onnx_export import onnx_parity, save_parity_case  # noqa: E402
from embedded import data as D  # noqa: E402
from embedded.data import heldout_images  # noqa: E402
from embedded.export import load_ema  # noqa: E402
from onnx_eps import OnnxEps  # noqa: E402
from prior_bar import BAR_TS, bar_rows, tune_per_t  # noqa: E402

TS = [50, 100, 250, 500, 750, 900]
SIGMAS = [0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96]
DRAWS = 2


def torch_eps(model):
    """The PyTorch model as eps(x [B,3,H,W] float32, t) -> float32."""
    def eps(x: np.ndarray, t: int) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(x), torch.full((x.shape[0],), t, dtype=torch.int64)).numpy()
    return eps


def predict_x0(eps_fn, xt: np.ndarray, t: int, abar: np.ndarray) -> np.ndarray:
    eps = eps_fn(xt, t)
    return np.clip((xt - np.sqrt(1 - abar[t]) * eps) / np.sqrt(abar[t]), -1, 1)


def bar_tuning_images():
    """Tuning set of the bar: training slices and photographs of the prior (data.training_images
    sources), never the held-out images the bar reports. Medical mirrors the held-out mix (CT soft
    and bone windows, XA, NM) plus the MR mosaic."""
    hu = D._hu(os.path.join(D.PYDICOM_FILES, "693_J2KI.dcm"))
    medical = [D._fit256(D._rgb(D.ct_window(hu, *D.CT_WINDOWS[w]))) for w in ("soft", "bone")]
    medical.append(D._fit256(D._rgb(D.percentile_window(D._read(D.XA_GDCM)[0], 0, 100))))
    medical.append(D._fit256(D._rgb(D.percentile_window(D._read(os.path.join(D.PYDICOM_FILES, "JPEG-lossy.dcm")), 0, 99.5))))
    medical.append(D._fit256(D._rgb(D.percentile_window(D._read(D.MR_MOSAIC), 0.5, 99.5))))
    natural = [D._fit256(i.pixels) for i in D._natural(["astronaut", "chelsea"])]
    names = {"medical": ["693_J2KI/soft", "693_J2KI/bone", "xa/0", "nm-whole-body", "0051-mr/0.5-99.5"],
             "natural": ["astronaut", "chelsea"]}
    return {"medical": medical, "natural": natural}, names


def chw(images) -> np.ndarray:
    return np.stack([p.transpose(2, 0, 1) * 2 - 1 for p in images]).astype(np.float32)


def is_gray(x0: np.ndarray) -> list:
    return [bool(np.array_equal(x[0], x[1]) and np.array_equal(x[0], x[2])) for x in x0]


def prior_bar(eps_fn, heldout, abar, kinds=("medical", "natural")) -> dict:
    """Tune each classical denoiser per t on the tuning set, report on the held-out images of each kind."""
    tuning, names = bar_tuning_images()
    out = {"timesteps": BAR_TS, "draws": DRAWS, "tuningDraws": 1}
    for kind in kinds:
        reported = [im for im in heldout if im.kind == kind]
        x0 = chw([im.pixels for im in reported])
        tx0 = chw(tuning[kind])
        print(f"bar ({kind}): tuning on {names[kind]}, reporting {[im.name for im in reported]}", flush=True)
        tuned = tune_per_t(tx0, is_gray(tx0), abar)
        out[kind] = {"tuning": names[kind], "reported": [im.name for im in reported], "gray": is_gray(x0),
                     "rows": bar_rows(eps_fn, x0, is_gray(x0), abar, tuned, draws=DRAWS)}
    return out


def kept_torch_evidence(out_dir: str, onnx_sha: str) -> dict:
    """Sample grid, parity and PyTorch timing of the previous evaluation, if it was made for this ONNX
    file: its recorded onnxSha256, or (evaluations older than that field) the manifest's sha256."""
    with open(os.path.join(out_dir, "evaluation.json")) as f:
        prev = json.load(f)
    manifest = yaml.safe_load(open(os.path.join(HERE, "manifest.yaml")))
    recorded = prev.get("onnxSha256", manifest["sha256"])
    if recorded != onnx_sha:
        raise SystemExit(f"evaluation.json was made for ONNX {recorded}, not {onnx_sha}: run with --checkpoint")
    return {k: prev[k] for k in ("onnxParity", "pytorchForward256Seconds", "sampleSteps", "checkpointStep")}


def blur(x: np.ndarray, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter(x, sigma=(0, 0, sigma, sigma), mode="reflect")


def mse(a, b):
    return float(np.mean((a - b) ** 2))


def denoising_table(eps_fn, images, abar):
    x0 = np.stack([im.pixels.transpose(2, 0, 1) * 2 - 1 for im in images]).astype(np.float32)
    kinds = np.array([im.kind for im in images])
    rows, figure = [], {}
    for t in TS:
        rng = np.random.default_rng(1000 + t)
        res = {k: [] for k in ("model", "identity", "meanOracle", "meanEstimate")}
        blur_mse = {s: [] for s in SIGMAS}
        per_kind = {k: [] for k in set(kinds)}
        for d in range(DRAWS):
            eps = rng.standard_normal(x0.shape).astype(np.float32)
            xt = (np.sqrt(abar[t]) * x0 + np.sqrt(1 - abar[t]) * eps).astype(np.float32)
            pred = np.concatenate([predict_x0(eps_fn, xt[i:i + 2], t, abar) for i in range(0, len(xt), 2)])
            ident = np.clip(xt / np.sqrt(abar[t]), -1, 1)
            err = ((pred - x0) ** 2).mean(axis=(1, 2, 3))
            res["model"] += list(err)
            for k in per_kind:
                per_kind[k] += list(err[kinds == k])
            res["identity"] += list(((ident - x0) ** 2).mean(axis=(1, 2, 3)))
            oracle = np.broadcast_to(x0.mean(axis=(2, 3), keepdims=True), x0.shape)
            res["meanOracle"] += list(((oracle - x0) ** 2).mean(axis=(1, 2, 3)))
            est = np.broadcast_to(np.clip(xt.mean(axis=(2, 3), keepdims=True) / np.sqrt(abar[t]), -1, 1), x0.shape)
            res["meanEstimate"] += list(((est - x0) ** 2).mean(axis=(1, 2, 3)))
            for s in SIGMAS:
                blur_mse[s] += list(((np.clip(blur(xt, s) / np.sqrt(abar[t]), -1, 1) - x0) ** 2).mean(axis=(1, 2, 3)))
            if d == 0 and t in (250, 500, 900):
                figure[t] = (xt, pred, ident)
        best_sigma = min(SIGMAS, key=lambda s: np.mean(blur_mse[s]))
        row = {"t": t, "model": float(np.mean(res["model"])), "identity": float(np.mean(res["identity"])),
               "bestBlur": float(np.mean(blur_mse[best_sigma])), "bestBlurSigma": best_sigma,
               "flatMeanOracle": float(np.mean(res["meanOracle"])),
               "flatMeanEstimate": float(np.mean(res["meanEstimate"])),
               "modelByKind": {k: float(np.mean(v)) for k, v in sorted(per_kind.items())}}
        row["beatsAll"] = row["model"] < min(row["identity"], row["bestBlur"], row["flatMeanOracle"],
                                             row["flatMeanEstimate"])
        rows.append(row)
        if t in figure:
            figure[t] = figure[t] + (np.clip(blur(figure[t][0], best_sigma) / np.sqrt(abar[t]), -1, 1),)
        print(json.dumps(row), flush=True)
    return rows, x0, figure


def to_png(x: np.ndarray) -> np.ndarray:
    """[-1,1] CHW -> uint8 HWC."""
    return (np.clip(x.transpose(1, 2, 0), -1, 1) * 127.5 + 127.5).round().astype(np.uint8)


def respaced(abar: np.ndarray, steps: int):
    """ADM space_timesteps for one section: evenly strided timesteps, betas from abar."""
    frac = (len(abar) - 1) / (steps - 1)
    use = [round(i * frac) for i in range(steps)]
    prev, betas = 1.0, []
    for t in use:
        betas.append(1 - abar[t] / prev)
        prev = abar[t]
    return np.array(use), np.array(betas)


def sample(model, n: int, size: int, steps: int, seed: int, abar_full: np.ndarray) -> np.ndarray:
    use, betas = respaced(abar_full, steps)
    alphas = 1 - betas
    abar = np.cumprod(alphas)
    abar_prev = np.append(1.0, abar[:-1])
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, size, size, generator=g)
    for i in reversed(range(steps)):
        with torch.no_grad():
            eps = model(x, torch.full((n,), int(use[i]), dtype=torch.int64))
        x0 = ((x - np.sqrt(1 - abar[i]) * eps) / np.sqrt(abar[i])).clamp(-1, 1)
        mean = (np.sqrt(abar_prev[i]) * betas[i] / (1 - abar[i])) * x0 + \
               (np.sqrt(alphas[i]) * (1 - abar_prev[i]) / (1 - abar[i])) * x
        var = betas[i] * (1 - abar_prev[i]) / (1 - abar[i])  # fixed_small
        x = mean + (np.sqrt(var) * torch.randn(x.shape, generator=g) if i > 0 else 0)
    return x.clamp(-1, 1).numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", help="PyTorch checkpoint; without it the ONNX file is evaluated")
    ap.add_argument("--onnx", default=os.path.join(HERE, "embedded.onnx"))
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--sample-steps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    onnx_sha = sha256_of(args.onnx)
    if args.checkpoint:
        model, ck = load_ema(args.checkpoint)
        eps_fn, runner = torch_eps(model), "PyTorch checkpoint"
    else:
        kept = kept_torch_evidence(args.out, onnx_sha)
        onnx = OnnxEps(args.onnx)
        eps_fn, runner = onnx, "ONNX file through onnxruntime-node"
    abar = alphas_cumprod()
    images = heldout_images()
    started = time.time()
    rows, x0, figure = denoising_table(eps_fn, images, abar)
    bar = prior_bar(eps_fn, images, abar)
    # Denoising figure: per held-out image, clean | x_t | identity | best blur | model, at t = 250 and 500.
    tiles = []
    for t in (250, 500, 900):
        xt, pred, ident, blurred = figure[t]
        for i in range(len(images)):
            tiles.append(np.concatenate([to_png(x0[i]), to_png(np.clip(xt[i], -1, 1)), to_png(ident[i]),
                                         to_png(blurred[i]), to_png(pred[i])], axis=1)[::2, ::2])
    PILImage.fromarray(np.concatenate(tiles[:len(images)] + tiles[len(images):2 * len(images)], axis=0)).save(
        os.path.join(args.out, "denoising-t250-t500.png"))
    PILImage.fromarray(np.concatenate(tiles[2 * len(images):], axis=0)).save(os.path.join(args.out, "denoising-t900.png"))
    if args.checkpoint:
        samples = sample(model, 4, 256, args.sample_steps, seed=3, abar_full=abar)
        grid = np.concatenate([np.concatenate([to_png(s) for s in samples[:2]], axis=1),
                               np.concatenate([to_png(s) for s in samples[2:]], axis=1)], axis=0)
        PILImage.fromarray(grid).save(os.path.join(args.out, "samples-from-noise.png"))
        with tempfile.TemporaryDirectory() as tmp:
            parity = onnx_parity(args.onnx, save_parity_case(model, tmp, 2, 256, 256, seed=21))
        t0 = time.time()
        with torch.no_grad():
            model(torch.zeros(1, 3, 256, 256), torch.tensor([500]))
        kept = {"onnxParity": parity, "pytorchForward256Seconds": round(time.time() - t0, 3),
                "sampleSteps": args.sample_steps, "checkpointStep": ck["step"]}
    else:
        kept["onnxRunMsMedian"] = float(np.median(onnx.run_ms))
        onnx.close()
    result = {"heldout": [f"{im.name} ({im.kind})" for im in images], "draws": DRAWS, "rows": rows,
              "bar": bar, "evaluatedWith": runner, "onnxSha256": onnx_sha, **kept,
              "evaluationSeconds": round(time.time() - started, 1)}
    with open(os.path.join(args.out, "evaluation.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps({"parity": result["onnxParity"]["maxAbsDiff"], "allBeat": all(r["beatsAll"] for r in rows),
                      "barBeaten": {k: [r["t"] for r in bar[k]["rows"] if r["beats"]] for k in ("medical", "natural")}}))


if __name__ == "__main__":
    main()
