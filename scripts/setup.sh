#!/usr/bin/env bash
# Installs everything the node and its tests need on a fresh Debian 12 machine with Node 20:
# the real DICOM peers (DCMTK, Orthanc, dicom3tools), Python with numpy/torch for the model scripts
# and reference tests, scikit-image for the classical denoising baselines (it depends on PyWavelets,
# SciPy and Pillow, named as well because the baselines use them directly), systemd for
# systemd-analyze (the deploy/systemd unit tests), nginx-light for the reverse-proxy example's test
# (deploy/reverse-proxy), the toolchain for the DCMTK-based transport,
# then the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(dcmtk orthanc dicom3tools redis-server libgdcm-tools libopenjp2-tools python3-pydicom python3-numpy python3-torch python3-onnx python3-skimage python3-pywt python3-scipy python3-pil chromium systemd nginx-light cmake g++ make)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root or install them first)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# dicom-dimse-native compiles DCMTK from source; it must not try to clone libiconv from the network.
export SKIP_LIB_ICONV_BOOTSTRAP=1
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
