import type { OutputKindDefinition } from './output-kind.js';
import { derivedGrayscale } from './output-kinds/derived-grayscale.js';
import { mfScRgb } from './output-kinds/mf-sc-rgb.js';
import { scRgb } from './output-kinds/sc-rgb.js';
import { vlEndoscopic } from './output-kinds/vl-endoscopic.js';

// The registration point: a new output kind is one module in output-kinds/ and one entry here.
// The order is the order rules.yaml's schema lists them in (config/rules.schema.json).
const BUILT_IN: readonly OutputKindDefinition[] = [scRgb, mfScRgb, derivedGrayscale, vlEndoscopic];

const kinds = new Map<string, OutputKindDefinition>(BUILT_IN.map((k) => [k.name, k]));
let version = 0;

/**
 * Adds an output kind that rules may name and the pipeline builds; registering the same
 * definition again does nothing, another definition of a registered name is a programming error.
 */
export function registerOutputKind(kind: OutputKindDefinition): void {
  const known = kinds.get(kind.name);
  if (known === kind) return;
  if (known) throw new Error(`output kind '${kind.name}' is registered already`);
  kinds.set(kind.name, kind);
  version += 1;
}

/** The names of the registered output kinds, in registration order. */
export function outputKindNames(): string[] {
  return [...kinds.keys()];
}

/** The registered kind of that name, if any. */
export function outputKindNamed(name: string): OutputKindDefinition | undefined {
  return kinds.get(name);
}

/** Changes whenever a kind is registered (schemas built from the registry are rebuilt then). */
export function outputKindsVersion(): number {
  return version;
}
