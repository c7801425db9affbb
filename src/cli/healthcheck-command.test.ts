import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { healthUrl } from './healthcheck-command.js';

const MAIN = join(import.meta.dirname, 'main.ts');

function healthcheck(...args: string[]): Promise<{ rc: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, 'healthcheck', ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ rc: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('healthcheck', () => {
  it('probes a wildcard-bound API through loopback', () => {
    expect(healthUrl({ host: '127.0.0.1', port: 8080 })).toBe('http://127.0.0.1:8080/healthz');
    expect(healthUrl({ host: '0.0.0.0', port: 8080 })).toBe('http://127.0.0.1:8080/healthz');
    expect(healthUrl({ host: '::', port: 9 })).toBe('http://[::1]:9/healthz');
    expect(healthUrl({ host: '10.1.2.3', port: 80 })).toBe('http://10.1.2.3:80/healthz');
    expect(healthUrl({ host: '0.0.0.0', port: 8443, tls: { cert: 'pem' } })).toBe('https://127.0.0.1:8443/healthz');
  });

  it('exits 1 naming the reason when nothing answers, and 0 once /healthz does within --wait', async () => {
    const server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const url = `http://127.0.0.1:${port}/healthz`;

    const down = await healthcheck('--url', url, '--timeout', '1');
    expect(down.rc).toBe(1);
    expect(down.out).toContain(`unhealthy: ${url}: ECONNREFUSED`);

    // The API comes up 1.5 s into a 30 s wait, as the node's does after start-up.
    setTimeout(() => server.listen(port, '127.0.0.1'), 1500);
    try {
      const up = await healthcheck('--url', url, '--wait', '30', '--timeout', '1');
      expect(up.rc, up.out).toBe(0);
      expect(up.out).toContain(`ok: ${url}`);
    } finally {
      server.close();
    }
  });
});
