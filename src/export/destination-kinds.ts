import type { TObject } from '@sinclair/typebox';
import { registerDestinationKindConfig, type ResolvedDestinationBase } from '../config/destination-kind.js';
import type { DestinationCommon } from './destination.js';
import type { DestinationKind, DestinationServices } from './destination-kind.js';
import { dicomwebDestination } from './destinations/dicomweb.js';
import { dimseDestination } from './destinations/dimse.js';
import { folderDestination } from './destinations/folder.js';
import type { Transport } from './transport.js';

// The registration point: a new destination kind is one module in destinations/ and one entry
// here. The order is the order of node.yaml's schema union (config/node.schema.json).
const BUILT_IN = [dimseDestination, folderDestination, dicomwebDestination];

// Stored with their own settings types erased: a kind only ever gets back what it resolved itself.
const kinds = new Map<string, DestinationKind>();

/**
 * Registers a destination kind with the config loader (node.yaml accepts its entries) and with the
 * export stage (its transport delivers them). The built-in kinds are registered when this module
 * is first imported, which every user of destinations does (routes, echo, the CLI).
 */
export function registerDestinationKind<S extends TObject, R extends ResolvedDestinationBase, E extends DestinationCommon>(kind: DestinationKind<S, R, E>): void {
  const erased = kind as unknown as DestinationKind;
  if (kinds.get(kind.kind) === erased) return;
  registerDestinationKindConfig(erased);
  kinds.set(kind.kind, erased);
}

for (const kind of BUILT_IN) registerDestinationKind(kind as unknown as DestinationKind);

/** The registered kind of that name; throws for an unknown one. */
export function destinationKindOf(kind: string): DestinationKind {
  const found = kinds.get(kind);
  if (!found) throw new Error(`no destination kind '${kind}' is registered`);
  return found;
}

/** Maps a destination from the resolved node configuration (seconds) to the export form (ms). */
export function fromResolvedDestination(d: ResolvedDestinationBase): DestinationCommon {
  const common: DestinationCommon = {
    kind: d.kind,
    name: d.name,
    maxAttempts: d.maxAttempts,
    backoff: { initialMs: d.backoff.initialSeconds * 1000, maxMs: d.backoff.maxSeconds * 1000, jitter: 'equal' },
  };
  return destinationKindOf(d.kind).toExport(d, common);
}

/** The transport that delivers to a destination of this kind. */
export function createTransportFor(dest: DestinationCommon, services: DestinationServices): Transport<DestinationCommon> {
  return destinationKindOf(dest.kind).createTransport(services);
}

/** Where a destination delivers, as an operator reads it, and whether over TLS. */
export function describeDestination(d: ResolvedDestinationBase): { address: string; tls: boolean } {
  return destinationKindOf(d.kind).describe(d);
}

/** Files a destination's settings were read from (TLS material), by role (`tls.cert`…). */
export function destinationFiles(d: ResolvedDestinationBase): Record<string, string> {
  return destinationKindOf(d.kind).files?.(d) ?? {};
}
