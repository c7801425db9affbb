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
#   chromium          the dashboard and web viewer tests (playwright-core drives /usr/bin/chromium)
#   systemd           systemd-analyze verify/security on deploy/systemd
#   openssl           test certificates for DICOM TLS, HTTPS and Redis TLS
#   libxml2-utils     xmllint: audit messages validated against the PS3.15 A.5.1 schema (RELAX NG)
#   nginx-light       the reverse-proxy example (deploy/reverse-proxy) in front of a node
#   python3 with      pydicom (reference decoder, its test files are fixtures) and Pillow (pydicom's
#                     JPEG 2000 handler), numpy, torch (reference UniMIE, model scripts), onnx and
#                     yaml (model export and manifests), scikit-image with PyWavelets and SciPy
#                     (classical denoising baselines)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/debian-packages.sh

ensure_debian_packages "the tests" \
  dcmtk orthanc orthanc-dicomweb dicom3tools libgdcm-tools libopenjp2-tools redis-server chromium systemd openssl libxml2-utils nginx-light \
  python3 python3-pydicom python3-pil python3-numpy python3-torch python3-onnx python3-yaml \
  python3-skimage python3-pywt python3-scipy

# The web viewer test (test/e2e/viewer-side-by-side.test.ts) opens series in OHIF: the built app the
# npm package @ohif/app ships in dist/, unpacked into .tools/ohif-viewer, integrity pinned. Not an
# npm dependency: its dependencies are the sources it was bundled from, not all on the registry.
# Left out: the WebAssembly inference runtime (ort/) and the microscopy viewer, which it never loads.
OHIF_APP=@ohif/app@3.12.10
OHIF_INTEGRITY=sha512-0kuF66Mq9c9dMD++bUsTjMrJpXJwaZhz9B4uS244DawAjSkTwIYFU93pxPuRUQixaRi7QAHlF3Fe1qudBlZrmA==
if [ "$(cat .tools/ohif-viewer/version 2>/dev/null)" != "$OHIF_APP" ]; then
  echo "setup: unpacking $OHIF_APP into .tools/ohif-viewer"
  rm -rf .tools/ohif-viewer && mkdir -p .tools/ohif-viewer
  tgz=.tools/ohif-viewer/$(npm pack --silent --pack-destination .tools/ohif-viewer "$OHIF_APP")
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$OHIF_INTEGRITY" ] || { echo "setup: $OHIF_APP is $got, expected $OHIF_INTEGRITY" >&2; exit 1; }
  tar -xzf "$tgz" -C .tools/ohif-viewer --strip-components=1 --exclude=package/dist/ort \
    --exclude=package/dist/dicom-microscopy-viewer --exclude='*.map' package/dist
  rm "$tgz" && echo "$OHIF_APP" > .tools/ohif-viewer/version
fi
