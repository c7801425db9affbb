"""The diffusion prior's bar (issue 20 item 3): as a denoiser (x0 estimated from x_t) it must beat the
best classical denoiser, tuned per noise level, at every timestep the default preset uses.

At timestep t, x_t = sqrt(abar) x0 + sqrt(1 - abar) eps, so x_t / sqrt(abar) is x0 plus Gaussian noise
of known sigma = sqrt((1 - abar) / abar) (in [-1, 1] units; half that in [0, 1] intensities). Each
classical denoiser of classical_denoisers gets x_t / sqrt(abar) in [0, 1] units with that sigma, and
its parameters are tuned per t on a tuning set that is never reported. Gray images (R = G = B in the
clean image, as every medical slice here) are denoised as one plane, the mean of the three noisy
channels with sigma / sqrt(3): the strongest use of the replicated channels a classical method has.
The model's x0 of a gray image is scored as the engine outputs it: the mean of its three channels
(src/enhance/image-planes.ts fromPlanarSigned); its raw three-channel x0 is reported beside.
Errors are measured in [-1, 1] (as model/embedded/evaluate.py's other table); PSNR = 10 log10(4 / MSE),
the same number as on [0, 1] intensities.
"""
from typing import Callable, Dict, List

import numpy as np

from classical_denoisers import FAMILIES, apply_candidate, candidates, describe

BAR_TS = [25, 50, 100, 150, 250]
EpsFn = Callable[[np.ndarray, int], np.ndarray]


def noise_sigma(abar: np.ndarray, t: int) -> float:
    """sigma of x_t / sqrt(abar_t) around x0, in [-1, 1] units."""
    return float(np.sqrt((1 - abar[t]) / abar[t]))


def psnr_pm1(mse_value: float) -> float:
    return float(10 * np.log10(4 / max(mse_value, 1e-12)))


def noisy_xt(x0: np.ndarray, abar: np.ndarray, t: int, rng: np.random.Generator) -> np.ndarray:
    eps = rng.standard_normal(x0.shape).astype(np.float32)
    return (np.sqrt(abar[t]) * x0 + np.sqrt(1 - abar[t]) * eps).astype(np.float32)


def model_x0(eps_fn: EpsFn, xt: np.ndarray, t: int, abar: np.ndarray, batch: int = 2) -> np.ndarray:
    """x0 from the model's epsilon, clipped to [-1, 1] (as the sampler does)."""
    eps = np.concatenate([eps_fn(xt[i:i + batch], t) for i in range(0, len(xt), batch)])
    return np.clip((xt - np.sqrt(1 - abar[t]) * eps) / np.sqrt(abar[t]), -1, 1)


def as_engine_outputs(pred: np.ndarray, gray: bool) -> np.ndarray:
    """One image [3,H,W]: the engine keeps the channel mean of a gray image's result."""
    return np.broadcast_to(pred.mean(axis=0), pred.shape) if gray else pred


def classical_x0(xt: np.ndarray, t: int, abar: np.ndarray, cand: dict, gray: bool) -> np.ndarray:
    """One image [3,H,W]: x0 from x_t by a classical denoiser, clipped to [-1, 1]."""
    u = (xt / np.sqrt(abar[t]) + 1) / 2  # [0, 1] units, noise sigma / 2
    s = noise_sigma(abar, t) / 2
    if gray:
        out = apply_candidate(u.mean(axis=0).astype(np.float64), s / np.sqrt(3), cand)
        out = np.broadcast_to(out, u.shape)
    else:
        out = apply_candidate(u.transpose(1, 2, 0).astype(np.float64), s, cand).transpose(2, 0, 1)
    return np.clip(out * 2 - 1, -1, 1).astype(np.float32)


def _err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))


def tune_per_t(x0: np.ndarray, gray: List[bool], abar: np.ndarray, ts=BAR_TS, seed: int = 4242,
               log=print) -> Dict[int, Dict[str, dict]]:
    """{t: {family: {"candidate", "tuningMse", "atGridEdge"}}}: per t and family, the candidate with the
    lowest mean MSE over the tuning images (one noise draw each)."""
    grid = candidates(with_none=False)
    out: Dict[int, Dict[str, dict]] = {}
    for t in ts:
        rng = np.random.default_rng(seed + t)
        xt = noisy_xt(x0, abar, t, rng)
        errs = np.array([[_err(classical_x0(xt[i], t, abar, c, gray[i]), x0[i]) for c in grid] for i in range(len(x0))])
        mean = errs.mean(axis=0)
        out[t] = {}
        for fam in FAMILIES:
            js = [j for j, c in enumerate(grid) if c["method"] == fam]
            j = min(js, key=lambda k: mean[k])
            out[t][fam] = {"candidate": grid[j], "tuningMse": float(mean[j]), "atGridEdge": _at_edge(grid, j)}
        log(f"  tuned t={t}: " + ", ".join(f"{f} {describe(v['candidate'])} {psnr_pm1(v['tuningMse']):.2f} dB"
                                           for f, v in out[t].items()))
    return out


def _at_edge(grid: List[dict], j: int) -> List[str]:
    """Names of the numeric parameters (searched over at least three values) whose chosen value is the
    smallest or largest of the grid, so the search might have gone further."""
    c = grid[j]
    same = [g for g in grid if g["method"] == c["method"]]
    edges = []
    for k, v in c.items():
        if k == "method" or isinstance(v, str):
            continue
        vals = sorted({g[k] for g in same})
        if len(vals) >= 3 and v in (vals[0], vals[-1]):
            edges.append(k)
    return edges


def bar_rows(eps_fn: EpsFn, x0: np.ndarray, gray: List[bool], abar: np.ndarray, tuned: Dict[int, Dict[str, dict]],
             ts=BAR_TS, draws: int = 2, seed: int = 2000, log=print) -> List[dict]:
    """Per t: model and each tuned classical denoiser on the reported images (same noise draws for
    all), mean MSE and mean per-image PSNR, the best classical denoiser and whether the model (as the
    engine outputs it) beats it."""
    rows = []
    for t in ts:
        rng = np.random.default_rng(seed + t)
        model_err, raw_err, fam_err = [], [], {f: [] for f in FAMILIES}
        for _ in range(draws):
            xt = noisy_xt(x0, abar, t, rng)
            pred = model_x0(eps_fn, xt, t, abar)
            raw_err += [_err(pred[i], x0[i]) for i in range(len(x0))]
            model_err += [_err(as_engine_outputs(pred[i], gray[i]), x0[i]) for i in range(len(x0))]
            for f in FAMILIES:
                cand = tuned[t][f]["candidate"]
                fam_err[f] += [_err(classical_x0(xt[i], t, abar, cand, gray[i]), x0[i]) for i in range(len(x0))]
        summary = lambda e: {"mse": float(np.mean(e)), "psnr": float(np.mean([psnr_pm1(v) for v in e]))}  # noqa: E731
        classical = {f: {**summary(e), "candidate": describe(tuned[t][f]["candidate"]),
                         "atGridEdge": tuned[t][f]["atGridEdge"]} for f, e in fam_err.items()}
        best = max(FAMILIES, key=lambda f: classical[f]["psnr"])
        model = summary(model_err)
        wins = sum(m < b for m, b in zip(model_err, fam_err[best]))
        row = {"t": t, "sigma01": noise_sigma(abar, t) / 2, "model": model, "modelRaw": summary(raw_err),
               "classical": classical, "best": best,
               "beats": model["psnr"] > classical[best]["psnr"],
               "marginDb": model["psnr"] - classical[best]["psnr"],
               "imagesWon": f"{wins}/{len(model_err)}",
               "modelPsnrPerImage": [round(psnr_pm1(v), 2) for v in model_err],
               "bestPsnrPerImage": [round(psnr_pm1(v), 2) for v in fam_err[best]]}
        log(f"  bar t={t}: model {model['psnr']:.2f} dB, best classical {best} {classical[best]['psnr']:.2f} dB "
            f"({row['marginDb']:+.2f}), won {row['imagesWon']}")
        rows.append(row)
    return rows
