/**
 * dcmjs-dimse opens its SCU sockets with `net.connect` / `tls.connect` and never disables Nagle's
 * algorithm, so every C-STORE waits for the peer's delayed ACK (measured: 19 ms per instance to
 * DCMTK storescp on loopback, 5× slower than with TCP_NODELAY). It offers no socket option, so the
 * SCU sets it on the one socket of each association it opens, right after the library created it.
 */
import type { Socket } from 'node:net';

/**
 * TCP_NODELAY on this socket, whether it has connected yet or not (Node applies it when the
 * handle is created); a TLS socket passes it on to its TCP connection.
 */
export function setOutgoingNoDelay(socket: Pick<Socket, 'setNoDelay'>): void {
  socket.setNoDelay(true);
}
