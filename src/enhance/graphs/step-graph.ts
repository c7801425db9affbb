/**
 * One sampler step of one image as an ONNX graph (unimie-algorithm.md §5 steps b–h), run by the
 * model's own onnxruntime session options on the model's device: from x_t and the network's
 * output for every patch, x̂0 (clamped), the posterior mean, the closed-form guidance shift with
 * the exposure term, the per-patch M update and the channels' Σρu for the gain step, the
 * weighted overlap average of every corner, the noise (fixed or learned σ) and the patches of
 * x_{t−1} for the next network call. The arithmetic is the JavaScript reference's
 * (sampler.ts, posterior.ts, guidance.ts, tiling.ts) in float32; the shapes are fixed per image
 * geometry, so a graph is built once per (size, patch grid, options) and cached by its key.
 * Pure: returns ModelProto bytes.
 */
import { gaussianKernel1d } from '../detail-transfer.js';
import { EXPOSURE_BLOCK } from '../guidance.js';
import type { PatchCorner } from '../tiling.js';
import { encodeModel, type AttributeValue, type GraphNode, type Initializer } from './onnx-model.js';

export interface StepGraphGeometry {
  height: number;
  width: number;
  patch: number;
  corners: readonly PatchCorner[];
  /** Network output channels per patch: 3 = ε, 6 = ε + variance interpolation v. */
  outputChannels: 3 | 6;
  /** Learned σ (needs 6 channels): log σ² = a·v + b per pixel, averaged over the overlaps. */
  learnedVariance: boolean;
  clampX0: boolean;
  guidanceTarget: 'x0' | 'xt';
  /** σ (pixels) of the residual's low-pass before the mean shift and the M step; 0 = none. */
  residualSigma: number;
}

/**
 * Per-step scalars, in the order of the `coef` input: x̂0 = a·x_t − b·ε written as
 * a·(x_t − ε) + (a − b)·ε (a is up to 1/√ᾱ ≈ 160 and x̂0 of order 1: a·x_t − b·ε in float32 would
 * lose 1e-5 to cancellation; a − b = 1/(a + b) is passed), μ = c1·x̂0 + c2·x_t, the
 * exposure term's factor times n_apply (guidance.ts guidanceFactors kExp), the noise scale (fixed
 * σ, 1 for learned σ, 0 at the last step) and the learned log-variance's a and b. The input
 * `shiftData` is the data term's factor per channel times n_apply (kData·n_apply).
 */
export const STEP_COEFFICIENTS = ['a', 'aMinusB', 'c1', 'c2', 'shiftExposure', 'noiseScale', 'logVarA', 'logVarB'] as const;

export function stepGraphKey(g: StepGraphGeometry): string {
  const corners = g.corners.map((c) => `${c.y},${c.x},${c.weight}`).join(';');
  return `step|${g.height}x${g.width}|p${g.patch}|c${g.outputChannels}|${g.learnedVariance ? 'learned' : 'fixed'}|${g.clampX0 ? 'clamp' : 'noclamp'}|${g.guidanceTarget}|s${g.residualSigma}|${corners}`;
}

/** Per-pixel 1 / Σ weights of the patches covering it (float32 of the float64 reciprocal). */
function inverseOverlap(g: StepGraphGeometry): Float32Array {
  const { height: H, width: W, patch: p } = g;
  const count = new Float64Array(H * W);
  for (const c of g.corners) {
    for (let py = 0; py < p; py++) for (let px = 0; px < p; px++) count[(c.y + py) * W + c.x + px]! += c.weight;
  }
  return Float32Array.from(count, (v) => 1 / v);
}

class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly initializers: Initializer[] = [];
  private next = 0;
  private readonly constants = new Map<string, string>();

  op(op: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>, output?: string): string {
    const out = output ?? `t${this.next++}`;
    this.nodes.push({ op, inputs, outputs: [out], attributes });
    return out;
  }

  /** A float32 scalar or tensor constant (scalars shared by value). */
  float(values: number | ArrayLike<number>, dims: readonly number[] = []): string {
    const key = typeof values === 'number' ? `f${values}` : null;
    if (key && this.constants.has(key)) return this.constants.get(key)!;
    const name = `c${this.next++}`;
    this.initializers.push({ name, type: 'float32', dims, values: typeof values === 'number' ? [values] : values });
    if (key) this.constants.set(key, name);
    return name;
  }

  ints(values: readonly number[]): string {
    const key = `i${values.join(',')}`;
    if (this.constants.has(key)) return this.constants.get(key)!;
    const name = `c${this.next++}`;
    this.initializers.push({ name, type: 'int64', dims: [values.length], values });
    this.constants.set(key, name);
    return name;
  }

  scalarIndex(i: number): string {
    const key = `s${i}`;
    if (this.constants.has(key)) return this.constants.get(key)!;
    const name = `c${this.next++}`;
    this.initializers.push({ name, type: 'int64', dims: [], values: [i] });
    this.constants.set(key, name);
    return name;
  }

  slice(data: string, starts: readonly number[], ends: readonly number[], axes: readonly number[]): string {
    return this.op('Slice', [data, this.ints(starts), this.ints(ends), this.ints(axes)]);
  }
}

/** The ModelProto bytes of the step graph of one image geometry. */
export function buildStepGraph(g: StepGraphGeometry): Uint8Array {
  const { height: H, width: W, patch: p, corners, outputChannels: C } = g;
  if (g.learnedVariance && C !== 6) throw new RangeError('learned variance needs 6 output channels');
  if (p % EXPOSURE_BLOCK !== 0) throw new RangeError(`patch ${p} is not a multiple of the ${EXPOSURE_BLOCK}-pixel exposure block`);
  const P = corners.length;
  const nb = p / EXPOSURE_BLOCK;
  const N = 3 * p * p;
  const b = new GraphBuilder();
  const coef = Object.fromEntries(STEP_COEFFICIENTS.map((name, i) => [name, b.op('Gather', ['coef', b.scalarIndex(i)], { axis: 0 })])) as Record<
    (typeof STEP_COEFFICIENTS)[number],
    string
  >;
  const patchesOf = (image: string, channels: number) =>
    b.op(
      'Concat',
      corners.map((c) => b.slice(image, [0, 0, c.y, c.x], [1, channels, c.y + p, c.x + p], [0, 1, 2, 3])),
      { axis: 0 },
    );

  // x̂0, μ (posterior.ts)
  const xt = patchesOf('x', 3);
  const eps = C === 3 ? 'eps' : b.slice('eps', [0], [3], [1]);
  let x0 = b.op('Add', [b.op('Mul', [coef.a, b.op('Sub', [xt, eps])]), b.op('Mul', [coef.aMinusB, eps])]);
  if (g.clampX0) x0 = b.op('Clip', [x0, b.float(-1), b.float(1)]);
  const mu = b.op('Add', [b.op('Mul', [coef.c1, x0]), b.op('Mul', [coef.c2, xt])]);

  // Guidance (guidance.ts guidePatch): ρ_c = f_c·u_c + m − y01_c with u = (z+1)/2.
  const z = g.guidanceTarget === 'x0' ? x0 : xt;
  const half = b.float(0.5);
  const u = b.op('Mul', [b.op('Add', [z, b.float(1)]), half]);
  const m = patchesOf('m', 1);
  const rho = b.op('Sub', [b.op('Add', [b.op('Mul', ['gain', u]), m]), 'y01']);
  b.op('ReduceSum', [b.op('Mul', [rho, u]), b.ints([2, 3])], { keepdims: 0 }, 'rhoU');
  const shifted = g.residualSigma > 0 ? lowPass(b, rho, P, p, g.residualSigma) : rho;
  // Exposure: block means R of z over channels and 8×8 blocks, (R − E) where E is defined.
  const R = b.op('AveragePool', [b.op('ReduceMean', [z], { axes: [1], keepdims: 1 })], { kernel_shape: [EXPOSURE_BLOCK, EXPOSURE_BLOCK], strides: [EXPOSURE_BLOCK, EXPOSURE_BLOCK] });
  const expShift = b.op('Mul', [b.op('Mul', [coef.shiftExposure, b.op('Sub', [R, 'expTarget'])]), 'expMask']);
  const expPixels = b.op('Reshape', [
    b.op('Expand', [b.op('Reshape', [expShift, b.ints([P, 1, nb, 1, nb, 1])]), b.ints([P, 1, nb, EXPOSURE_BLOCK, nb, EXPOSURE_BLOCK])]),
    b.ints([P, 1, p, p]),
  ]);
  const guidedMu = b.op('Add', [mu, b.op('Add', [b.op('Mul', ['shiftData', shifted]), expPixels])]);
  const mNext = b.op('Sub', [m, b.op('Mul', [b.float(2 / N), b.op('ReduceSum', [shifted, b.ints([1])], { keepdims: 1 })])]);

  // Overlap average (tiling.ts accumulatePatch, sampler.ts finishStep): Σ weight·patch / count.
  const inverse = b.float(inverseOverlap(g), [1, 1, H, W]);
  const average = (plane: string, channels: number, output?: string) => b.op('Mul', [overlapSum(b, plane, g, channels), inverse], undefined, output);
  const muMean = average(guidedMu, 3);
  average(x0, 3, 'x0');
  average(mNext, 1, 'mNext');
  let sd = coef.noiseScale;
  if (g.learnedVariance) {
    const logVar = b.op('Add', [b.op('Mul', [coef.logVarA, b.slice('eps', [3], [6], [1])]), coef.logVarB]);
    sd = b.op('Mul', [coef.noiseScale, b.op('Exp', [b.op('Mul', [half, average(logVar, 3)])])]);
  }
  const xNext = b.op('Add', [muMean, b.op('Mul', [sd, 'noise'])], undefined, 'xNext');
  b.op(
    'Concat',
    corners.map((c) => b.slice(xNext, [0, 0, c.y, c.x], [1, 3, c.y + p, c.x + p], [0, 1, 2, 3])),
    { axis: 0 },
    'patches',
  );

  const image = (name: string, channels: number) => ({ name, dims: [1, channels, H, W] });
  return encodeModel({
    name: 'unimie_step',
    opset: 17,
    inputs: [
      image('x', 3),
      { name: 'eps', dims: [P, C, p, p] },
      { name: 'y01', dims: [P, 3, p, p] },
      image('m', 1),
      { name: 'expTarget', dims: [P, 1, nb, nb] },
      { name: 'expMask', dims: [P, 1, nb, nb] },
      image('noise', 3),
      { name: 'gain', dims: [1, 3, 1, 1] },
      { name: 'shiftData', dims: [1, 3, 1, 1] },
      { name: 'coef', dims: [STEP_COEFFICIENTS.length] },
    ],
    outputs: [image('xNext', 3), image('x0', 3), image('mNext', 1), { name: 'patches', dims: [P, 3, p, p] }, { name: 'rhoU', dims: [P, 3] }],
    initializers: b.initializers,
    nodes: b.nodes,
  });
}

/** Cuts of one axis: every patch start and end, sorted. */
function cutsOf(starts: readonly number[], patch: number): number[] {
  return [...new Set(starts.flatMap((s) => [s, s + patch]))].sort((a, b) => a - b);
}

/**
 * Windows (graph nodes) above which the tiled sum gives way to the padded one: a fine stride cuts
 * the image into so many tiles that building and opening the graph costs more than the padding's
 * extra arithmetic (stride 8 on 48² patches: 3,600 windows per plane, a minute to open).
 */
const MAX_TILE_WINDOWS = 400;

/**
 * Σ over the patches ([P,C,p,p]) placed at their corners, each times its weight: [1,C,H,W]. The
 * image is cut at every patch edge into tiles that the same patches cover; each tile is the sum
 * of those patches' windows, so the work is that of accumulating each patch once. With too many
 * tiles, every patch is padded to the image instead (P·H·W work, P nodes).
 */
function overlapSum(b: GraphBuilder, patches: string, g: StepGraphGeometry, channels: number): string {
  const { patch: p, corners, height: H, width: W } = g;
  const weighted = (window: string, weight: number) => (weight === 1 ? window : b.op('Mul', [window, b.float(weight)]));
  const tiles = overlapTiles(g);
  if (tiles.flat().reduce((n, t) => n + t.covering.length, 0) > MAX_TILE_WINDOWS) {
    const placed = corners.map((c, j) =>
      b.op('Pad', [weighted(b.slice(patches, [j], [j + 1], [0]), c.weight), b.ints([0, 0, c.y, c.x, 0, 0, H - p - c.y, W - p - c.x])], { mode: 'constant' }),
    );
    return placed.length === 1 ? placed[0]! : b.op('Sum', placed);
  }
  const rows = tiles.map((row) => {
    const sums = row.map(({ y0, y1, x0, x1, covering }) => {
      const parts = covering.map((j) => {
        const c = corners[j]!;
        return weighted(b.slice(patches, [j, 0, y0 - c.y, x0 - c.x], [j + 1, channels, y1 - c.y, x1 - c.x], [0, 1, 2, 3]), c.weight);
      });
      return parts.length === 1 ? parts[0]! : b.op('Sum', parts);
    });
    return sums.length === 1 ? sums[0]! : b.op('Concat', sums, { axis: 3 });
  });
  return rows.length === 1 ? rows[0]! : b.op('Concat', rows, { axis: 2 });
}

/** The tiles between all patch edges, row by row, each with the corners (indices) covering it. */
function overlapTiles(g: StepGraphGeometry): Array<Array<{ y0: number; y1: number; x0: number; x1: number; covering: number[] }>> {
  const { patch: p, corners } = g;
  const ys = cutsOf(
    corners.map((c) => c.y),
    p,
  );
  const xs = cutsOf(
    corners.map((c) => c.x),
    p,
  );
  return ys.slice(1).map((y1, i) => {
    const y0 = ys[i]!;
    return xs.slice(1).map((x1, k) => {
      const x0 = xs[k]!;
      const covering = corners.flatMap((c, j) => (c.y <= y0 && c.y + p >= y1 && c.x <= x0 && c.x + p >= x1 ? [j] : []));
      return { y0, y1, x0, x1, covering };
    });
  });
}

/**
 * detail-transfer.ts gaussianPlanes on every patch plane: separable, edges clamped. Each pass is
 * one matrix product with the p×p band matrix of the kernel, the clamped taps folded into the
 * edge rows (a product runs far faster than a 1-D convolution of the same taps in onnxruntime).
 */
function lowPass(b: GraphBuilder, rho: string, P: number, p: number, sigma: number): string {
  const band = clampedBand(gaussianKernel1d(sigma), p);
  const planes = b.op('Reshape', [rho, b.ints([P * 3, p, p])]);
  // rows: out[y, x] = Σ_s in[y, s]·B[s, x];  columns: out[y, x] = Σ_s Bᵀ[y, s]·in[s, x]
  const rows = b.op('MatMul', [planes, b.float(band, [p, p])]);
  const cols = b.op('MatMul', [b.float(transpose(band, p), [p, p]), rows]);
  return b.op('Reshape', [cols, b.ints([P, 3, p, p])]);
}

/** B[s, x] = Σ of the kernel taps j with clamp(x + j) = s. */
function clampedBand(k: Float64Array, n: number): Float64Array {
  const r = (k.length - 1) / 2;
  const band = new Float64Array(n * n);
  for (let x = 0; x < n; x++) {
    for (let j = -r; j <= r; j++) band[Math.min(n - 1, Math.max(0, x + j)) * n + x]! += k[j + r]!;
  }
  return band;
}

function transpose(m: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = m[i * n + j]!;
  return t;
}
