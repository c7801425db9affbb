/** `unimie-node alerts test`: one test alert through each channel now, as an admin checks a new config. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/alert-receivers.js';
import { freePort } from '../helpers/ports.js';
import { REPO, removeDir } from '../e2e/node-harness.js';

const TOKEN = 'Bearer cli-secret-77c1e0d4';

async function cli(configDir: string, ...args: string[]): Promise<{ rc: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ rc: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('unimie-node alerts test', () => {
  let hook: WebhookReceiver;
  let dir: string;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    dir = mkdtempSync(join(tmpdir(), 'alerts-cli-'));
    writeFileSync(
      join(dir, 'node.yaml'),
      `node: { aeTitle: ALERTNODE }
alerts:
  channels:
    ops: { kind: webhook, url: '${hook.url}', headers: { Authorization: '${TOKEN}' }, events: [disk.low] }
    mail: { kind: smtp, host: 127.0.0.1, port: ${await freePort()}, security: none, from: a@node.test, to: [b@site.test], timeoutSeconds: 2 }
`,
    );
    writeFileSync(join(dir, 'rules.yaml'), 'rules:\n  - name: default\n    default: true\n    actions: { drop: true }\n');
  });
  afterAll(async () => {
    await hook?.stop();
    if (dir) removeDir(dir);
  });

  it('sends through every channel whatever its event filter, says which failed, and exits 1 then', async () => {
    const all = await cli(dir, 'alerts', 'test');
    expect(all.rc, all.out).toBe(1);
    expect(all.out).toContain('ops (webhook): sent');
    expect(all.out).toMatch(/mail \(smtp\): failed: .*ECONNREFUSED/);
    expect(all.out).not.toContain('cli-secret');
    expect(hook.delivered()).toHaveLength(1);
    expect(hook.delivered()[0]).toMatchObject({ event: 'alert.test', severity: 'info', node: 'ALERTNODE', message: 'Test alert from ALERTNODE: this channel reaches you' });
    expect(hook.requests[0]!.headers.authorization).toBe(TOKEN);

    const one = await cli(dir, '--json', 'alerts', 'test', '--channel', 'ops');
    expect(one.rc, one.out).toBe(0);
    expect(JSON.parse(one.out)).toEqual([{ channel: 'ops', kind: 'webhook', ok: true }]);
    expect((await cli(dir, 'alerts', 'test', '--channel', 'nope')).out).toMatch(/no alert channel "nope"/);
  }, 120_000);
});
