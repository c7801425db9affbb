"""Writes model/embedded/README.md from manifest.yaml and evaluation.json (run after evaluate.py)."""
import json
import os

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def fmt(v: float) -> str:
    return f"{v:.4f}" if v < 10 else f"{v:.1f}"


FAMILY_NAMES = {"nlm": "NLM", "tv": "TV", "wavelet": "wavelet", "bilateral": "bilateral"}


def bar_section(bar: dict) -> str:
    """The prior's bar (issue 20 item 3): model against each tuned classical denoiser per t."""
    fams = list(FAMILY_NAMES)
    parts = []
    for kind in ("medical", "natural"):
        if kind not in bar:
            continue
        b = bar[kind]
        gray = all(b["gray"])
        rows = ["| t | σ of x_t/√ᾱ | model |" + (" model, 3 channels |" if gray else "") + " " +
                " | ".join(FAMILY_NAMES[f] for f in fams) + " | best classical | model − best | images won | beats |",
                "|---:|---:|---:|" + ("---:|" if gray else "") + "---:|" * len(fams) + ":---|---:|---:|:---:|"]
        for r in b["rows"]:
            cells = [f"{r['classical'][f]['psnr']:.2f}" for f in fams]
            raw = f" {r['modelRaw']['psnr']:.2f} |" if gray else ""
            rows.append(f"| {r['t']} | {r['sigma01']:.3f} | **{r['model']['psnr']:.2f}** |{raw} " + " | ".join(cells) +
                        f" | {FAMILY_NAMES[r['best']]} {r['classical'][r['best']]['psnr']:.2f} | {r['marginDb']:+.2f} | "
                        f"{r['imagesWon']} | {'yes' if r['beats'] else '**no**'} |")
        tuned = ["| t | " + " | ".join(FAMILY_NAMES[f] for f in fams) + " |", "|---:|" + "---|" * len(fams)]
        for r in b["rows"]:
            tuned.append(f"| {r['t']} | " + " | ".join(
                f"`{r['classical'][f]['candidate']}`" + (" (grid edge: " + ", ".join(r['classical'][f]['atGridEdge']) + ")"
                                                         if r['classical'][f]['atGridEdge'] else "") for f in fams) + " |")
        won = [r["t"] for r in b["rows"] if r["beats"]]
        lost = [r["t"] for r in b["rows"] if not r["beats"]]
        if not lost:
            verdict = "The model beats the best classical denoiser at every t."
        elif not won:
            verdict = "**The model loses to the best classical denoiser at every t.**"
        else:
            verdict = (f"The model beats the best classical denoiser at t = {', '.join(map(str, won))} and "
                       f"**loses at t = {', '.join(map(str, lost))}**.")
        gray_note = (" All of them are gray (R = G = B), so each classical denoiser works on the mean of the three "
                     "noisy channels with σ/√3, the strongest use of the replicated channels it has; the model gets "
                     "the three noisy channels as always, and its x̂0 is scored as the engine outputs a gray image, "
                     "the mean of its channels (\"model\"; the raw three-channel x̂0 beside it)." if gray else
                     " Colour images: the classical denoisers work on the three channels (wavelet in YCbCr).")
        parts.append(f"""### {kind.capitalize()} held-out images

Reported: {', '.join(b['reported'])}; tuned on {', '.join(b['tuning'])} (training images of the prior,
one noise draw per t, never reported).{gray_note} Mean PSNR (dB, higher is better) over
{len(b['reported'])} images × {bar['draws']} draws; "images won" counts image-draws where the model's MSE is below the
best classical denoiser's. {verdict}

{chr(10).join(rows)}

Tuned parameters per t (σ-relative parameters end in K; NLM gets skimage's `sigma` too, `fast_mode`):

{chr(10).join(tuned)}
""")
    return "\n".join(parts)


def kept_note(ev: dict) -> str:
    """Says where the PyTorch-only evidence came from when the tables were measured on the ONNX file."""
    if "onnxRunMsMedian" not in ev:
        return ""
    return (f"\n\nThe tables above were measured on `embedded.onnx` (sha256 `{ev['onnxSha256'][:16]}…`) through "
            f"onnxruntime-node, median {ev['onnxRunMsMedian']:.0f} ms per batch of two 256² patches; the sample grid, "
            f"this parity check and the PyTorch timing come from the evaluation of the checkpoint (step "
            f"{ev['checkpointStep']}) that this ONNX file was exported from.")


def corpus_section(fine_tuned: bool) -> str:
    """The training corpus (corpus.py, training-manifest-summary.json); empty when it was never built."""
    path = os.path.join(HERE, "training-manifest-summary.json")
    if not os.path.exists(path):
        return ""
    s = json.load(open(path))
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(s["byKind"].items()))
    rows = ["| Package | Version | Images | Files | Licence |", "|---|---|---:|---:|---|"]
    for pkg, p in s["byPackage"].items():
        rows.append(f"| {pkg} | {p['version']} | {p['images']} | {p['files']} | {'; '.join(p['licences'])} |")
    return f"""

## Training corpus

`train.py` trains on the corpus of `corpus.py` (`data.training_images()`): **{s['images']} images** ({kinds})
from Debian 12 packages that install offline, each listed in `training-manifest.tsv` with package,
version, file, slice or frame, window, licence, size and the sha256 of its 8-bit pixels, so an
evaluation can leave out what the prior has seen ({s['excluded']} candidates left out, with the reason, in
`training-manifest-excluded.tsv`). Only sources whose licence lets the model ship under MIT are used
(public domain, CC0, CC-BY, Expat/BSD/Apache); copyleft and unclear licences are left out.
Evaluation images never enter it: every source file of a held-out or development fixture
(`src/eval/fixtures/*/index.json`) and of `data.heldout_images()` is excluded whole, and every
candidate is compared pixel-wise with every evaluation image. Sources, licences, attributions,
rejected packages and known gaps: [`corpus-sources.md`](corpus-sources.md).

Install step before training (root; unpacks the data packages under `var/embedded-corpus/debs/`
without installing them, then checks the corpus against the manifest):
`sh model/embedded/install-corpus.sh`.

{chr(10).join(rows)}

{"The shipped `embedded.onnx` was fine-tuned on this corpus (Fine-tuning, above) from a prior trained on the earlier 195-image set described under Training (`data.legacy_training_images()`): an evaluation leaves out both lists." if fine_tuned else "The shipped `embedded.onnx` was trained on the earlier 195-image set described under Training (`data.legacy_training_images()`); this corpus applies from the next training run."}

### Training on a lent GPU

A GPU machine has none of the Debian packages, so the corpus travels as a pack: lossless PNGs
with an index, checked image for image against `training-manifest.tsv` when read
(`/usr/bin/python3 model/embedded/corpus.py pack DIR`, about 36 MB). There,
`sh model/embedded/train-gpu.sh DIR OUT MINUTES` runs `train.py --device cuda` with the batches
made ahead in worker processes (each still drawn from (seed, step), so a run with workers is the
run without them), bfloat16 autocast and larger batches (64² × 256, 128² × 64, 256² × 16), and
splits the checkpoint into parts of at most 15 MiB (`checkpoint_parts.py`). Back here,
`checkpoint_parts.py join OUT var/gpu-train/checkpoint.pt`, then `export.py` and `evaluate.py`;
`train.py` resumes from a joined checkpoint on CPU with fresh optimizer moments.
"""


def phases_of(t: dict) -> str:
    return ", ".join(f"{p['steps']} steps of {p['crop']}² × {p['batch']}" for p in t["phases"])


def base_training_text(t: dict) -> str:
    """The from-scratch run (the shipped file's own, or the one a fine-tuning run started from)."""
    return f"""## Training (reproducible from the seed)

`/usr/bin/python3 model/embedded/train.py --out DIR --budget-minutes {t['budgetMinutes']:g}`, seed {t['seed']}:
{t['recipe']}. Crops grow late in training: {phases_of(t)} ({t['steps']} steps); learning rate
{t['learningRate']}, EMA {t['ema']}. **Wall time {t['wallMinutes']} min** on {t['hardware']}
(`nice`, the cores shared with other work); final loss (v-MSE, mean over the last logged window of ≤ 50 steps) {t['finalLoss']}.
The budget mode fixes each phase's step count at run time and records it; passing the recorded counts
as `--phases {','.join(f"{p['crop']}:{p['batch']}:{p['steps']}" for p in t['phases'])}` reproduces the run step for step
(every random draw of step n is seeded by (seed, n); resuming from the checkpoint continues exactly).
This run started with a 62-minute budget and was resumed after 33 minutes with 70, because other
work on the two shared cores had slowed it to 2–4 s per step; the recorded phases reproduce it.
The wall time counts this run only, not the 10-minute aborted ε-head run mentioned above.

Data ({t['data']}): 195 training images — 7 windowed CT images (two slices; soft tissue, lung,
bone and brain windows), 4 MR (a 20-slice MR mosaic in 3 percentile windows, one small MR), 3 XA
frames, 1 whole-body NM, 2 test patterns (pydicom's image_dfl, Shepp–Logan), 18 natural images
from skimage.data and 160 synthetic CT-like phantoms (body outline on black, fat ring, organs, lungs with vessels, bone,
texture, table) — sampled 40 % medical / 30 % phantom / 30 % natural, with random resized crops,
flips, 90° rotations, gamma 0.7–1.4, scale 0.8–1.05 and, for medical and phantom images, a 25 %
zoom-out onto a black canvas so large black backgrounds are common. The 16×16 thumbnails of
pydicom's dicomdirtests series are too small to teach anything and are not used."""


def training_section(tr: dict) -> str:
    ft = tr.get("fineTuning")
    if not ft:
        return base_training_text(tr)
    base = ft["base"]
    return f"""{base_training_text(base['training'])}

### Fine-tuning (this file)

This file is that prior (version {base.get('version')}, sha256 `{base['sha256'][:12]}…`) trained on: `train.py
--out DIR --init model/embedded/{base['file']} --low-t {ft['lowT']} --phases {','.join(f"{p['crop']}:{p['batch']}:{p['steps']}" for p in tr['phases'])}
--lr {tr['learningRate']} --seed {tr['seed']} --corpus-pack DIR` — {ft['timestepDraw']} (the default presets
sample at t ≤ 300, where the bar below is measured), on the corpus of `corpus.py`
({ft['corpus']}, listed below), AdamW afresh, {phases_of(tr)} ({tr['steps']} steps), learning rate
{tr['learningRate']} (200-step warm-up, constant, cosine to 1/20 in the last phase), EMA {tr['ema']}.
**Wall time {tr['wallMinutes']} min** on {tr['hardware']}, the cores shared with other work; final loss
{tr['finalLoss']}. The prior has seen both sets: the 195 images of the first run and the corpus."""


def main():
    m = yaml.safe_load(open(os.path.join(HERE, "manifest.yaml")))
    ev = json.load(open(os.path.join(HERE, "evaluation.json")))
    tr = m["training"]
    arch = tr["architecture"]
    rows = ev["rows"]
    table = ["| t | model | identity | best blur (σ) | flat mean (oracle) | flat mean (from x_t) | model / best baseline | beats all |",
             "|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    for r in rows:
        best = min(r["identity"], r["bestBlur"], r["flatMeanOracle"], r["flatMeanEstimate"])
        table.append(f"| {r['t']} | **{fmt(r['model'])}** | {fmt(r['identity'])} | {fmt(r['bestBlur'])} ({r['bestBlurSigma']}) "
                     f"| {fmt(r['flatMeanOracle'])} | {fmt(r['flatMeanEstimate'])} | {r['model'] / best:.2f} | "
                     f"{'yes' if r['beatsAll'] else '**no**'} |")
    kinds = sorted(rows[0]["modelByKind"])
    by_kind = ["| t | " + " | ".join(kinds) + " |", "|---:|" + "---:|" * len(kinds)]
    for r in rows:
        by_kind.append(f"| {r['t']} | " + " | ".join(fmt(r["modelByKind"][k]) for k in kinds) + " |")
    parity = ev["onnxParity"]
    text = f"""# Embedded prior

A small diffusion prior trained by this project on CPU, shipped in the repository so every machine
runs the whole UniMIE path out of the box. It follows the model contract like ADM-256
(`../adm/`): input `x` float32 `[B,3,H,W]` in [-1, 1], `t` int64 `[B]` (timestep of the T = 1000
linear schedule, β 1e-4…0.02), output `out` = predicted noise ε `[B,3,H,W]`; H and W any multiple
of 16. `manifest.yaml` carries the hash and the training recipe.

## Network

ADM-style U-Net written in the project (`unet.py`): sinusoidal timestep embedding + MLP, residual
blocks with GroupNorm, SiLU and scale-shift timestep conditioning, channels
{arch['base']}×{arch['mult']} over five resolutions (256² → 16² for a 256² patch), residual blocks per
level {arch['num_res_blocks']}, self-attention (heads of {arch['head_channels']} channels) at the lowest level
and in the middle block, so the receptive field covers a whole patch. **{tr['parameters']:,} parameters**,
ONNX {os.path.getsize(os.path.join(HERE, 'embedded.onnx')) / 1e6:.1f} MB, PyTorch forward of one 256² patch
{ev['pytorchForward256Seconds']:.2f} s on this machine's 2 shared cores.

The body predicts v = √ᾱ·ε − √(1−ᾱ)·x0 (Salimans & Ho 2022) and the graph turns it into
ε = √(1−ᾱ_t)·x_t + √ᾱ_t·v with the schedule's ᾱ[t], so the output is ε as the contract requires.
Why: x̂0 = (x_t − √(1−ᾱ)·ε̂)/√ᾱ multiplies an ε head's error by √((1−ᾱ)/ᾱ) (≈ 60 at t = 900); a
first run with a plain ε head was far worse than the flat mean at t ≥ 500 after 400 steps, the v
head keeps x̂0 accurate at large t.

{training_section(tr)}

Then `export.py --checkpoint DIR/checkpoint.pt` (ONNX opset 17, EMA weights, manifest),
`evaluate.py --checkpoint DIR/checkpoint.pt` (numbers and pictures below) and `readme.py`.

## Held-out denoising

{len(ev['heldout'])} images never used in training, 256² (aspect kept, black padding): {', '.join(ev['heldout'])};
{ev['draws']} noise draws each. MSE of x̂0 against the clean image in [-1, 1] (lower is better):
model (x̂0 from ε̂, clipped), identity (x_t/√ᾱ, clipped), the best Gaussian blur of x_t/√ᾱ (σ searched
per t over the whole set, clipped), the flat mean as an oracle (each image's own true per-channel
mean) and as an estimate (mean of x_t/√ᾱ). Measured with the {ev.get('evaluatedWith', 'PyTorch checkpoint')}.

{chr(10).join(table)}

Model MSE by kind of image:

{chr(10).join(by_kind)}

Columns of the figures: clean, x_t, identity, best blur, model. `denoising-t250-t500.png`: the
{len(ev['heldout'])} held-out images at t = 250, then at t = 500; `denoising-t900.png` at t = 900.

![denoising at t = 250 and 500](denoising-t250-t500.png)

![denoising at t = 900](denoising-t900.png)

## The bar: against the best classical denoisers

Issue 20 asks of the prior, per timestep the default preset uses (it starts at t ≤ 300): as a
denoiser (x̂0 from x_t) it beats the best classical denoiser, tuned per noise level, on held-out
medical slices. At timestep t, x_t/√ᾱ is x0 plus Gaussian noise of known σ = √((1−ᾱ)/ᾱ) (shown in
[0, 1] intensities, half the [-1, 1] value). scikit-image's non-local means, total variation
(Chambolle), wavelet (BayesShrink, soft) and bilateral filter get x_t/√ᾱ and that σ, each with
parameters searched per t (`scripts/eval/classical_denoisers.py` grid, `scripts/eval/prior_bar.py`);
results clipped to [0, 1] like the model's x̂0. PSNR = 10·log10(4/MSE) in [-1, 1], the same number as
on [0, 1]. Measured with the {ev.get('evaluatedWith', 'PyTorch checkpoint')}.

{bar_section(ev['bar']) if 'bar' in ev else '(not measured yet: run evaluate.py)'}

## Samples from pure noise

Four 256² samples, {ev['sampleSteps']} respaced steps (ADM `space_timesteps`), `fixed_small` variance,
seed 3. A prior this small, trained for an hour on CPU, does not make realistic images from
nothing; the engine uses it for short, input-anchored refinement, where the denoising figures above
are what matters.

![samples from noise](samples-from-noise.png)

## ONNX vs PyTorch

onnxruntime-node {'(CPU)'} against PyTorch on a random 2×3×256×256 input: max abs difference
**{parity['maxAbsDiff']:.2e}** (largest output magnitude {parity['maxAbsReference']:.2f}); ONNX Runtime run of
that batch {parity['runMs']} ms. Checked again by `test/model/embedded-model.test.ts` (hash, names,
dynamic 256×256 and 64×96, ε prediction against a zero predictor).{kept_note(ev)}
{corpus_section("fineTuning" in tr)}"""
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
