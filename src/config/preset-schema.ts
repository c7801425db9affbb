import { Type, type Static } from '@sinclair/typebox';
import { Defaulted, Name, OneOf, Strict } from './schema-helpers.js';

/**
 * One enhancement preset (`presets:` in node.yaml). Every knob of the UniMIE engine that a site may
 * turn lives here, with its default beside it; the engine reads the resolved object and invents no
 * defaults of its own. Defaults follow the measured remedy of unimie-algorithm.md §11 (few respaced
 * steps, guidance following the respacing with a cap, fixed_small variance for ε-only models,
 * input-anchored start); the reference behaviour is the `paper` preset (1000 steps, learned
 * variance, pure noise start, no protection).
 */
export const PresetSchema = Strict(
  {
    /** Model id, a key of `models:`. */
    model: Name,
    /** Number of respaced sampling steps (1000 = the full training schedule). */
    steps: Defaulted(Type.Integer({ minimum: 1, maximum: 1000 }), 2),
    /** Guidance scale s of the paper (reference 100 000). */
    guidanceScale: Defaulted(Type.Number({ minimum: 0 }), 100_000),
    /** Multiply s by 1000/steps so a respaced schedule keeps the total pull of the full one. */
    guidanceScaleFollowsRespacing: Defaulted(Type.Boolean(), true),
    /** Upper bound of that respacing multiplier (measured stable at 10). */
    guidanceScaleCap: Defaulted(Type.Number({ exclusiveMinimum: 0 }), 10),
    /** Exposure level E in [-1, 1] space, or `input`: per block, from the (brightened) input. */
    exposureTarget: Defaulted(Type.Union([Type.Number({ minimum: -1, maximum: 1 }), Type.Literal('input')]), 'input'),
    /** Weight of the exposure loss, as a fraction of the guidance scale (reference 0.01). */
    exposureWeight: Defaulted(Type.Number({ minimum: 0 }), 0.01),
    /** Posterior variance: `auto` = learned for 6-channel models, fixed_small for ε-only ones. */
    variance: Defaulted(OneOf(['auto', 'learned', 'fixed_small', 'fixed_large'] as const), 'auto'),
    /** Patch edge in pixels (the model's native size). */
    patchSize: Defaulted(Type.Integer({ minimum: 16, maximum: 4096, multipleOf: 16 }), 256),
    /** Distance between patch starts; ≤ patchSize so patches overlap or touch. */
    stride: Defaulted(Type.Integer({ minimum: 1, maximum: 4096 }), 128),
    /** Patches per model call. */
    batchSize: Defaulted(Type.Integer({ minimum: 1, maximum: 1024 }), 16),
    /** Seed of the sampler's random numbers (same seed → identical output). */
    seed: Defaulted(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 }), 0),
    /** Where guidance is evaluated: the clamped x̂0 (default) or x_t as the released code does. */
    guidanceTarget: Defaulted(OneOf(['x0', 'xt'] as const), 'x0'),
    /**
     * Input-anchored start: begin at this training timestep from the noised input (with
     * `startFromNoise`, the latest start allowed); null = pure noise from the last step.
     */
    startStep: Defaulted(Type.Union([Type.Integer({ minimum: 1, maximum: 999 }), Type.Null()]), 300),
    /**
     * Start where the diffusion noise reaches `noiseStartFactor` × the input's measured noise
     * (between `minStartStep` and `startStep`), so the prior removes the input's noise; the
     * input's own noise counts towards the start's.
     */
    startFromNoise: Defaulted(Type.Boolean(), true),
    /** Diffusion noise at the start, as a multiple of the input's measured noise σ. */
    noiseStartFactor: Defaulted(Type.Number({ exclusiveMinimum: 0, maximum: 8 }), 3),
    /** Earliest start timestep with `startFromNoise` (a clean input still gets this much refinement). */
    minStartStep: Defaulted(Type.Integer({ minimum: 0, maximum: 999 }), 5),
    /**
     * Where the `steps` of an anchored start go: `respaced` = the training schedule respaced to
     * `steps` over all 1000 timesteps, run from the start down; `below-start` = `steps` network
     * evaluations spaced evenly from the start timestep to 0.
     */
    stepPlacement: Defaulted(OneOf(['respaced', 'below-start'] as const), 'below-start'),
    /**
     * σ in pixels of a Gaussian low-pass applied to the data residual f·x + M − y of a noisy input
     * (see `noisyInputLevel`) before it shifts the mean: the illumination model then corrects
     * brightness at scales above σ and leaves fine structure to the prior instead of copying the
     * input's noise back. 0 = per pixel (the paper).
     */
    guidanceResidualSigma: Defaulted(Type.Number({ minimum: 0, maximum: 32 }), 4),
    /**
     * The illumination model's gain f: `scalar` (the paper) or `per-channel` (three gains, each
     * fitted to its own channel: a dark colour image is a per-channel power law, and one gain pulls
     * the output back towards the input's saturated cast). Grey images get three equal gains.
     */
    illuminationGain: Defaulted(OneOf(['scalar', 'per-channel'] as const), 'per-channel'),
    /** Gamma-brighten the input before anchoring the start and deriving the exposure target. */
    startGamma: Defaulted(Type.Boolean(), true),
    /** Keep the background (dark regions connected to the border) of an input that is not noisy unchanged. */
    backgroundProtection: Defaulted(Type.Boolean(), true),
    /** Stretch the contrast of inputs whose black level is lifted (flattened images) before sampling. */
    contrastStretch: Defaulted(Type.Boolean(), true),
    /** The start gamma follows the local foreground mean (unevenly lit inputs) instead of one global γ. */
    localGamma: Defaulted(Type.Boolean(), true),
    /** Brighten only as far as the bright end shows underexposure; false = always to mid-grey. */
    brightenOnlyUnderexposed: Defaulted(Type.Boolean(), true),
    /**
     * How underexposure is judged: `bright-end` (the 99.9th percentile and local maxima of the
     * brightest channel: a well-windowed slice reaches near white somewhere) or `median` (its
     * median and local mean over the object: camera images keep bright highlights in low light).
     */
    exposureJudgedBy: Defaulted(OneOf(['bright-end', 'median'] as const), 'bright-end'),
    /**
     * The background threshold is at least this many σ of the input's measured noise: a dark
     * region within the noise of black is background, not an underexposed object to brighten
     * (MR magnitude images: air has a Rician noise floor of about 1.25 σ). 0 = off (CT air is
     * clipped to black; in camera images dark regions near noise level are often real scene).
     */
    backgroundNoiseFloor: Defaulted(Type.Number({ minimum: 0, maximum: 10 }), 0),
    /**
     * Where background ends: `bright-end` (below a fraction of the bright end, as dark as a
     * windowed slice's air) or `border` (just above the level of the image border where that is
     * darker: a camera's black mask, with a dim vignetted rim of tissue that is object, not air).
     */
    backgroundJudgedBy: Defaulted(OneOf(['bright-end', 'border'] as const), 'bright-end'),
    /** Fine structure from the input (scaled by the illumination change), illumination from the sampler. */
    detailFromInput: Defaulted(Type.Boolean(), true),
    /**
     * Measured noise σ of the start image (8-bit grey levels) above which the input counts as
     * noisy: the guidance residual is then low-passed (`guidanceResidualSigma`) and no detail is
     * transferred from the input, since both would copy the noise back over the prior's estimate;
     * at or below it the guidance is per pixel and detail transfer runs. null = never noisy.
     */
    noisyInputLevel: Defaulted(Type.Union([Type.Number({ minimum: 0 }), Type.Null()]), 6),
    /** σ (pixels) separating illumination from detail. */
    detailSigma: Defaulted(Type.Number({ exclusiveMinimum: 0, maximum: 16 }), 2),
    /** Detail boost given in full to inputs that measure as blurred, not at all to sharp ones (0 = off). */
    detailBoost: Defaulted(Type.Number({ minimum: 0, maximum: 4 }), 2),
    /** Restrict the exposure pull to foreground blocks (dark background blocks do not pull towards E). */
    exposureForegroundOnly: Defaulted(Type.Boolean(), true),
    /**
     * Largest fraction of the data residual one step may remove; keeps a respacing-multiplied
     * guidance scale stable once the gain f is near 1. null = no limit (the paper).
     */
    dataStepLimit: Defaulted(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1 }), Type.Null()]), 0.5),
  },
  { description: 'an enhancement preset' },
);

/** A resolved preset: every default present (see Defaulted). */
export type Preset = Static<typeof PresetSchema>;

/** Every field's default, i.e. what a preset that names only its model gets. */
export function presetDefaults(): Omit<Preset, 'model'> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(PresetSchema.properties)) {
    if ('default' in schema) out[key] = structuredClone((schema as { default: unknown }).default);
  }
  return out as Omit<Preset, 'model'>;
}
