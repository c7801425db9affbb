/**
 * Messages between the node's thread and the engine thread (threaded-engine.ts ↔ engine-thread.ts).
 * Everything here survives a structured clone: no classes, no functions.
 */
import type { SerializedError } from '../shared/errors.js';
import type { EngineProgress, EnhanceOptions, EnhanceResult } from './engine.js';
import type { EngineImage } from './image-planes.js';
import type { ModelInfo, RegistryOptions } from './model-registry.js';
import type { EnhancePreset } from './preset.js';

/** `workerData` of the engine thread. */
export interface EngineThreadData {
  ids: string[];
  registry: Omit<RegistryOptions, 'logger'>;
  /** pino level of the lines the thread forwards. */
  logLevel: string;
}

export type EnhanceRequestOptions = Omit<EnhanceOptions, 'signal' | 'onProgress'>;

export type ToEngineThread =
  | { kind: 'enhance'; id: number; images: EngineImage[]; preset: EnhancePreset; options: EnhanceRequestOptions }
  | { kind: 'cancel'; id: number }
  | { kind: 'close' };

export type FromEngineThread =
  | { kind: 'ready'; models: ModelInfo[]; problems: Array<[string, string]> }
  | { kind: 'progress'; id: number; progress: EngineProgress }
  | { kind: 'done'; id: number; results: EnhanceResult[] }
  | { kind: 'failed'; id: number; error: SerializedError }
  | { kind: 'log'; line: string }
  | { kind: 'closed' };
