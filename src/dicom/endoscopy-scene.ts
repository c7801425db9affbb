/**
 * Linear scene radiance of a colonoscopy view, for the endoscopy sample frame: a lumen seen
 * down its axis (the light source sits at the lens, so the near wall is bright and the far lumen
 * dark), haustral folds with lit crests and shadowed backs, mucosal texture, a branching
 * submucosal vessel network that absorbs green and blue more than red, and specular
 * reflections on wet fold crests. Clinical assumption: the look of a normal colon under
 * white light, not any real examination.
 */
import { randomSource } from './phantom-anatomy.js';
import { smoothField, stampDisc } from './sample-raster.js';

/** Linear RGB radiance, row-major, 3 values per pixel; 1 = a white diffuser at the brightest spot. */
export interface LinearRgb {
  width: number;
  height: number;
  data: Float32Array;
}

/** Normalised geometry: image circle radius and lumen centre, in units of half the frame height. */
export const SCENE = { circle: 1.08, lumenX: 0.22, lumenY: -0.14 } as const;

/** Mucosa reflectance (R, G, B) and how much a vessel of full strength removes from each channel. */
const MUCOSA = [0.95, 0.42, 0.3] as const;
const VESSEL_ABSORPTION = [0.22, 0.6, 0.5] as const;

/** Fold crest profile at fold phase f: 1 on a crest, 0 between folds. */
function crest(f: number): number {
  return Math.max(0, Math.cos(2 * Math.PI * f)) ** 6;
}

/** Vessel strength 0…1 per pixel: random walks that branch, thicker near the lens; sizes scale with the frame (480 rows = 1). */
export function vesselMap(width: number, height: number, seed: number): Float32Array {
  const rand = randomSource(seed);
  const map = new Float32Array(width * height);
  const half = height / 2;
  const px = height / 480;
  const walk = (x0: number, y0: number, dir0: number, radius0: number, strength: number, steps: number, depth: number) => {
    let x = x0;
    let y = y0;
    let dir = dir0;
    let radius = radius0;
    for (let s = 0; s < steps && radius > 0.35; s++) {
      dir += (rand() - 0.5) * 0.45;
      x += Math.cos(dir) * 1.2 * px;
      y += Math.sin(dir) * 1.2 * px;
      if (x < 0 || y < 0 || x >= width || y >= height) return;
      // Perspective: vessels far down the lumen are thin and faint.
      const rho = Math.hypot((x - width / 2) / half - SCENE.lumenX, (y - half) / half - SCENE.lumenY);
      const scale = Math.min(1, rho / 0.7);
      stampDisc(map, width, height, x, y, radius * scale * px, strength * (0.4 + 0.6 * scale));
      radius *= 0.997;
      if (depth < 3 && rand() < 0.012) walk(x, y, dir + (rand() < 0.5 ? -1 : 1) * (0.5 + 0.6 * rand()), radius * 0.7, strength * 0.9, steps / 2, depth + 1);
    }
  };
  for (let v = 0; v < 16; v++) {
    walk(rand() * width, rand() * height, rand() * 2 * Math.PI, 1.2 + 1.8 * rand(), 0.55 + 0.4 * rand(), 160 + 200 * rand(), 0);
  }
  return map;
}

/** The colon scene's linear radiance, before the lens's vignetting and the sensor. */
export function colonRadiance(width: number, height: number, seed: number): LinearRgb {
  const rand = randomSource(seed ^ 0x0c0105);
  const half = height / 2;
  const fine = smoothField(width, height, 1.3, seed + 1);
  const mottle = smoothField(width, height, 10, seed + 2);
  const foldWarp = smoothField(width, height, 40, seed + 3);
  const vessels = vesselMap(width, height, seed + 4);
  const foldFrequency = 0.95 + 0.25 * rand();
  const foldTwist = 2 * Math.PI * rand();
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const u = (x + 0.5 - width / 2) / half - SCENE.lumenX;
      const v = (y + 0.5 - half) / half - SCENE.lumenY;
      const rho = Math.hypot(u, v);
      const phi = Math.atan2(v, u);
      // Depth down the tube grows as 1/ρ; the light falls off with its square.
      const depth = 1 / (rho + 0.06);
      const light = Math.min(1.3, 1.6 * (rho + 0.02) ** 2.1);
      const f = depth * foldFrequency + 0.25 * Math.sin(3 * phi + foldTwist) + 0.35 * foldWarp[i];
      const shade = 1 + 0.35 * crest(f) - 0.6 * crest(f - 0.16);
      const texture = 1 + 0.05 * fine[i] + 0.08 * mottle[i];
      const vs = vessels[i];
      for (let c = 0; c < 3; c++) {
        data[3 * i + c] = Math.max(0, light * shade * texture * MUCOSA[c] * (1 - VESSEL_ABSORPTION[c] * vs));
      }
    }
  }
  addSpecularHighlights(data, width, height, foldFrequency, foldTwist, foldWarp, rand);
  return { width, height, data };
}

/** Small elongated glints where a fold crest faces the light; far brighter than the diffuse mucosa. */
function addSpecularHighlights(
  data: Float32Array,
  width: number,
  height: number,
  foldFrequency: number,
  foldTwist: number,
  foldWarp: Float32Array,
  rand: () => number,
): void {
  const half = height / 2;
  let placed = 0;
  for (let tries = 0; tries < 4000 && placed < 14; tries++) {
    const x = rand() * width;
    const y = rand() * height;
    const u = (x - width / 2) / half - SCENE.lumenX;
    const v = (y - half) / half - SCENE.lumenY;
    const rho = Math.hypot(u, v);
    if (rho < 0.3 || Math.hypot((x - width / 2) / half, (y - half) / half) > SCENE.circle * 0.92) continue;
    const i = Math.floor(y) * width + Math.floor(x);
    const f = (1 / (rho + 0.06)) * foldFrequency + 0.25 * Math.sin(3 * Math.atan2(v, u) + foldTwist) + 0.35 * foldWarp[i];
    if (crest(f) < 0.8) continue;
    placed++;
    const along = Math.atan2(v, u) + Math.PI / 2; // crests run around the lumen
    const len = 2 + 5 * rand() * rho;
    const wid = 1.2 + 1.8 * rand();
    const peak = 4 + 4 * rand();
    const r = Math.ceil(3 * len);
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        const px = Math.floor(x) + dx;
        const py = Math.floor(y) + dy;
        if (px < 0 || py < 0 || px >= width || py >= height) continue;
        const a = (dx * Math.cos(along) + dy * Math.sin(along)) / len;
        const b = (-dx * Math.sin(along) + dy * Math.cos(along)) / wid;
        const k = peak * Math.exp(-0.5 * (a * a + b * b));
        if (k < 0.002) continue;
        const j = 3 * (py * width + px);
        for (let c = 0; c < 3; c++) data[j + c] += k;
      }
    }
  }
}
