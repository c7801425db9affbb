import type { Static, TObject } from '@sinclair/typebox';
import type { ConfigFiles } from './config-files.js';
import type { TlsFiles } from './node-schema.js';
import type { TlsMaterial } from './types.js';
import { KindRegistry } from '../shared/kind-registry.js';

type At = Array<string | number>;

/** What every destination in node.yaml has after resolution, whatever its kind. */
export interface ResolvedDestinationBase {
  kind: string;
  /** Its key under `destinations:`. */
  name: string;
  /** Attempts before a delivery goes to the dead state. */
  maxAttempts: number;
  backoff: { initialSeconds: number; maxSeconds: number };
  /**
   * Before re-sending an object in doubt after a crash, ask the destination whether it holds it
   * (only kinds whose transport can ask have it; absent counts as yes).
   */
  verifyInDoubt?: boolean;
}

/** What a destination kind's `resolve` may use: the config file's folder and readers, and where to report. */
export interface DestinationResolveContext extends ConfigFiles {
  /** The destination's key under `destinations:`. */
  name: string;
  /** Its path in node.yaml (`['destinations', name]`), for issues. */
  at: At;
  /** node.aeTitle (a DIMSE destination's default calling AE title). */
  nodeAeTitle: string;
  /** A secret from the YAML (a value or `{ file }`, then its first line). */
  readSecret(value: string | { file: string }, at: At): string;
  /** TLS files named in the YAML, read into PEM (undefined when one cannot be read). */
  readTls(tls: TlsFiles, at: At): TlsMaterial | undefined;
  /** Reports a problem the schema cannot see, with the file and line of `at`. */
  issue(at: At, message: string): void;
}

/**
 * The config side of a destination kind: the schema of its entry in node.yaml (an object whose
 * `kind` is a literal; the loader validates every entry against the union of the registered
 * kinds) and how a validated entry resolves (paths absolute, secrets and TLS files read, checks
 * the schema cannot express). The kind's module (src/export/destinations/) adds its transport.
 */
export interface DestinationKindConfig<S extends TObject = TObject, R extends ResolvedDestinationBase = ResolvedDestinationBase> {
  readonly kind: string;
  readonly schema: S;
  resolve(entry: Static<S>, ctx: DestinationResolveContext): R;
}

// Kept here, not imported: the kinds' modules import config (for their schema parts), so config
// can learn them only by being told (src/export/destination-kinds.ts registers them).
const registered = new KindRegistry<DestinationKindConfig>('destination kind', (k) => k.kind);

/**
 * Adds a destination kind to those node.yaml accepts; registering the same definition again does
 * nothing, another definition of a registered kind is a programming error.
 */
export function registerDestinationKindConfig(kind: DestinationKindConfig): void {
  registered.register(kind);
}

/** The registered destination kinds, in registration order (the order of the schema's union). */
export function destinationKindConfigs(): readonly DestinationKindConfig[] {
  return registered.all();
}

/** `build()`'s value, rebuilt when a destination kind was registered since the last call. */
export function memoOverDestinationKinds<V>(build: () => V): () => V {
  return registered.memo(build);
}
