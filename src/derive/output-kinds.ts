import { KindRegistry } from '../shared/kind-registry.js';
import type { OutputKindDefinition } from './output-kind.js';
import { derivedGrayscale } from './output-kinds/derived-grayscale.js';
import { mfScRgb } from './output-kinds/mf-sc-rgb.js';
import { scRgb } from './output-kinds/sc-rgb.js';
import { vlEndoscopic } from './output-kinds/vl-endoscopic.js';

// The registration point: a new output kind is one module in output-kinds/ and one entry here.
// The order is the order rules.yaml's schema lists them in (config/rules.schema.json).
const BUILT_IN: readonly OutputKindDefinition[] = [scRgb, mfScRgb, derivedGrayscale, vlEndoscopic];

const kinds = new KindRegistry<OutputKindDefinition>('output kind', (k) => k.name);
for (const kind of BUILT_IN) kinds.register(kind);

/**
 * Adds an output kind that rules may name and the pipeline builds; registering the same
 * definition again does nothing, another definition of a registered name is a programming error.
 */
export function registerOutputKind(kind: OutputKindDefinition): void {
  kinds.register(kind);
}

/** The names of the registered output kinds, in registration order. */
export function outputKindNames(): string[] {
  return kinds.all().map((k) => k.name);
}

/** The registered kind of that name, if any. */
export function outputKindNamed(name: string): OutputKindDefinition | undefined {
  return kinds.get(name);
}

/** `build()`'s value, rebuilt when an output kind was registered since the last call. */
export function memoOverOutputKinds<V>(build: () => V): () => V {
  return kinds.memo(build);
}
