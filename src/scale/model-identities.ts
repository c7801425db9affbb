import type { LoadedConfig } from '../config/load.js';
import { loadManifest } from '../enhance/model-manifest.js';
import type { Db } from '../provenance/database.js';
import { recordModelLoaded } from '../provenance/derivations.js';
import { ConfigError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';

/** What the node needs of a model the workers run: its identity (for UIDs and provenance), not its weights. */
export interface ModelIdentity {
  id: string;
  version: string;
  sha256: string;
}

/** The identities of the models the presets name, read from their manifests; a model that cannot be read is disabled with its problem. */
export class ModelIdentities {
  private constructor(
    private readonly loaded: ReadonlyMap<string, ModelIdentity>,
    private readonly problems: ReadonlyMap<string, string>,
  ) {}

  /** Reads each manifest once and records the model as loaded (device `bullmq`) in the provenance database. */
  static async load(config: Pick<LoadedConfig, 'presets' | 'models'>, db: Db, log: Logger): Promise<ModelIdentities> {
    const loaded = new Map<string, ModelIdentity>();
    const problems = new Map<string, string>();
    for (const id of new Set(Object.values(config.presets).map((p) => p.model))) {
      const ref = config.models[id];
      try {
        if (!ref) throw new Error(`model "${id}" is not defined in node.yaml`);
        const { manifest } = await loadManifest(ref.manifest);
        loaded.set(id, { id, version: manifest.version, sha256: manifest.sha256 });
        recordModelLoaded(db, { id, sha256: manifest.sha256, version: manifest.version, path: ref.manifest, device: 'bullmq' });
      } catch (err) {
        problems.set(id, errorMessage(err));
        log.error({ model: id, err: errorMessage(err) }, 'model disabled');
      }
    }
    return new ModelIdentities(loaded, problems);
  }

  /** The model's identity; throws ConfigError naming the problem when it is disabled. */
  get(id: string): ModelIdentity {
    const m = this.loaded.get(id);
    if (!m) throw new ConfigError(`model "${id}" is disabled: ${this.problems.get(id) ?? 'not loaded'}`);
    return m;
  }

  /** Loaded models, then disabled ones with their problem (SliceEnhancer.models). */
  list(): Array<{ id: string; version?: string; sha256?: string; device?: string; loaded: boolean; problem?: string }> {
    return [
      ...[...this.loaded.values()].map((m) => ({ ...m, device: 'bullmq', loaded: true })),
      ...[...this.problems].map(([id, problem]) => ({ id, loaded: false, problem })),
    ];
  }
}
