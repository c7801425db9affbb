import type { RgbImage } from '../render/rgb-image.js';
import type { AppliedProcessing } from './applied-processing.js';
import type { PresetDescription } from './preset-description.js';

/**
 * The enhancement stage as the series pipeline drives it. Two adapters implement it: the local
 * engine (local-enhancer.ts, wired by pipeline/engine-enhancer.ts) and the BullMQ queue of workers
 * (scale/remote-enhancer.ts); both resolve node.yaml presets with preset-resolver.ts.
 */
export interface SliceEnhancer {
  describe(preset: string): PresetDescription;
  /** Models the presets name: loaded (id, hash, device) or disabled with the problem. */
  models(): Array<{ id: string; sha256?: string; version?: string; device?: string; loaded: boolean; problem?: string; note?: string }>;
  /**
   * Enhances several slices of one series (the engine may batch patches across them). Slice i
   * draws random stream `firstSlice + i`, so its result depends only on its place in the series.
   */
  enhance(
    images: RgbImage[],
    preset: string,
    opts: {
      signal: AbortSignal;
      onProgress?: (p: { step: number; steps: number; slice?: number }) => void;
      firstSlice?: number;
      /** Per slice: the grey level of "no signal" in its rendering (RenderedSlice.blackLevel); 0 when absent. */
      blackLevels?: readonly number[];
    },
  ): Promise<EnhancedSlice[]>;
  /** Releases connections and sessions (remote executors). */
  close?(): Promise<void>;
  /** Where the diffusion work runs and, for a queue, its state (API and dashboard). */
  executorStatus?(): Promise<ExecutorStatus>;
}

export interface EnhancedSlice {
  image: RgbImage;
  backgroundProtected: boolean;
  /** What produced the pixels (estimator, network evaluations, patch grid, classical steps). */
  applied: AppliedProcessing;
  timings: Record<string, number>;
  quality?: Record<string, number>;
  /** Set by a remote executor: which worker, on which host and device, after how many starts. */
  producer?: { worker: string; host: string; device: string; attempts: number };
}

/** The executor as the API shows it: in-process, or a BullMQ queue with its workers. */
export interface ExecutorStatus {
  kind: 'local' | 'bullmq';
  /** bullmq: whether Redis answered within a second. */
  redisUp?: boolean;
  /** bullmq: workers connected to the slice queue. */
  workers?: number;
  /** bullmq: slice jobs per queue state (waiting = queue depth). */
  jobs?: Record<string, number>;
}
