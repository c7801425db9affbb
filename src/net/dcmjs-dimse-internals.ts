/**
 * The one place the listener reaches into dcmjs-dimse (0.3.x) beyond its typed API. Each item
 * says why it is needed; a library upgrade checks these first (test/net and the PDU fuzz test
 * fail when one of them stops working).
 */
import type { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';

/** The Network fields set here; they exist at run time but not in index.d.ts. */
interface NetworkTimerFields {
  connected: boolean;
  connectedTime?: number;
  lastPduTime?: number;
}

/**
 * Starts the library's association timer (ARTIM, PS3.8 9.1.5) on a connection we accepted. The
 * library sets these two fields on the socket's 'connect' event, which only an outgoing socket
 * emits (its own Server sets `connected` by hand and leaves `connectedTime` unset), so without
 * them a peer that connects and sends nothing would never be timed out.
 */
export function startAssociationTimer(network: InstanceType<typeof dimse.Scp>): void {
  const fields = network as unknown as NetworkTimerFields;
  fields.connected = true;
  fields.connectedTime = Date.now();
}

/**
 * Tells the library's PDU timer (config idleTimeoutSeconds) that a PDU arrived which it did not
 * see: it aborts an association whose `lastPduTime` is older than its PDU timeout, and sets that
 * field only for the PDUs it reads itself, so the P-DATA-TF PDUs the listener reads must set it.
 */
export function notePduReceived(network: InstanceType<typeof dimse.Scp>): void {
  (network as unknown as NetworkTimerFields).lastPduTime = Date.now();
}

/**
 * Takes over the socket's 'data' listeners the library installed in its constructor (its PDU
 * accumulator) and returns a function that hands it bytes. The library acts on every PDU in any
 * state and buffers whatever length a header declares; taking its input over is what lets the
 * PduGuard judge each PDU header first and pass the library only what the state machine allows.
 * Call once, right after constructing the Scp on the socket.
 */
export function takeOverSocketInput(socket: Socket): (bytes: Buffer) => void {
  const library = socket.listeners('data') as Array<(chunk: Buffer) => void>;
  socket.removeAllListeners('data');
  return (bytes) => {
    for (const listener of library) listener.call(socket, bytes);
  };
}

/**
 * dcmjs-dimse's A-ASSOCIATE-AC announces min(the association's max PDU length, one process-wide
 * value in Implementation), a public setting but process-wide: raise it to the largest any
 * listener announces. Only ever raised, so listeners with different limits do not undo each
 * other; each association announces its own listener's limit, set on it after negotiation.
 */
export function allowMaxPduLength(maxPdu: number): void {
  if (dimse.Implementation.getMaxPduLength() < maxPdu) dimse.Implementation.setMaxPduLength(maxPdu);
}
