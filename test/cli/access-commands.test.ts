import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app/node.js';
import { freePort } from '../helpers/ports.js';
import { REPO, removeDir, startTestNode, writeTestConfig } from '../e2e/node-harness.js';

/** `unimie-node -c <dir> <args>` with `stdin` piped in; exit status and output. */
function cli(configDir: string, args: string[], stdin = ''): Promise<{ rc: number; out: string; json: <T>() => T }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, ...args],
      { cwd: REPO, encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => resolve({ rc: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}`, json: <T,>() => JSON.parse(stdout) as T }),
    );
    child.stdin!.end(stdin);
  });
}

describe('users and tokens from the command line, enforced by the served API (api.auth)', () => {
  let configDir: string;
  let node: RunningNode;
  let base: string;

  beforeAll(async () => {
    configDir = writeTestConfig({ port: await freePort(), transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: await freePort() } });
    const yamlPath = join(configDir, 'node.yaml');
    const yaml = readFileSync(yamlPath, 'utf8');
    expect(yaml).toMatch(/\napi:\n {2}port: 0\n/);
    writeFileSync(yamlPath, yaml.replace(/\napi:\n {2}port: 0\n/, '\napi:\n  port: 0\n  auth: {}\n'));
  });
  afterAll(async () => {
    await node?.stop();
    removeDir(configDir);
  });

  it('adds users (password from stdin only), lists them and refuses bad input', async () => {
    expect((await cli(configDir, ['users', 'add', 'ana', '--role', 'operator', '--password-stdin'], 'ana has a long password\n'))).toMatchObject({ rc: 0 });
    expect((await cli(configDir, ['users', 'add', 'prom', '--role', 'viewer'])).out).toContain('tokens only');
    const dup = await cli(configDir, ['users', 'add', 'ANA', '--role', 'admin']);
    expect(dup.rc).toBe(1);
    expect(dup.out).toContain('user "ANA" exists');
    expect((await cli(configDir, ['users', 'add', 'x', '--role', 'root'])).out).toContain('role must be one of viewer, operator, admin');
    const short = await cli(configDir, ['users', 'add', 'bob', '--role', 'viewer', '--password-stdin'], 'short\n');
    expect(short.out).toContain('at least 12 characters');
    const list = await cli(configDir, ['--json', 'users', 'list']);
    expect(list.json<Array<{ name: string; role: string; password: boolean }>>().map((u) => [u.name, u.role, u.password])).toEqual([
      ['ana', 'operator', true],
      ['prom', 'viewer', false],
    ]);
  });

  it('a token from `tokens create` works on the API until `tokens revoke`; roles are enforced', async () => {
    const created = (await cli(configDir, ['--json', 'tokens', 'create', 'prom', '--label', 'prometheus', '--expires-days', '90'])).json<{ id: number; token: string }>();
    expect(created.token).toMatch(/^unt_/);
    expect((await cli(configDir, ['tokens', 'list', 'prom'])).out).not.toContain(created.token);

    node = await startTestNode(configDir);
    base = `http://127.0.0.1:${node.api!.port}`;
    const call = (path: string, auth?: string, method = 'GET') => fetch(base + path, { method, ...(auth ? { headers: { authorization: auth } } : {}) });
    const basic = `Basic ${Buffer.from('ana:ana has a long password').toString('base64')}`;

    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/api/status')).status).toBe(401);
    expect(await (await call('/api/me', `Bearer ${created.token}`)).json()).toEqual({ user: 'prom', role: 'viewer' });
    expect((await call('/api/jobs/1/retry', `Bearer ${created.token}`, 'POST')).status).toBe(403);
    expect((await call('/api/jobs/1/retry', basic, 'POST')).status).toBe(404);
    expect((await call('/api/config/reload', basic, 'POST')).status).toBe(403);

    expect((await cli(configDir, ['users', 'disable', 'ana'])).rc).toBe(0);
    expect((await call('/api/me', basic)).status).toBe(401);
    expect((await cli(configDir, ['users', 'enable', 'ana'])).rc).toBe(0);
    expect((await cli(configDir, ['users', 'reset', 'ana'], 'a new long password\n')).rc).toBe(0);
    expect((await call('/api/me', basic)).status).toBe(401);
    expect((await call('/api/me', `Basic ${Buffer.from('ana:a new long password').toString('base64')}`)).status).toBe(200);
    expect((await cli(configDir, ['users', 'role', 'ana', 'admin'])).rc).toBe(0);
    expect((await call('/api/users', `Basic ${Buffer.from('ana:a new long password').toString('base64')}`)).status).toBe(200);

    expect((await cli(configDir, ['tokens', 'revoke', String(created.id)])).rc).toBe(0);
    expect((await call('/api/me', `Bearer ${created.token}`)).status).toBe(401);
    expect((await cli(configDir, ['tokens', 'revoke', String(created.id)])).out).toContain('no unrevoked token');
  });

  it('`audit` shows the user and token changes made at the command line and who read the study list', async () => {
    const events = (await cli(configDir, ['--json', 'audit', '--limit', '100'])).json<Array<{ route?: string; actor: { kind: string; name: string }; objects: Array<{ kind: string; id: string }>; detail?: string }>>();
    const changes = events.filter((e) => e.actor.kind === 'command-line').map((e) => `${e.route} ${e.objects[0]?.id} ${e.detail}`);
    expect(changes).toEqual(
      expect.arrayContaining(['users add ana added with role operator', 'users disable ana disabled', 'users reset ana password replaced', 'users role ana role set to admin', expect.stringMatching(/^tokens revoke prom token \d+ revoked$/)]),
    );
    expect(events.some((e) => e.route === 'POST /api/config/reload' && e.actor.name === 'ana')).toBe(true);
    const text = (await cli(configDir, ['audit', '--user', 'prom'])).out;
    expect(text).toContain('Security Alert / Use of Restricted Function\tfailed(4)\tprom@127.0.0.1\tPOST /api/jobs/:id/retry');
    expect(text).not.toContain('ana');
  });

  it('config check refuses the shared token next to api.auth', async () => {
    const yamlPath = join(configDir, 'node.yaml');
    const yaml = readFileSync(yamlPath, 'utf8');
    writeFileSync(yamlPath, yaml.replace('  auth: {}\n', '  auth: {}\n  token: a-shared-token-of-some-length\n'));
    const r = await cli(configDir, ['config', 'check']);
    writeFileSync(yamlPath, yaml);
    expect(r.rc).toBe(1);
    expect(r.out).toContain('the shared token is not accepted');
  });
});
