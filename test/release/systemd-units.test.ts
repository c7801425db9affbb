import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool, type ToolResult } from '../helpers/dcmtk.js';

/**
 * deploy/systemd as systemd itself reads it: `systemd-analyze verify` (syntax, directives, the
 * commands being executable) and `systemd-analyze security --offline` (the hardening score).
 * systemd-analyze comes with Debian's systemd package, which scripts/setup.sh installs: a missing
 * tool fails these tests rather than skipping them.
 */

const REPO = resolve(import.meta.dirname, '../..');
const UNITS = join(REPO, 'deploy/systemd');
const BIN = '/usr/local/bin/unimie-node';

async function analyze(args: string[]): Promise<ToolResult> {
  try {
    return await runTool('systemd-analyze', args);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('systemd-analyze not found: install Debian package systemd (bash scripts/setup.sh)');
    throw err;
  }
}

/** `Key=value` lines of one section (comments and blank lines left out). */
function section(text: string, name: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let current = '';
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('[')) current = line;
    else if (current === `[${name}]` && line && !line.startsWith('#')) {
      const at = line.indexOf('=');
      keys.set(line.slice(0, at), [...(keys.get(line.slice(0, at)) ?? []), line.slice(at + 1)]);
    }
  }
  return keys;
}

describe('deploy/systemd units', () => {
  let dir: string;
  let files: string[];

  beforeAll(() => {
    // verify checks that every command exists and is executable; the node's command is installed
    // by the release steps, so a stand-in takes its place (the release test runs the real one).
    dir = mkdtempSync(join(tmpdir(), 'units-'));
    const standIn = join(dir, 'unimie-node');
    writeFileSync(standIn, '#!/bin/sh\nexit 0\n');
    chmodSync(standIn, 0o755);
    files = readdirSync(UNITS).filter((f) => /\.(service|timer)$/.test(f));
    for (const f of files) writeFileSync(join(dir, f), readFileSync(join(UNITS, f), 'utf8').replaceAll(BIN, standIn));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the node service and its watchdog', () => {
    expect(files.sort()).toEqual(['unimie-node-watchdog.service', 'unimie-node-watchdog.timer', 'unimie-node.service']);
  });

  it('passes systemd-analyze verify without a warning', async () => {
    const r = await analyze(['verify', ...files.map((f) => join(dir, f))]);
    expect(r.output).toBe('');
    expect(r.rc).toBe(0);
  });

  it('keeps the hardening exposure of each service at or below 2.0 ("OK")', async () => {
    for (const f of files.filter((x) => x.endsWith('.service'))) {
      const r = await analyze(['security', '--offline=yes', '--threshold=20', '--no-pager', join(dir, f)]);
      expect(r.rc, `${f}\n${r.output}`).toBe(0);
      expect(r.output).toMatch(/Overall exposure level for .*: [0-2]\.\d OK/);
    }
  });

  it('runs the node as its own user, read-only but for the data folder, restarted on failure, ready when /healthz answers', () => {
    const s = section(readFileSync(join(UNITS, 'unimie-node.service'), 'utf8'), 'Service');
    const one = (k: string) => s.get(k)?.join(' ');
    expect(one('User')).toBe('unimie');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ReadWritePaths')).toBe('/var/lib/unimie-node');
    expect(one('StateDirectory')).toBe('unimie-node');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('Restart')).toBe('on-failure');
    expect(one('Type')).toBe('exec');
    expect(one('ExecStart')).toBe(`${BIN} --config /etc/unimie-node serve`);
    expect(one('ExecStartPost')).toMatch(new RegExp(`^${BIN} --config /etc/unimie-node healthcheck --wait \\d+$`));
    expect(s.has('MemoryDenyWriteExecute'), 'V8 needs writable+executable memory').toBe(false);
  });
});
