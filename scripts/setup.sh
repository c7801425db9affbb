#!/usr/bin/env bash
# What the node needs on a fresh Debian 12 machine to run from this checkout (`npm run demo`,
# `npm start`, `npm run dev`): the toolchain that compiles its native addons at `npm ci`, then the
# npm dependencies, built for the Node first on PATH. The test peers (DCMTK, Orthanc, dicom3tools,
# Python with torch, chromium, Redis, …) are scripts/setup-test-peers.sh.
#
# At run time the node starts no other program: DICOM networking (dcmjs-dimse, or DCMTK compiled
# into the dicom-dimse-native addon), the image codecs, ONNX Runtime and sharp come with npm
# packages. Building them needs g++, make and python3 (node-gyp: better-sqlite3) and cmake with
# zlib's headers (dicom-dimse-native compiles DCMTK, which links zlib for the deflated transfer
# syntax); ninja-build lets CMake compile DCMTK on every core.
#
# Node: package.json's engines (22 and 24 LTS). This script uses the node first on PATH and does not
# switch it (it cannot change the PATH of the shell that runs `npm test` next); where the machine's
# node is older, `source scripts/use-node.sh` first puts Node 24 from the npm registry on PATH.
# When node_modules was compiled for another Node ABI, the affected addons are rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian-packages.sh

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup: no node and npm on PATH: install Node 22 or 24 LTS with npm" >&2
  exit 1
fi
# Node 20 is past its end of life and outside engines: its dependencies dcmjs and cookie declare
# Node 22. It still runs; anything older does not (vitest, commander and npm 11 need 20).
node_check="$(node -e '
  const range = require("./package.json").engines.node;
  const v = process.versions.node.split(".").map(Number);
  const ok = range.split("||").some((r) => {
    const m = /^\s*\^(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(r);
    if (!m) return false;
    const w = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
    return v[0] === w[0] && (v[1] > w[1] || (v[1] === w[1] && v[2] >= w[2]));
  });
  process.stdout.write(ok ? "ok" : v[0] < 20 ? `too old ${range}` : `outside ${range}`);
')"
case "$node_check" in
  ok) ;;
  "too old "*)
    echo "setup: Node $(node -v) cannot run this project (engines: ${node_check#too old }); \`source scripts/use-node.sh\` puts Node 24 first on PATH" >&2
    exit 1 ;;
  *)
    echo "setup: warning: Node $(node -v) is outside engines (${node_check#outside }); CI runs Node 24: \`source scripts/use-node.sh\` puts it first on PATH" >&2 ;;
esac

ensure_debian_packages "building the native addons" g++ make python3 cmake ninja-build zlib1g-dev

# dicom-dimse-native compiles DCMTK from source; it must not try to clone libiconv from the network.
export SKIP_LIB_ICONV_BOOTSTRAP=1
# onnxruntime-node must not download the CUDA provider from NuGet (also .npmrc's onnxruntime-node-install).
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# Addons compiled by an earlier `npm ci` under another Node (another NODE_MODULE_VERSION) are
# rebuilt for this one; node_modules/.native-abi.json records the ABI they last loaded with.
if ! stale="$(node scripts/native-abi.mjs)"; then
  [ -n "$stale" ] || exit 1
  # shellcheck disable=SC2086 # one package name a line
  echo "setup: rebuilding for Node $(node -v):" $stale
  npm rebuild --no-audit --no-fund $stale
  node scripts/native-abi.mjs --check
fi
