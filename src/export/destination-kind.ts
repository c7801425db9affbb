import type { TObject } from '@sinclair/typebox';
import type { DestinationKindConfig, ResolvedDestinationBase } from '../config/destination-kind.js';
import type { ScuTransport } from '../net/types.js';
import type { Logger } from '../shared/log.js';
import type { DestinationCommon } from './destination.js';
import type { EchoResult } from './echo-destination.js';
import type { Transport } from './transport.js';

/** What a kind's transport and echo may use: the node's SCU (one per node) and its log. */
export interface DestinationServices {
  scu?: ScuTransport;
  log?: Logger;
}

/**
 * One destination kind, in one module under src/export/destinations/: its node.yaml schema and
 * resolution (the config side, registered with the loader), how its resolved settings become what
 * its transport takes, the transport, how to test it, and how it reads in lists. Adding a kind is
 * its module plus its entry in src/export/destination-kinds.ts.
 */
export interface DestinationKind<S extends TObject = TObject, R extends ResolvedDestinationBase = ResolvedDestinationBase, E extends DestinationCommon = DestinationCommon>
  extends DestinationKindConfig<S, R> {
  /** The export form of a resolved destination; `common` has its name, attempts and backoff in ms. */
  toExport(resolved: R, common: DestinationCommon): E;
  createTransport(services: DestinationServices): Transport<E>;
  /** Tests the destination; never throws, the result says what failed. */
  echo(dest: E, services: DestinationServices): Promise<EchoResult>;
  /** Where it delivers, as an operator reads it (an AE title and address, a URL, a path), and whether over TLS. */
  describe(resolved: R): { address: string; tls: boolean };
  /** Files its settings were read from (TLS material), by role (`tls.cert`…), for backups. */
  files?(resolved: R): Record<string, string>;
}
