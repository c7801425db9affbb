import net from 'node:net';
import tls from 'node:tls';
import type { Socket } from 'node:net';
import type { Logger } from '../shared/log.js';
import type { ListenerOptions } from './types.js';

export interface DicomServerOptions {
  /** Open sockets (associated or not) beyond this are closed at once. */
  maxConnections: number;
  /** The listening server failed or closed while running (not by stop()). */
  onListenerError?: (err: Error) => void;
}

/**
 * The listening socket of one DICOM listener (TCP or TLS) and the connections it accepts: each
 * accepted socket is counted, capped at `maxConnections`, set to no-delay and handed to
 * `onConnection`; stop() closes the server and every connection still open.
 */
export class DicomServer {
  private server?: net.Server;
  private boundPort = 0;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly listener: ListenerOptions,
    private readonly log: Logger,
    private readonly onConnection: (socket: Socket) => void,
    private readonly opts: DicomServerOptions,
  ) {}

  /** The port actually bound (useful when 0 was configured); 0 before start(). */
  port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const { listener, log } = this;
    const t = listener.tls;
    const accept = (socket: Socket): void => this.accept(socket);
    const s = t
      ? tls.createServer(
          { cert: t.cert, key: t.key, ca: t.ca, requestCert: t.requestClientCert ?? false, rejectUnauthorized: t.requestClientCert ?? false },
          accept,
        )
      : net.createServer(accept);
    s.on('tlsClientError', (err: Error) => log.warn({ err: err.message }, 'TLS handshake failed'));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(listener.port, listener.host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.on('error', (err) => {
      log.error({ err: err.message }, 'listener error');
      this.opts.onListenerError?.(err);
    });
    s.on('close', () => {
      if (this.server === s) this.opts.onListenerError?.(new Error('the listening socket closed'));
    });
    const address = s.address();
    this.boundPort = typeof address === 'object' && address ? address.port : listener.port;
    this.server = s;
    log.info({ host: listener.host, port: this.boundPort, aeTitle: listener.aeTitle, tls: !!t }, 'DICOM listener started');
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    const closing = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closing;
    this.log.info('DICOM listener stopped');
  }

  private accept(socket: Socket): void {
    // A socket error before the protocol layer has wrapped the socket must not crash the process.
    socket.on('error', () => undefined);
    if (this.sockets.size >= this.opts.maxConnections) {
      this.log.warn({ host: socket.remoteAddress, open: this.sockets.size }, 'too many open connections: closing a new one at once');
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    // Small C-STORE-RSP PDUs must not wait for Nagle + delayed ACK (~40 ms per instance).
    socket.setNoDelay(true);
    socket.once('close', () => this.sockets.delete(socket));
    this.onConnection(socket);
  }
}
