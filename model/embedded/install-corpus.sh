#!/bin/sh
# Install step of the embedded prior's training corpus (run before model/embedded/train.py).
# 1. The readers, installed with apt (root): DICOM/NIfTI/MetaImage/PNG readers and DCMTK's dcmdjpeg.
# 2. The data-only packages, downloaded and unpacked under var/embedded-corpus/debs/ without being
#    installed (no dependencies, nothing under /usr changed): corpus.py DATA_PACKAGES.
# 3. A check that the corpus built here is model/embedded/training-manifest.tsv, image for image.
# Sources, versions and licences: model/embedded/corpus-sources.md. About 400 MB unpacked.
set -e
cd "$(dirname "$0")/../.."
if [ "$(id -u)" = 0 ]; then
  apt-get update -qq
  apt-get install -y --no-install-recommends python3-pydicom python3-nibabel python3-skimage python3-scipy \
    python-matplotlib-data python3-torch dcmtk dicom3tools libgdcm3.0
else
  echo "not root: assuming python3-pydicom python3-nibabel python3-skimage python3-scipy python-matplotlib-data python3-torch dcmtk are installed" >&2
fi
/usr/bin/python3 model/embedded/corpus.py fetch
/usr/bin/python3 model/embedded/corpus.py check
