#!/usr/bin/env bash
# Puts onnxruntime's CUDA execution provider libraries beside onnxruntime-node's binding, from npm
# packages only (no download from anywhere else): onnxruntime-node 1.29.0 with the provider
# libraries of com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (built for CUDA 13 / cuDNN 9).
#
#   bash scripts/gpu/assemble-cuda-provider.sh [path/to/package.tgz]
#
# CUDA 13 and cuDNN 9 must be on LD_LIBRARY_PATH when the node starts. A model configured with
# `device: cuda` that cannot get the GPU runs on the CPU and says why (log, /api/status models).
set -euo pipefail
cd "$(dirname "$0")/../.."
PACKAGE="com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9"
BINDING_DIR="${BINDING_DIR:-node_modules/onnxruntime-node/bin/napi-v6/linux/x64}"
[ -f "$BINDING_DIR/onnxruntime_binding.node" ] || { echo "assemble-cuda-provider: $BINDING_DIR has no onnxruntime binding (run npm ci first)" >&2; exit 1; }
ORT_VERSION=$(node -p "require('./node_modules/onnxruntime-node/package.json').version")
[ "$ORT_VERSION" = "1.29.0" ] || echo "assemble-cuda-provider: warning: onnxruntime-node is $ORT_VERSION; the provider libraries are known to work with 1.29.0" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -ge 1 ]; then
  tgz=$(realpath "$1")
else
  (cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
  tgz=$(ls "$work"/*.tgz)
fi
tar -xzf "$tgz" -C "$work" package/Plugins/Linux/x64
for lib in libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so; do
  src="$work/package/Plugins/Linux/x64/$lib"
  [ -f "$src" ] || { echo "assemble-cuda-provider: $lib missing from $tgz" >&2; exit 1; }
  install -m 0755 "$src" "$BINDING_DIR/$lib"
  echo "installed $BINDING_DIR/$lib ($(stat -c %s "$src") bytes)"
done
echo "CUDA provider ready. Start the node with CUDA 13 and cuDNN 9 on LD_LIBRARY_PATH and 'device: cuda' under models: in node.yaml."
