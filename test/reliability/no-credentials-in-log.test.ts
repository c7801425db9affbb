import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../helpers/ports.js';
import { REPO, removeDir, writeTestConfig } from '../e2e/node-harness.js';
import { exited } from './node-process.js';

const PASSWORD = 'a password that must never be logged';
const WRONG = 'a wrong password that must never be logged';

/** `unimie-node -c <dir> <args>` with `stdin` piped in: its standard output. */
function cli(configDir: string, args: string[], stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, ...args], { cwd: REPO, encoding: 'utf8' }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
    child.stdin!.end(stdin);
  });
}

describe('named users: no password, token, session id or CSRF token in the debug log (node process)', () => {
  let configDir: string;
  let child: ChildProcess | undefined;
  let logs = '';
  let api: string;
  let token: string;

  beforeAll(async () => {
    const apiPort = await freePort();
    configDir = writeTestConfig({ port: await freePort(), apiPort, transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: await freePort() } });
    const nodeYaml = join(configDir, 'node.yaml');
    writeFileSync(nodeYaml, readFileSync(nodeYaml, 'utf8').replace('logLevel: warn', 'logLevel: debug').replace(`api:\n  port: ${apiPort}\n`, `api:\n  port: ${apiPort}\n  auth: {}\n`));
    await cli(configDir, ['users', 'add', 'ana', '--role', 'operator', '--password-stdin'], `${PASSWORD}\n`);
    token = (JSON.parse(await cli(configDir, ['--json', 'tokens', 'create', 'ana', '--label', 'log test'])) as { token: string }).token;
    child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, 'serve'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
    await waitForPort(apiPort, '127.0.0.1', 60_000);
    api = `http://127.0.0.1:${apiPort}`;
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    if (configDir) removeDir(configDir);
  });

  it('signs in by password, token and session, fails some, and the log names none of the secrets', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${api}/api/login`, { method: 'POST', headers: json, body: JSON.stringify({ user: 'ana', password: WRONG }) })).status).toBe(401);
    const login = await fetch(`${api}/api/login`, { method: 'POST', headers: json, body: JSON.stringify({ user: 'ana', password: PASSWORD }) });
    expect(login.status).toBe(200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const sessionId = cookie.split('=')[1]!;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect((await fetch(`${api}/api/me`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${api}/api/jobs/1/retry`, { method: 'POST', headers: { cookie } })).status).toBe(403);
    expect((await fetch(`${api}/api/jobs/1/retry`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } })).status).toBe(404);
    expect((await fetch(`${api}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${api}/api/me`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    const basic = (p: string) => ({ authorization: `Basic ${Buffer.from(`ana:${p}`).toString('base64')}` });
    expect((await fetch(`${api}/api/me`, { headers: basic(PASSWORD) })).status).toBe(200);
    expect((await fetch(`${api}/api/me`, { headers: basic(WRONG) })).status).toBe(401);
    expect((await fetch(`${api}/api/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } })).status).toBeLessThan(300);

    child!.kill('SIGTERM');
    await exited(child!);
    expect(logs).toMatch(/"msg":"API request refused: bad or missing credentials"/);
    const hash = (readFileSync(join(configDir, 'var', 'provenance.sqlite')).toString('latin1').match(/\$argon2id\$[^\0]{20,}/) ?? [''])[0];
    for (const secret of [PASSWORD, WRONG, token, token.slice(4, 20), sessionId, csrfToken, Buffer.from(`ana:${PASSWORD}`).toString('base64'), '$argon2id$', hash]) {
      if (secret) expect(logs.includes(secret), `log contains ${secret.slice(0, 12)}…`).toBe(false);
    }
  }, 120_000);
});
