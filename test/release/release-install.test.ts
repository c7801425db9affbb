import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readPart10 } from '../../src/dicom/part10.js';
import { runTool, storescu, type ToolResult } from '../helpers/dcmtk.js';
import { freePort } from '../helpers/ports.js';
import { REPO, SAMPLES } from '../e2e/node-harness.js';
import { until } from '../reliability/node-process.js';

/**
 * The release as a site installs it (README, "Running in production"): `npm pack` (which builds
 * dist/ and writes the shrinkwrap), `npm run prebuilds`, the tarball unpacked into an empty folder
 * and `npm ci --omit=dev --offline` from the npm cache `npm ci` filled, with no compiler run and
 * no network; then the installed `unimie-node` (a symlink to the packed CLI, as the install steps
 * make it) writes a site config with `init`, runs `serve` from a folder outside the checkout, and
 * takes a C-STORE from DCMTK.
 */

/** A command run to completion in `cwd`, with its output collected; never throws on a non-zero exit. */
function run(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ToolResult> {
  return runTool(command, args, opts.timeoutMs ?? 120_000, opts);
}

describe('release tarball: pack, install offline without dev dependencies, serve', () => {
  let work: string;
  let app: string;
  let bin: string;
  let tarball: string;
  let node: ChildProcess | undefined;
  let nodeLog = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'release-'));
    app = join(work, 'opt', 'unimie-node');

    const packed = await run('npm', ['pack', '--pack-destination', work], { cwd: REPO, timeoutMs: 240_000 });
    expect(packed.rc, packed.output).toBe(0);
    const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    tarball = join(work, tarballs[0]!);
    expect(existsSync(join(REPO, 'npm-shrinkwrap.json')), 'postpack removes the shrinkwrap from the checkout').toBe(false);

    const prebuilds = join(work, 'prebuilds');
    const packedAddons = await run('npm', ['run', 'prebuilds', '--', '--out', prebuilds], { cwd: REPO });
    expect(packedAddons.rc, packedAddons.output).toBe(0);
    // Without an archive the install would compile the addon (DCMTK: far beyond this test's time).
    expect(readdirSync(prebuilds).sort()).toEqual([expect.stringMatching(/^better-sqlite3-v.*\.tar\.gz$/), expect.stringMatching(/^dicom-dimse-native-v.*-napi-v\d+-.*\.tar\.gz$/)]);

    mkdirSync(app, { recursive: true });
    const unpacked = await run('tar', ['-xzf', tarball, '-C', app, '--strip-components=1'], { cwd: work });
    expect(unpacked.rc, unpacked.output).toBe(0);
    const env = {
      ...process.env,
      ONNXRUNTIME_NODE_INSTALL: 'skip',
      npm_config_better_sqlite3_local_prebuilds: prebuilds,
      npm_config_dicom_dimse_native_local_prebuilds: prebuilds,
    };
    const installed = await run('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], { cwd: app, env, timeoutMs: 180_000 });
    expect(installed.rc, installed.output).toBe(0);
    // The command as the install steps link it (/usr/local/bin/unimie-node), under the temp folder.
    bin = join(work, 'usr', 'local', 'bin', 'unimie-node');
    mkdirSync(dirname(bin), { recursive: true });
    symlinkSync(join(app, 'dist/cli/main.js'), bin);
  }, 300_000);

  afterAll(async () => {
    if (node && node.exitCode === null && node.signalCode === null) {
      node.kill('SIGKILL');
      await new Promise((r) => node!.once('exit', r));
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the built code, its assets, config, model and pinned lock, and stays small', () => {
    expect(statSync(tarball).size).toBeLessThan(25 * 1024 * 1024);
    for (const f of [
      'dist/cli/main.js',
      'dist/api/dashboard/public/index.html',
      'dist/api/dashboard/public/main.js',
      'config/node.yaml',
      'config/rules.yaml',
      'model/embedded/manifest.yaml',
      'model/embedded/embedded.onnx',
      'eval/results/contribution.json',
      'deploy/systemd/unimie-node.service',
      'deploy/reverse-proxy/nginx-unimie-node.conf',
      'npm-shrinkwrap.json',
    ]) {
      expect(existsSync(join(app, f)), f).toBe(true);
    }
    expect(existsSync(join(app, 'src')), 'no TypeScript sources').toBe(false);
    expect(existsSync(join(app, 'test'))).toBe(false);
    expect(statSync(join(app, 'dist/cli/main.js')).mode & 0o111, 'the CLI is executable as packed').not.toBe(0);
    expect(readFileSync(join(app, 'dist/cli/main.js'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    for (const dev of ['typescript', 'tsx', 'vitest', 'playwright-core']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    // The lock's versions, not whatever the ranges would resolve to today.
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    const sqlite = JSON.parse(readFileSync(join(app, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string };
    expect(sqlite.version).toBe(lock.packages['node_modules/better-sqlite3']!.version);
  });

  it('runs `unimie-node --help` with the runtime dependencies only', async () => {
    const help = await run(bin, ['--help'], { cwd: work });
    expect(help.rc, help.output).toBe(0);
    expect(help.output).toMatch(/serve\s+run the node/);
    expect(help.output).toMatch(/init \[options\] <dir>/);
  });

  it('serves from a site config made by init: C-STORE accepted, dashboard, model loaded, healthcheck as systemd runs it', async () => {
    const etc = join(work, 'etc', 'unimie-node');
    const data = join(work, 'var', 'lib', 'unimie-node');
    const init = await run(bin, ['--json', 'init', etc, '--data-dir', data], { cwd: work });
    expect(init.rc, init.output).toBe(0);

    // What a site edits after init: its ports (free ones here), nothing else.
    const dicomPort = await freePort();
    const apiPort = await freePort();
    const nodeYaml = join(etc, 'node.yaml');
    const doc = parseDocument(readFileSync(nodeYaml, 'utf8'));
    expect(doc.getIn(['models', 'embedded', 'manifest'])).toBe(join(app, 'model/embedded/manifest.yaml'));
    doc.setIn(['listeners', 0, 'port'], dicomPort);
    doc.setIn(['api', 'port'], apiPort);
    doc.setIn(['limits', 'minFreeDiskMb'], 16);
    writeFileSync(nodeYaml, doc.toString());

    node = spawn(bin, ['--config', etc, 'serve'], { cwd: work, env: { PATH: process.env.PATH, HOME: work }, stdio: ['ignore', 'pipe', 'pipe'] });
    node.stdout!.on('data', (d: Buffer) => (nodeLog += d.toString()));
    node.stderr!.on('data', (d: Buffer) => (nodeLog += d.toString()));
    const api = `http://127.0.0.1:${apiPort}`;
    await until('/healthz', async () => {
      if (node!.exitCode !== null) throw new Error(`node exited ${node!.exitCode}: ${nodeLog}`);
      return (await fetch(`${api}/healthz`)).ok || undefined;
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${nodeLog}`);
    });

    const file = join(SAMPLES, 'ct5n', readdirSync(join(SAMPLES, 'ct5n')).filter((f) => f.endsWith('.dcm')).sort()[0]!);
    const sent = await storescu({ port: dicomPort, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, [file]);
    expect(sent.rc, sent.output).toBe(0);
    const sop = String(readPart10(readFileSync(file), { untilPixelData: true }).dataset.SOPInstanceUID);
    const stored = await fetch(`${api}/api/instances/${sop}`);
    expect(stored.status, nodeLog).toBe(200);
    expect(((await stored.json()) as { copies: Array<{ path: string }> }).copies[0]!.path.startsWith(data)).toBe(true);

    const page = await fetch(`${api}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    expect((await fetch(`${api}/dashboard/assets/main.js`)).status).toBe(200);
    const ready = await fetch(`${api}/readyz`);
    expect(ready.status, await ready.clone().text()).toBe(200);

    // The unit's readiness step, with the test's paths for /usr/local/bin and /etc.
    const unit = readFileSync(join(app, 'deploy/systemd/unimie-node.service'), 'utf8');
    const startPost = /^ExecStartPost=(.*)$/m.exec(unit)![1]!.replaceAll('/usr/local/bin/unimie-node', bin).replaceAll('/etc/unimie-node', etc).split(' ');
    const probe = await run(startPost[0]!, startPost.slice(1), { cwd: work });
    expect(probe.rc, probe.output).toBe(0);

    node.kill('SIGTERM');
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => node!.once('exit', (_code, sig) => resolve(sig)));
    expect(signal, nodeLog).toBe('SIGTERM');
    expect(nodeLog).not.toMatch(/"level":(50|60)/);
  });
});
