import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startStoreScp, type StoreScp } from '../../test/helpers/dcmtk.js';
import { silentLogger } from '../shared/log.js';
import { createDcmjsScu } from './dcmjs-dimse-scu.js';

const require = createRequire(import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'nodelay-'));
let scp: StoreScp;
beforeAll(async () => {
  scp = await startStoreScp({ dir: work, aeTitle: 'PACS' });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await scp.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('TCP_NODELAY on the SCU socket', () => {
  it('is set on the socket of each association, and net.connect stays as Node made it', async () => {
    // The CommonJS module object is the one dcmjs-dimse calls connect on.
    const net = require('net') as typeof import('node:net');
    const connect = net.connect;
    const calls: Socket[] = [];
    const original = Socket.prototype.setNoDelay;
    vi.spyOn(Socket.prototype, 'setNoDelay').mockImplementation(function (this: Socket, enable?: boolean) {
      if (enable === true) calls.push(this);
      return original.call(this, enable);
    });
    const scu = createDcmjsScu({ log: silentLogger });
    const peer = { aeTitle: 'PACS', host: '127.0.0.1', port: scp.port, callingAeTitle: 'NODE', timeoutMs: 5000 };
    expect((await scu.echo(peer)).ok).toBe(true);
    expect((await scu.echo(peer)).ok).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[0]).not.toBe(calls[1]);
    expect(net.connect).toBe(connect);
  });
});
