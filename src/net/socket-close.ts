import type { Socket } from 'node:net';

/** Destroys the socket after `ms` unless it closed by then; the timer does not keep the process up. */
export function destroyAfter(socket: Socket, ms: number): void {
  setTimeout(() => socket.destroy(), ms).unref();
}

/** Half-closes, then destroys a socket whose peer does not close in turn (half-open peers). */
export function closeSocket(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  destroyAfter(socket, 2000);
}
