/**
 * Synthetic held-out images for the evaluation, none of which the embedded prior trains on
 * (model/embedded/data.py trains on its own Python phantom, pydicom/GDCM/dicom3tools slices and
 * skimage images): CT slices of the node's TypeScript phantom (src/dicom/phantom-anatomy.ts) in a
 * CT window, a T1-like MR slice made by mapping the same anatomy's tissue classes to MR
 * intensities, and an endoscopy-like RGB frame. Pure and seeded.
 */
import { HU, phantomSlice, randomSource } from '../dicom/phantom-anatomy.js';
import { stampDisc } from '../dicom/sample-raster.js';
import type { GrayImage } from '../enhance/image-planes.js';
import { applyWindow } from '../render/voi-window.js';
import type { RgbImage } from '../render/rgb-image.js';
import { CT_WINDOW_PRESETS } from '../render/window-presets.js';
import { gaussianBlur } from './degradations.js';
import type { EvalSetEntry } from './heldout-set.js';

export interface SliceSpec {
  rows: number;
  columns: number;
  /** Position in the phantom's scanned range, 0 (top of the thorax) … 1 (abdomen). */
  t: number;
  seed: number;
  /** MR only: σ of the complex noise relative to full scale (default 0.03). */
  noise?: number;
}

/** A phantom CT slice windowed with a built-in CT window (linear VOI, PS3.3 C.11.2.1.2). */
export function phantomCtGray(spec: SliceSpec, windowName: keyof typeof CT_WINDOW_PRESETS & string = 'soft-tissue'): GrayImage {
  const hu = phantomSlice({ rows: spec.rows, columns: spec.columns, t: spec.t, noise: 8, seed: spec.seed });
  const window = CT_WINDOW_PRESETS[windowName];
  if (!window) throw new RangeError(`unknown CT window ${windowName}`);
  return { width: spec.columns, height: spec.rows, gray: applyWindow(hu, window) };
}

/** T1-like grey level (0…1) of a phantom HU value: fat and marrow bright, water mid, air/cortex dark. */
export function t1Intensity(hu: number): number {
  if (hu <= HU.lung + 75) return 0.03; // air, lung
  if (hu <= (HU.fat + HU.softTissue) / 2) return 0.9; // fat
  if (hu <= HU.liver + 5) return hu >= HU.blood - 5 ? (hu >= HU.liver - 5 ? 0.5 : 0.32) : 0.42; // muscle, blood, liver
  if (hu <= HU.blood + 160) return 0.12; // aorta: flow void
  if (hu <= HU.trabecularBone + 50) return 0.72; // marrow
  return 0.06; // cortical bone, ribs
}

/** A T1-like MR slice of the phantom anatomy: smooth bias field, partial-volume blur, Rician-like noise. */
export function phantomMrGray(spec: SliceSpec): GrayImage {
  const hu = phantomSlice({ rows: spec.rows, columns: spec.columns, t: spec.t, noise: 0, seed: spec.seed });
  const rand = randomSource(spec.seed ^ 0x5eed);
  const w = spec.columns;
  const h = spec.rows;
  const noise = spec.noise ?? 0.03;
  const gray = new Uint8Array(w * h);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.round(255 * t1Intensity(hu[i]!));
  const blurred = gaussianBlur({ width: w, height: h, gray }, 0.8);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const bias = 0.9 + 0.1 * Math.cos((Math.PI * (x - 0.3 * w)) / w) * Math.cos((Math.PI * (y - 0.6 * h)) / h);
      const s = (blurred.gray[i]! / 255) * bias;
      const n1 = (rand() + rand() + rand() - 1.5) * noise;
      const n2 = (rand() + rand() + rand() - 1.5) * noise;
      blurred.gray[i] = Math.min(255, Math.round(255 * Math.hypot(s + n1, n2)));
    }
  }
  return blurred;
}

/** Smooth value noise in about [−1, 1]: random lattice values every `period` px, smoothstep-interpolated. */
export function valueNoise(width: number, height: number, period: number, seed: number): Float32Array {
  const gw = Math.ceil(width / period) + 2;
  const gh = Math.ceil(height / period) + 2;
  const rand = randomSource(seed);
  const lattice = Float32Array.from({ length: gw * gh }, () => 2 * rand() - 1);
  const out = new Float32Array(width * height);
  const smooth = (f: number) => f * f * (3 - 2 * f);
  for (let y = 0; y < height; y++) {
    const gy = y / period;
    const iy = Math.floor(gy);
    const fy = smooth(gy - iy);
    for (let x = 0; x < width; x++) {
      const gx = x / period;
      const ix = Math.floor(gx);
      const fx = smooth(gx - ix);
      const a = lattice[iy * gw + ix]! + (lattice[iy * gw + ix + 1]! - lattice[iy * gw + ix]!) * fx;
      const b = lattice[(iy + 1) * gw + ix]! + (lattice[(iy + 1) * gw + ix + 1]! - lattice[(iy + 1) * gw + ix]!) * fx;
      out[y * width + x] = a + (b - a) * fy;
    }
  }
  return out;
}

/**
 * An endoscopy-like RGB frame: a circular field of view on black with a dark vignetted rim, pink
 * mucosa with smooth shading and a granular texture (value noise at three scales), a dark lumen
 * off-centre where the light does not reach, a branching network of darker vessels and a few
 * specular highlights.
 */
export function endoscopyLikeRgb(width: number, height: number, seed: number): RgbImage {
  const rand = randomSource(seed);
  const waves = Array.from({ length: 6 }, () => ({ fx: 1 + 4 * rand(), fy: 1 + 4 * rand(), phase: 6.283 * rand(), amp: 0.04 + 0.05 * rand() }));
  const vessel = new Float32Array(width * height);
  for (let v = 0; v < 14; v++) {
    let x = rand() * width;
    let y = rand() * height;
    let dir = rand() * 6.283;
    const radius = 0.6 + 1.6 * rand();
    const depth = 0.35 + 0.5 * rand();
    for (let step = 0; step < 3 * Math.max(width, height); step++) {
      dir += (rand() - 0.5) * 0.35;
      x += Math.cos(dir);
      y += Math.sin(dir);
      if (x < 0 || y < 0 || x >= width || y >= height) break;
      stampDisc(vessel, width, height, x, y, radius, depth);
    }
  }
  const highlights = Array.from({ length: 4 }, () => ({ x: rand() * width, y: rand() * height, r: 1.5 + 3 * rand() }));
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const fov = 0.48 * Math.min(width, height);
  const lumenAngle = 6.283 * rand();
  const lumenR = fov * (0.12 + 0.1 * rand());
  const lumen = { x: cx + 0.5 * fov * Math.cos(lumenAngle), y: cy + 0.5 * fov * Math.sin(lumenAngle) };
  const scale = Math.min(width, height) / 256;
  const texture = [24, 10, 4].map((period, k) => ({ noise: valueNoise(width, height, Math.max(2, period * scale), (seed ^ 0x7e47) + k), amp: [0.07, 0.05, 0.035][k]! }));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(x - cx, y - cy) / fov;
      if (d > 1) continue;
      let shade = 1;
      for (const w of waves) shade += w.amp * Math.sin((w.fx * x) / width * 6.283 + (w.fy * y) / height * 6.283 + w.phase);
      for (const t of texture) shade += t.amp * t.noise[y * width + x]!;
      shade *= 1 - 0.45 * d * d;
      shade *= 1 - 0.85 * Math.exp(-((x - lumen.x) ** 2 + (y - lumen.y) ** 2) / (2 * lumenR * lumenR));
      const edge = Math.min(1, (1 - d) * 40) * (1 - 0.5 * Math.max(0, d - 0.8) / 0.2);
      const vs = vessel[y * width + x]!;
      let r = (0.86 - 0.3 * vs) * shade;
      let g = (0.48 - 0.3 * vs) * shade;
      let b = (0.42 - 0.22 * vs) * shade;
      for (const hl of highlights) {
        const k = Math.exp(-((x - hl.x) ** 2 + (y - hl.y) ** 2) / (2 * hl.r * hl.r));
        r += (1 - r) * k;
        g += (1 - g) * k;
        b += (1 - b) * k;
      }
      const i = 3 * (y * width + x);
      data[i] = Math.round(255 * Math.min(1, r * edge));
      data[i + 1] = Math.round(255 * Math.min(1, g * edge));
      data[i + 2] = Math.round(255 * Math.min(1, b * edge));
    }
  }
  return gaussianBlur({ width, height, data }, 0.6);
}

/** A generated image of an evaluation set. */
export type SyntheticSpec =
  | { generator: 'phantom-ct'; rows: number; columns: number; t: number; seed: number; window: string }
  | { generator: 'phantom-mr'; rows: number; columns: number; t: number; seed: number; noise: number }
  | { generator: 'endoscopy'; rows: number; columns: number; seed: number };

const HEADERS = {
  'phantom-ct': { Modality: 'CT', PhotometricInterpretation: 'MONOCHROME2' },
  'phantom-mr': { Modality: 'MR', PhotometricInterpretation: 'MONOCHROME2' },
  endoscopy: { Modality: 'ES', PhotometricInterpretation: 'RGB' },
} as const;

/** Render a set image and describe it (index entry without the file name). */
export function syntheticSetItem(name: string, spec: SyntheticSpec, gate = false): { entry: Omit<EvalSetEntry, 'file'>; image: GrayImage | RgbImage } {
  const size = `${spec.columns}×${spec.rows}`;
  const header = HEADERS[spec.generator];
  switch (spec.generator) {
    case 'phantom-ct': {
      const w = CT_WINDOW_PRESETS[spec.window];
      if (!w) throw new RangeError(`unknown CT window ${spec.window}`);
      const source = `TypeScript phantom (src/dicom/phantom-anatomy.ts), t = ${spec.t}, seed ${spec.seed}, ${size}, ${w.name} window ${w.center}/${w.width}`;
      return { entry: { name, header, source, origin: { generator: 'phantom-ct', t: spec.t, seed: spec.seed }, window: { name: w.name, center: w.center, width: w.width }, gate }, image: phantomCtGray(spec, spec.window) };
    }
    case 'phantom-mr': {
      const source = `phantom anatomy with T1-like intensities (synthetic-slices.ts), t = ${spec.t}, seed ${spec.seed}, noise ${spec.noise}, ${size}`;
      return { entry: { name, header, source, origin: { generator: 'phantom-mr', t: spec.t, seed: spec.seed }, gate }, image: phantomMrGray(spec) };
    }
    case 'endoscopy': {
      const source = `endoscopy-like RGB frame (synthetic-slices.ts), seed ${spec.seed}, ${size}`;
      return { entry: { name, header, source, origin: { generator: 'endoscopy', seed: spec.seed }, gate }, image: endoscopyLikeRgb(spec.columns, spec.rows, spec.seed) };
    }
  }
}
