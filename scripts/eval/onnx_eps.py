"""A diffusion prior's ONNX file as a Python callable eps(x, t), through onnxruntime-node
(scripts/eval/onnx-eps.mjs): Debian 12 packages no onnxruntime for Python, and the repository ships
the ONNX file, not the PyTorch checkpoint.
"""
import json
import os
import subprocess

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


class OnnxEps:
    """eps = OnnxEps(path)(x [B,3,H,W] float32, t int) -> float32 [B,3,H,W]. Close with .close()."""

    def __init__(self, onnx_path: str, node: str = "node"):
        self.proc = subprocess.Popen([node, os.path.join(HERE, "onnx-eps.mjs"), onnx_path], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.run_ms = []

    def __call__(self, x: np.ndarray, t: int) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype="<f4")
        head = {"shape": list(x.shape), "t": [int(t)] * x.shape[0]}
        self.proc.stdin.write((json.dumps(head) + "\n").encode() + x.tobytes())
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"onnx-eps.mjs ended (exit {self.proc.poll()}); see its stderr above")
        meta = json.loads(line)
        n = int(np.prod(meta["shape"]))
        out = np.frombuffer(self.proc.stdout.read(4 * n), "<f4").reshape(meta["shape"])
        self.run_ms.append(meta["ms"])
        return out.copy()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
