import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableWriter, isEmptySpare, SPARE_FILE_SUFFIX } from './durable-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'durable-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DurableWriter', () => {
  const writer = new DurableWriter(2);

  it('writes exactly the bytes of a view into a larger buffer, with their SHA-256, and leaves the caller its buffer', async () => {
    const backing = Buffer.alloc(1 << 20, 7);
    backing.write('payload', 1000, 'latin1');
    const view = backing.subarray(1000, 1000 + 300_000);
    const r = await writer.writeNewFile(dir, view);
    expect(r).toMatchObject({ size: 300_000, sha256: createHash('sha256').update(view).digest('hex') });
    expect(r.tempPath.startsWith(dir)).toBe(true);
    expect(readFileSync(r.tempPath).equals(view)).toBe(true);
    expect(view.byteLength).toBe(300_000);
    expect(view.toString('latin1', 0, 7)).toBe('payload');
  });

  it('writes bytes on shared memory from where they are, a view inside the buffer included, and leaves them usable', async () => {
    const shared = Buffer.from(new SharedArrayBuffer(400_000));
    shared.fill(3);
    shared.write('head', 100, 'latin1');
    const bytes = shared.subarray(100, 250_100);
    const expected = createHash('sha256').update(bytes).digest('hex');
    const r = await writer.writeNewFile(dir, bytes);
    expect(r).toMatchObject({ size: 250_000, sha256: expected });
    expect(readFileSync(r.tempPath).equals(bytes)).toBe(true);
    expect(bytes.toString('latin1', 0, 4)).toBe('head');
  });

  it('renames the file to a final path (making its directories) and leaves no temp file', async () => {
    const temps = join(dir, 'final-temps');
    mkdirSync(temps);
    const finalPath = join(dir, 'final', 'deep', 'x.dcm');
    const r = await writer.writeNewFile(temps, Buffer.from('placed'), finalPath);
    expect(readFileSync(finalPath, 'utf8')).toBe('placed');
    expect(existsSync(r.tempPath)).toBe(false);
  });

  it('reports a failed write and leaves no temp file behind', async () => {
    const temps = join(dir, 'failing-temps');
    mkdirSync(temps);
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    await expect(writer.writeNewFile(temps, Buffer.from('x'), join(dir, 'a-file', 'x.dcm'))).rejects.toMatchObject({ code: expect.any(String) });
    await expect(writer.writeNewFile(join(dir, 'no-such-dir'), Buffer.from('x'))).rejects.toMatchObject({ code: 'ENOENT' });
    await writer.releaseSpares();
    expect(readdirSync(temps)).toEqual([]);
  });

  it('moves a written file into place, making its directories, and leaves no temp file', async () => {
    const temps = join(dir, 'place-temps');
    mkdirSync(temps);
    const r = await writer.writeNewFile(temps, Buffer.from('moved later'));
    const finalPath = join(dir, 'placed', 'a', 'b.dcm');
    await writer.placeFile(r.tempPath, finalPath);
    expect(readFileSync(finalPath, 'utf8')).toBe('moved later');
    expect(existsSync(r.tempPath)).toBe(false);
    await expect(writer.placeFile(r.tempPath, finalPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('makes an empty spare file ready once a file is in place (not after a bare write) and takes it for the next one, unless it was removed meanwhile', async () => {
    const one = new DurableWriter(1);
    const temps = join(dir, 'spare-temps');
    const placed = join(dir, 'spare-placed');
    mkdirSync(temps);
    const spares = (): string[] => readdirSync(temps).filter((f) => isEmptySpare(f, statSync(join(temps, f)).size));
    // The one thread runs its jobs in order: once a later job is answered, the spare work after the earlier one is done.
    const settled = async (): Promise<string[]> => {
      await one.syncDirectory(temps);
      return spares();
    };

    const first = await one.writeNewFile(temps, Buffer.from('first'));
    expect(first.tempPath.endsWith(SPARE_FILE_SUFFIX)).toBe(false);
    expect(await settled()).toEqual([]);
    await one.placeFile(first.tempPath, join(placed, 'first.dcm'));
    const [spare] = await settled();
    expect(spare).toBeDefined();
    const second = await one.writeNewFile(temps, Buffer.from('second'));
    expect(second.tempPath).toBe(join(temps, spare!));
    expect(readFileSync(second.tempPath, 'utf8')).toBe('second');
    expect(await settled()).toEqual([]);

    await one.placeFile(second.tempPath, join(placed, 'second.dcm'));
    const [next] = await settled();
    rmSync(join(temps, next!));
    const third = await one.writeNewFile(temps, Buffer.from('third'), join(placed, 'third.dcm'));
    expect(third.tempPath.endsWith(SPARE_FILE_SUFFIX)).toBe(false);
    expect(readFileSync(join(placed, 'third.dcm'), 'utf8')).toBe('third');

    expect(await settled()).toHaveLength(1);
    await one.releaseSpares();
    expect(spares()).toEqual([]);
  });

  it('runs more jobs than threads, each answered with its own result', async () => {
    const blobs = Array.from({ length: 9 }, (_, i) => Buffer.alloc(10_000 + i, i));
    const results = await Promise.all(blobs.map((b) => writer.writeNewFile(dir, b)));
    expect(new Set(results.map((r) => r.tempPath)).size).toBe(blobs.length);
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
        `await new DurableWriter(1).writeNewFile(${JSON.stringify(dir)}, new Uint8Array(1 << 20), ${JSON.stringify(target)});\nconsole.log('written');\n`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: 'written' });
    expect(existsSync(target)).toBe(true);
  });
});
