/**
 * What a screenshot shows inside a rectangle, measured on its luminance: whether an image was
 * drawn there (spread of values, share of lit pixels), where it was drawn (bounding box of the lit
 * pixels), and whether two such regions show the same picture (correlation). Pure: RGBA in,
 * numbers out, so the viewer test's checks are tested here on synthetic images.
 */

/** Decoded pixels, 4 bytes (R, G, B, A) per pixel, row by row. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Integer pixel rectangle in image coordinates. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RegionStats {
  /** Mean and standard deviation of the luminance, 0..255. */
  mean: number;
  std: number;
  /** Share of pixels brighter than `litThreshold`. */
  litFraction: number;
  /** Bounding box of the lit pixels, in image coordinates; undefined when none is lit. */
  litBox?: Rect;
}

/** Luminance below this counts as the viewer's black background. */
export const LIT_THRESHOLD = 20;

/** BT.601 luma of the pixel at (x, y). */
function luma(img: RgbaImage, x: number, y: number): number {
  const i = (y * img.width + x) * 4;
  return 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
}

/** `rect` rounded inwards to whole pixels and clipped to the image. */
export function clipRect(img: RgbaImage, rect: Rect): Rect {
  const x0 = Math.max(0, Math.ceil(rect.x));
  const y0 = Math.max(0, Math.ceil(rect.y));
  const x1 = Math.min(img.width, Math.floor(rect.x + rect.width));
  const y1 = Math.min(img.height, Math.floor(rect.y + rect.height));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

export function regionStats(img: RgbaImage, rect: Rect, litThreshold = LIT_THRESHOLD): RegionStats {
  const r = clipRect(img, rect);
  const n = r.width * r.height;
  if (n === 0) throw new Error(`empty region ${JSON.stringify(rect)} in a ${img.width}x${img.height} image`);
  let sum = 0;
  let sumSq = 0;
  let lit = 0;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let y = r.y; y < r.y + r.height; y++) {
    for (let x = r.x; x < r.x + r.width; x++) {
      const v = luma(img, x, y);
      sum += v;
      sumSq += v * v;
      if (v > litThreshold) {
        lit++;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  }
  const mean = sum / n;
  return {
    mean,
    std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
    litFraction: lit / n,
    ...(lit > 0 ? { litBox: { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 } } : {}),
  };
}

/**
 * Pearson correlation of the luminance of two equally sized regions (the smaller size of the two,
 * each anchored at its centre), e.g. the same slice drawn in two viewports. NaN when either region
 * is uniform: a flat region resembles nothing.
 */
export function regionCorrelation(a: RgbaImage, ra: Rect, b: RgbaImage, rb: Rect): number {
  const ca = clipRect(a, ra);
  const cb = clipRect(b, rb);
  const width = Math.min(ca.width, cb.width);
  const height = Math.min(ca.height, cb.height);
  const ax = ca.x + Math.floor((ca.width - width) / 2);
  const ay = ca.y + Math.floor((ca.height - height) / 2);
  const bx = cb.x + Math.floor((cb.width - width) / 2);
  const by = cb.y + Math.floor((cb.height - height) / 2);
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const va = luma(a, ax + x, ay + y);
      const vb = luma(b, bx + x, by + y);
      sa += va;
      sb += vb;
      saa += va * va;
      sbb += vb * vb;
      sab += va * vb;
    }
  }
  const n = width * height;
  const cov = sab / n - (sa / n) * (sb / n);
  const varA = saa / n - (sa / n) ** 2;
  const varB = sbb / n - (sb / n) ** 2;
  return varA <= 1e-9 || varB <= 1e-9 ? NaN : cov / Math.sqrt(varA * varB);
}

/**
 * Where a viewer that fits an image of `columns` x `rows` pixels (square pixels) into a canvas,
 * keeping its aspect and centring it, draws it: the rectangle in the canvas's own coordinates.
 */
export function fittedImageRect(canvas: { width: number; height: number }, columns: number, rows: number): Rect {
  const scale = Math.min(canvas.width / columns, canvas.height / rows);
  const width = columns * scale;
  const height = rows * scale;
  return { x: (canvas.width - width) / 2, y: (canvas.height - height) / 2, width, height };
}

/** Whether `inner` lies inside `outer`, give or take `slack` pixels on each side. */
export function rectContains(outer: Rect, inner: Rect, slack = 1): boolean {
  return (
    inner.x >= outer.x - slack &&
    inner.y >= outer.y - slack &&
    inner.x + inner.width <= outer.x + outer.width + slack &&
    inner.y + inner.height <= outer.y + outer.height + slack
  );
}
