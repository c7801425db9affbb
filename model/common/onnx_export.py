"""ONNX export with the contract's names and dynamic axes, and the PyTorch side of parity checks."""
import inspect
import json
import os
import subprocess
from typing import Sequence

import numpy as np
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def export_onnx(model: torch.nn.Module, path: str, sample_hw: Sequence[int] = (64, 64)) -> None:
    """Export `model(x, t)` as ONNX opset 17: x float32 [B,3,H,W], t int64 [B] -> out [B,C,H,W]."""
    model.eval()
    x = torch.randn(1, 3, *sample_hw)
    t = torch.tensor([500], dtype=torch.int64)
    # PyTorch >= 2.9 defaults to the dynamo exporter, whose node names the float16 region rules do not know.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    torch.onnx.export(model, (x, t), path, opset_version=17, input_names=["x", "t"], output_names=["out"],
                      dynamic_axes={"x": {0: "batch", 2: "height", 3: "width"}, "t": {0: "batch"},
                                    "out": {0: "batch", 2: "height", 3: "width"}},
                      do_constant_folding=True, **legacy)


def save_parity_case(model: torch.nn.Module, folder: str, batch: int, height: int, width: int, seed: int) -> str:
    """Runs PyTorch on seeded inputs and writes x.bin, t.bin, out.bin (raw little-endian) + case.json."""
    os.makedirs(folder, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 3, height, width, generator=g)
    t = torch.randint(0, 1000, (batch,), generator=g, dtype=torch.int64)
    with torch.no_grad():
        out = model(x, t).float()
    x.numpy().astype("<f4").tofile(os.path.join(folder, "x.bin"))
    t.numpy().astype("<i8").tofile(os.path.join(folder, "t.bin"))
    out.numpy().astype("<f4").tofile(os.path.join(folder, "out.bin"))
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump({"x": list(x.shape), "out": list(out.shape)}, f)
    return folder


def onnx_parity(onnx_path: str, case_folder: str, input_dtype: str = "float32") -> dict:
    """Runs the case through onnxruntime-node (model/common/onnx-parity.mjs); returns its JSON report."""
    script = os.path.join(REPO, "model", "common", "onnx-parity.mjs")
    res = subprocess.run(["node", script, onnx_path, case_folder, input_dtype], capture_output=True, text=True,
                         cwd=REPO)
    if res.returncode != 0:
        raise RuntimeError(f"onnx-parity.mjs failed: {res.stderr.strip()}")
    return json.loads(res.stdout)
