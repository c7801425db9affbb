/**
 * HU values of a simple thorax/abdomen phantom, in normalised axial coordinates: u from the
 * patient's right (−1) to left (+1), v from anterior (−1) to posterior (+1), both in units of
 * half the field of view; t from the top (0) to the bottom (1) of the scanned range.
 */

export const HU = {
  air: -1000,
  lung: -850,
  fat: -100,
  softTissue: 40,
  blood: 50,
  liver: 60,
  trabecularBone: 300,
  corticalBone: 1200,
  rib: 800,
} as const;

function inEllipse(u: number, v: number, cu: number, cv: number, au: number, av: number): boolean {
  const du = (u - cu) / au;
  const dv = (v - cv) / av;
  return du * du + dv * dv <= 1;
}

/** Smooth 0→1→0 profile over the scanned range for organs present in [from, to]. */
function profile(t: number, from: number, to: number): number {
  if (t <= from || t >= to) return 0;
  return Math.sin((Math.PI * (t - from)) / (to - from));
}

/** Noise-free HU value of the phantom at (u, v, t). */
export function phantomHu(u: number, v: number, t: number): number {
  const bodyA = 0.8;
  const bodyB = 0.55;
  if (!inEllipse(u, v, 0, 0.05, bodyA, bodyB)) return HU.air;

  // Spine: vertebral body with cortical shell, spinal canal behind it.
  if (inEllipse(u, v, 0, 0.34, 0.02, 0.02)) return HU.softTissue - 20;
  if (inEllipse(u, v, 0, 0.22, 0.075, 0.075)) {
    return inEllipse(u, v, 0, 0.22, 0.06, 0.06) ? HU.trabecularBone : HU.corticalBone;
  }
  if (inEllipse(u, v, 0, 0.42, 0.03, 0.07)) return HU.corticalBone; // spinous process

  const lungSize = profile(t, -0.1, 0.65);
  // Ribs: a ring of bony sections just inside the body wall over the thorax, none over the sternum.
  if (lungSize > 0.2) {
    for (let k = 0; k < 16; k++) {
      const theta = (2 * Math.PI * (k + 0.5)) / 16;
      if (Math.abs(theta - 1.5 * Math.PI) < 0.45) continue; // anterior midline (v < 0)
      if (inEllipse(u, v, 0.7 * Math.cos(theta), 0.05 + 0.47 * Math.sin(theta), 0.03, 0.025)) return HU.rib;
    }
  }
  if (!inEllipse(u, v, 0, 0.05, bodyA - 0.05, bodyB - 0.05)) return HU.fat; // subcutaneous fat

  if (lungSize > 0) {
    // Heart between the lungs, left of the midline.
    if (inEllipse(u, v, 0.08, -0.05, 0.2 * lungSize, 0.17 * lungSize)) return HU.blood;
    for (const side of [-1, 1]) {
      if (inEllipse(u, v, side * 0.36, 0.02, 0.24 * lungSize, 0.36 * lungSize)) return HU.lung;
    }
  }
  const liverSize = profile(t, 0.5, 1.2);
  if (liverSize > 0 && inEllipse(u, v, -0.3, 0.0, 0.3 * liverSize, 0.3 * liverSize)) return HU.liver;
  // Aorta in front of the spine.
  if (inEllipse(u, v, 0.06, 0.08, 0.045, 0.045)) return HU.blood + 150;
  return HU.softTissue;
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SliceRaster {
  rows: number;
  columns: number;
  /** Scanned-range position of the slice, 0 (top) … 1 (bottom). */
  t: number;
  /** Standard deviation of added noise in HU (0 = none). */
  noise: number;
  seed: number;
  /** Values outside the circular reconstruction field of view get this HU value, if set. */
  outsideFovHu?: number;
}

/** One axial slice of HU values, row-major. */
export function phantomSlice(r: SliceRaster): Float32Array {
  const out = new Float32Array(r.rows * r.columns);
  const rand = randomSource(r.seed);
  const half = Math.max(r.rows, r.columns) / 2;
  for (let row = 0; row < r.rows; row++) {
    const v = (row + 0.5 - r.rows / 2) / half;
    for (let col = 0; col < r.columns; col++) {
      const u = (col + 0.5 - r.columns / 2) / half;
      let hu: number;
      if (r.outsideFovHu !== undefined && u * u + v * v > 1) hu = r.outsideFovHu;
      else {
        hu = phantomHu(u, v, r.t);
        if (r.noise > 0 && hu > HU.air) {
          // Sum of three uniforms ≈ Gaussian with the requested standard deviation.
          hu += (rand() + rand() + rand() - 1.5) * 2 * r.noise;
        }
      }
      out[row * r.columns + col] = hu;
    }
  }
  return out;
}
