#!/usr/bin/env bash
# Runs on the GPU device machine, in the repository root, after bench/gpu/pack-runtime.sh filled .gpu/:
# unpacks node and onnxruntime's CUDA provider, exports ADM-256 with random weights (the real
# checkpoint's shapes) by the site exporter, builds the fused variant, times them in onnxruntime-node
# (CUDA) and in PyTorch fp16 in the same run, checks float16 correctness, and leaves the results in
# $OUT (turned into the report by `npx tsx bench/gpu/report.ts <that folder>` back here).
# The engine slices run twice, the sampler step as a graph on the GPU and as JavaScript (rows
# "…, step graph" and "…, JavaScript step"); ENGINE_ARGS="--step-paths graph" times only the graph.
set -uo pipefail
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/device-run.log") 2>&1
RT=/tmp/gpu-rt
mkdir -p "$RT"
B=.gpu/ort/node_modules/onnxruntime-node/bin/napi-v6/linux/x64
xz -dc .gpu/node.xz > "$RT/node" && chmod +x "$RT/node"
xz -dc .gpu/libonnxruntime.so.1.xz > "$B/libonnxruntime.so.1"
xz -dc .gpu/libonnxruntime_providers_cuda.so.xz > "$B/libonnxruntime_providers_cuda.so"
cp .gpu/libonnxruntime_providers_shared.so "$B/"
export PATH="$RT:$PATH" CUDA_MODULE_LOADING=LAZY
SITE=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
export LD_LIBRARY_PATH="$(find "$SITE/nvidia" -name 'lib*.so*' -printf '%h\n' | sort -u | paste -sd:):/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
ldd "$B/libonnxruntime_providers_cuda.so" | grep -E "not found|cublas|cudart|curand"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv | tee "$OUT/gpu.csv"
nproc; node --version; python3 -c 'import torch, onnxruntime; print("torch", torch.__version__, "cuda", torch.version.cuda, "onnxruntime (python)", onnxruntime.__version__)'
# Optional, a second or two, nothing downloaded (ORT_PROBE=0 skips it): the onnxruntime builds this machine
# already has and the onnxruntime version their CUDA provider libraries were built for. onnxruntime-node
# 1.30/1.31 needs a provider of its own version, and npm has none (bench/results/2026-12-06-onnxruntime-versions-cpu.md).
if [ "${ORT_PROBE:-1}" != 0 ]; then
  python3 - <<'PY' 2>&1 | tee "$OUT/ort-providers.txt"
import glob, importlib.metadata as md, os, re, subprocess, sys
print("onnxruntime distributions:", sorted(f"{d.metadata['Name']} {d.version}" for d in md.distributions() if (d.metadata["Name"] or "").lower().startswith("onnxruntime")))
site = [p for p in sys.path if p.endswith("-packages")]
for lib in sorted({l for s in site for l in glob.glob(os.path.join(s, "**", "libonnxruntime_providers_cuda.so*"), recursive=True)}):
    with open(lib, "rb") as f:
        built = sorted({m.decode() for m in re.findall(rb"\x00(1\.[23][0-9]\.[0-9]+)\x00", f.read())})
    cuda = sorted(set(re.findall(r"(lib(?:cudart|cublas|cudnn)\.so\.\d+)", subprocess.run(["ldd", lib], capture_output=True, text=True).stdout)))
    print(f"{lib}: built for onnxruntime {built}, links {cuda}")
PY
fi
M=/tmp/gpu-models
s=$(date +%s)
python3 model/adm/export.py --random --fp32-io --skip-parity --out "$M" --case-out /tmp/gpu-case --threads "$(nproc)" > "$OUT/export.json"
echo "export: rc $? in $(( $(date +%s) - s )) s"
# The fused variant is built on the CPU while the engine runs on the GPU.
python3 bench/gpu/ort_unet_fusion.py --src "$M/adm256-fp32/adm256-fp32.onnx" --out "$M/adm256-fused-fp16-io32" > "$OUT/fusion.json" 2> /tmp/fusion.log &
fusion=$!
s=$(date +%s)
node .gpu/ort/cuda-engine.mjs --models "$M/adm256-fp16-io32" --engine-model "$M/adm256-fp16-io32" --case /tmp/gpu-case --out /tmp/ort-a ${ENGINE_ARGS:-}
echo "onnxruntime, engine: rc $? in $(( $(date +%s) - s )) s"
wait $fusion; echo "fusion: rc $?"; tail -5 /tmp/fusion.log
s=$(date +%s)
node .gpu/ort/cuda-engine.mjs --models "$M/adm256-fused-fp16-io32,$M/adm256-fp16" --case /tmp/gpu-case --out /tmp/ort-b --other-batches 9,32
echo "onnxruntime, variants: rc $? in $(( $(date +%s) - s )) s"
cp /tmp/ort-a/engine-gpu.json "$OUT/engine-gpu.json"; cp /tmp/ort-b/engine-gpu.json "$OUT/engine-variants.json"
s=$(date +%s)
python3 bench/reference/torch_adm_fp16.py --case /tmp/gpu-case --ort /tmp/ort-a,/tmp/ort-b --out "$OUT/torch.json" ${TORCH_ARGS:-}
echo "pytorch: rc $? in $(( $(date +%s) - s )) s"
