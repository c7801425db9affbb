"""The embedded prior's training corpus: images from Debian packages, listed image by image.

Every training image comes from a Debian 12 package that installs offline (or from this
project's own phantom generator), under a licence that lets the trained model be shipped under
the project's MIT licence: public domain, CC0, CC-BY (credited in corpus-sources.md), or a
permissive software licence (Expat/MIT, BSD, Apache-2.0) that covers the data file. Copyleft
(GPL, LGPL, CC-BY-SA, CeCILL) and unclear licences are left out; corpus-sources.md says which
packages were looked at and why each was kept or rejected.

  sh model/embedded/install-corpus.sh                  # apt-get install the readers, then `fetch`
  /usr/bin/python3 model/embedded/corpus.py fetch      # apt-get download + dpkg -x the data packages
  /usr/bin/python3 model/embedded/corpus.py manifest   # build, write training-manifest.tsv (+ excluded)
  /usr/bin/python3 model/embedded/corpus.py check      # build and compare with the committed manifest
  /usr/bin/python3 model/embedded/corpus.py pack DIR   # build, check, write it as lossless PNGs (a GPU machine
                                                       # has none of the packages: it trains from the pack)

`fetch` unpacks the data-only packages (DATA_PACKAGES) under var/embedded-corpus/debs/<package>/
without installing them (no dependencies pulled in, nothing under /usr touched); a file is looked
up there first, then at its installed path, so `apt-get install` of the same packages works too.
The libraries the reader needs must be installed: python3-pydicom, python3-nibabel, python3-skimage,
python3-scipy, python-matplotlib-data and dcmtk (dcmdjpeg for JPEG-compressed DICOM).

Medical slices are windowed into 8 bit the way data.py always did (CT: soft tissue, lung, bone,
brain windows in HU; MR/NM and others: percentile windows), volumes are sampled at evenly spaced
slices that hold enough foreground, Siemens mosaics are cut into their slices. Photographs keep
their colour: the whole picture with its long side at most 1024 px, and for large ones also up
to four 512-px tiles at native resolution. Images are deduplicated by the sha256 of their 8-bit
pixels and by a 32x32 thumbnail signature (near-identical copies, e.g. the same slice re-encoded).

Evaluation images never enter the corpus (the rule, also in corpus-sources.md):
1. every source file of an evaluation image is excluded whole, all slices, frames and windows:
   the DICOM files named by src/eval/fixtures/{heldout,dev}/index.json (origin.generator "dicom")
   and the sources of data.heldout_images() (data.HELDOUT_SOURCES);
2. fixture images made by the node's TypeScript generators (phantom-ct, phantom-mr, endoscopy)
   cannot be in it: the corpus uses no TypeScript generator, only data.phantom() (Python, seed
   1234); a fixture from a generator this file does not know stops the build;
3. every candidate is compared with every evaluation image (fixture PNGs and renders of the
   excluded files in every window): same 8-bit sha256, or thumbnail correlation >= 0.97 at a
   similar aspect ratio, and it is dropped and listed in training-manifest-excluded.tsv.
"""
import argparse
import bz2
import glob
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Tuple

import numpy as np

warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DEBS_DIR = os.environ.get("EMBEDDED_CORPUS_DEBS", os.path.join(REPO, "var", "embedded-corpus", "debs"))
MANIFEST = os.path.join(HERE, "training-manifest.tsv")
EXCLUDED = os.path.join(HERE, "training-manifest-excluded.tsv")
SUMMARY = os.path.join(HERE, "training-manifest-summary.json")
FIXTURE_SETS = [os.path.join(REPO, "src", "eval", "fixtures", s) for s in ("heldout", "dev")]
# Generators of fixture images that this corpus never uses (rule 2).
TS_GENERATORS = {"phantom-ct": "src/dicom/phantom-anatomy.ts", "phantom-mr": "src/eval/synthetic-slices.ts",
                 "endoscopy": "src/eval/synthetic-slices.ts"}

# Data-only packages that `fetch` unpacks (the readers' libraries must be installed, see above).
DATA_PACKAGES = ["lomiri-wallpapers-16.04", "libjxl-testdata", "mricron-data", "heudiconv",
                 "insighttoolkit5-examples", "elastix-doc", "python3-dipy"]
# Installed libraries whose own files are read (they are the readers, so they are installed).
LIBRARY_PACKAGES = ["python3-pydicom", "python3-nibabel", "python3-skimage", "python3-scipy",
                    "python-matplotlib-data", "dcmtk"]

CT_WINDOWS = {"soft": (40, 400), "lung": (-600, 1500), "bone": (400, 1800), "brain": (40, 80)}
MR_WINDOWS = [(0.5, 99.5), (2.0, 95.0)]  # full range, and a tighter window that clips the brightest 5 %
PHOTO_MAX = 1024
TILE = 512
MIN_SIDE = 96  # smaller images would only be upsampled by the crop sampler
NEAR_DUP = 1.0  # mean absolute 8-bit difference of 32x32 thumbnails below which two corpus images count as one
EVAL_MATCH = 0.97  # ... above which a candidate counts as an evaluation image

PYD = "/usr/lib/python3/dist-packages/pydicom/data/test_files"
NIB = "/usr/lib/python3/dist-packages/nibabel"
DIPY = "/usr/lib/python3/dist-packages/dipy/data/files"
HEU = "/usr/lib/python3/dist-packages/heudiconv/tests/data"
ITK = "/usr/share/doc/insighttoolkit5-examples/examples/Data"
ELX = "/usr/share/doc/elastix/help/exampleinput"
MRICRON = "/usr/share/mricron/templates"
SKI = "/usr/lib/python3/dist-packages/skimage/data"
MPL = "/usr/share/matplotlib/mpl-data/sample_data"
JXL = "/usr/share/libjxl-testdata"
LOMIRI = "/usr/share/backgrounds"


@dataclass
class Entry:
    package: str
    file: str  # path as installed by the package
    frame: str  # slice / frame / tile ("-" for a whole 2-D image)
    window: str
    licence: str
    kind: str  # medical | natural | phantom
    pixels: np.ndarray = field(repr=False)  # uint8, HxW (grey) or HxWx3 (colour)
    version: str = ""
    sha256: str = ""

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])


# ---------------------------------------------------------------- packages and files

def locate(package: str, path: str) -> Optional[str]:
    """The file unpacked by `fetch` (DEBS_DIR/<package>/<path>) or installed at <path>."""
    unpacked = os.path.join(DEBS_DIR, package, path.lstrip("/"))
    if os.path.exists(unpacked):
        return unpacked
    return path if os.path.exists(path) else None


_versions = {}


def version(package: str) -> str:
    if package not in _versions:
        v = ""
        vf = os.path.join(DEBS_DIR, package, ".version")
        if os.path.exists(vf):
            v = open(vf).read().strip()
        else:
            r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
            v = r.stdout.strip() if r.returncode == 0 else ""
        _versions[package] = v
    return _versions[package]


def fetch(packages: List[str]) -> None:
    """apt-get download + dpkg -x each package into DEBS_DIR/<package> (records its version)."""
    os.makedirs(DEBS_DIR, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", *packages], cwd=tmp, check=True)
        for deb in sorted(glob.glob(os.path.join(tmp, "*.deb"))):
            pkg = subprocess.run(["dpkg-deb", "-f", deb, "Package"], capture_output=True, text=True, check=True).stdout.strip()
            ver = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True, text=True, check=True).stdout.strip()
            dest = os.path.join(DEBS_DIR, pkg)
            subprocess.run(["rm", "-rf", dest], check=True)
            os.makedirs(dest)
            subprocess.run(["dpkg-deb", "-x", deb, dest], check=True)
            with open(os.path.join(dest, ".version"), "w") as f:
                f.write(ver + "\n")
            print(f"{pkg} {ver} -> {dest}")


# ---------------------------------------------------------------- windowing and readers

def to8(a: np.ndarray) -> np.ndarray:
    return np.round(np.clip(a, 0, 1) * 255).astype(np.uint8)


def ct_window(hu: np.ndarray, center: float, width: float) -> np.ndarray:
    return np.clip((hu - (center - width / 2)) / width, 0, 1)


def percentile_window(a: np.ndarray, lo: float, hi: float, mask: Optional[np.ndarray] = None) -> np.ndarray:
    a = a.astype(np.float32)
    ref = a[mask] if mask is not None and mask.any() else a
    vlo, vhi = np.percentile(ref, [lo, hi])
    return np.clip((a - vlo) / max(vhi - vlo, 1e-6), 0, 1)


def _dcmread(path: str):
    import pydicom
    return pydicom.dcmread(gzip.open(path) if path.endswith(".gz") else path)


def dicom_pixels(path: str) -> Tuple[object, np.ndarray]:
    """(dataset, pixel array); JPEG-compressed files go through DCMTK's dcmdjpeg first."""
    ds = _dcmread(path)
    try:
        return ds, ds.pixel_array
    except Exception:
        with tempfile.TemporaryDirectory() as tmp:
            src = path
            if path.endswith(".gz"):
                src = os.path.join(tmp, "in.dcm")
                with open(src, "wb") as f:
                    f.write(gzip.open(path).read())
            out = os.path.join(tmp, "d.dcm")
            subprocess.run(["dcmdjpeg", src, out], check=True, capture_output=True)
            ds2 = _dcmread(out)
            return ds2, ds2.pixel_array


def mosaic_volume(path: str) -> Optional[np.ndarray]:
    """Slices of a Siemens mosaic (x, y, z) through nibabel's DICOM wrapper, or None."""
    try:
        from nibabel.nicom import dicomwrappers
        w = dicomwrappers.wrapper_from_data(_dcmread(path))
        if type(w).__name__ == "MosaicWrapper":
            return np.asarray(w.get_data(), np.float32)
    except Exception:
        pass
    return None


def foreground(a: np.ndarray) -> float:
    return float((a > 0.1).mean())


def slice_indices(n: int, count: int, lo: float = 0.15, hi: float = 0.85) -> List[int]:
    if n <= count:
        return list(range(n))
    return sorted(set(int(round(v)) for v in np.linspace(lo * (n - 1), hi * (n - 1), count)))


def mr_slices(vol: np.ndarray, count: int, axes=(2,), windows=MR_WINDOWS, min_fg=0.08) -> Iterator[Tuple[str, str, np.ndarray]]:
    """(frame label, window label, 8-bit slice) of a 3-D volume, windowed on the whole volume's percentiles."""
    vol = np.nan_to_num(vol.astype(np.float32))
    sample = vol.ravel()[:: max(1, vol.size // 2_000_000)]  # percentiles from at most ~2M voxels
    body = sample[sample > np.percentile(sample, 5)]
    body = body if body.size else sample
    levels = [np.percentile(body, [lo, hi]) for lo, hi in windows]
    for axis in axes:
        for i in slice_indices(vol.shape[axis], count):
            s = np.rot90(np.take(vol, i, axis=axis))
            for (lo, hi), (vlo, vhi) in zip(windows, levels):
                w = np.clip((s - vlo) / max(vhi - vlo, 1e-6), 0, 1)
                if foreground(w) >= min_fg:
                    yield f"axis{axis}:{i}", f"p{lo:g}-{hi:g}", to8(w)


def nifti(path: str) -> np.ndarray:
    import nibabel as nib
    a = np.asarray(nib.load(path).dataobj, np.float32)
    while a.ndim > 3:
        a = a[..., 0]
    return a


def metaimage(path: str) -> np.ndarray:
    """A 2-D MetaImage (.mhd/.mha with a separate raw or raw.gz file, uncompressed)."""
    hdr = {}
    with open(path, "rb") as f:
        for line in f:
            k, _, v = line.decode("latin-1").partition("=")
            hdr[k.strip()] = v.strip()
            if k.strip() == "ElementDataFile":
                break
    dims = [int(v) for v in hdr["DimSize"].split()]
    dtype = {"MET_SHORT": "<i2", "MET_USHORT": "<u2", "MET_UCHAR": "u1", "MET_FLOAT": "<f4", "MET_CHAR": "i1"}[hdr["ElementType"]]
    raw = os.path.join(os.path.dirname(path), hdr["ElementDataFile"])
    data = gzip.open(raw + ".gz").read() if not os.path.exists(raw) and os.path.exists(raw + ".gz") else open(raw, "rb").read()
    return np.frombuffer(data, dtype, count=int(np.prod(dims))).reshape(dims[::-1]).astype(np.float32)


def photo(path: str) -> np.ndarray:
    """8-bit pixels of a PNG/JPEG: grey (HxW) or RGB (HxWx3); 16-bit grey is scaled to 8 bit."""
    from PIL import Image
    im = Image.open(path)
    if im.mode in ("I;16", "I;16B", "I"):
        a = np.asarray(im, np.float64)
        return to8(a / max(a.max(), 1))
    return np.asarray(im.convert("L") if im.mode in ("L", "LA", "1") else im.convert("RGB"))


def grey_float(path: str) -> np.ndarray:
    a = gray_or_rgb(photo(path)).astype(np.float32)
    return a.mean(axis=2) if a.ndim == 3 else a


def gray_or_rgb(a: np.ndarray) -> np.ndarray:
    """Colour images whose three channels are equal become grey."""
    if a.ndim == 3 and np.array_equal(a[..., 0], a[..., 1]) and np.array_equal(a[..., 0], a[..., 2]):
        return a[..., 0]
    return a


def resize_max(a: np.ndarray, max_side: int) -> np.ndarray:
    from PIL import Image
    h, w = a.shape[:2]
    if max(h, w) <= max_side:
        return a
    s = max_side / max(h, w)
    return np.asarray(Image.fromarray(a).resize((max(1, round(w * s)), max(1, round(h * s))), Image.LANCZOS))


def photo_entries(package: str, path: str, licence: str, kind: str = "natural", tiles: int = 4) -> Iterator[Entry]:
    """A photograph: the whole picture (long side <= PHOTO_MAX), plus native-resolution tiles of big ones."""
    real = locate(package, path)
    if real is None:
        return
    a = gray_or_rgb(photo(real))
    yield Entry(package, path, "-", "whole" if max(a.shape[:2]) <= PHOTO_MAX else f"whole<={PHOTO_MAX}px",
                licence, kind, resize_max(a, PHOTO_MAX))
    h, w = a.shape[:2]
    if tiles and min(h, w) >= 2 * TILE:
        rng = np.random.default_rng(int(hashlib.sha256(path.encode()).hexdigest()[:8], 16))
        got, tries = 0, 0
        while got < tiles and tries < 40:
            tries += 1
            y, x = int(rng.integers(0, h - TILE + 1)), int(rng.integers(0, w - TILE + 1))
            t = a[y:y + TILE, x:x + TILE]
            if t.std() / 255 < 0.04:  # nearly flat sky or wall: little to learn
                continue
            got += 1
            yield Entry(package, path, f"tile@{x},{y}", f"native {TILE}px", licence, kind, np.ascontiguousarray(t))


def dicom_entries(package: str, path: str, licence: str, windows=None, frames=None, count: int = 8,
                  kind: str = "medical") -> Iterator[Entry]:
    """Windowed slices of a DICOM file: CT in HU windows, others in percentile windows; mosaics cut."""
    real = locate(package, path)
    if real is None:
        return
    vol = mosaic_volume(real)
    if vol is not None:
        for fr, win, px in mr_slices(vol, count):
            yield Entry(package, path, f"mosaic {fr}", win, licence, kind, px)
        return
    ds, a = dicom_pixels(real)
    modality = str(ds.get("Modality", ""))
    if a.ndim == 3 and a.shape[-1] in (3, 4) and ds.get("SamplesPerPixel", 1) > 1:
        yield Entry(package, path, "-", "rgb", licence, kind, gray_or_rgb(a[..., :3].astype(np.uint8)))
        return
    stack = a if a.ndim == 3 else a[None]
    idx = frames if frames is not None else slice_indices(len(stack), count)
    slope, icpt = float(ds.get("RescaleSlope", 1) or 1), float(ds.get("RescaleIntercept", 0) or 0)
    for i in idx:
        s = stack[i].astype(np.float32)
        label = f"frame {i}" if len(stack) > 1 else "-"
        if modality == "CT":
            hu = s * slope + icpt
            for name in (windows or ("soft", "lung", "bone")):
                yield Entry(package, path, label, f"CT {name} {CT_WINDOWS[name][0]}/{CT_WINDOWS[name][1]}", licence, kind,
                            to8(ct_window(hu, *CT_WINDOWS[name])))
        else:
            for lo, hi in (windows or MR_WINDOWS):
                yield Entry(package, path, label, f"p{lo:g}-{hi:g}", licence, kind, to8(percentile_window(s, lo, hi)))


def volume_entries(package: str, path: str, licence: str, count: int, axes=(2,), reader=nifti, windows=MR_WINDOWS,
                   kind: str = "medical") -> Iterator[Entry]:
    real = locate(package, path)
    if real is None:
        return
    vol = reader(real)
    if vol.ndim == 2:
        vol = vol[:, :, None]
    for fr, win, px in mr_slices(vol, count, axes=axes, windows=windows):
        yield Entry(package, path, fr if vol.shape[2] > 1 else "-", win, licence, kind, px)


def image2d_entries(package: str, path: str, licence: str, reader, windows=MR_WINDOWS, kind: str = "medical") -> Iterator[Entry]:
    real = locate(package, path)
    if real is None:
        return
    a = np.asarray(reader(real), np.float32)
    for lo, hi in windows:
        yield Entry(package, path, "-", f"p{lo:g}-{hi:g}", licence, kind, to8(percentile_window(a, lo, hi)))


def _mpl_mr(path: str) -> np.ndarray:
    return np.frombuffer(gzip.open(path).read(), ">u2").reshape(256, 256).astype(np.float32)


def _scipy_dat(path: str) -> np.ndarray:
    import pickle
    raw = bz2.decompress(open(path, "rb").read()) if path.endswith("face.dat") else open(path, "rb").read()
    if path.endswith("face.dat"):
        return np.frombuffer(raw, np.uint8).reshape(768, 1024, 3)
    return np.asarray(pickle.loads(raw), np.uint8)


# ---------------------------------------------------------------- the sources

EXPAT = "Expat (MIT)"
BSD3 = "BSD-3-Clause"
APACHE = "Apache-2.0"
CC0 = "CC0-1.0"
PD = "public domain"
LOMIRI_FILES = {  # file -> (licence, author), from the package's copyright file
    "aitzgorri_by_Aitzol_Berasategi.jpg": ("CC-BY-4.0", "Aitzol Berasategi"),
    "friends_by_Aitzol_Berasategi.jpg": ("CC-BY-4.0", "Aitzol Berasategi"),
    "life_by_Aitzol_Berasategi.jpg": ("CC-BY-4.0", "Aitzol Berasategi"),
    "picosdeeuropa_by_Aitzol_Berasategi.jpg": ("CC-BY-4.0", "Aitzol Berasategi"),
    "sunset_by_Aitzol_Berasategi.jpg": ("CC-BY-4.0", "Aitzol Berasategi"),
    "Picture_0B_by_freespace.jpg": ("CC-BY-4.0", 'Trevor "Freespace"'),
    "Picture_1A_by_freespace.jpg": ("CC-BY-4.0", 'Trevor "Freespace"'),
    "umang_by_Abhishek_Mudgal.jpg": ("CC-BY-4.0", "Abhishek Mudgal"),
    "Wine_by_Jakkub_Mede.jpg": ("CC-BY-4.0", "Jakub Mede"),
    "seeding_by_Clements_Engelhardt.jpg": (CC0, "Clemens Engelhardt"),
}
SKIMAGE_PHOTOS = {  # file -> (licence as the function's docstring states it, kind)
    "astronaut.png": (PD + " (NASA)", "natural"),
    "camera.png": (CC0 + " (Lav Varshney)", "natural"),
    "brick.png": (CC0 + " (CC0Textures)", "natural"),
    "grass.png": (CC0, "natural"),
    "gravel.png": (CC0 + " (CC0Textures)", "natural"),
    "clock_motion.png": (PD + " (Stefan van der Walt)", "natural"),
    "coins.png": ("no known copyright restrictions (Brooklyn Museum)", "natural"),
    "hubble_deep_field.jpg": (PD + " (NASA)", "natural"),
    "rocket.jpg": (PD + " (SpaceX)", "natural"),
    "text.png": (PD, "natural"),
    "retina.jpg": (CC0 + " (Mikael Häggström)", "medical"),
    "microaneurysms.png": (CC0 + " (Andreas Maier, HRF database)", "medical"),
    "ihc.png": ("no known copyright restrictions (CMMI)", "medical"),
    "cell.png": (CC0, "medical"),
}


def sources() -> Iterator[Entry]:
    """Every candidate image, in a fixed order (the manifest's order and the training order)."""
    # --- medical: DICOM test files
    p = "python3-pydicom"
    yield from dicom_entries(p, f"{PYD}/693_J2KI.dcm", EXPAT, windows=("soft", "bone", "brain", "lung"))
    yield from dicom_entries(p, f"{PYD}/CT_small.dcm", EXPAT, windows=("soft", "lung", "bone"))
    yield from dicom_entries(p, f"{PYD}/MR_small.dcm", EXPAT)
    yield from dicom_entries(p, f"{PYD}/JPEG-lossy.dcm", EXPAT, windows=[(0, 99.5), (0.5, 99.9)])
    # dicom3tools' 0051.dcm (installed with the node) is a mosaic of 72-px slices: read, then left out as too small
    yield from dicom_entries("dicom3tools", "/usr/share/doc/dicom3tools/examples/0051.dcm", "BSD-2-Clause (Chris Rorden)", count=10)
    p = "python3-nibabel"
    # (its DICOM test files hold synthetic ramps, stripped or empty pixel data: not used)
    yield from volume_entries(p, f"{NIB}/tests/data/example4d.nii.gz", EXPAT, count=6)
    p = "heudiconv"
    # (axasc35.dcm is a mosaic of 64-px slices; phantom.dcm, the Phoenix and scout files are noise and
    # test-object images: not used)
    for i in (1, 2, 3):
        yield from dicom_entries(p, f"{HEU}/b0dwiForFmap/b0dwi_for_fmap+0000{i}.dcm", APACHE, count=8)
    # --- medical: NIfTI / MetaImage / arrays
    p = "python3-dipy"
    yield from image2d_entries(p, f"{DIPY}/t1_coronal_slice.npy", BSD3, np.load)
    yield from volume_entries(p, f"{DIPY}/S0_10slices.nii.gz", BSD3, count=5)
    yield from volume_entries(p, f"{DIPY}/test_piesno.nii.gz", BSD3, count=4)
    yield from volume_entries(p, f"{DIPY}/aniso_vox.nii.gz", BSD3, count=4)
    yield from volume_entries("mricron-data", f"{MRICRON}/ch2better.nii.gz",
                              "BSD-3-Clause (Debian: Files: *); Colin27 (MNI) permission notice", count=6, axes=(0, 1, 2))
    p = "insighttoolkit5-examples"
    for f in ("BrainProtonDensitySlice.png", "BrainT1Slice.png", "BrainMidSagittalSlice.png", "FatMRISlice.png"):
        yield from image2d_entries(p, f"{ITK}/{f}", APACHE, grey_float, windows=[(0, 100)])
    yield from volume_entries(p, f"{ITK}/KmeansTest_T1UCharRaw.nii.gz", APACHE, count=6)
    p = "elastix-doc"
    for f in ("fixed.mhd", "moving.mhd"):
        yield from image2d_entries(p, f"{ELX}/{f}", APACHE, metaimage)
    yield from image2d_entries("python-matplotlib-data", f"{MPL}/s1045.ima.gz", "matplotlib licence (PSF-style, permissive)", _mpl_mr)
    for f, (lic, kind) in SKIMAGE_PHOTOS.items():
        if kind == "medical":
            yield from photo_entries("python3-skimage", f"{SKI}/{f}", lic, kind=kind, tiles=2)
    # --- natural photographs
    for f, (lic, kind) in SKIMAGE_PHOTOS.items():
        if kind == "natural":
            yield from photo_entries("python3-skimage", f"{SKI}/{f}", lic, tiles=2)
    for f in ("face.dat", "ascent.dat"):
        path = f"/usr/lib/python3/dist-packages/scipy/misc/{f}"
        real = locate("python3-scipy", path)
        if real:
            yield Entry("python3-scipy", path, "-", "whole", PD + " (public-domain-image.com)", "natural",
                        gray_or_rgb(_scipy_dat(real)))
    yield from photo_entries("python-matplotlib-data", f"{MPL}/grace_hopper.jpg", PD + " (U.S. Navy photograph)")
    for f, (lic, author) in LOMIRI_FILES.items():
        yield from photo_entries("lomiri-wallpapers-16.04", f"{LOMIRI}/{f}", f"{lic} ({author})")
    for f in ("jxl/flower/flower.png", "jxl/hdr_room.png"):
        yield from photo_entries("libjxl-testdata", f"{JXL}/{f}", "BSD-3-Clause (the JPEG XL Project Authors)")
    for f in ("cvo9xd_keong_macan_srgb8.png", "tmshre_riaphotographs_srgb8.png", "u76c0g_bliznaca_srgb8.png"):
        yield from photo_entries("libjxl-testdata", f"{JXL}/external/wesaturate/500px/{f}", CC0 + " (wesaturate)")
    # --- phantoms (this project)
    sys.path.insert(0, os.path.join(HERE, ".."))
    from embedded import data as D
    real = locate("python3-skimage", f"{SKI}/phantom.png")
    if real:
        yield Entry("python3-skimage", f"{SKI}/phantom.png", "-", "whole", BSD3 + " (Shepp-Logan phantom)", "phantom",
                    gray_or_rgb(photo(real)))
    rng = np.random.default_rng(D.PHANTOM_SEED)
    for i in range(D.PHANTOM_COUNT):
        yield Entry("this project", f"model/embedded/data.py phantom(seed={D.PHANTOM_SEED})", str(i), "-",
                    "MIT (this project)", "phantom", to8(D.phantom(rng)), version="-")


# ---------------------------------------------------------------- exclusion and deduplication

def sha_pixels(a: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(f"{a.shape}|{a.dtype}".encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def thumbnail(a: np.ndarray) -> Tuple[float, np.ndarray]:
    """(aspect ratio, 32x32 grey thumbnail in 8-bit units)."""
    from PIL import Image
    g = a.mean(axis=2) if a.ndim == 3 else a
    return g.shape[1] / g.shape[0], np.asarray(Image.fromarray(g.astype(np.float32)).resize((32, 32), Image.BOX), np.float64).ravel()


def signature(thumb) -> Tuple[float, np.ndarray]:
    """(aspect ratio, unit-norm zero-mean thumbnail): blind to gain and offset, so to the window."""
    ar, t = thumb
    t = t - t.mean()
    n = np.linalg.norm(t)
    return ar, (t / n if n > 0 else t)


def match(sig, refs, threshold: float) -> Optional[int]:
    """First reference of similar aspect ratio whose signature correlates with sig at >= threshold."""
    ar, v = sig
    if not v.any():
        return None
    for i, (rar, rv) in enumerate(refs):
        if abs(np.log(ar / rar)) < 0.1 and float(v @ rv) >= threshold:
            return i
    return None


def near_duplicate(thumb, kept) -> Optional[int]:
    """First kept thumbnail of similar aspect ratio within NEAR_DUP mean absolute difference."""
    ar, t = thumb
    for i, (kar, kt) in enumerate(kept):
        if abs(np.log(ar / kar)) < 0.1 and float(np.abs(t - kt).mean()) < NEAR_DUP:
            return i
    return None


def evaluation_sources() -> Tuple[List[Tuple[str, str]], List[Tuple[str, np.ndarray]]]:
    """(excluded source files as (basename, why), evaluation reference images as (name, 8-bit pixels))."""
    sys.path.insert(0, os.path.join(HERE, ".."))
    from embedded import data as D
    files, refs = [], []
    for d in FIXTURE_SETS:
        idx = os.path.join(d, "index.json")
        if not os.path.exists(idx):
            continue
        for item in json.load(open(idx)):
            o = item.get("origin", {})
            gen = o.get("generator")
            if gen == "dicom":
                files.append((os.path.basename(o["file"]), f"src/eval/fixtures/{os.path.basename(d)}/{item['name']}"))
            elif gen not in TS_GENERATORS:
                raise SystemExit(f"fixture {item['name']}: unknown origin {o}; decide whether the corpus may hold it")
            png = os.path.join(d, item["file"])
            if os.path.exists(png):
                refs.append((f"fixture {os.path.basename(d)}/{item['file']}", gray_or_rgb(photo(png))))
    for base, why in D.HELDOUT_SOURCES:
        files.append((base, why))
    for im in D.heldout_images():  # the prior's own held-out set, as evaluate.py sees it (256², padded)
        refs.append((f"data.heldout_images {im.name}", gray_or_rgb(to8(np.asarray(im.pixels)))))
    return files, refs


def render_excluded(basename: str) -> List[np.ndarray]:
    """Every window of an excluded file, found among the packages' files, for the pixel comparison."""
    out = []
    for root, pkg in ((PYD, "python3-pydicom"), ("/usr/share/doc/libgdcm3.0/examples", "libgdcm3.0"), (SKI, "python3-skimage")):
        real = locate(pkg, f"{root}/{basename}")
        if not real:
            continue
        if basename.endswith(".dcm"):
            ds = _dcmread(real)
            ct = str(ds.get("Modality", "")) == "CT"
            out += [e.pixels for e in dicom_entries(pkg, f"{root}/{basename}", "", windows=tuple(CT_WINDOWS) if ct else
                                                    MR_WINDOWS + [(0, 100), (0, 99.5)], count=64)]
        else:
            out.append(gray_or_rgb(photo(real)))
    return out


def build(verbose: bool = True):
    """(kept entries, excluded rows): the corpus after the evaluation rule and deduplication."""
    files, refs = evaluation_sources()
    excluded_names = {b for b, _ in files}
    why_file = {}
    for b, why in files:
        why_file.setdefault(b, []).append(why)
    ref_pixels = list(refs)
    for b in sorted(excluded_names):
        ref_pixels += [(f"excluded file {b}", px) for px in render_excluded(b)]
    ref_sha = {sha_pixels(px): n for n, px in ref_pixels}
    ref_sigs = [signature(thumbnail(px)) for _, px in ref_pixels]
    kept, excluded, seen_sha, kept_sigs = [], [], {}, []
    for e in sources():
        e.version = e.version or version(e.package)
        e.sha256 = sha_pixels(e.pixels)
        reason = None
        if os.path.basename(e.file) in excluded_names:
            reason = "evaluation source file: " + "; ".join(why_file[os.path.basename(e.file)])
        elif min(e.pixels.shape[:2]) < MIN_SIDE:
            reason = f"smaller than {MIN_SIDE} px"
        elif e.pixels.std() < 2:
            reason = "flat (8-bit standard deviation below 2)"
        elif e.sha256 in ref_sha:
            reason = "same pixels as " + ref_sha[e.sha256]
        else:
            th = thumbnail(e.pixels)
            m = match(signature(th), ref_sigs, EVAL_MATCH)
            if m is not None:
                reason = f"looks like {ref_pixels[m][0]} (thumbnail correlation >= {EVAL_MATCH})"
            elif e.sha256 in seen_sha:
                reason = "duplicate of " + seen_sha[e.sha256]
            else:
                d = near_duplicate(th, [t for t, _ in kept_sigs])
                if d is not None:
                    reason = "near-duplicate of " + kept_sigs[d][1]
                else:
                    kept_sigs.append((th, f"{e.file} [{e.frame}] {e.window}"))
        if reason:
            excluded.append((e, reason))
        else:
            seen_sha[e.sha256] = f"{e.file} [{e.frame}] {e.window}"
            kept.append(e)
    if verbose:
        print(f"corpus: {len(kept)} images kept, {len(excluded)} excluded", flush=True)
    return kept, excluded


# ---------------------------------------------------------------- manifest

COLUMNS = ["index", "kind", "package", "version", "file", "frame", "window", "licence", "width", "height",
           "channels", "sha256"]


def manifest_rows(entries: List[Entry]) -> List[List[str]]:
    return [[str(i), e.kind, e.package, e.version, e.file, e.frame, e.window, e.licence, str(e.width), str(e.height),
             "3" if e.pixels.ndim == 3 else "1", e.sha256] for i, e in enumerate(entries)]


def write_manifest(kept: List[Entry], excluded) -> None:
    with open(MANIFEST, "w") as f:
        f.write("# Training images of the embedded prior (model/embedded/corpus.py); sha256 is of the 8-bit pixels\n")
        f.write("# as corpus.sha_pixels hashes them (shape, dtype, then the bytes). Evaluations must exclude these.\n")
        f.write("\t".join(COLUMNS) + "\n")
        for r in manifest_rows(kept):
            f.write("\t".join(r) + "\n")
    with open(EXCLUDED, "w") as f:
        f.write("# Candidates left out of the training corpus and why (model/embedded/corpus.py)\n")
        f.write("\t".join(["kind", "package", "version", "file", "frame", "window", "sha256", "reason"]) + "\n")
        for base, why in evaluation_sources()[0]:
            f.write("\t".join(["-", "-", "-", base, "all", "all", "-", "evaluation source file, never read: " + why]) + "\n")
        for e, why in excluded:
            f.write("\t".join([e.kind, e.package, e.version, e.file, e.frame, e.window, e.sha256, why]) + "\n")
    summary = {"images": len(kept), "excluded": len(excluded), "byKind": {}, "byPackage": {},
               "manifestSha256": hashlib.sha256(open(MANIFEST, "rb").read()).hexdigest()}
    for e in kept:
        summary["byKind"][e.kind] = summary["byKind"].get(e.kind, 0) + 1
        k = summary["byPackage"].setdefault(e.package, {"version": e.version, "images": 0, "files": set(), "licences": set()})
        k["images"] += 1
        k["files"].add(e.file)
        k["licences"].add(e.licence)
    for k in summary["byPackage"].values():
        k["files"], k["licences"] = len(k["files"]), sorted(k["licences"])
    with open(SUMMARY, "w") as f:
        json.dump(summary, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "byPackage"}, indent=1))
    for pkg, k in summary["byPackage"].items():
        print(f"  {pkg:28s} {k['version']:28s} {k['images']:4d} images from {k['files']:3d} files  {'; '.join(k['licences'])}")


def read_manifest(path: str = MANIFEST) -> List[dict]:
    rows = [l.rstrip("\n").split("\t") for l in open(path) if not l.startswith("#")]
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def check(kept: List[Entry]) -> bool:
    """True when the built corpus is the committed manifest, image for image."""
    if not os.path.exists(MANIFEST):
        print("no committed manifest", flush=True)
        return False
    want = [(r["file"], r["frame"], r["window"], r["sha256"]) for r in read_manifest()]
    got = [(e.file, e.frame, e.window, e.sha256) for e in kept]
    if want == got:
        print(f"corpus matches {os.path.relpath(MANIFEST, REPO)} ({len(got)} images)", flush=True)
        return True
    missing, extra = set(want) - set(got), set(got) - set(want)
    print(f"corpus differs from {os.path.relpath(MANIFEST, REPO)}: {len(missing)} manifest images missing, "
          f"{len(extra)} not in the manifest (package versions, or a package not fetched?)", flush=True)
    for m in sorted(missing)[:10]:
        print("  missing:", m, flush=True)
    return False


# ---------------------------------------------------------------- pack (for a machine without the packages)

PACK_INDEX = "index.tsv"


def write_pack(kept: List[Entry], out: str) -> None:
    """Each image as a lossless PNG plus an index (row, kind, sha256 of the 8-bit pixels)."""
    from PIL import Image
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, PACK_INDEX), "w") as f:
        f.write("index\tkind\tsha256\tname\n")
        for i, e in enumerate(kept):
            Image.fromarray(e.pixels).save(os.path.join(out, f"{i:04d}.png"), optimize=True)
            f.write(f"{i}\t{e.kind}\t{e.sha256}\t{e.package}:{os.path.basename(e.file)}[{e.frame}]{e.window}\n")
    print(f"packed {len(kept)} images into {out}", flush=True)


def read_pack(pack: str) -> List[Tuple[str, str, np.ndarray]]:
    """(name, kind, uint8 pixels) of a pack, each checked against its sha256 and the committed manifest."""
    from PIL import Image
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(pack, PACK_INDEX))][1:]
    want = [r["sha256"] for r in read_manifest()]
    if [r[2] for r in rows] != want:
        raise SystemExit(f"{pack} is not the corpus of {os.path.relpath(MANIFEST, REPO)}: rebuild it with `pack`")
    out = []
    for index, kind, sha, name in rows:
        px = np.asarray(Image.open(os.path.join(pack, f"{int(index):04d}.png")))
        if sha_pixels(px) != sha:
            raise SystemExit(f"{pack}/{int(index):04d}.png does not hold the pixels its index names")
        out.append((name, kind, px))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["fetch", "manifest", "check", "pack"])
    ap.add_argument("out", nargs="?", help="pack: the folder to write")
    args = ap.parse_args()
    if args.command == "fetch":
        fetch(DATA_PACKAGES)
        return
    kept, excluded = build()
    if args.command == "manifest":
        write_manifest(kept, excluded)
    elif args.command == "pack":
        if not args.out or not check(kept):
            raise SystemExit("pack needs an output folder and a corpus that matches the manifest")
        write_pack(kept, args.out)
    else:
        sys.exit(0 if check(kept) else 1)


if __name__ == "__main__":
    main()
