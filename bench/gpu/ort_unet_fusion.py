"""An ADM-256 variant fused for onnxruntime's CUDA provider, the way onnxruntime's Stable Diffusion
pipeline prepares its U-Net: GroupNorm (+ SiLU) subgraphs fused into com.microsoft.GroupNorm in
channels-last layout and convolutions turned into com.microsoft.NhwcConv, adjacent transposes merged;
then the project's float16 conversion (model/common/onnx_fp16.py: float32 input and output, timestep
embedding in float32).

  python3 bench/gpu/ort_unet_fusion.py --src model/adm256-fp32/adm256-fp32.onnx --out model/adm256-fused-fp16-io32

Needs the `onnx` and `onnxruntime` Python packages (onnxruntime.transformers), which the GPU machine
has; the fused operators run only on the CUDA provider. A benchmark variant: whether it is faster
is measured by bench/gpu/device-run.sh, not assumed.
"""
import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "model"))
from adm.export import LICENCE, fp16_region  # noqa: E402
from common.manifest import write_manifest  # noqa: E402
from common.onnx_fp16 import convert_to_fp16  # noqa: E402


FUSED_PREFIXES = ("GroupNorm", "NhwcConv", "Transpose_NCHW_to_NHWC", "Transpose_NHWC_to_NCHW")


def fused_region(name: str, op: str):
    """The fused nodes lost their module-scope names: they run in float16 (as onnxruntime's Stable
    Diffusion U-Net does, GroupNorm statistics accumulate in float32 inside the kernel); the rest
    follows export.py's rule, and the float16 output gets a Cast back to float32."""
    if op in ("GroupNorm", "NhwcConv") or name.startswith(FUSED_PREFIXES):
        return True
    return fp16_region(name, op)


def fuse(src: str, dst: str) -> dict:
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    opts = FusionOptions("unet")
    wanted = {"enable_group_norm": True, "group_norm_channels_last": True, "enable_nhwc_conv": True,
              "enable_skip_group_norm": False, "enable_attention": False, "enable_bias_add": False,
              "enable_bias_splitgelu": False, "enable_packed_qkv": False, "enable_packed_kv": False}
    for key, value in wanted.items():
        if hasattr(opts, key):
            setattr(opts, key, value)
    model = optimizer.optimize_model(src, model_type="unet", num_heads=0, hidden_size=0, opt_level=0,
                                     optimization_options=opts, use_gpu=True)
    counts = {}
    for node in model.model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    model.save_model_to_file(dst, use_external_data_format=True)
    return {op: counts.get(op, 0) for op in ("GroupNorm", "NhwcConv", "Conv", "Transpose", "InstanceNormalization")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True, help="float32 ADM export (model/adm/export.py)")
    ap.add_argument("--out", required=True, help="folder for the fused float16 model and its manifest")
    ap.add_argument("--id", default="adm256-fused-fp16-io32")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        fused = os.path.join(tmp, "fused.onnx")
        report = {"fusedOps": fuse(args.src, fused), "fuseSeconds": round(time.time() - started, 1)}
        path = os.path.join(args.out, args.id + ".onnx")
        report.update(convert_to_fp16(fused, path, fused_region, io_fp16=False))
    write_manifest(os.path.join(args.out, "manifest.yaml"), id=args.id, version="0.0.0-random", file=args.id + ".onnx",
                   file_path=path, licence=LICENCE, source=f"{args.src} fused by bench/gpu/ort_unet_fusion.py",
                   output="epsilon+variance", dtype="float32")
    report["seconds"] = round(time.time() - started, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
