/**
 * Geometry of the patch-wise sampler (unimie-algorithm.md §4, §5 "Grid"): working size, patch
 * grid, crops, overlap accumulation and bilinear resizing. Pure; images are planar float
 * arrays (channel-major, CHW).
 */

/** One patch corner of the grid; duplicates of the reference grid are merged into `weight`. */
export interface PatchCorner {
  y: number;
  x: number;
  /** Multiplicity of this corner in pos(H) × pos(W). */
  weight: number;
}

/** Nearest multiple of 16 (ties rounded up), at least `minimum` (the patch size). */
export function workingSize(length: number, minimum: number): number {
  if (!(length >= 1)) throw new RangeError(`image side ${length} must be ≥ 1`);
  const nearest = Math.floor(length / 16 + 0.5) * 16;
  return Math.max(nearest, minimum);
}

/**
 * pos(L) = [0, r, 2r, … while ≤ L−p] and then L−p appended even if already present
 * (direct.py:403-410). Requires L ≥ p.
 */
export function patchStarts(length: number, patch: number, stride: number): number[] {
  if (length < patch) throw new RangeError(`side ${length} is smaller than the patch ${patch}`);
  if (!(stride >= 1)) throw new RangeError(`stride ${stride} must be ≥ 1`);
  const out: number[] = [];
  for (let s = 0; s <= length - patch; s += stride) out.push(s);
  out.push(length - patch);
  return out;
}

/** The unique corners of pos(H) × pos(W), each with its multiplicity, row-major. */
export function patchCorners(height: number, width: number, patch: number, stride: number): PatchCorner[] {
  const ys = countValues(patchStarts(height, patch, stride));
  const xs = countValues(patchStarts(width, patch, stride));
  const out: PatchCorner[] = [];
  for (const [y, wy] of ys) for (const [x, wx] of xs) out.push({ y, x, weight: wy * wx });
  return out;
}

function countValues(values: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Per-pixel sum of the weights of the patches covering it (H·W). */
export function overlapCounts(height: number, width: number, patch: number, corners: readonly PatchCorner[]): Float64Array {
  const count = new Float64Array(height * width);
  for (const c of corners) {
    for (let py = 0; py < patch; py++) {
      const row = (c.y + py) * width + c.x;
      for (let px = 0; px < patch; px++) count[row + px]! += c.weight;
    }
  }
  return count;
}

/** Calls `row` with the raster index of the first pixel of each row of the p×p window at (y0, x0), channel by channel. */
function forEachWindowRow(channels: number, height: number, width: number, y0: number, x0: number, patch: number, row: (base: number) => void): void {
  const hw = height * width;
  for (let c = 0; c < channels; c++) {
    for (let py = 0; py < patch; py++) row(c * hw + (y0 + py) * width + x0);
  }
}

/** Copy the p×p window at (y0, x0) of every channel of `src` into `out` at `outOffset`. */
export function cropPatch(
  src: ArrayLike<number>,
  channels: number,
  height: number,
  width: number,
  y0: number,
  x0: number,
  patch: number,
  out: Float32Array | Float64Array,
  outOffset = 0,
): void {
  let o = outOffset;
  forEachWindowRow(channels, height, width, y0, x0, patch, (base) => {
    for (let px = 0; px < patch; px++) out[o++] = src[base + px]!;
  });
}

/** acc[window] += weight · patch, every channel. */
export function accumulatePatch(
  acc: Float64Array,
  channels: number,
  height: number,
  width: number,
  y0: number,
  x0: number,
  patch: number,
  values: ArrayLike<number>,
  weight: number,
  valuesOffset = 0,
): void {
  let o = valuesOffset;
  forEachWindowRow(channels, height, width, y0, x0, patch, (base) => {
    for (let px = 0; px < patch; px++) acc[base + px]! += weight * values[o++]!;
  });
}

/** acc / count, per pixel, broadcast over channels. */
export function divideByCounts(acc: Float64Array, channels: number, count: Float64Array, out: Float32Array | Float64Array): void {
  const hw = count.length;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < hw; i++) out[c * hw + i] = acc[c * hw + i]! / count[i]!;
  }
}

/** Source index and weight of one output coordinate (torch align_corners=False, no antialias). */
function bilinearTaps(inLen: number, outLen: number): { i0: Int32Array; i1: Int32Array; l: Float64Array } {
  const i0 = new Int32Array(outLen);
  const i1 = new Int32Array(outLen);
  const l = new Float64Array(outLen);
  const scale = inLen / outLen;
  for (let d = 0; d < outLen; d++) {
    let src = scale * (d + 0.5) - 0.5;
    if (src < 0) src = 0;
    const a = Math.min(Math.floor(src), inLen - 1);
    i0[d] = a;
    i1[d] = Math.min(a + 1, inLen - 1);
    l[d] = src - a;
  }
  return { i0, i1, l };
}

/**
 * Bilinear resize with half-pixel centres and no antialiasing, as
 * torch.nn.functional.interpolate(mode="bilinear", align_corners=False). Planar CHW.
 */
export function resizeBilinear(
  src: ArrayLike<number>,
  channels: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
): Float32Array {
  const out = new Float32Array(channels * outH * outW);
  if (inH === outH && inW === outW) {
    for (let i = 0; i < out.length; i++) out[i] = src[i]!;
    return out;
  }
  const ty = bilinearTaps(inH, outH);
  const tx = bilinearTaps(inW, outW);
  for (let c = 0; c < channels; c++) {
    const sBase = c * inH * inW;
    const oBase = c * outH * outW;
    for (let y = 0; y < outH; y++) {
      const r0 = sBase + ty.i0[y]! * inW;
      const r1 = sBase + ty.i1[y]! * inW;
      const ly = ty.l[y]!;
      for (let x = 0; x < outW; x++) {
        const a = tx.i0[x]!;
        const b = tx.i1[x]!;
        const lx = tx.l[x]!;
        const top = (1 - lx) * src[r0 + a]! + lx * src[r0 + b]!;
        const bottom = (1 - lx) * src[r1 + a]! + lx * src[r1 + b]!;
        out[oBase + y * outW + x] = (1 - ly) * top + ly * bottom;
      }
    }
  }
  return out;
}
