#!/usr/bin/env bash
# Runs on the GPU device machine, in the repository root, after bench/gpu/pack-runtime.sh filled .gpu/:
# unpacks node and onnxruntime's CUDA provider, exports ADM-256 with random weights (the real
# checkpoint's shapes) by the site exporter, times it in onnxruntime-node (CUDA) and in PyTorch fp16,
# checks float16 correctness, and leaves everything in $OUT (turned into the report by
# `npx tsx bench/gpu/report.ts <that folder>` back here).
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
nproc; node --version; python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
MODELS=/tmp/gpu-models
s=$(date +%s)
python3 model/adm/export.py --random --skip-fp32 --fp32-io --skip-parity --out "$MODELS" --case-out /tmp/gpu-case \
  --threads "$(nproc)" > "$OUT/export.json"
echo "export: rc $? in $(( $(date +%s) - s )) s"
s=$(date +%s)
node .gpu/ort/cuda-engine.mjs --models "$MODELS/adm256-fp16-io32,$MODELS/adm256-fp16" --engine-model "$MODELS/adm256-fp16-io32" \
  --case /tmp/gpu-case --out "$OUT" ${ENGINE_ARGS:-}
echo "onnxruntime: rc $? in $(( $(date +%s) - s )) s"
s=$(date +%s)
python3 bench/reference/torch_adm_fp16.py --case /tmp/gpu-case --ort "$OUT" --out "$OUT/torch.json" ${TORCH_ARGS:-}
echo "pytorch: rc $? in $(( $(date +%s) - s )) s"
