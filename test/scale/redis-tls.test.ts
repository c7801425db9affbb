import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { redisConnectionOptions } from '../../src/scale/redis-connection.js';
import { makeCertificates } from '../helpers/tls-certs.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { removeDir } from '../e2e/node-harness.js';
import { REDIS_PASSWORD, startWorker, type WorkerProcess } from './scale-harness.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../../src/export/destination-kinds.js';


/** Redis over TLS only (no plain port) with a password: the node's config and the worker reach it. */
describe('Redis with TLS and a password', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scale-tls-'));
  let redis: ChildProcess;
  let port: number;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    await makeCertificates(dir);
    port = await freePort();
    redis = spawn(
      '/usr/bin/redis-server',
      ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--requirepass', REDIS_PASSWORD,
        '--tls-cert-file', join(dir, 'ca-server.crt'), '--tls-key-file', join(dir, 'ca-server.key'), '--tls-ca-cert-file', join(dir, 'ca.crt'), '--tls-auth-clients', 'no'],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
  });

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    redis?.kill('SIGKILL');
    removeDir(dir);
  });

  it('connects with the CA and the password from node.yaml, and refuses an unknown CA', async () => {
    writeFileSync(join(dir, 'redis-password'), `${REDIS_PASSWORD}\n`);
    writeFileSync(
      join(dir, 'node.yaml'),
      `executor:\n  kind: bullmq\n  redis: { url: 'rediss://127.0.0.1:${port}', passwordFile: ./redis-password, tls: { ca: ./ca.crt } }\n`,
    );
    writeFileSync(join(dir, 'rules.yaml'), 'rules:\n  - { name: default, default: true, actions: { drop: true } }\n');
    const config = loadConfig(dir);
    expect(config.executor.redis.password).toBe(REDIS_PASSWORD);
    expect(config.executor.redis.tls?.ca).toContain('BEGIN CERTIFICATE');

    const queue = new Queue('tls-check', { connection: redisConnectionOptions(config.executor.redis) });
    try {
      expect((await queue.getJobCounts('waiting')).waiting).toBe(0);
    } finally {
      await queue.close();
    }

    // Without the CA the server's certificate is not trusted.
    const { tls: noCa } = redisConnectionOptions({ url: `rediss://127.0.0.1:${port}` }) as { tls: ConnectionOptions };
    const error = await new Promise<Error | undefined>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ...noCa }, () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', resolve);
    });
    expect(error?.message).toMatch(/self[- ]signed/i);
  });

  it('a worker reaches it with rediss:// and --redis-ca', async () => {
    worker = await startWorker({ url: `rediss://127.0.0.1:${port}` }, 'tls-worker', { redisCa: join(dir, 'ca.crt') });
    const health = await fetch(`http://127.0.0.1:${worker.healthPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, worker: 'tls-worker' });
  });
});
