/**
 * The models named by the presets, each loaded once through its manifest and kept warm
 * (issue 5 item 4). A model that fails to load disables only the presets that name it; the
 * problem names the file.
 */
import { join } from 'node:path';
import { errorMessage } from '../shared/errors.js';
import { ModelContractError } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';
import { loadManifest, type ModelManifest } from './model-manifest.js';
import { openModelSession, type ModelSession, type SessionSettings } from './onnx-session.js';

/** What is known of a loaded model without its session (the catalog a worker thread reports). */
export interface ModelInfo {
  id: string;
  version: string;
  sha256: string;
  device: 'cpu' | 'cuda';
  /** Why a CUDA request runs on the CPU (absent when the model got the device it asked for). */
  fallbackReason?: string;
  manifest: ModelManifest;
  manifestPath: string;
}

/** A model ready for the engine. */
export interface RegisteredModel extends ModelInfo {
  session: ModelSession;
}

export interface PresetAvailability {
  usable: string[];
  disabled: Array<{ preset: string; model: string; problem: string }>;
}

export interface RegistryOptions {
  /** Folder holding `<id>/manifest.yaml` (the repository's `model/`). */
  modelsDir: string;
  /** Or an explicit manifest path per id (overrides modelsDir for that id). */
  manifestPaths?: Record<string, string>;
  session?: SessionSettings;
  /** Execution device per model id (node.yaml `models.<id>.device`), over `session.device`. */
  devices?: Record<string, 'cpu' | 'cuda'>;
  logger?: Logger;
}

/** The models that loaded and the problems of those that did not, by id. */
export class ModelCatalog<M extends ModelInfo = ModelInfo> {
  constructor(
    protected readonly models: Map<string, M>,
    protected readonly failures: Map<string, string>,
  ) {}

  /** The model, or a ModelContractError carrying the load problem. */
  get(id: string): M {
    const m = this.models.get(id);
    if (m) return m;
    const problem = this.failures.get(id);
    throw new ModelContractError(problem ? `model "${id}" is disabled: ${problem}` : `model "${id}" is not loaded (no preset names it)`);
  }

  /** Ids and problems of the models that failed to load. */
  problems(): ReadonlyMap<string, string> {
    return this.failures;
  }

  loaded(): M[] {
    return [...this.models.values()];
  }

  /** Which presets can run; a preset whose model failed is disabled with the model's problem. */
  availability(presets: Record<string, { model: string }>): PresetAvailability {
    const out: PresetAvailability = { usable: [], disabled: [] };
    for (const [name, preset] of Object.entries(presets)) {
      if (this.models.has(preset.model)) out.usable.push(name);
      else out.disabled.push({ preset: name, model: preset.model, problem: this.failures.get(preset.model) ?? 'model not loaded' });
    }
    return out;
  }
}

/** The catalog with an open session per model. */
export class ModelRegistry extends ModelCatalog<RegisteredModel> {
  /** Load every model id once; failures are recorded, not thrown. */
  static async open(ids: Iterable<string>, opts: RegistryOptions): Promise<ModelRegistry> {
    const logger = opts.logger ?? silentLogger;
    const models = new Map<string, RegisteredModel>();
    const failures = new Map<string, string>();
    for (const id of new Set(ids)) {
      const manifestPath = opts.manifestPaths?.[id] ?? join(opts.modelsDir, id, 'manifest.yaml');
      try {
        const loaded = await loadManifest(manifestPath);
        if (loaded.manifest.id !== id) {
          throw new ModelContractError(`${manifestPath}: manifest id "${loaded.manifest.id}" does not match the model name "${id}"`);
        }
        const device = opts.devices?.[id] ?? opts.session?.device;
        const session = await openModelSession(loaded, { ...opts.session, ...(device ? { device } : {}) });
        if (session.fallbackReason) logger.warn({ stage: 'enhance', model: id, device: session.device }, session.fallbackReason);
        models.set(id, {
          id,
          version: loaded.manifest.version,
          sha256: loaded.manifest.sha256,
          device: session.device,
          ...(session.fallbackReason ? { fallbackReason: session.fallbackReason } : {}),
          manifest: loaded.manifest,
          manifestPath,
          session,
        });
        logger.info({ stage: 'enhance', model: id, sha256: loaded.manifest.sha256, device: session.device }, 'model loaded');
      } catch (err) {
        failures.set(id, errorMessage(err));
        logger.error({ stage: 'enhance', model: id, err: errorMessage(err) }, 'model disabled');
      }
    }
    return new ModelRegistry(models, failures);
  }

  async close(): Promise<void> {
    for (const m of this.models.values()) await m.session.release();
    this.models.clear();
  }
}
