/**
 * What actually produced an enhanced image: the sampler's estimator (the network or, for the
 * ablation twin, the engine's own start estimate), how often the network ran per patch, where the
 * run started, the patch grid, and every classical step applied around the sampler. The derived
 * series and the provenance row are written from this record, so they say what ran.
 */

/** Classical image-processing steps the engine may apply around the diffusion sampler. */
export const CLASSICAL_STEPS = ['contrast-stretch', 'gamma-start', 'local-gamma-start', 'detail-transfer', 'detail-boost', 'background-copy', 'background-smoothing'] as const;
export type ClassicalStep = (typeof CLASSICAL_STEPS)[number];

export interface AppliedProcessing {
  /** `network`: x̂0 from the model at every step; `network-free`: the ablation twin (no model call). */
  estimator: 'network' | 'network-free';
  /** Model evaluations per patch (sampling steps run; 0 for the twin). */
  networkEvaluationsPerPatch: number;
  /** Training timestep of the first step run (999 or the schedule's last for a pure-noise start). */
  startTimestep: number;
  /** True when the run starts from the noised input rather than pure noise. */
  anchoredStart: boolean;
  patchSize: number;
  stride: number;
  /** Patches per image at the working size (overlaps averaged at every step when > 1). */
  patchesPerImage: number;
  /** Classical steps applied to this image, in processing order. */
  classical: ClassicalStep[];
}
