"""Decompresses an HTJ2K / JPEG 2000 DICOM file with Debian's OpenJPEG command line (opj_decompress,
libopenjp2-tools) and writes it as a native Explicit VR Little Endian file for reference_pixels.py.
No code of this project: pydicom splits the fragments into frames and writes the container,
OpenJPEG decodes every codestream.

argv: <encapsulated DICOM in> <native DICOM out>
"""
import os, subprocess, sys, tempfile
import numpy as np
import pydicom
from pydicom.encaps import generate_pixel_data_frame
from pydicom.uid import ExplicitVRLittleEndian

src, dst = sys.argv[1], sys.argv[2]
ds = pydicom.dcmread(src)
frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
rows, cols, samples = int(ds.Rows), int(ds.Columns), int(ds.SamplesPerPixel)
signed = int(ds.PixelRepresentation) == 1
dtype = {8: "i1" if signed else "u1", 16: "<i2" if signed else "<u2"}[int(ds.BitsAllocated)]
out = []
with tempfile.TemporaryDirectory() as tmp:
    for i, codestream in enumerate(generate_pixel_data_frame(ds.PixelData, frames)):
        j2c, raw = os.path.join(tmp, f"{i}.j2c"), os.path.join(tmp, f"{i}.rawl")
        with open(j2c, "wb") as f:
            f.write(codestream)
        subprocess.run(["opj_decompress", "-quiet", "-i", j2c, "-o", raw], check=True, capture_output=True)
        # .rawl holds the components one after the other; DICOM wants them by pixel.
        planes = np.fromfile(raw, dtype=dtype).reshape(samples, rows, cols)
        out.append(np.moveaxis(planes, 0, -1))
pixels = np.stack(out)
ds.PixelData = pixels.astype(dtype).tobytes()
ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds.is_little_endian, ds.is_implicit_VR = True, False
ds["PixelData"].VR = "OB" if int(ds.BitsAllocated) == 8 else "OW"
ds["PixelData"].is_undefined_length = False
if samples == 3:
    ds.PlanarConfiguration = 0
ds.save_as(dst, write_like_original=False)
