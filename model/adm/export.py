"""Export OpenAI's ADM-256 unconditional checkpoint to ONNX (float32 and float16) with manifests.

Site command (see model/adm/README.md):
  /usr/bin/python3 model/adm/export.py --checkpoint /path/to/256x256_diffusion_uncond.pt

Writes model/adm256-fp16/{adm256-fp16.onnx, manifest.yaml} and
model/adm256-fp32/{adm256-fp32.onnx, adm256-fp32.onnx.data, manifest.yaml}, checks both against
PyTorch through onnxruntime-node on random inputs and prints a JSON report (also written as
export-report.json in each folder). `--random --width N` exports a reduced random-weight instance
instead (CI proves the exporter with it, without the 2 GB download); `--width N --checkpoint f.pt`
loads a reduced-width checkpoint with the same strict key matching.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from adm.adm_unet import ADM256_UNCOND, ADMUNet  # noqa: E402
from common.manifest import sha256_of, write_manifest  # noqa: E402
from common.onnx_export import export_onnx, onnx_parity, save_parity_case  # noqa: E402
from common.onnx_external import consolidate  # noqa: E402
from common.onnx_fp16 import convert_to_fp16  # noqa: E402

CHECKPOINT_URL = "https://openaipublic.blob.core.windows.net/diffusion/jul-2021/256x256_diffusion_uncond.pt"
LICENCE = ("guided-diffusion code: MIT (c) 2021 OpenAI; checkpoint trained by OpenAI on ILSVRC-2012 (ImageNet), "
           "published in the guided-diffusion README without a separate licence statement")
SOURCE = f"OpenAI guided-diffusion 256x256_diffusion_uncond.pt ({CHECKPOINT_URL}), exported by model/adm/export.py"


def fp16_region(name: str, op: str):
    """guided-diffusion's use_fp16: convolutions and activations of the U-Net body in float16;
    timestep embedding, Linear layers (emb_layers), GroupNorm and softmax in float32."""
    if op == "Softmax":
        return False
    if name.startswith("/time_embed") or any(s in name for s in ("/in_layers.0/", "/out_layers.0/", "/norm/",
                                                                  "/out.0/", "/emb_layers/")):
        return False
    if name.startswith(("/input_blocks", "/middle_block", "/output_blocks", "/out/")):
        return True
    return None


def fp16_region_fp32_io(name: str, op: str):
    """As fp16_region, but the output head (GroupNorm, SiLU, conv) stays float32, exactly as
    guided-diffusion runs it: float32 in and out, so the engine feeds and reads float32 with no
    conversion on the host; the casts run on the device."""
    if name.startswith("/out/"):
        return False
    return fp16_region(name, op)


def load_checkpoint(model: ADMUNet, path: str) -> None:
    state = torch.load(path, map_location="cpu")
    missing, unexpected = [], []
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong = [f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
             for k in own if k in state and state[k].shape != own[k].shape]
    if missing or unexpected or wrong:
        raise SystemExit(f"{path} does not match the ADM-256 unconditional architecture: "
                         f"{len(missing)} missing {missing[:5]}, {len(unexpected)} unexpected {unexpected[:5]}, "
                         f"{len(wrong)} wrong shapes {wrong[:5]}")
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", help="256x256_diffusion_uncond.pt")
    ap.add_argument("--out", default=os.path.join(HERE, ".."), help="folder that receives the model folders")
    ap.add_argument("--random", action="store_true", help="random weights instead of a checkpoint (tests)")
    ap.add_argument("--width", type=int, default=256, help="num_channels (256 for the real checkpoint)")
    ap.add_argument("--head-channels", type=int, default=64, help="num_head_channels (64 for the real checkpoint)")
    ap.add_argument("--parity-size", type=int, default=256, help="H = W of the parity input")
    ap.add_argument("--case-out", help="also keep the PyTorch parity case (x.bin, t.bin, out.bin, case.json) here")
    ap.add_argument("--skip-fp32", action="store_true")
    ap.add_argument("--skip-fp16", action="store_true")
    ap.add_argument("--fp32-io", action="store_true",
                    help="also write <prefix>-fp16-io32: float16 body with float32 input and output")
    ap.add_argument("--skip-parity", action="store_true", help="no onnxruntime-node check of the written files")
    ap.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    full = args.width == 256 and args.head_channels == 64
    cfg = dict(ADM256_UNCOND, model_channels=args.width, num_head_channels=args.head_channels)
    prefix = "adm256" if full else f"adm-w{args.width}"
    if args.random:
        torch.manual_seed(0)
        model, version = ADMUNet(**cfg), "0.0.0-random"
    elif args.checkpoint:
        model, version = ADMUNet(**cfg), "1.0.0"
        load_checkpoint(model, args.checkpoint)
    else:
        raise SystemExit("give --checkpoint 256x256_diffusion_uncond.pt (download: " + CHECKPOINT_URL + ")")
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    report = {"parameters": params, "config": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()}}
    source = SOURCE if full and not args.random else (
        "random weights (exporter test)" if args.random else f"reduced-width checkpoint {args.checkpoint}")
    if args.checkpoint and not args.random:
        report["checkpointSha256"] = sha256_of(args.checkpoint)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.time()
        case = save_parity_case(model, args.case_out or os.path.join(tmp, "case"), 1, args.parity_size,
                                args.parity_size, seed=11)
        report["pytorchSeconds"] = round(time.time() - started, 1)
        raw = os.path.join(tmp, "export", "model.onnx")
        os.makedirs(os.path.dirname(raw))
        export_onnx(model, raw)
        variants = [("float32", f"{prefix}-fp32", not args.skip_fp32), ("float16", f"{prefix}-fp16", not args.skip_fp16),
                    ("fp16-io32", f"{prefix}-fp16-io32", args.fp32_io)]
        for dtype, ident, wanted in variants:
            if not wanted:
                continue
            folder = os.path.join(args.out, ident)
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, ident + ".onnx")
            if dtype == "float32":
                data = consolidate(raw, path)
                info = {"dataFile": os.path.basename(data), "dataSha256": sha256_of(data)}
            elif dtype == "float16":
                info = convert_to_fp16(raw, path, fp16_region)
            else:
                info = convert_to_fp16(raw, path, fp16_region_fp32_io, io_fp16=False)
            io_dtype = "float16" if dtype == "float16" else "float32"
            if not args.skip_parity:
                parity = onnx_parity(path, case, io_dtype)
                info.update(maxAbsDiff=parity["maxAbsDiff"], maxAbsReference=parity["maxAbsReference"],
                            finite=parity["finite"], onnxRuntimeMs=parity["runMs"], outputDims=parity["outputDims"])
            report[ident] = info
            src = source + (f"; weights in {info['dataFile']} sha256 {info['dataSha256']}" if dtype == "float32" else "")
            write_manifest(os.path.join(folder, "manifest.yaml"), id=ident, version=version, file=ident + ".onnx",
                           file_path=path, licence=LICENCE, source=src, output="epsilon+variance", dtype=io_dtype)
            with open(os.path.join(folder, "export-report.json"), "w") as f:
                json.dump(report, f, indent=1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
