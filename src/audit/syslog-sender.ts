/** Sends syslog messages to one collector over TLS (RFC 5425), TCP (RFC 6587) or UDP (RFC 5426). */
import dgram from 'node:dgram';
import net, { isIP } from 'node:net';
import tls from 'node:tls';
import { octetCountedFrame } from './syslog-message.js';

export interface SyslogTarget {
  host: string;
  port: number;
  protocol: 'tls' | 'tcp' | 'udp';
  tls?: { ca?: string; cert?: string; key?: string };
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * One collector. Stream transports keep a connection open between sends and drop it on any error
 * or when the collector closes it; the next send connects again. `send` resolves once every message
 * was handed to the operating system (stream: the write callback; UDP: each datagram sent) and
 * rejects when any could not be: the caller keeps those messages for a later try.
 */
export class SyslogSender {
  private socket: net.Socket | undefined;
  private udp: dgram.Socket | undefined;

  constructor(readonly target: SyslogTarget) {}

  async send(messages: Buffer[]): Promise<void> {
    if (messages.length === 0) return;
    if (this.target.protocol === 'udp') return this.sendUdp(messages);
    const socket = await this.connected();
    // One write of all frames: the callback tells that the whole batch reached the kernel.
    const batch = Buffer.concat(messages.map(octetCountedFrame));
    await new Promise<void>((resolve, reject) => {
      const onClose = () => reject(new Error('syslog connection closed while sending'));
      socket.once('close', onClose);
      socket.write(batch, (err) => {
        socket.off('close', onClose);
        if (err) reject(err);
        else resolve();
      });
    }).catch((err: unknown) => {
      this.drop();
      throw err;
    });
  }

  close(): void {
    this.drop();
    this.udp?.close();
    this.udp = undefined;
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private async connected(): Promise<net.Socket> {
    // Let pending socket events run first: a collector that closed the connection since the last
    // batch is noticed here, and the batch goes over a new connection instead of into a dead one.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.socket && !this.socket.destroyed && this.socket.writable) return this.socket;
    this.drop();
    const { host, port } = this.target;
    const socket =
      this.target.protocol === 'tls'
        ? tls.connect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...this.target.tls })
        : net.connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(new Error(`syslog collector ${host}:${port}: no connection after ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      socket.once(this.target.protocol === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve();
      });
      const onError = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', onError);
    }).catch((err: unknown) => {
      socket.destroy();
      throw err;
    });
    // The collector never sends anything: data is ignored, and its end of the connection (a
    // restart, a crash) ends ours, so the next batch goes over a new connection.
    socket.on('data', () => {});
    socket.on('end', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.setKeepAlive(true, 30_000);
    this.socket = socket;
    return socket;
  }

  private async sendUdp(messages: Buffer[]): Promise<void> {
    if (!this.udp) {
      this.udp = dgram.createSocket(isIP(this.target.host) === 6 ? 'udp6' : 'udp4');
      // ICMP port-unreachable reports arrive here; UDP gives no delivery guarantee to act on.
      this.udp.on('error', () => {});
    }
    const udp = this.udp;
    for (const m of messages) {
      // RFC 5426 3.1: one message per datagram, no framing.
      await new Promise<void>((resolve, reject) => udp.send(m, this.target.port, this.target.host, (err) => (err ? reject(err) : resolve())));
    }
  }
}
