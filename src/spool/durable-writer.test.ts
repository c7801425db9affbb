import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableWriter } from './durable-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'durable-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DurableWriter', () => {
  const writer = new DurableWriter(2);

  it('writes exactly the bytes of a view into a larger buffer, with their SHA-256, and leaves the caller its buffer', async () => {
    const backing = Buffer.alloc(1 << 20, 7);
    backing.write('payload', 1000, 'latin1');
    const view = backing.subarray(1000, 1000 + 300_000);
    const r = await writer.writeNewFile(join(dir, 'a'), view);
    expect(r).toEqual({ size: 300_000, sha256: createHash('sha256').update(view).digest('hex') });
    expect(readFileSync(join(dir, 'a')).equals(view)).toBe(true);
    expect(view.byteLength).toBe(300_000);
    expect(view.toString('latin1', 0, 7)).toBe('payload');
  });

  it('writes bytes on shared memory from where they are, a view inside the buffer included, and leaves them usable', async () => {
    const shared = Buffer.from(new SharedArrayBuffer(400_000));
    shared.fill(3);
    shared.write('head', 100, 'latin1');
    const bytes = shared.subarray(100, 250_100);
    const expected = createHash('sha256').update(bytes).digest('hex');
    const r = await writer.writeNewFile(join(dir, 't'), bytes);
    expect(r).toEqual({ size: 250_000, sha256: expected });
    expect(readFileSync(join(dir, 't')).equals(bytes)).toBe(true);
    expect(bytes.toString('latin1', 0, 4)).toBe('head');
  });

  it('refuses to overwrite an existing file (EEXIST)', async () => {
    writeFileSync(join(dir, 'b'), 'old');
    await expect(writer.writeNewFile(join(dir, 'b'), Buffer.from('new'))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('old');
  });

  it('runs more jobs than threads, each answered with its own result', async () => {
    const blobs = Array.from({ length: 9 }, (_, i) => Buffer.alloc(10_000 + i, i));
    const results = await Promise.all(blobs.map((b, i) => writer.writeNewFile(join(dir, `many-${i}`), b)));
    expect(results.map((r) => r.size)).toEqual(blobs.map((b) => b.byteLength));
    expect(results.map((r) => r.sha256)).toEqual(blobs.map((b) => createHash('sha256').update(b).digest('hex')));
  });

  it('syncs a directory, and reports one that does not exist', async () => {
    await expect(writer.syncDirectory(dir)).resolves.toBeUndefined();
    await expect(writer.syncDirectory(join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps the process alive while a write is in flight, and lets it exit once the threads are idle', () => {
    const script = join(dir, 'exit.mts');
    const target = join(dir, 'exit-target');
    writeFileSync(
      script,
      `import { DurableWriter } from ${JSON.stringify(join(import.meta.dirname, 'durable-writer.ts'))};\n` +
        `await new DurableWriter(1).writeNewFile(${JSON.stringify(target)}, new Uint8Array(1 << 20));\nconsole.log('written');\n`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: 'written' });
    expect(existsSync(target)).toBe(true);
  });
});
