/**
 * Diffusion schedule arithmetic in float64 (unimie-algorithm.md §3; guided-diffusion
 * `gaussian_diffusion.py`). Pure: no I/O, no model.
 */

/** Every per-step quantity a DDPM ancestral step needs, for one (possibly respaced) schedule. */
export interface DiffusionSchedule {
  /** Number of steps K of this schedule. */
  readonly length: number;
  /** Timestep given to the network at step k (original training index S_k). */
  readonly timestepMap: readonly number[];
  readonly betas: Float64Array;
  readonly alphasCumprod: Float64Array;
  readonly alphasCumprodPrev: Float64Array;
  /** √(1/ᾱ_t) and √(1/ᾱ_t − 1), used for x̂0 from ε. */
  readonly sqrtRecipAlphasCumprod: Float64Array;
  readonly sqrtRecipm1AlphasCumprod: Float64Array;
  /** β̃_t = β_t(1−ᾱprev_t)/(1−ᾱ_t). */
  readonly posteriorVariance: Float64Array;
  /** L̃_t: log β̃ with β̃_1 standing in at t = 0. */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** c1_t = β_t√ᾱprev_t/(1−ᾱ_t) and c2_t = (1−ᾱprev_t)√α_t/(1−ᾱ_t). */
  readonly posteriorMeanCoef1: Float64Array;
  readonly posteriorMeanCoef2: Float64Array;
}

/** How the variance of each ancestral step is chosen (guided-diffusion ModelVarType). */
export type VarianceKind = 'learned' | 'fixed_small' | 'fixed_large';

/** numpy.linspace(start, stop, num) with the same arithmetic (i·step + start, last = stop). */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/**
 * ADM's linear schedule: both ends scaled by 1000/T so any T keeps the same total noise
 * (guided-diffusion `get_named_beta_schedule("linear")`).
 */
export function linearBetas(timesteps: number, betaStart = 1e-4, betaEnd = 0.02): Float64Array {
  if (!Number.isInteger(timesteps) || timesteps < 2) throw new RangeError(`timesteps must be an integer ≥ 2, got ${timesteps}`);
  const scale = 1000 / timesteps;
  return linspace(scale * betaStart, scale * betaEnd, timesteps);
}

/** Derive every schedule quantity from β (and the network timestep of each step). */
export function buildSchedule(betas: Float64Array, timestepMap?: readonly number[]): DiffusionSchedule {
  const n = betas.length;
  if (n < 1) throw new RangeError('a schedule needs at least one step');
  for (let i = 0; i < n; i++) {
    const b = betas[i]!;
    if (!(b > 0 && b <= 1)) throw new RangeError(`beta[${i}] = ${b} is outside (0, 1]`);
  }
  const map = timestepMap ?? Array.from({ length: n }, (_, i) => i);
  if (map.length !== n) throw new RangeError(`timestep map has ${map.length} entries for ${n} steps`);
  const acp = new Float64Array(n);
  const acpPrev = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    acpPrev[i] = prod;
    prod *= 1 - betas[i]!;
    acp[i] = prod;
  }
  const sqrtRecip = new Float64Array(n);
  const sqrtRecipm1 = new Float64Array(n);
  const postVar = new Float64Array(n);
  const postLogClipped = new Float64Array(n);
  const c1 = new Float64Array(n);
  const c2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = betas[i]!;
    sqrtRecip[i] = Math.sqrt(1 / acp[i]!);
    sqrtRecipm1[i] = Math.sqrt(1 / acp[i]! - 1);
    postVar[i] = (b * (1 - acpPrev[i]!)) / (1 - acp[i]!);
    c1[i] = (b * Math.sqrt(acpPrev[i]!)) / (1 - acp[i]!);
    c2[i] = ((1 - acpPrev[i]!) * Math.sqrt(1 - b)) / (1 - acp[i]!);
  }
  for (let i = 0; i < n; i++) {
    // β̃_0 = 0, so the log is clipped to β̃_1 (a one-step schedule has nothing better than β_0).
    const v = i === 0 ? (n > 1 ? postVar[1]! : betas[0]!) : postVar[i]!;
    postLogClipped[i] = Math.log(v);
  }
  return {
    length: n,
    timestepMap: [...map],
    betas: Float64Array.from(betas),
    alphasCumprod: acp,
    alphasCumprodPrev: acpPrev,
    sqrtRecipAlphasCumprod: sqrtRecip,
    sqrtRecipm1AlphasCumprod: sqrtRecipm1,
    posteriorVariance: postVar,
    posteriorLogVarianceClipped: postLogClipped,
    posteriorMeanCoef1: c1,
    posteriorMeanCoef2: c2,
  };
}

/**
 * Log-variance of a fixed-variance step: `fixed_small` = L̃_t; `fixed_large` = log β_t for
 * t ≥ 1 and log β̃_1 at t = 0 (guided-diffusion: append(posterior_variance[1], betas[1:])).
 */
export function fixedLogVariance(schedule: DiffusionSchedule, kind: 'fixed_small' | 'fixed_large', step: number): number {
  if (kind === 'fixed_small') return schedule.posteriorLogVarianceClipped[step]!;
  if (step === 0) return Math.log(schedule.length > 1 ? schedule.posteriorVariance[1]! : schedule.betas[0]!);
  return Math.log(schedule.betas[step]!);
}

/**
 * Learned-range log-variance ℓ = φ·log β_t + (1−φ)·L̃_t with φ = (v+1)/2 (§3). Returns the two
 * constants (a, b) so that ℓ = a·v + b, which the sampler applies per pixel.
 */
export function learnedLogVarianceCoefficients(schedule: DiffusionSchedule, step: number): { a: number; b: number } {
  const maxLog = Math.log(schedule.betas[step]!);
  const minLog = schedule.posteriorLogVarianceClipped[step]!;
  // φ·max + (1−φ)·min with φ = (v+1)/2  →  v·(max−min)/2 + (max+min)/2
  return { a: (maxLog - minLog) / 2, b: (maxLog + minLog) / 2 };
}

/**
 * ADM's cosine schedule (Nichol & Dhariwal 2021): ᾱ(t) = cos²(((t/T)+0.008)/1.008·π/2), β
 * capped at 0.999 (guided-diffusion `betas_for_alpha_bar`).
 */
export function cosineBetas(timesteps: number): Float64Array {
  const abar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const out = new Float64Array(timesteps);
  for (let i = 0; i < timesteps; i++) out[i] = Math.min(1 - abar((i + 1) / timesteps) / abar(i / timesteps), 0.999);
  return out;
}
