"""Writes uncompressed decode-matrix inputs that pydicom's test files lack (argv[1] = output folder).

Each is derived from a pydicom test file with numpy, so the expected pixels are known exactly:
8/12/16-bit signed and unsigned MONOCHROME2, RGB planar 0 and 1, YBR_FULL, PALETTE COLOR with
unsegmented and segmented tables. The compressed variants are then made by DCMTK / GDCM.
"""
import sys, warnings
import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pydicom.pixel_data_handlers.util import convert_color_space

warnings.simplefilter("ignore")
T = "/usr/lib/python3/dist-packages/pydicom/data/test_files"
out = sys.argv[1]


def save(ds, name, arr, **pm):
    for elem in ds:
        if elem.VR == "DA" and isinstance(elem.value, str):
            elem.value = elem.value.replace(".", "")  # old ACR-NEMA dates (1997.04.24) are not valid DA
    for k, v in pm.items():
        setattr(ds, k, v)
    ds.PixelData = arr.tobytes()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(f"{out}/{name}", write_like_original=False)


ct = pydicom.dcmread(f"{T}/CT_small.dcm")
a = ct.pixel_array.astype(np.int32)
mono = dict(SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2")
save(pydicom.dcmread(f"{T}/CT_small.dcm"), "mono8s.dcm", np.clip(a >> 4, -128, 127).astype(np.int8),
     BitsAllocated=8, BitsStored=8, HighBit=7, PixelRepresentation=1, **mono)
save(pydicom.dcmread(f"{T}/CT_small.dcm"), "mono8u.dcm", np.clip((a - a.min()) >> 3, 0, 255).astype(np.uint8),
     BitsAllocated=8, BitsStored=8, HighBit=7, PixelRepresentation=0, **mono)
save(pydicom.dcmread(f"{T}/CT_small.dcm"), "mono12u.dcm", np.clip(a - a.min(), 0, 4095).astype(np.uint16),
     BitsAllocated=16, BitsStored=12, HighBit=11, PixelRepresentation=0, **mono)
save(pydicom.dcmread(f"{T}/CT_small.dcm"), "mono12s.dcm", np.clip(a, -2048, 2047).astype(np.int16),
     BitsAllocated=16, BitsStored=12, HighBit=11, PixelRepresentation=1, **mono)
save(pydicom.dcmread(f"{T}/CT_small.dcm"), "mono16u.dcm", (a + 32768).astype(np.uint16),
     BitsAllocated=16, BitsStored=16, HighBit=15, PixelRepresentation=0, **mono)

us = pydicom.dcmread(f"{T}/ExplVR_BigEnd.dcm")
rgb = us.pixel_array.astype(np.uint8)
save(pydicom.dcmread(f"{T}/ExplVR_BigEnd.dcm"), "rgb_planar0.dcm", rgb, PlanarConfiguration=0)
save(pydicom.dcmread(f"{T}/ExplVR_BigEnd.dcm"), "rgb_planar1.dcm", np.ascontiguousarray(rgb.transpose(2, 0, 1)),
     PlanarConfiguration=1)
ybr = convert_color_space(rgb, "RGB", "YBR_FULL").astype(np.uint8)
save(pydicom.dcmread(f"{T}/ExplVR_BigEnd.dcm"), "ybr_full.dcm", ybr, PlanarConfiguration=0,
     PhotometricInterpretation="YBR_FULL")

idx = np.clip((a - a.min()) >> 3, 0, 255).astype(np.uint8)
ramp = np.arange(256, dtype=np.uint16)
pal = pydicom.dcmread(f"{T}/CT_small.dcm")
for k in ("WindowCenter", "WindowWidth", "RescaleIntercept", "RescaleSlope"):
    if k in pal:
        delattr(pal, k)
for c, lut in (("Red", ramp * 257), ("Green", (255 - ramp) * 257), ("Blue", ((ramp * 7) % 256) * 257)):
    pal.add_new(pydicom.datadict.tag_for_keyword(f"{c}PaletteColorLookupTableDescriptor"), "US", [256, 0, 16])
    pal.add_new(pydicom.datadict.tag_for_keyword(f"{c}PaletteColorLookupTableData"), "OW", lut.astype("<u2").tobytes())
save(pal, "palette.dcm", idx, BitsAllocated=8, BitsStored=8, HighBit=7, PixelRepresentation=0,
     SamplesPerPixel=1, PhotometricInterpretation="PALETTE COLOR")

seg = pydicom.dcmread(f"{out}/palette.dcm")
for c in ("Red", "Green", "Blue"):
    delattr(seg, f"{c}PaletteColorLookupTableData")
# PS3.3 C.7.9.2: discrete (0), linear (1) and indirect (2) segments; 256 entries each.
red = [0, 1, 0, 1, 255, 65535]                      # 0, then ramp to 65535 over 255 entries
green = [0, 128, *[40000] * 128, 1, 128, 0]         # 128 discrete, then ramp down to 0
blue = [0, 1, 1000, 1, 127, 30000, 2, 2, 0, 0]      # 1000, ramp to 30000, then an indirect copy of both
for c, data in (("Red", red), ("Green", green), ("Blue", blue)):
    seg.add_new(pydicom.datadict.tag_for_keyword(f"Segmented{c}PaletteColorLookupTableData"), "OW",
                np.array(data, dtype="<u2").tobytes())
save(seg, "palette_segmented.dcm", idx)
