"""Independent reference pixels for the decode matrix (pydicom + numpy, no code of this project).

argv: pairs of <uncompressed DICOM in> <raw out>. Each input is native (already decompressed by
DCMTK or GDCM where it was compressed). Writes the stored values as little-endian int64 (frames,
rows, columns, samples; colour-by-pixel) to <raw out> and prints one JSON line per file with the
photometric interpretation and shape. PALETTE COLOR: the 16-bit RGB through pydicom's
apply_color_lut (which expands segmented tables) instead of the indices.
"""
import json, sys, warnings
import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_color_lut

warnings.simplefilter("ignore")
args = sys.argv[1:]
for src, dst in zip(args[0::2], args[1::2]):
    ds = pydicom.dcmread(src)
    arr = ds.pixel_array
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    pi = str(ds.PhotometricInterpretation)
    if pi == "PALETTE COLOR":
        arr = apply_color_lut(arr, ds)
    samples = 3 if arr.ndim == (4 if frames > 1 else 3) else 1
    arr = arr.reshape(frames, int(ds.Rows), int(ds.Columns), samples)
    arr.astype("<i8").tofile(dst)
    print(json.dumps({"file": src, "photometric": pi, "frames": frames, "samples": samples,
                      "bitsStored": int(ds.BitsStored), "transferSyntax": str(ds.file_meta.TransferSyntaxUID)}))
