"""Build the tiny ONNX noise-prediction networks the engine's golden and bad-input tests use.

Run with the system interpreter: /usr/bin/python3 test/reference/make_tiny_nets.py
Writes tiny-eps.onnx (3-channel ε), tiny-epsvar.onnx (6-channel ε + v), tiny-nan.onnx (NaN out),
their manifests under tiny-*/manifest.yaml, and tiny-weights.json (the weights, for the numpy
reference, which must not depend on onnxruntime or torch).
"""
import hashlib
import json
import math
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
HIDDEN = 8


def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class TinyEps(nn.Module):
    """conv3x3 → + linear(timestep embedding) → SiLU → conv3x3; fully convolutional."""

    def __init__(self, out_channels):
        super().__init__()
        self.conv1 = nn.Conv2d(3, HIDDEN, 3, padding=1)
        self.temb = nn.Linear(HIDDEN, HIDDEN)
        self.conv2 = nn.Conv2d(HIDDEN, out_channels, 3, padding=1)

    def forward(self, x, t):
        h = self.conv1(x) + self.temb(timestep_embedding(t, HIDDEN))[:, :, None, None]
        return self.conv2(torch.nn.functional.silu(h))


class NanNet(nn.Module):
    def forward(self, x, t):
        return x * float("nan") + t.float()[:, None, None, None]


def export(model, name):
    model.eval()
    path = os.path.join(HERE, f"{name}.onnx")
    x = torch.zeros(1, 3, 32, 32)
    t = torch.zeros(1, dtype=torch.int64)
    torch.onnx.export(
        model, (x, t), path, opset_version=17, input_names=["x", "t"], output_names=["out"],
        dynamic_axes={"x": {0: "batch", 2: "height", 3: "width"}, "t": {0: "batch"}, "out": {0: "batch", 2: "height", 3: "width"}},
    )
    return path


def manifest(name, path, output, patch=256):
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    text = f"""id: {name}
version: 0.0.1
file: ../{name}.onnx
sha256: {digest}
licence: MIT
source: test/reference/make_tiny_nets.py (random weights, seed 0; for tests only)
inputRange: [-1, 1]
channels: 3
patchSize: {patch}
schedule: {{ kind: linear, timesteps: 1000, betaStart: 0.0001, betaEnd: 0.02 }}
output: {output}
dtype: float32
timestepDtype: int64
inputNames: {{ x: x, t: t }}
outputName: out
dynamicAxes: [batch, height, width]
training: {{ note: untrained test network }}
"""
    open(os.path.join(folder, "manifest.yaml"), "w").write(text)


def main():
    torch.manual_seed(0)
    weights = {}
    for name, ch in (("tiny-eps", 3), ("tiny-epsvar", 6)):
        net = TinyEps(ch)
        with torch.no_grad():
            for p in net.parameters():
                p.mul_(0.5)
        weights[name] = {k: v.detach().double().tolist() for k, v in net.state_dict().items()}
        path = export(net, name)
        manifest(name, path, "epsilon" if ch == 3 else "epsilon+variance")
    path = export(NanNet(), "tiny-nan")
    manifest("tiny-nan", path, "epsilon")
    with open(os.path.join(HERE, "tiny-weights.json"), "w") as f:
        json.dump({"hidden": HIDDEN, "nets": weights}, f)
    # The numpy forward of the reference must agree with torch.
    import numpy as np
    import sys
    sys.path.insert(0, HERE)
    from unimie_reference import TinyNet
    for name, ch in (("tiny-eps", 3), ("tiny-epsvar", 6)):
        net = TinyEps(ch)
        net.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in weights[name].items()})
        x = torch.randn(2, 3, 40, 24)
        t = torch.tensor([0, 777])
        ref = TinyNet(weights[name], HIDDEN)(x.double().numpy(), t.numpy())
        diff = np.abs(net(x, t).detach().double().numpy() - ref).max()
        print(f"{name}: torch vs numpy max |diff| = {diff:.2e}")
        assert diff < 1e-5


if __name__ == "__main__":
    main()
