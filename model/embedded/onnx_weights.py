"""Load an exported embedded.onnx back into EmbeddedUNet, so training can start from the shipped weights.

The exporter keeps most parameter names (`down.0.0.in_conv.weight`), but folds each GroupNorm's affine
into anonymous `onnx::Mul_N` / `onnx::Add_N` tensors of shape [C, 1, 1]. Their correspondence is found
by exporting the same architecture with every parameter set to its own constant (k + 1 for the k-th)
and reading which constant each initializer holds; the numbering depends only on the architecture and
the PyTorch version, both of which the marker export shares with the file being read. The exporter
also merges tensors with equal values, so only a trained network (no two tensors alike) loads back.
"""
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from common.onnx_export import export_onnx  # noqa: E402
from embedded.unet import EmbeddedUNet  # noqa: E402


def _initializers(path: str) -> dict[str, np.ndarray]:
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}


def initializer_to_parameter(model: EmbeddedUNet) -> dict[str, str]:
    """ONNX initializer name -> state-dict key, from a marker export of `model`'s architecture."""
    marker = EmbeddedUNet(**model.config)
    keys = list(marker.state_dict())
    with torch.no_grad():
        for k, p in enumerate(marker.state_dict().values()):
            if p.is_floating_point():
                p.fill_(float(k + 1))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "marker.onnx")
        export_onnx(marker, path)
        inits = _initializers(path)
    mapping = {}
    for name, arr in inits.items():
        if name in keys:
            mapping[name] = name
            continue
        values = np.unique(arr)
        if len(values) == 1 and float(values[0]).is_integer() and 1 <= values[0] <= len(keys):
            mapping[name] = keys[int(values[0]) - 1]
    return mapping


def load_onnx_weights(model: EmbeddedUNet, onnx_path: str) -> None:
    """Copies every parameter of `model` from the exported file; fails if one is missing or misshapen."""
    mapping = initializer_to_parameter(model)
    inits = _initializers(onnx_path)
    state = model.state_dict()
    filled = set()
    for name, key in mapping.items():
        if key not in state or not state[key].is_floating_point():
            continue
        if name not in inits:  # the exporter merges equal tensors: an untrained network's zeros and ones
            raise ValueError(f"{onnx_path} has no tensor {name} ({key}): equal tensors were merged on export")
        arr = torch.from_numpy(inits[name].copy())
        if arr.numel() != state[key].numel():
            raise ValueError(f"{name} has {arr.numel()} values, {key} needs {state[key].numel()}")
        state[key] = arr.reshape(state[key].shape).to(state[key].dtype)
        filled.add(key)
    missing = [k for k, v in state.items() if v.is_floating_point() and k not in filled]
    if missing:
        raise ValueError(f"{onnx_path} does not hold {len(missing)} parameters, e.g. {missing[:3]}")
    model.load_state_dict(state)
