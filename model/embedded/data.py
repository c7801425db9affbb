"""Training and held-out images for the embedded prior, all as float32 arrays in [0, 1], HxWx3.

Training images (`training_images()`) are the corpus of corpus.py, image for image as listed in
training-manifest.tsv: windowed CT/MR/NM slices and volumes from Debian packages' DICOM, NIfTI and
MetaImage test data (pydicom, nibabel, dipy, heudiconv, dicom3tools, ITK and elastix examples,
the MNI Colin27 brain from mricron-data), medical and natural photographs (scikit-image, SciPy,
matplotlib, the Lomiri 16.04 wallpapers under CC-BY/CC0, the JPEG XL test photographs) and
synthetic CT-phantom-like slices (body outline on a black background, organs, lungs with vessels,
bone, texture), generated from a seed. Sources and licences: corpus-sources.md.
Grayscale images are replicated to RGB (a read-only zero-copy view).

Held-out images (`heldout_images()`) come from HELDOUT_SOURCES, which the corpus excludes whole.
"""
import os
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from typing import List

import numpy as np
from scipy import ndimage

warnings.filterwarnings("ignore")

PYDICOM_FILES = "/usr/lib/python3/dist-packages/pydicom/data/test_files"
MR_MOSAIC = "/usr/share/doc/dicom3tools/examples/0051.dcm"
XA_GDCM = "/usr/share/doc/libgdcm3.0/examples/00191113.dcm"

CT_WINDOWS = {"soft": (40, 400), "lung": (-600, 1500), "bone": (400, 1800), "brain": (40, 80)}
MR_PERCENTILES = [(0.5, 99.5), (1.0, 98.0), (0.0, 99.9)]
PHANTOM_SEED, PHANTOM_COUNT = 1234, 160
# Source files of heldout_images(): corpus.py leaves every slice, frame and window of them out.
HELDOUT_SOURCES = [
    ("J2K_pixelrep_mismatch.dcm", "data.heldout_images ct-head (pydicom)"),
    ("JPEG2000.dcm", "data.heldout_images nm-whole-body-2 (pydicom)"),
    ("00191113.dcm", "data.heldout_images xa/3 (GDCM; the other frames of the run are left out too)"),
    ("coffee.png", "data.heldout_images coffee (skimage)"),
    ("chelsea.png", "data.heldout_images cat (skimage.data.cat() is chelsea.png)"),
]


@dataclass
class Image:
    name: str
    pixels: np.ndarray  # HxWx3 float32 in [0, 1]
    kind: str  # medical | natural | phantom


def _rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(np.clip(gray, 0, 1).astype(np.float32)[..., None], 3, axis=2)


def _read(path: str) -> np.ndarray:
    """Pixel data of a DICOM file; JPEG-compressed files are decompressed with dcmdjpeg first."""
    import pydicom  # here, not at the top: a GPU machine trains from a pack and has no pydicom
    try:
        return pydicom.dcmread(path).pixel_array
    except Exception:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "d.dcm")
            subprocess.run(["dcmdjpeg", path, out], check=True, capture_output=True)
            return pydicom.dcmread(out).pixel_array


def _hu(path: str) -> np.ndarray:
    import pydicom
    ds = pydicom.dcmread(path)
    hu = _read(path).astype(np.float32) * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
    return hu


def ct_window(hu: np.ndarray, center: float, width: float) -> np.ndarray:
    return np.clip((hu - (center - width / 2)) / width, 0, 1)


def percentile_window(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    a = a.astype(np.float32)
    vlo, vhi = np.percentile(a, [lo, hi])
    return np.clip((a - vlo) / max(vhi - vlo, 1e-6), 0, 1)


def phantom(rng: np.random.Generator, size: int = 320) -> np.ndarray:
    """A CT-like axial slice: body ellipse with fat ring, organs, lungs with vessels, bones, texture."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    img = np.zeros((size, size), np.float32)

    def ellipse(cx, cy, ax, ay, angle=0.0, wobble=0.0):
        c, s = np.cos(angle), np.sin(angle)
        u, v = (xx - cx) * c + (yy - cy) * s, -(xx - cx) * s + (yy - cy) * c
        r = (u / ax) ** 2 + (v / ay) ** 2
        if wobble:
            r = r * (1 + wobble * np.sin(3 * np.arctan2(v, u) + rng.uniform(0, 6)))
        return r <= 1

    cx, cy = rng.uniform(-0.08, 0.08, 2)
    ax, ay = rng.uniform(0.2, 0.44), rng.uniform(0.15, 0.4)
    body = ellipse(cx, cy, ax, ay, rng.uniform(-0.3, 0.3), rng.uniform(0, 0.08))
    inner = ellipse(cx, cy, ax * 0.9, ay * 0.88)
    img[body] = rng.uniform(0.25, 0.4)  # fat
    tissue = rng.uniform(0.45, 0.6)
    img[inner] = tissue
    for _ in range(rng.integers(2, 8)):  # organs
        m = ellipse(cx + rng.uniform(-0.6, 0.6) * ax, cy + rng.uniform(-0.5, 0.5) * ay,
                    rng.uniform(0.04, 0.35) * ax, rng.uniform(0.04, 0.35) * ay, rng.uniform(0, 3)) & inner
        img[m] = np.clip(tissue + rng.uniform(-0.2, 0.25), 0, 1)
    if rng.random() < 0.5:  # lungs with vessels
        for side in (-1, 1):
            m = ellipse(cx + side * ax * 0.45, cy - ay * 0.05, ax * 0.35, ay * 0.6, side * 0.2) & inner
            img[m] = rng.uniform(0.02, 0.12)
            dots = (rng.random((size, size)) < 0.004) & m
            img[ndimage.binary_dilation(dots, iterations=int(rng.integers(1, 3)))] = rng.uniform(0.4, 0.6)
    for _ in range(rng.integers(1, 5)):  # bone: rings and solid
        bx, by = cx + rng.uniform(-0.5, 0.5) * ax, cy + rng.uniform(0.2, 0.8) * ay
        r = rng.uniform(0.02, 0.06)
        m = ellipse(bx, by, r, r * rng.uniform(0.7, 1.3)) & body
        img[m] = rng.uniform(0.85, 1.0)
        if rng.random() < 0.6:
            img[ellipse(bx, by, r * 0.6, r * 0.6) & m] = rng.uniform(0.5, 0.7)
    texture = ndimage.gaussian_filter(rng.standard_normal((size, size)).astype(np.float32), rng.uniform(1, 4))
    img = np.where(img > 0, img + 0.08 * texture / (texture.std() + 1e-6) * rng.uniform(0.1, 0.5), 0)
    if rng.random() < 0.4:  # scanner table
        ty = cy + ay + rng.uniform(0.03, 0.08)
        img[(np.abs(yy - ty) < 0.006) & (np.abs(xx - cx) < 0.4)] = rng.uniform(0.3, 0.6)
    img = ndimage.gaussian_filter(img, rng.uniform(0.5, 1.2))
    img = img + rng.uniform(0, 0.02) * rng.standard_normal(img.shape).astype(np.float32) * (img > 0.02)
    return np.clip(img, 0, 1)


def _natural(names: List[str]) -> List[Image]:
    import skimage.data as d
    out = []
    for n in names:
        a = getattr(d, n)()
        a = a[0] if isinstance(a, tuple) else a
        a = a[..., :3] if a.ndim == 3 else a
        a = a.astype(np.float32)
        a = a / 255.0 if a.max() > 1.5 else a
        out.append(Image(n, a if a.ndim == 3 else _rgb(a), "natural"))
    return out


def _float_rgb(px: np.ndarray) -> np.ndarray:
    """8-bit corpus pixels as float32 HxWx3 in [0, 1]; grey becomes a zero-copy RGB view (read-only)."""
    a = px.astype(np.float32) / 255.0
    return a if a.ndim == 3 else np.broadcast_to(a[..., None], a.shape + (3,))


def training_images(pack: str | None = None) -> List[Image]:
    """The training corpus of corpus.py (one Image per row of training-manifest.tsv, same order).

    From `pack` (a folder written by `corpus.py pack`, checked image for image against the manifest)
    where given, else built from the packages on this machine. A build says whether it is the
    committed manifest; when it is not (another package version, a data package not fetched),
    training goes on with what was built and the difference is printed, so a run's log tells which
    images it saw."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from embedded import corpus
    if pack:
        return [Image(name, _float_rgb(px), kind) for name, kind, px in corpus.read_pack(pack)]
    kept, _ = corpus.build(verbose=False)
    corpus.check(kept)
    return [Image(f"{e.package}:{os.path.basename(e.file)}[{e.frame}]{e.window}", _float_rgb(e.pixels), e.kind)
            for e in kept]


def legacy_training_images() -> List[Image]:
    """The 195 images the shipped embedded.onnx was trained on (manifest.yaml), kept to reproduce that run.
    Note: its natural image chelsea is skimage.data.cat(), which heldout_images() reports on."""
    imgs: List[Image] = []
    hu = _hu(os.path.join(PYDICOM_FILES, "693_J2KI.dcm"))
    for w in ("soft", "bone", "brain", "lung"):
        imgs.append(Image(f"693_J2KI/{w}", _rgb(ct_window(hu, *CT_WINDOWS[w])), "medical"))
    hu = _hu(os.path.join(PYDICOM_FILES, "CT_small.dcm"))
    for w in ("soft", "lung", "bone"):
        imgs.append(Image(f"CT_small/{w}", _rgb(ct_window(hu, *CT_WINDOWS[w])), "medical"))
    mr = _read(MR_MOSAIC)
    for lo, hi in MR_PERCENTILES:
        imgs.append(Image(f"0051-mr/{lo}-{hi}", _rgb(percentile_window(mr, lo, hi)), "medical"))
    mr = _read(os.path.join(PYDICOM_FILES, "MR_small.dcm"))
    imgs.append(Image("MR_small", _rgb(percentile_window(mr, 0.5, 99.5)), "medical"))
    xa = _read(XA_GDCM)
    for f in range(3):
        imgs.append(Image(f"xa/{f}", _rgb(percentile_window(xa[f], 0, 100)), "medical"))
    nm = _read(os.path.join(PYDICOM_FILES, "JPEG-lossy.dcm"))
    imgs.append(Image("nm-whole-body", _rgb(percentile_window(nm, 0, 99.5)), "medical"))
    imgs.append(Image("image_dfl", _rgb(_read(os.path.join(PYDICOM_FILES, "image_dfl.dcm")) / 255.0), "medical"))
    import skimage.data as d
    imgs.append(Image("shepp_logan", _rgb(d.shepp_logan_phantom()), "medical"))
    imgs += _natural(["camera", "astronaut", "chelsea", "rocket", "retina", "moon", "coins",
                      "hubble_deep_field", "immunohistochemistry", "grass", "gravel", "brick",
                      "page", "text", "clock", "microaneurysms", "stereo_motorcycle", "colorwheel"])
    rng = np.random.default_rng(PHANTOM_SEED)
    imgs += [Image(f"phantom/{i}", _rgb(phantom(rng)), "phantom") for i in range(PHANTOM_COUNT)]
    return imgs


def _fit256(a: np.ndarray) -> np.ndarray:
    """Resize to 256x256 keeping the aspect ratio, padding with black (the way the engine tiles)."""
    from skimage.transform import resize
    h, w = a.shape[:2]
    s = 256 / max(h, w)
    r = resize(a, (max(1, round(h * s)), max(1, round(w * s)), 3), anti_aliasing=True, order=1)
    out = np.zeros((256, 256, 3), np.float32)
    y, x = (256 - r.shape[0]) // 2, (256 - r.shape[1]) // 2
    out[y:y + r.shape[0], x:x + r.shape[1]] = r
    return out


def heldout_images() -> List[Image]:
    """256x256 images never seen in training: a head CT (two windows), an XA frame, a whole-body NM,
    two natural images and two phantoms from a different seed."""
    imgs: List[Image] = []
    hu = _hu(os.path.join(PYDICOM_FILES, "J2K_pixelrep_mismatch.dcm"))
    imgs.append(Image("ct-head/soft", _fit256(_rgb(ct_window(hu, *CT_WINDOWS["soft"]))), "medical"))
    imgs.append(Image("ct-head/bone", _fit256(_rgb(ct_window(hu, *CT_WINDOWS["bone"]))), "medical"))
    xa = _read(XA_GDCM)
    imgs.append(Image("xa/3", _fit256(_rgb(percentile_window(xa[3], 0, 100))), "medical"))
    nm = _read(os.path.join(PYDICOM_FILES, "JPEG2000.dcm"))
    imgs.append(Image("nm-whole-body-2", _fit256(_rgb(percentile_window(nm, 0, 99.5))[:512]), "medical"))
    import skimage.data as d
    imgs += [Image(n, _fit256(i.pixels), "natural") for n, i in zip(["coffee", "cat"], _natural(["coffee", "cat"]))]
    rng = np.random.default_rng(98765)
    imgs += [Image(f"phantom/heldout{i}", _fit256(_rgb(phantom(rng))), "phantom") for i in range(2)]
    return imgs
