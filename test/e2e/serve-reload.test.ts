import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { REPO, removeDir, writeTestConfig } from './node-harness.js';

async function rulesInForce(apiPort: number): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/config`);
  const body = (await res.json()) as { rules: Array<{ name: string }> };
  return body.rules.map((r) => r.name);
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('unimie-node serve: configuration reload on SIGHUP', () => {
  let child: ChildProcess | undefined;
  let configDir: string | undefined;

  afterAll(() => {
    child?.kill('SIGKILL');
    if (configDir) removeDir(configDir);
  });

  it('keeps the running config when the new file is invalid and swaps in a valid one', async () => {
    const apiPort = await freePort();
    configDir = writeTestConfig({ port: await freePort(), apiPort, transport: 'dcmjs-dimse', pacs: { aeTitle: 'PACS', port: 4242 } });
    child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), '-c', configDir, 'serve'], { cwd: REPO, stdio: 'ignore' });
    await until('API up', async () => (await fetch(`http://127.0.0.1:${apiPort}/healthz`)).ok);
    expect(await rulesInForce(apiPort)).toEqual(['ct', 'mr', 'default']);

    const rulesFile = join(configDir, 'rules.yaml');
    const valid = readFileSync(rulesFile, 'utf8');
    writeFileSync(rulesFile, valid.replace('name: mr', 'name: mr\n    colour: blue'));
    child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode).toBeNull();
    expect(await rulesInForce(apiPort)).toEqual(['ct', 'mr', 'default']);

    writeFileSync(rulesFile, valid.replace('name: mr', 'name: mr-brain'));
    child.kill('SIGHUP');
    await until('new rules in force', async () => (await rulesInForce(apiPort)).includes('mr-brain'));

    child.kill('SIGTERM');
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child!.once('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGTERM');
  });
});
