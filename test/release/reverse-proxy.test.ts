import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/app/node.js';
import { silentLogger } from '../../src/shared/log.js';
import { runTool } from '../helpers/dcmtk.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { makeCertificates } from '../helpers/tls-certs.js';
import { REPO, removeDir, writeTestConfig } from '../e2e/node-harness.js';

/**
 * deploy/reverse-proxy/nginx-unimie-node.conf run by Debian's nginx (nginx-light, installed by
 * scripts/setup-test-peers.sh) in front of a node: its listen addresses, certificate paths and upstream
 * replaced by the test's, everything else as shipped. A missing nginx fails the test.
 */

const EXAMPLE = join(REPO, 'deploy/reverse-proxy/nginx-unimie-node.conf');
const TOKEN = 'reverse-proxy-test-token-0123456789';

/** `text` with each `[from, to]` replaced; throws when the shipped file no longer holds `from`. */
function replaceAll(text: string, pairs: Array<[string, string]>): string {
  let out = text;
  for (const [from, to] of pairs) {
    if (!out.includes(from)) throw new Error(`${EXAMPLE} no longer contains ${JSON.stringify(from)}`);
    out = out.replaceAll(from, to);
  }
  return out;
}

function get(url: string, opts: { ca?: string; token?: string } = {}): Promise<{ status?: number; headers?: Record<string, unknown>; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const headers = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    const req = (url.startsWith('https') ? httpsGet : httpGet)(url, { headers, agent: false, ...(opts.ca ? { ca: opts.ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

describe('reverse-proxy example: nginx terminates TLS in front of the node', () => {
  let dir: string;
  let configDir: string;
  let node: RunningNode;
  let nginx: ChildProcess | undefined;
  let nginxLog = '';
  let https: number;
  let http: number;
  let ca: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reverse-proxy-'));
    await makeCertificates(dir, 'ca');
    ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const apiPort = await freePort();
    configDir = writeTestConfig({ port: await freePort(), transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: await freePort() }, apiPort });
    const nodeYaml = join(configDir, 'node.yaml');
    writeFileSync(nodeYaml, readFileSync(nodeYaml, 'utf8').replace(`api:\n  port: ${apiPort}\n`, `api:\n  port: ${apiPort}\n  token: ${TOKEN}\n`));
    node = await startNode({ configDir, log: silentLogger });

    [https, http] = [await freePort(), await freePort()];
    const site = replaceAll(readFileSync(EXAMPLE, 'utf8'), [
      ['    listen [::]:80;\n', ''],
      ['    listen [::]:443 ssl http2;\n', ''],
      ['listen 80;', `listen 127.0.0.1:${http};`],
      ['listen 443 ssl http2;', `listen 127.0.0.1:${https} ssl http2;`],
      ['/etc/ssl/unimie-node/fullchain.pem', join(dir, 'ca-server.crt')],
      ['/etc/ssl/unimie-node/privkey.pem', join(dir, 'ca-server.key')],
      ['server 127.0.0.1:8080;', `server 127.0.0.1:${node.api!.port};`],
    ]);
    writeFileSync(join(dir, 'unimie-node.conf'), site);
    mkdirSync(join(dir, 'temp'));
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, 'temp', t)};`).join('\n');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `${process.getuid?.() === 0 ? 'user root;\n' : ''}daemon off;\nworker_processes 1;\npid ${join(dir, 'nginx.pid')};\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n${temp}\n  include ${join(dir, 'unimie-node.conf')};\n}\n`,
    );
    const args = ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf')];
    let check;
    try {
      check = await runTool('nginx', ['-t', ...args]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('nginx not found: install Debian package nginx-light (bash scripts/setup-test-peers.sh)');
      throw err;
    }
    expect(check.rc, check.output).toBe(0);
    nginx = spawn('nginx', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stderr!.on('data', (c: Buffer) => (nginxLog += c.toString()));
    await waitForPort(https);
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGTERM');
      await exited;
    }
    await node?.stop();
    removeDir(configDir);
    removeDir(dir);
  });

  it('serves health, the dashboard and the token-protected API over HTTPS, and sends plain HTTP there', async () => {
    expect(await get(`https://127.0.0.1:${https}/healthz`, { ca }), nginxLog).toMatchObject({ status: 200 });
    const page = await get(`https://127.0.0.1:${https}/`, { ca });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<html/i);
    expect(page.headers?.['strict-transport-security']).toBe('max-age=31536000');
    expect((await get(`https://127.0.0.1:${https}/api/status`, { ca })).status).toBe(401);
    expect((await get(`https://127.0.0.1:${https}/api/status`, { ca, token: TOKEN })).status).toBe(200);
    const plain = await get(`http://127.0.0.1:${http}/api/status`);
    expect(plain.status).toBe(301);
    expect(plain.headers?.location).toBe(`https://127.0.0.1/api/status`);
  });

  it('passes the live view\'s server-sent events through unbuffered', async () => {
    const first = await new Promise<{ ms: number; text: string; type?: string }>((resolve, reject) => {
      const started = Date.now();
      const req = httpsGet(`https://127.0.0.1:${https}/api/events`, { ca, agent: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          text += c;
          if (/event: snapshot\ndata: .*\n\n/.test(text)) {
            resolve({ ms: Date.now() - started, text, type: res.headers['content-type'] });
            req.destroy();
          }
        });
      });
      req.on('error', (err) => (err.message.includes('aborted') || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      setTimeout(() => reject(new Error('no event through the proxy within 10 s')), 10_000);
    });
    expect(first.type).toMatch(/^text\/event-stream/);
    expect(first.text).toMatch(/^retry: \d+\n\nid: 1\nevent: snapshot\ndata: \{"jobs":/);
    // The node reads the database every second: the first event comes at once, not when a buffer fills.
    expect(first.ms).toBeLessThan(5000);
  });
});
