import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { parseSyslogMessage, readOctetCountedFrames, type ParsedSyslogMessage } from '../../src/audit/syslog-message.js';

/**
 * A syslog collector for tests on 127.0.0.1: RFC 5425 over TLS, RFC 6587 octet counting over TCP,
 * or RFC 5426 UDP. Every message it takes is parsed and kept, in arrival order.
 */
export interface SyslogReceiver {
  port: number;
  messages: ParsedSyslogMessage[];
  /** Streams that were not octet-counted RFC 5424 (a test expecting none checks this is empty). */
  problems: string[];
  /** Stops listening and drops every open connection, like a collector that died. */
  close(): Promise<void>;
}

export async function startSyslogReceiver(
  protocol: 'tls' | 'tcp' | 'udp',
  /** clientCa: require a client certificate signed by it (mutual TLS). */
  opts: { port?: number; cert?: string; key?: string; clientCa?: string } = {},
): Promise<SyslogReceiver> {
  const messages: ParsedSyslogMessage[] = [];
  const problems: string[] = [];
  const take = (m: Buffer) => {
    try {
      messages.push(parseSyslogMessage(m));
    } catch (err) {
      problems.push((err as Error).message);
    }
  };
  if (protocol === 'udp') {
    const socket = dgram.createSocket('udp4');
    socket.on('message', take);
    await new Promise<void>((resolve) => socket.bind(opts.port ?? 0, '127.0.0.1', resolve));
    return { port: socket.address().port, messages, problems, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
  }
  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket) => {
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      try {
        const { messages: complete, rest } = readOctetCountedFrames(Buffer.concat([pending, chunk]));
        complete.forEach(take);
        pending = Buffer.from(rest);
      } catch (err) {
        problems.push((err as Error).message);
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const server = protocol === 'tls' ? tls.createServer({ cert: opts.cert, key: opts.key, ...(opts.clientCa ? { ca: opts.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, onConnection) : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    messages,
    problems,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
