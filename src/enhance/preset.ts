/**
 * The engine's view of an enhancement preset: the resolved config preset itself (one definition,
 * src/config/preset-schema.ts, where every field and its default is documented). The engine takes
 * the resolved object and invents no defaults.
 */
import { presetDefaults, type Preset } from '../config/preset-schema.js';

export type EnhancePreset = Preset;
export type VarianceChoice = Preset['variance'];

/** Mean shifts per step: condition_mean runs twice with identical inputs (direct.py:467). */
export const N_APPLY = 2;

/** What a preset that names only its model gets. */
export const DEFAULT_PRESET: Omit<EnhancePreset, 'model'> = presetDefaults();

/**
 * The paper's configuration (unimie-algorithm.md §6): 1000 steps from pure noise, learned σ,
 * E = 0.4, per-pixel guidance, nothing classical around the sampler.
 */
export const PAPER_PRESET: Omit<EnhancePreset, 'model'> = {
  ...DEFAULT_PRESET,
  steps: 1000,
  guidanceScale: 100_000,
  guidanceScaleFollowsRespacing: false,
  exposureTarget: 0.4,
  exposureWeight: 0.01,
  variance: 'learned',
  patchSize: 256,
  stride: 128,
  guidanceTarget: 'x0',
  startStep: null,
  startFromNoise: false,
  stepPlacement: 'respaced',
  guidanceResidualSigma: 0,
  illuminationGain: 'scalar',
  startGamma: false,
  localGamma: false,
  brightenOnlyUnderexposed: false,
  detailFromInput: false,
  backgroundProtection: false,
  contrastStretch: false,
  exposureForegroundOnly: false,
  dataStepLimit: null,
};

/** s actually applied per step. */
export function effectiveGuidanceScale(preset: Pick<EnhancePreset, 'guidanceScale' | 'guidanceScaleFollowsRespacing' | 'guidanceScaleCap' | 'steps'>, timesteps: number): number {
  if (!preset.guidanceScaleFollowsRespacing) return preset.guidanceScale;
  return preset.guidanceScale * Math.min(timesteps / preset.steps, preset.guidanceScaleCap);
}

/** Resolve 'auto': learned for ε+variance models, fixed_small for ε-only models. */
export function resolveVariance(choice: VarianceChoice, outputChannels: 3 | 6): 'learned' | 'fixed_small' | 'fixed_large' {
  if (choice === 'auto') return outputChannels === 6 ? 'learned' : 'fixed_small';
  return choice;
}
