import type { ScuStoreOutcome } from '../net/scu-outcome.js';
import type { StoreItem } from '../net/types.js';
import type { DestinationCommon, ExportDestination } from './destination.js';

/** One object to deliver: a Part-10 file and its identifiers. */
export type DeliveryItem = StoreItem;

/**
 * How the export queue hands objects to a destination. Every implementation passes the same
 * conformance suite (test/export/transport-conformance.ts).
 *
 * `send` resolves with one outcome per item, in the items' order. An outcome with a DIMSE status
 * (0x0000 for a folder write) is that item's answer; without one, `error` says why and
 * `permanent` whether retrying can help. It rejects only when nothing could be attempted at all
 * (destination unreachable): TransientTransportError or PermanentTransportError.
 */
export interface Transport<D extends DestinationCommon = ExportDestination> {
  /** The destination kind it delivers to. */
  readonly kind: string;
  /**
   * `onResponse`, where the transport can, is called with each C-STORE response as it arrives, so
   * the queue records a delivery before the next one goes out (a crash then re-sends at most the
   * object in flight).
   */
  send(dest: D, items: DeliveryItem[], onResponse?: (outcome: ScuStoreOutcome) => void): Promise<ScuStoreOutcome[]>;
  /**
   * Which of these objects the destination holds already (SOP Instance UIDs), where it can be
   * asked; rejects when it cannot. Absent for transports that cannot ask.
   */
  holds?(dest: D, items: DeliveryItem[]): Promise<Set<string>>;
  /** What `holds` asks the destination with (C-FIND, QIDO-RS), for the log. */
  readonly holdsQuery?: string;
}
