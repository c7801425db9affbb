/**
 * How much an input needs brightening, judged by its bright end rather than its mean: a windowed
 * CT/MR slice or an endoscopy frame that is well exposed reaches near white somewhere (bone,
 * fat, contrast, specular tissue) even when most of it is dark tissue, while a low-light or
 * unevenly lit one does not. The start gamma then only brightens what is underexposed, and a
 * well-exposed (e.g. blurred but correctly lit) image passes unchanged. Pure.
 */

/** Bright end (0…1) at or above which an image or region counts as well exposed. */
export const WELL_EXPOSED_BRIGHT_END = 0.75;
/** Bright end at or below which the full brightening applies. */
export const UNDEREXPOSED_BRIGHT_END = 0.5;
/** Blocks along the long side of the grid the local bright end is measured on. */
export const BRIGHT_END_BLOCKS = 12;
/** Neighbourhood (in blocks) whose brightest block is the local bright end. */
export const BRIGHT_END_RADIUS_BLOCKS = 2;

/** Exposure levels at or below which brightening is full, and at or above which there is none. */
export interface ExposureLevels {
  underexposed: number;
  wellExposed: number;
}

export const BRIGHT_END_LEVELS: ExposureLevels = { underexposed: UNDEREXPOSED_BRIGHT_END, wellExposed: WELL_EXPOSED_BRIGHT_END };
/**
 * For the median of the brightest channel over the object: camera frames measured 0.56–0.60 as
 * acquired, 0.17–0.20 in low light (with or without highlights), 0.35–0.39 unevenly lit
 * (development set).
 */
export const MEDIAN_LEVELS: ExposureLevels = { underexposed: 0.25, wellExposed: 0.5 };

/** 1 for an underexposed level, 0 for a well-exposed one, smoothstep in between. */
export function brighteningWeight(level: number, levels: ExposureLevels = BRIGHT_END_LEVELS): number {
  const t = (levels.wellExposed - level) / (levels.wellExposed - levels.underexposed);
  const c = Math.min(1, Math.max(0, t));
  return c * c * (3 - 2 * c);
}

/** The mean the start gamma aims at: the input's own mean moved towards `fullTarget` by the weight. */
export function brightenedMean(mean: number, weight: number, fullTarget: number): number {
  return mean >= fullTarget ? mean : mean + weight * (fullTarget - mean);
}

/**
 * Bright end around each pixel: the maximum of the (3×3-averaged) luminance over a neighbourhood of
 * blocks, bilinearly interpolated between block centres so it varies smoothly.
 */
export function localBrightEnd(gray: Float32Array, width: number, height: number): Float32Array {
  const block = Math.max(1, Math.ceil(Math.max(width, height) / BRIGHT_END_BLOCKS));
  const bw = Math.ceil(width / block);
  const bh = Math.ceil(height / block);
  const blockMax = new Float32Array(bw * bh);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // A 3×3 mean, so a single noisy pixel does not count as a bright structure.
      let s = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          s += gray[yy * width + xx]!;
          n++;
        }
      }
      const b = Math.floor(y / block) * bw + Math.floor(x / block);
      blockMax[b] = Math.max(blockMax[b]!, s / n);
    }
  }
  const r = BRIGHT_END_RADIUS_BLOCKS;
  const spread = new Float32Array(bw * bh);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let m = 0;
      for (let y = Math.max(0, by - r); y <= Math.min(bh - 1, by + r); y++) {
        for (let x = Math.max(0, bx - r); x <= Math.min(bw - 1, bx + r); x++) m = Math.max(m, blockMax[y * bw + x]!);
      }
      spread[by * bw + bx] = m;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(bh - 1, Math.max(0, (y + 0.5) / block - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(bh - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(bw - 1, Math.max(0, (x + 0.5) / block - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(bw - 1, x0 + 1);
      const wx = fx - x0;
      const top = spread[y0 * bw + x0]! * (1 - wx) + spread[y0 * bw + x1]! * wx;
      const bottom = spread[y1 * bw + x0]! * (1 - wx) + spread[y1 * bw + x1]! * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}
