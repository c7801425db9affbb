"""The classical denoisers the project measures itself against: scikit-image's non-local means, total
variation (Chambolle), wavelet (BayesShrink) and bilateral filter, plus "none".

Every parameter that scales with the noise is given as a multiple of the noise standard deviation
sigma (intensities in [0, 1]), so one tuned candidate serves a whole sigma bin. Images are float
arrays, H x W (gray) or H x W x C (colour, channels last); values may leave [0, 1] (the prior's
x_t / sqrt(abar) does), and each denoiser returns the same shape, unclipped.
"""
from __future__ import annotations

import itertools
from typing import Dict, List, Optional

import numpy as np
from skimage.restoration import (denoise_bilateral, denoise_nl_means, denoise_tv_chambolle, denoise_wavelet,
                                 estimate_sigma)

FAMILIES = ("nlm", "tv", "wavelet", "bilateral")

Candidate = Dict[str, object]


def candidates(families=FAMILIES, with_none: bool = True) -> List[Candidate]:
    """The search grid: each entry is {"method": family, **params}; sigma-relative params end in "K"."""
    out: List[Candidate] = [{"method": "none"}] if with_none else []
    if "nlm" in families:
        # skimage: with sigma given, the patch distance has 2 sigma^2 removed, so h below sigma.
        for hK, patch, dist in itertools.product((0.4, 0.6, 0.8, 1.0, 1.3, 1.7), (5, 7), (6, 11)):
            out.append({"method": "nlm", "hK": hK, "patchSize": patch, "patchDistance": dist})
    if "tv" in families:
        for wK in (0.3, 0.45, 0.65, 0.9, 1.3, 1.9, 2.8, 4.0, 6.0):
            out.append({"method": "tv", "weightK": wK})
    if "wavelet" in families:
        for wavelet, sK in itertools.product(("db1", "db2", "sym8"), (0.5, 0.75, 1.0, 1.5, 2.0)):
            out.append({"method": "wavelet", "wavelet": wavelet, "sigmaK": sK})
    if "bilateral" in families:
        for cK, spatial in itertools.product((0.5, 1.0, 2.0, 3.0, 5.0), (1.0, 2.0, 3.0)):
            out.append({"method": "bilateral", "colorK": cK, "spatial": spatial})
    return out


def estimate_noise_sigma(img: np.ndarray) -> float:
    """Gaussian noise sigma (robust MAD of the finest diagonal wavelet band, skimage's estimate_sigma),
    averaged over channels for colour."""
    if img.ndim == 3:
        return float(estimate_sigma(img, channel_axis=-1, average_sigmas=True))
    return float(estimate_sigma(img))


def _bilateral(img: np.ndarray, sigma_color: float, spatial: float, channel_axis) -> np.ndarray:
    # skimage's bilateral refuses negative values; it is shift-invariant, so shift into range and back.
    lo = float(img.min())
    shifted = img - lo if lo < 0 else img
    out = denoise_bilateral(shifted, sigma_color=sigma_color, sigma_spatial=spatial, channel_axis=channel_axis,
                            mode="reflect")
    return out + lo if lo < 0 else out


def apply_candidate(img: np.ndarray, sigma: float, cand: Candidate) -> np.ndarray:
    """Denoise `img` (noise sigma `sigma`) with one candidate of the grid."""
    channel_axis: Optional[int] = -1 if img.ndim == 3 else None
    method = cand["method"]
    img = img.astype(np.float64, copy=False)
    if method == "none" or sigma <= 0:
        return img.copy()
    if method == "nlm":
        return denoise_nl_means(img, h=float(cand["hK"]) * sigma, sigma=sigma, patch_size=int(cand["patchSize"]),
                                patch_distance=int(cand["patchDistance"]), fast_mode=True, channel_axis=channel_axis)
    if method == "tv":
        return denoise_tv_chambolle(img, weight=float(cand["weightK"]) * sigma, channel_axis=channel_axis)
    if method == "wavelet":
        return denoise_wavelet(img, sigma=float(cand["sigmaK"]) * sigma, wavelet=str(cand["wavelet"]), mode="soft",
                               method="BayesShrink", rescale_sigma=True, channel_axis=channel_axis,
                               convert2ycbcr=channel_axis is not None)
    if method == "bilateral":
        return _bilateral(img, float(cand["colorK"]) * sigma, float(cand["spatial"]), channel_axis)
    raise ValueError(f"unknown denoiser {method!r}")


def describe(cand: Candidate) -> str:
    """Short human-readable name of a candidate, e.g. "nlm(hK=0.8, patchSize=5, patchDistance=6)"."""
    params = ", ".join(f"{k}={v}" for k, v in cand.items() if k != "method")
    return f"{cand['method']}({params})" if params else str(cand["method"])


def mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))


def psnr(mse_value: float, peak: float = 1.0) -> float:
    return float(10 * np.log10(peak * peak / max(mse_value, 1e-12)))


def table_key(img: np.ndarray) -> str:
    """Which table of the tuned file applies: "gray" for H x W, "rgb" for H x W x 3."""
    return "rgb" if img.ndim == 3 else "gray"


def pick_candidate(table: dict, key: str, sigma: float) -> dict:
    """The bin of `table["bins"][key]` whose sigma range holds `sigma` (bins sorted by maxSigma, the
    last one open-ended with maxSigma null)."""
    bins = table["bins"][key]
    for b in bins:
        if b["maxSigma"] is None or sigma <= b["maxSigma"]:
            return b
    return bins[-1]


def denoise_tuned(img: np.ndarray, table: dict) -> tuple[np.ndarray, float, dict]:
    """Estimate sigma, pick the tuned denoiser for it, run it. `img` in [0, 1]; returns the result
    clipped to [0, 1], the sigma estimate and the chosen bin."""
    sigma = estimate_noise_sigma(img)
    b = pick_candidate(table, table_key(img), sigma)
    return np.clip(apply_candidate(img, sigma, b["candidate"]), 0, 1), sigma, b
