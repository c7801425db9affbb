/**
 * Seeded noise and raster helpers shared by the sample-study generators (low-dose CT, MR,
 * endoscopy): Gaussian and Poisson draws, a separable Gaussian blur on float rasters and smooth
 * random fields for tissue texture. Pure: same seed ⇒ same numbers.
 */
import { randomSource } from './phantom-anatomy.js';

/** A source of standard normal numbers (Box–Muller over mulberry32). */
export function gaussianSource(seed: number): () => number {
  const rand = randomSource(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - rand(); // (0, 1]: log is finite
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * rand();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

/**
 * A Poisson draw of mean `lambda` ≥ 0: exact (Knuth's product of uniforms) below 30, the
 * rounded normal approximation N(λ, λ) above, where the two agree to well under a count.
 */
export function poissonDraw(lambda: number, rand: () => number, gauss: () => number): number {
  if (!(lambda > 0)) return 0;
  if (lambda >= 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gauss()));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

/** Normalised 1-D Gaussian kernel of standard deviation `sigma` (samples), radius ⌈3σ⌉. */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable Gaussian blur of a row-major float raster, edges clamped; σ ≤ 0 returns a copy. */
export function blurRaster(data: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (data.length !== width * height) throw new RangeError(`raster of ${data.length} values is not ${width}×${height}`);
  if (!(sigma > 0)) return Float32Array.from(data);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r] * data[row + Math.min(width - 1, Math.max(0, x + i))];
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r] * tmp[Math.min(height - 1, Math.max(0, y + i)) * width + x];
      out[y * width + x] = s;
    }
  }
  return out;
}

/**
 * A smooth random field of zero mean and unit standard deviation: white noise blurred with
 * σ = `scale` pixels. Texture for fat, parenchyma, bone marrow and mucosa.
 */
export function smoothField(width: number, height: number, scale: number, seed: number): Float32Array {
  const gauss = gaussianSource(seed);
  const white = new Float32Array(width * height);
  for (let i = 0; i < white.length; i++) white[i] = gauss();
  const field = blurRaster(white, width, height, scale);
  let mean = 0;
  for (const v of field) mean += v;
  mean /= field.length;
  let variance = 0;
  for (const v of field) variance += (v - mean) ** 2;
  const sd = Math.sqrt(variance / field.length) || 1;
  for (let i = 0; i < field.length; i++) field[i] = (field[i] - mean) / sd;
  return field;
}

/** Raises `map` to strength × coverage over an anti-aliased disc of `radius` px at (x, y); what falls off the raster is skipped. */
export function stampDisc(map: Float32Array, width: number, height: number, x: number, y: number, radius: number, strength: number): void {
  const r = Math.ceil(radius + 1);
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) {
      const px = Math.round(x) + dx;
      const py = Math.round(y) + dy;
      if (px < 0 || py < 0 || px >= width || py >= height) continue;
      const a = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(px - x, py - y)));
      const j = py * width + px;
      map[j] = Math.max(map[j]!, strength * a);
    }
  }
}

/** Mean and standard deviation of the values where `mask` is true (NaN when none). */
export function maskedStats(data: ArrayLike<number>, mask: (i: number) => boolean): { mean: number; sd: number; n: number } {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < data.length; i++) {
    if (!mask(i)) continue;
    n++;
    sum += data[i];
    sq += data[i] * data[i];
  }
  const mean = sum / n;
  return { mean, sd: Math.sqrt(Math.max(0, sq / n - mean * mean)), n };
}
