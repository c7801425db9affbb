/**
 * The engine's view of an enhancement preset. It mirrors src/config/preset-schema.ts (which
 * validates and fills defaults); the engine takes the resolved object and invents no defaults.
 */

export type VarianceChoice = 'auto' | 'learned' | 'fixed_small' | 'fixed_large';

export interface EnhancePreset {
  /** Model id (model/<id>/manifest.yaml). */
  model: string;
  /** Respaced sampling steps (1000 = the full schedule). */
  steps: number;
  /** Guidance scale s (reference 1e5). */
  guidanceScale: number;
  /** Multiply s by min(T/steps, cap) so a respaced run keeps the total pull. */
  guidanceScaleFollowsRespacing: boolean;
  guidanceScaleCap: number;
  /** E in [-1, 1], or 'input' (per block from the brightened input). */
  exposureTarget: number | 'input';
  /** λ_exp as a fraction of s (reference 0.01). */
  exposureWeight: number;
  variance: VarianceChoice;
  patchSize: number;
  stride: number;
  batchSize: number;
  seed: number;
  guidanceTarget: 'x0' | 'xt';
  /** Input-anchored start at this training timestep; null = pure noise from the last step. */
  startStep: number | null;
  startGamma: boolean;
  /**
   * Extra field (not in the config schema yet): the start gamma follows the local foreground
   * mean (uneven illumination) instead of one global γ. Absent = true (used only with startGamma).
   */
  localGamma?: boolean;
  /**
   * Brighten only what the bright end shows to be underexposed (a well-exposed input keeps its
   * exposure); false = always bring the foreground mean to mid-grey. Absent = false.
   */
  brightenOnlyUnderexposed?: boolean;
  /** Fine structure from the input, illumination from the sampler (detail-transfer.ts). Absent = false. */
  detailFromInput?: boolean;
  /** σ in pixels separating illumination from detail. Absent = DEFAULT_DETAIL_SIGMA. */
  detailSigma?: number;
  /** Extra gain on the input's detail (0 = as is). Absent = 0. */
  detailBoost?: number;
  backgroundProtection: boolean;
  contrastStretch: boolean;
  /**
   * Extra field (not in the config schema yet): restrict the exposure pull to foreground blocks.
   * Absent = true unless the exposure target is a number and nothing else is protected (paper).
   */
  exposureForegroundOnly?: boolean;
  /**
   * Extra field (not in the config schema yet): the largest fraction of the data residual one
   * step may remove; keeps a respacing-multiplied s stable once f is near 1. null = none;
   * absent = 0.5 with an anchored start, none without (see dataStepLimitOf).
   */
  dataStepLimit?: number | null;
}

/** Mean shifts per step: condition_mean runs twice with identical inputs (direct.py:467). */
export const N_APPLY = 2;

/** The paper's configuration (unimie-algorithm.md §6): 1000 steps, learned σ, E = 0.4, pure noise. */
export const PAPER_PRESET: Omit<EnhancePreset, 'model'> = {
  steps: 1000,
  guidanceScale: 100_000,
  guidanceScaleFollowsRespacing: false,
  guidanceScaleCap: 10,
  exposureTarget: 0.4,
  exposureWeight: 0.01,
  variance: 'learned',
  patchSize: 256,
  stride: 128,
  batchSize: 16,
  seed: 0,
  guidanceTarget: 'x0',
  startStep: null,
  startGamma: false,
  backgroundProtection: false,
  contrastStretch: false,
  exposureForegroundOnly: false,
  dataStepLimit: null,
};

/** The practical default (issue 4 remedy; unimie-algorithm.md §11). */
export const DEFAULT_DETAIL_SIGMA = 2;

export const DEFAULT_PRESET: Omit<EnhancePreset, 'model'> = {
  steps: 10,
  guidanceScale: 100_000,
  guidanceScaleFollowsRespacing: true,
  guidanceScaleCap: 10,
  exposureTarget: 'input',
  exposureWeight: 0.01,
  variance: 'auto',
  patchSize: 256,
  stride: 128,
  batchSize: 16,
  seed: 0,
  guidanceTarget: 'x0',
  startStep: 300,
  startGamma: true,
  localGamma: true,
  brightenOnlyUnderexposed: true,
  detailFromInput: true,
  detailSigma: DEFAULT_DETAIL_SIGMA,
  detailBoost: 2,
  backgroundProtection: true,
  contrastStretch: true,
  exposureForegroundOnly: true,
  dataStepLimit: 0.5,
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
