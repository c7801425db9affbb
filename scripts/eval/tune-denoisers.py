"""Tunes the classical denoising baseline per noise level and writes scripts/eval/denoiser-table.json.

  nice -n 10 /usr/bin/python3 scripts/eval/tune-denoisers.py

Development images only: CT, MR, XA and NM slices and natural images that the embedded prior trains
on (model/embedded/data.py training sources), plus CT-like phantoms from their own seed. Never the
prior's held-out images (J2K_pixelrep_mismatch head CT, XA frame 3, the JPEG2000 NM, coffee, cat)
nor the evaluation's held-out fixtures (src/eval/fixtures/heldout). Each clean image x (in [0, 1]) is
used as it is and darkened (0.8 x^2.5, low light), then degraded by Gaussian noise at several sigma
and by Poisson counts (peak photons at white) with Gaussian read noise, and quantised to 8 bits as
the node sees it. sigma is estimated from the noisy image (skimage estimate_sigma), so the bins are
over the estimate the runtime sees; the search picks, per bin and per table (gray, rgb), the
candidate of classical_denoisers.candidates() with the best mean PSNR over the bin's samples.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "model"))
from classical_denoisers import (FAMILIES, apply_candidate, candidates, describe, estimate_noise_sigma,  # noqa: E402
                                 mse, psnr)

GAUSSIAN_SIGMAS = [0.0, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15]
POISSON_PEAKS = [20, 60, 200, 600]
READ_NOISE = 0.005
# Upper edges of the sigma-estimate bins; the last bin is open-ended.
BIN_EDGES = [0.004, 0.0075, 0.0125, 0.02, 0.03, 0.045, 0.065, 0.09, 0.125]
SEED = 20240611


def _fit(a: np.ndarray, side: int) -> np.ndarray:
    """Resize so the longer side is `side` (aspect kept, no padding)."""
    from skimage.transform import resize
    h, w = a.shape[:2]
    s = side / max(h, w)
    shape = (max(1, round(h * s)), max(1, round(w * s))) + a.shape[2:]
    return np.clip(resize(a, shape, anti_aliasing=True, order=1), 0, 1).astype(np.float64)


def dev_images(side: int) -> dict:
    """{"gray": [(name, HxW)], "rgb": [(name, HxWx3)]}, clean, in [0, 1]."""
    from embedded import data as D
    gray, rgb = [], []
    hu = D._hu(os.path.join(D.PYDICOM_FILES, "693_J2KI.dcm"))
    for w in ("soft", "bone", "lung"):
        gray.append((f"693_J2KI/{w}", _fit(D.ct_window(hu, *D.CT_WINDOWS[w]), side)))
    hu = D._hu(os.path.join(D.PYDICOM_FILES, "CT_small.dcm"))
    gray.append(("CT_small/soft", D.ct_window(hu, *D.CT_WINDOWS["soft"]).astype(np.float64)))
    mr = D._read(D.MR_MOSAIC)
    gray.append(("0051-mr/0.5-99.5", _fit(D.percentile_window(mr, 0.5, 99.5), side)))
    xa = D._read(D.XA_GDCM)
    gray.append(("xa/0", _fit(D.percentile_window(xa[0], 0, 100), side)))
    nm = D._read(os.path.join(D.PYDICOM_FILES, "JPEG-lossy.dcm"))
    gray.append(("nm-whole-body", _fit(D.percentile_window(nm, 0, 99.5), side)))
    rng = np.random.default_rng(SEED)
    for i in range(2):
        gray.append((f"phantom/dev{i}", _fit(D.phantom(rng), side)))
    import skimage.data as d
    gray.append(("camera", _fit(d.camera() / 255.0, side)))
    for n in ("astronaut", "chelsea", "retina", "immunohistochemistry"):
        rgb.append((n, _fit(getattr(d, n)()[..., :3] / 255.0, side)))
    return {"gray": gray, "rgb": rgb}


def noisy_versions(clean: np.ndarray, rng: np.random.Generator):
    """(label, clean target, noisy 8-bit-quantised) for every variant and noise condition."""
    for variant, x in (("as-is", clean), ("dark", 0.8 * clean ** 2.5)):
        for s in GAUSSIAN_SIGMAS:
            y = x + s * rng.standard_normal(x.shape)
            yield f"{variant}/gauss{s}", x, np.round(np.clip(y, 0, 1) * 255) / 255
        for peak in POISSON_PEAKS:
            y = rng.poisson(x * peak) / peak + READ_NOISE * rng.standard_normal(x.shape)
            yield f"{variant}/poisson{peak}", x, np.round(np.clip(y, 0, 1) * 255) / 255


def bin_index(sigma: float) -> int:
    for i, edge in enumerate(BIN_EDGES):
        if sigma <= edge:
            return i
    return len(BIN_EDGES)


def tune(images, grid, log) -> list:
    """Per bin: samples, input PSNR, best candidate per family, the chosen one."""
    rng = np.random.default_rng(SEED + 1)
    per_bin = [[] for _ in range(len(BIN_EDGES) + 1)]  # each sample: (input mse, [mse per candidate])
    for name, clean in images:
        t0 = time.time()
        for label, target, noisy in noisy_versions(clean, rng):
            sigma = estimate_noise_sigma(noisy)
            errs = [mse(np.clip(apply_candidate(noisy, sigma, c), 0, 1), target) for c in grid]
            per_bin[bin_index(sigma)].append((mse(noisy, target), errs, f"{name}/{label}", sigma))
        log(f"  {name}: {time.time() - t0:.1f} s")
    bins = []
    for i, samples in enumerate(per_bin):
        lo = 0.0 if i == 0 else BIN_EDGES[i - 1]
        hi = BIN_EDGES[i] if i < len(BIN_EDGES) else None
        if not samples:
            bins.append({"minSigma": lo, "maxSigma": hi, "samples": 0})
            continue
        mean_psnr = [float(np.mean([psnr(s[1][j]) for s in samples])) for j in range(len(grid))]
        best = int(np.argmax(mean_psnr))
        family_best = {}
        for fam in ("none",) + FAMILIES:
            js = [j for j, c in enumerate(grid) if c["method"] == fam]
            if js:
                j = max(js, key=lambda k: mean_psnr[k])
                family_best[fam] = {"candidate": describe(grid[j]), "psnr": round(mean_psnr[j], 2)}
        bins.append({"minSigma": lo, "maxSigma": hi, "samples": len(samples),
                     "meanSigmaEstimate": round(float(np.mean([s[3] for s in samples])), 4),
                     "inputPsnr": round(float(np.mean([psnr(s[0]) for s in samples])), 2),
                     "candidate": grid[best], "psnr": round(mean_psnr[best], 2), "bestPerFamily": family_best})
    # An empty bin takes the candidate of its nearest non-empty neighbour (said so in the table).
    for i, b in enumerate(bins):
        if b["samples"] == 0:
            j = min((k for k in range(len(bins)) if bins[k]["samples"]), key=lambda k: abs(k - i))
            b["candidate"] = bins[j]["candidate"]
            b["note"] = f"no development sample had its sigma estimate here; candidate of bin {j}"
    return bins


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "denoiser-table.json"))
    ap.add_argument("--side", type=int, default=256)
    args = ap.parse_args()
    started = time.time()
    images = dev_images(args.side)
    grid = candidates()
    result = {"generatedBy": "scripts/eval/tune-denoisers.py", "units": "intensity in [0, 1] (8-bit value / 255)",
              "sigmaEstimator": "skimage.restoration.estimate_sigma (MAD of the finest diagonal wavelet band; "
                                "colour: mean over channels)",
              "selection": "per bin, the candidate with the best mean PSNR against the clean image",
              "dev": {"images": {k: [n for n, _ in v] for k, v in images.items()}, "longerSide": args.side,
                      "variants": ["as-is", "dark = 0.8 x^2.5"], "gaussianSigmas": GAUSSIAN_SIGMAS,
                      "poissonPeaks": POISSON_PEAKS, "readNoise": READ_NOISE, "seed": SEED,
                      "candidates": len(grid)},
              "bins": {}}
    for key in ("gray", "rgb"):
        print(f"{key}: {len(images[key])} images x {len(grid)} candidates", flush=True)
        result["bins"][key] = tune(images[key], grid, lambda m: print(m, flush=True))
    result["tuningSeconds"] = round(time.time() - started, 1)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    for key, bins in result["bins"].items():
        for b in bins:
            if b["samples"]:
                print(f"{key} σ̂≤{b['maxSigma']}: n={b['samples']} input {b['inputPsnr']} dB -> "
                      f"{describe(b['candidate'])} {b['psnr']} dB", flush=True)


if __name__ == "__main__":
    main()
