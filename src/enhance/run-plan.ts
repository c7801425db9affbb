/**
 * Where a run starts and which timesteps it visits: the respaced or below-start schedule, the
 * start step (fixed, or matched to the input's measured noise), the guidance scale per step and
 * the variance, and the noised start itself. Pure.
 */
import { effectiveGuidanceScale, resolveVariance, type EnhancePreset } from './preset.js';
import { respaceSchedule, spaceTimesteps } from './respacing.js';
import type { DiffusionSchedule } from './schedule.js';

/** The respaced schedule, the step the run starts from and the scale applied per step. */
export interface RunPlan {
  schedule: DiffusionSchedule;
  startStep: number;
  guidanceScale: number;
  variance: 'learned' | 'fixed_small' | 'fixed_large';
}

/**
 * The kept timesteps, the step the run starts from and the scale per step. `anchor` is the start
 * timestep of an anchored run when it was resolved from the input (startFromNoise); otherwise the
 * preset's startStep.
 */
export function planRun(preset: EnhancePreset, betas: Float64Array, outputChannels: 3 | 6, opts: { networkFree?: boolean; anchor?: number } = {}): RunPlan {
  const T = betas.length;
  if (preset.steps > T) throw new RangeError(`preset asks for ${preset.steps} steps, the model's schedule has ${T}`);
  const anchor = opts.anchor ?? preset.startStep;
  const belowStart = anchor !== null && preset.stepPlacement === 'below-start';
  const schedule = respaceSchedule(betas, belowStart ? stepsBelow(anchor, preset.steps) : spaceTimesteps(T, preset.steps));
  let startStep = schedule.length - 1;
  if (anchor !== null && !belowStart) {
    // The last kept step whose original timestep is not above the anchor.
    startStep = 0;
    schedule.timestepMap.forEach((t, k) => {
      if (t <= anchor) startStep = k;
    });
  }
  return {
    schedule,
    startStep,
    guidanceScale: effectiveGuidanceScale(preset, T),
    // Without a network there is no learned variance: the twin uses the ε-only default.
    variance: resolveVariance(opts.networkFree && preset.variance === 'learned' ? 'auto' : preset.variance, opts.networkFree ? 3 : outputChannels),
  };
}

/** `count` timesteps spaced evenly from `anchor` down to 0 (just the anchor when count is 1). */
export function stepsBelow(anchor: number, count: number): number[] {
  if (count <= 1) return [anchor];
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.round((anchor * i) / (count - 1)));
  return [...out].sort((a, b) => a - b);
}

/** ᾱ_t of the training schedule. */
export function cumulativeAlphas(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let a = 1;
  for (let i = 0; i < betas.length; i++) out[i] = a *= 1 - betas[i]!;
  return out;
}

/**
 * x_t = √ᾱ·start + √(1 − ᾱ − ᾱσ²)·ε in place over `noise`: the start already carries white noise
 * of σ, which counts towards the (1 − ᾱ)/ᾱ the prior expects at this step.
 */
export function diffuseCountingInputNoise(alphaBar: number, start: Float32Array, inputSigma: number, noise: Float32Array): void {
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(Math.max(0, 1 - alphaBar - alphaBar * inputSigma * inputSigma));
  for (let i = 0; i < noise.length; i++) noise[i] = a * start[i]! + b * noise[i]!;
}
