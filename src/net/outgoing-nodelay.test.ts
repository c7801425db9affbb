import { createRequire } from 'node:module';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enableOutgoingNoDelay } from './outgoing-nodelay.js';

const require = createRequire(import.meta.url);
const server = createServer((s) => s.end());
beforeAll(() => new Promise<void>((r) => server.listen(0, '127.0.0.1', r)));
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('TCP_NODELAY on outgoing sockets', () => {
  it('sets it on sockets from net.connect as the SCU library calls it, once however often enabled', async () => {
    const spy = vi.spyOn(Socket.prototype, 'setNoDelay');
    enableOutgoingNoDelay();
    enableOutgoingNoDelay();
    const net = require('net') as typeof import('node:net');
    const { port } = server.address() as AddressInfo;
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((r) => socket.on('close', r));
    expect(spy.mock.calls.filter((c) => c[0] === true)).toHaveLength(1);
    spy.mockRestore();
  });
});
