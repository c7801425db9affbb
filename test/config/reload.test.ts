import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/shared/errors.js';
import { ConfigValidationError } from '../../src/config/config-issue.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { ConfigWatcher, type ReloadTrigger } from '../../src/config/watch.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../../src/export/destination-kinds.js';

const NODE = `node:
  aeTitle: UNIMIE
destinations:
  outbox: { kind: folder, path: ./out }
`;
const rulesWith = (quiet: number) => `rules:
  - name: everything
    completion: { quietSeconds: ${quiet} }
    actions: { enhance: none, destinations: [outbox] }
  - name: default
    default: true
    actions: { drop: true }
`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'unimie-reload-'));
let n = 0;
function configDir(): string {
  const dir = path.join(root, `c${n++}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'node.yaml'), NODE);
  fs.writeFileSync(path.join(dir, 'rules.yaml'), rulesWith(10));
  return dir;
}
/** Replaces a file the way editors and config management do: write aside, rename over. */
function replaceFile(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}
const watchers: ConfigWatcher[] = [];
function open(dir: string, debounceMs = 50): ConfigWatcher {
  const w = new ConfigWatcher(dir, { debounceMs });
  watchers.push(w);
  return w;
}
function nextEvent(w: ConfigWatcher, name: 'change' | 'error', timeoutMs = 5000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${name} event within ${timeoutMs} ms`)), timeoutMs);
    w.once(name, (...args: unknown[]) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('ConfigWatcher', () => {
  it('refuses to start on an invalid config', () => {
    const dir = configDir();
    fs.writeFileSync(path.join(dir, 'rules.yaml'), 'rules:\n  - name: x\n    actions: { drop: true }\n');
    expect(() => new ConfigWatcher(dir)).toThrow(ConfigValidationError);
  });

  it('reload() (the SIGHUP path) swaps in a valid new config and emits change', () => {
    const dir = configDir();
    const w = open(dir);
    const before = w.current;
    expect(before.rules[0]!.completion.quietSeconds).toBe(10);
    const changes: Array<[LoadedConfig, LoadedConfig, ReloadTrigger]> = [];
    w.on('change', (next, prev, trigger) => changes.push([next, prev, trigger]));

    fs.writeFileSync(path.join(dir, 'rules.yaml'), rulesWith(30));
    const result = w.reload('sighup');
    expect(result).toMatchObject({ ok: true, changed: true });
    expect(w.current.rules[0]!.completion.quietSeconds).toBe(30);
    expect(w.current).not.toBe(before);
    expect(before.rules[0]!.completion.quietSeconds).toBe(10); // the old object is untouched
    expect(changes).toHaveLength(1);
    expect(changes[0]![1]).toBe(before);
    expect(changes[0]![2]).toBe('sighup');

    // Same content again: nothing changes, no event.
    expect(w.reload('sighup')).toMatchObject({ ok: true, changed: false });
    expect(changes).toHaveLength(1);
  });

  it('keeps the old config and emits error when the new one is invalid', () => {
    const dir = configDir();
    const w = open(dir);
    const before = w.current;
    const errors: ConfigError[] = [];
    w.on('error', (e) => errors.push(e));
    const changes: unknown[] = [];
    w.on('change', () => changes.push(1));

    fs.writeFileSync(path.join(dir, 'rules.yaml'), rulesWith(30).replace('destinations: [outbox]', 'destinations: [nowhere]'));
    const result = w.reload('sighup');
    expect(result.ok).toBe(false);
    expect(w.current).toBe(before);
    expect(changes).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConfigError);
    expect(errors[0]!.message).toMatch(/rules\.yaml:4:46: rules\[0\]\.actions\.destinations\[0\]: unknown destination 'nowhere'/);

    // Without an error listener an invalid reload still never throws.
    w.removeAllListeners('error');
    expect(() => w.reload('manual')).not.toThrow();
    expect(w.current).toBe(before);
  });

  it('reloads on file change after the debounce, and refuses an invalid edit', async () => {
    const dir = configDir();
    const w = open(dir).watch();
    const rulesFile = path.join(dir, 'rules.yaml');

    let changed = nextEvent(w, 'change');
    replaceFile(rulesFile, rulesWith(45));
    const [next, , trigger] = await changed;
    expect((next as LoadedConfig).rules[0]!.completion.quietSeconds).toBe(45);
    expect(trigger).toBe('file-change');
    expect(w.current).toBe(next);

    const failed = nextEvent(w, 'error');
    replaceFile(rulesFile, 'rules: [oops\n');
    const [err] = await failed;
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect((err as ConfigValidationError).issues[0]!.file).toBe(rulesFile);
    expect(w.current).toBe(next);

    changed = nextEvent(w, 'change');
    fs.writeFileSync(path.join(dir, 'node.yaml'), NODE.replace('aeTitle: UNIMIE', 'aeTitle: RENAMED'));
    replaceFile(rulesFile, rulesWith(45));
    const [renamed] = await changed;
    expect((renamed as LoadedConfig).node.aeTitle).toBe('RENAMED');
  });

  it('coalesces a burst of writes into one reload', async () => {
    const dir = configDir();
    const w = open(dir, 200).watch();
    let count = 0;
    w.on('change', () => count++);
    const done = nextEvent(w, 'change');
    for (const q of [11, 12, 13, 14]) fs.writeFileSync(path.join(dir, 'rules.yaml'), rulesWith(q));
    await done;
    await new Promise((r) => setTimeout(r, 400));
    expect(count).toBe(1);
    expect(w.current.rules[0]!.completion.quietSeconds).toBe(14);
  });
});
