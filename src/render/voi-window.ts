/** VOI LUT Function (0028,1056), PS3.3 C.11.2.1.3. */
export type VoiLutFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

/** A window over modality values; `name` is the preset or config name it was chosen by. */
export interface WindowSpec {
  name: string;
  center: number;
  width: number;
  voiLutFunction?: VoiLutFunction;
  /** Where the numbers came from (for Window Center & Width Explanation and provenance). */
  explanation?: string;
}

/**
 * One modality value through the VOI window to an output in [0, 255] (unrounded), exactly as
 * PS3.3 C.11.2.1.2.1 (LINEAR), C.11.2.1.3.2 (LINEAR_EXACT) and C.11.2.1.3.1 (SIGMOID) define it
 * with y_min = 0 and y_max = 255.
 */
export function voiValue(x: number, center: number, width: number, fn: VoiLutFunction = 'LINEAR'): number {
  const yMax = 255;
  if (fn === 'SIGMOID') return yMax / (1 + Math.exp((-4 * (x - center)) / width));
  if (fn === 'LINEAR_EXACT') {
    if (x <= center - width / 2) return 0;
    if (x > center + width / 2) return yMax;
    return ((x - center) / width + 0.5) * yMax;
  }
  const w = Math.max(width, 1); // LINEAR requires Window Width ≥ 1
  if (x <= center - 0.5 - (w - 1) / 2) return 0;
  if (x > center - 0.5 + (w - 1) / 2) return yMax;
  return ((x - (center - 0.5)) / (w - 1) + 0.5) * yMax;
}

/**
 * Windows one frame of modality values to 8-bit grey. NaN (padding) becomes 0 — black — also
 * for MONOCHROME1, whose other pixels are inverted after the VOI stage (PS3.3 C.7.6.3.1.2).
 */
export function applyWindow(values: ArrayLike<number>, window: WindowSpec, invert = false): Uint8Array {
  const fn = window.voiLutFunction ?? 'LINEAR';
  if (!(window.width > 0)) throw new RangeError(`window width must be positive, got ${window.width}`);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isNaN(x)) continue;
    const y = Math.round(voiValue(x, window.center, window.width, fn));
    out[i] = invert ? 255 - y : y;
  }
  return out;
}
