#!/usr/bin/env bash
# The programs the tests run against the node, on a fresh Debian 12 machine (root for apt); the
# node itself needs none of them (scripts/setup.sh). Each package a test calls is named, installed
# with --no-install-recommends: a Recommends that one machine happens to have is not on the next.
#
#   dcmtk             storescu/storescp/echoscu/dcmqrscp as DICOM peers; dcmdump, dcmconv, dcmodify
#                     and the dcmcjpeg/dcmdjpeg, dcmcjpls/dcmdjpls, dcmcrle/dcmdrle codecs make and
#                     check fixtures
#   orthanc           a PACS peer (export, in-doubt, forward, the compose auto-route script)
#   orthanc-dicomweb  Orthanc's DICOMweb plugin: the STOW-RS/QIDO-RS peer of the dicomweb destination
#   dicom3tools       dciodvfy and dcentvfy check every derived object
#   libgdcm-tools     gdcmconv: JPEG 2000 fixtures and a second decoder
#   libopenjp2-tools  opj_decompress: the HTJ2K reference decoder (test/decode/opj_reference.py)
#   redis-server      bullmq executor and scale-out tests
#   chromium          the dashboard tests (playwright-core drives /usr/bin/chromium)
#   systemd           systemd-analyze verify/security on deploy/systemd
#   openssl           test certificates for DICOM TLS, HTTPS and Redis TLS
#   nginx-light       the reverse-proxy example (deploy/reverse-proxy) in front of a node
#   python3 with      pydicom (reference decoder, its test files are fixtures) and Pillow (pydicom's
#                     JPEG 2000 handler), numpy, torch (reference UniMIE, model scripts), onnx and
#                     yaml (model export and manifests), scikit-image with PyWavelets and SciPy
#                     (classical denoising baselines)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian-packages.sh

ensure_debian_packages "the tests" \
  dcmtk orthanc orthanc-dicomweb dicom3tools libgdcm-tools libopenjp2-tools redis-server chromium systemd openssl nginx-light \
  python3 python3-pydicom python3-pil python3-numpy python3-torch python3-onnx python3-yaml \
  python3-skimage python3-pywt python3-scipy
