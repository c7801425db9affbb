#!/usr/bin/env bash
# Packs what the GPU benchmark needs into .gpu/ (ignored by git) for a device machine that has CUDA 13,
# cuDNN 9 and PyTorch but no Node, no node_modules and no network, under a 64 MiB transfer limit:
#   node (xz), onnxruntime-node 1.29.0's JS + linux-x64 binding, libonnxruntime (xz), the CUDA provider
#   of com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 pruned to sm_90 (bench/gpu/prune-fatbin.py, xz),
#   and bench/gpu/cuda-engine.ts bundled with esbuild.
#   bash bench/gpu/pack-runtime.sh [path/to/provider-package.tgz]
# Then on the device machine: bash bench/gpu/device-run.sh (see bench/gpu/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.gpu
BIN=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
[ -f "$BIN/onnxruntime_binding.node" ] || { echo "pack-runtime: run npm ci first" >&2; exit 1; }
rm -rf "$OUT"
M="$OUT/ort/node_modules"
mkdir -p "$M/onnxruntime-node/bin/napi-v6/linux/x64"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp -r node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist "$M/onnxruntime-node/"
cp "$BIN/onnxruntime_binding.node" "$M/onnxruntime-node/bin/napi-v6/linux/x64/"
cp -r node_modules/onnxruntime-common "$M/"
npx --no-install esbuild bench/gpu/cuda-engine.ts --bundle --platform=node --format=esm --target=node20 \
  --external:onnxruntime-node --log-level=warning --outfile="$OUT/ort/cuda-engine.mjs" \
  --banner:js="import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"

if [ $# -ge 1 ]; then tgz=$(realpath "$1"); else (cd "$work" && npm pack --silent com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 >/dev/null); tgz=$(ls "$work"/*.tgz); fi
tar -xzf "$tgz" -C "$work" package/Plugins/Linux/x64
cp "$work/package/Plugins/Linux/x64/libonnxruntime_providers_shared.so" "$OUT/"
/usr/bin/python3 bench/gpu/prune-fatbin.py "$work/package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so" "$work/cuda.so" --arch 90 --drop-llm-kernels

xz -9 -T0 -c "$(command -v node)" > "$OUT/node.xz" &
xz -9 -T0 -c "$BIN/libonnxruntime.so.1" > "$OUT/libonnxruntime.so.1.xz" &
xz -9 -T0 -c "$work/cuda.so" > "$OUT/libonnxruntime_providers_cuda.so.xz" &
wait
du -sh "$OUT"
