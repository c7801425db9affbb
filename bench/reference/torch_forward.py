"""PyTorch reference for the engine benchmark: the embedded prior's own U-Net (model/embedded/unet.py,
architecture from its manifest, random weights: timing only) in eager PyTorch on the CPU, the same
batch shapes and thread count as the onnxruntime side, measured in the same benchmark run.

  /usr/bin/python3 bench/reference/torch_forward.py --threads 2 --patch 256 --batches 1,2,4 --repeats 3

Prints one JSON object: {"torch": version, "threads": n, "ms": {"<batch>": median ms per call}}.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "..", "..", "model")
sys.path.insert(0, MODEL_DIR)
from embedded.unet import EmbeddedUNet  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--patch", type=int, default=256)
    ap.add_argument("--batches", default="1,2,4,8")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(os.path.join(MODEL_DIR, "embedded", "manifest.yaml")) as f:
        arch = dict(yaml.safe_load(f)["training"]["architecture"])
    arch.pop("kind", None)
    model = EmbeddedUNet(**arch).eval()
    out = {}
    with torch.inference_mode():
        for b in [int(x) for x in args.batches.split(",")]:
            x = torch.randn(b, 3, args.patch, args.patch)
            t = torch.full((b,), 300, dtype=torch.long)
            model(x, t)  # warm-up
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                model(x, t)
                times.append((time.perf_counter() - t0) * 1000)
            out[str(b)] = statistics.median(times)
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "ms": out}))


if __name__ == "__main__":
    main()
