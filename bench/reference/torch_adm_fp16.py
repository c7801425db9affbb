"""PyTorch reference for the GPU engine benchmark: ADM-256 (model/adm/adm_unet.py, random weights drawn
exactly as `model/adm/export.py --random` draws them, so the ONNX files hold the same weights) run the
way guided-diffusion runs it with use_fp16: convolutions of the U-Net body in float16, the timestep
embedding, Linear layers, GroupNorm, the attention softmax and the output head in float32.

  python3 bench/reference/torch_adm_fp16.py --case DIR --ort DIR --out torch.json [--batches 1,4,9,16,32]

- timings: median of --repeats forward passes per batch of 256² patches, CUDA events, after warm-up;
  cudnn.benchmark off (guided-diffusion's setting) and on;
- correctness: against the parity case written by the exporter (float32 PyTorch on the CPU, same
  weights): PyTorch float32 on the GPU (TF32 off; proves the weights match), the float16 reference, and
  every onnxruntime output in --ort (parity-<model id>.bin); relative L2 error and max abs difference.
"""
import argparse
import glob
import json
import os
import statistics
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "model"))
from adm.adm_unet import ADM256_UNCOND, ADMUNet, timestep_embedding  # noqa: E402


class GuidedDiffusionFp16(torch.nn.Module):
    """guided-diffusion's convert_to_fp16 + forward: only Conv1d/Conv2d of input_blocks, middle_block and
    output_blocks become float16; the body runs on h.type(float16); the head runs in float32."""

    def __init__(self, net: ADMUNet):
        super().__init__()
        self.net = net
        for part in (net.input_blocks, net.middle_block, net.output_blocks):
            for m in part.modules():
                if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d)):
                    m.half()

    def forward(self, x, t):
        net = self.net
        emb = net.time_embed(timestep_embedding(t, net.model_channels))
        return net.out(net.body(x.half(), emb).float())


def relative(out: np.ndarray, ref: np.ndarray) -> dict:
    finite = bool(np.isfinite(out).all())
    return {"relL2": float(np.linalg.norm(out - ref) / np.linalg.norm(ref)) if finite else None,
            "maxAbs": float(np.abs(out - ref).max()) if finite else None, "finite": finite}


def time_forward(model, batches, patch, repeats, device):
    out = {}
    with torch.inference_mode():
        for b in batches:
            x = torch.randn(b, 3, patch, patch, device=device)
            t = torch.randint(0, 1000, (b,), device=device)
            for _ in range(3):
                model(x, t)
            torch.cuda.synchronize()
            times = []
            for _ in range(repeats):
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                model(x, t)
                end.record()
                torch.cuda.synchronize()
                times.append(start.elapsed_time(end))
            out[str(b)] = statistics.median(times)
            print(f"  batch {b}: {out[str(b)]:.1f} ms", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", required=True)
    ap.add_argument("--ort", required=True, help="folders (comma-separated) with onnxruntime's parity-<model>.bin")
    ap.add_argument("--out", required=True)
    ap.add_argument("--batches", default="1,4,9,16,32")
    ap.add_argument("--benchmark-batches", default="9,32", help="batches timed again with cudnn.benchmark on")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--head-channels", type=int, default=64)
    ap.add_argument("--device", default="cuda", help="cpu: parity of float32 and onnxruntime only (a check of this script)")
    args = ap.parse_args()
    device = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)  # as export.py --random
    net = ADMUNet(**dict(ADM256_UNCOND, model_channels=args.width, num_head_channels=args.head_channels)).eval()
    shapes = json.load(open(os.path.join(args.case, "case.json")))
    x = torch.from_numpy(np.fromfile(os.path.join(args.case, "x.bin"), "<f4").reshape(shapes["x"]))
    t = torch.from_numpy(np.fromfile(os.path.join(args.case, "t.bin"), "<i8"))
    ref = np.fromfile(os.path.join(args.case, "out.bin"), "<f4").reshape(shapes["out"])
    report = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu",
              "cudnn": torch.backends.cudnn.version(),
              "parity": {}, "fp16Ms": {}, "fp16BenchmarkMs": {}}
    net = net.to(device)
    with torch.inference_mode():
        report["parity"][f"torch-fp32-{args.device}"] = relative(net(x.to(device), t.to(device)).float().cpu().numpy(), ref)
    for path in sorted(p for d in args.ort.split(",") for p in glob.glob(os.path.join(d, "parity-*.bin"))):
        name = "onnxruntime " + os.path.basename(path)[len("parity-"):-len(".bin")]
        report["parity"][name] = relative(np.fromfile(path, "<f4").reshape(ref.shape), ref)
    if args.device == "cuda":
        fp16 = GuidedDiffusionFp16(net).eval()
        with torch.inference_mode():
            report["parity"]["torch-fp16-cuda"] = relative(fp16(x.to(device), t.to(device)).float().cpu().numpy(), ref)
    for k, v in report["parity"].items():
        print(f"parity {k}: {v}", flush=True)
    if args.device != "cuda":
        json.dump(report, open(args.out, "w"), indent=1)
        return
    batches = [int(b) for b in args.batches.split(",")]
    torch.backends.cudnn.benchmark = False
    print("PyTorch fp16 (guided-diffusion use_fp16), cudnn.benchmark off", flush=True)
    report["fp16Ms"] = time_forward(fp16, batches, 256, args.repeats, device)
    torch.backends.cudnn.benchmark = True
    print("PyTorch fp16, cudnn.benchmark on", flush=True)
    report["fp16BenchmarkMs"] = time_forward(fp16, [int(b) for b in args.benchmark_batches.split(",")], 256, args.repeats,
                                             device)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
