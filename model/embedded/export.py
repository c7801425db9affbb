"""Export the trained embedded prior (EMA weights) to ONNX and write its manifest.

  /usr/bin/python3 model/embedded/export.py --checkpoint var/embedded-train/checkpoint.pt
"""
import argparse
import json
import os
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from common.manifest import write_manifest  # noqa: E402
from common.onnx_export import export_onnx, onnx_parity, save_parity_case  # noqa: E402
from embedded.unet import EmbeddedUNet, parameter_count  # noqa: E402


def load_ema(checkpoint: str) -> tuple[EmbeddedUNet, dict]:
    ck = torch.load(checkpoint, map_location="cpu")
    model = EmbeddedUNet(**ck["config"])
    model.load_state_dict(ck["ema"])
    model.eval()
    return model, ck


def fine_tuning_base(init: str | None) -> dict | None:
    """The manifest entry of the weights a fine-tuning run started from (the manifest beside them, read
    before an export over them replaces it)."""
    if not init:
        return None
    import hashlib
    import yaml
    sha = hashlib.sha256(open(init, "rb").read()).hexdigest()
    entry = {"file": os.path.relpath(init, HERE), "sha256": sha}
    manifest_path = os.path.join(os.path.dirname(init), "manifest.yaml")
    if os.path.exists(manifest_path):
        m = yaml.safe_load(open(manifest_path))
        if m.get("sha256") == sha:  # the shipped prior: keep its own recipe beside the fine-tuning's
            entry.update(version=m.get("version"), training=m.get("training"))
    return entry


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--version", default="1.0.0")
    args = ap.parse_args()
    model, ck = load_ema(args.checkpoint)
    onnx_path = os.path.join(args.out, "embedded.onnx")
    base = fine_tuning_base(ck["args"].get("init"))
    export_onnx(model, onnx_path)
    with tempfile.TemporaryDirectory() as tmp:
        parity = onnx_parity(onnx_path, save_parity_case(model, tmp, 2, 256, 256, seed=7))
    print("parity", json.dumps(parity))
    losses = ck["losses"]
    tr = ck["args"]
    phases = [dict(crop=int(a), batch=int(b), steps=int(c)) for a, b, c in ck["phases"]]
    training = {
        "script": "model/embedded/train.py",
        "recipe": "v-prediction MSE (v = sqrt(abar) eps - sqrt(1-abar) x0; the graph converts v to epsilon "
                  "with abar[t], so the output is epsilon), uniform t over the T=1000 linear schedule, AdamW, "
                  "learning rate by crop phase (200-step warm-up, peak in the first, peak/2 in the second, cosine "
                  "from 0.95 peak to 0.05 peak in the last), gradient clip 1.0, EMA weights exported",
        "architecture": dict(ck["config"], kind="ADM-style U-Net (GroupNorm, SiLU, scale-shift timestep "
                                                  "conditioning, self-attention at the lowest level)"),
        "parameters": parameter_count(model),
        "seed": tr["seed"],
        "steps": ck["step"],
        "phases": phases,
        "learningRate": tr["lr"],
        "ema": tr["ema"],
        "threads": tr["threads"],
        "wallMinutes": round(ck["elapsed"] / 60, 1),
        "budgetMinutes": tr.get("budget_minutes"),
        "hardware": "2 shared CPU cores, Debian PyTorch 1.13 (CPU)",
        "finalLoss": round(losses[-1][2], 4) if losses else None,
        "data": "windowed CT/MR/XA/NM slices from pydicom, DCMTK, GDCM and dicom3tools test files; natural "
                "images from skimage.data; synthetic CT-like phantoms; flips, 90-degree rotations, gamma and "
                "scale, random resized crops, zoom-out onto black (see model/embedded/data.py)",
        "onnxParityMaxAbsDiff": float(f"{parity['maxAbsDiff']:.3g}"),
    }
    if base is not None:  # a fine-tuning run: what it started from and how it drew its timesteps
        low_t = tr.get("low_t")
        training["fineTuning"] = {
            "timestepDraw": (f"{float(low_t.split(':')[1]):.0%} of the timesteps uniform below {low_t.split(':')[0]}, "
                             "the rest uniform over all T") if low_t else "uniform over all T",
            "lowT": low_t,
            "corpus": "training-manifest.tsv (corpus.py)",
            "base": base,
        }
    write_manifest(os.path.join(args.out, "manifest.yaml"), id="embedded", version=args.version,
                   file="embedded.onnx", file_path=onnx_path, licence="MIT",
                   source="trained by this project (model/embedded/train.py)", output="epsilon",
                   training=training)
    print("wrote", onnx_path, os.path.getsize(onnx_path), "bytes")


if __name__ == "__main__":
    main()
