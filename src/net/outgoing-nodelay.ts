/**
 * dcmjs-dimse opens its SCU sockets with `net.connect` / `tls.connect` and never disables Nagle's
 * algorithm, so every C-STORE waits for the peer's delayed ACK (measured: 19 ms per instance to
 * DCMTK storescp on loopback, 5× slower than with TCP_NODELAY). It offers no socket hook, so the
 * two connect functions it calls are wrapped once to set TCP_NODELAY on the sockets they return.
 * Harmless for other clients in the process: DICOM, Redis (ioredis sets it anyway) and HTTP
 * clients all favour latency over coalescing on loopback and LAN links.
 */
import { createRequire } from 'node:module';
import type * as Net from 'node:net';
import type * as Tls from 'node:tls';

const require = createRequire(import.meta.url);
const MARK = Symbol.for('unimie.outgoingNoDelay');
type Patched = { [MARK]?: true };

function wrap<T extends (...args: never[]) => { setNoDelay(noDelay?: boolean): unknown }>(fn: T): T {
  const wrapped = function (this: unknown, ...args: Parameters<T>) {
    const socket = fn.apply(this, args);
    socket.setNoDelay(true);
    return socket;
  } as unknown as T;
  (wrapped as unknown as Patched)[MARK] = true;
  return wrapped;
}

/** Idempotent. Affects sockets created through `require('net'|'tls').connect` from now on. */
export function enableOutgoingNoDelay(): void {
  // The CommonJS module objects are the ones dcmjs-dimse holds (ESM namespaces are read-only views).
  const net = require('node:net') as typeof Net & Patched;
  const tls = require('node:tls') as typeof Tls & Patched;
  if ((net.connect as unknown as Patched)[MARK]) return;
  const connect = wrap(net.connect);
  net.connect = connect;
  net.createConnection = connect;
  tls.connect = wrap(tls.connect);
}
