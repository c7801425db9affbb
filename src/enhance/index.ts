export { EnhancementEngine, type EngineProgress, type EnhanceOptions, type EnhanceResult, type EnhanceTimings } from './engine.js';
export { ModelCatalog, ModelRegistry, type ModelInfo, type PresetAvailability, type RegisteredModel, type RegistryOptions } from './model-registry.js';
export { ThreadedEngine } from './threaded-engine.js';
export { loadManifest, validateManifest, sha256File, ManifestSchema, type LoadedManifest, type ModelManifest } from './model-manifest.js';
export { openModelSession, type ModelSession, type SessionSettings } from './onnx-session.js';
export { DEFAULT_PRESET, PAPER_PRESET, effectiveGuidanceScale, resolveVariance, type EnhancePreset, type VarianceChoice } from './preset.js';
export { isGrayImage, type EngineImage, type GrayImage } from './image-planes.js';
export { runEnhancement, seededNoise, type NoiseSource, type RunOutput, type RunRequest } from './enhancement-run.js';
export { planRun, type RunPlan } from './run-plan.js';
export { sampleSlices, type PredictFn, type SamplerOptions, type SamplerProgress, type SliceInput } from './sampler.js';
export {
  backgroundMask,
  entropy,
  grayPlane,
  lightnessOrderError,
  psnr,
  ssim,
  summariseQuality,
  type QualitySummary,
} from './quality.js';
