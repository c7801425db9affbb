import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempFilesIn } from '../../test/helpers/spool-temp-files.js';
import { Spool, SpoolKeyError } from './spool.js';

let root: string;
let spool: Spool;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'spool-test-'));
  spool = new Spool(root);
  await spool.init();
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Spool layout', () => {
  it('creates every top-level directory', async () => {
    expect((await readdir(root)).sort()).toEqual(['derived', 'inbox', 'incoming', 'quarantine', 'studies']);
  });

  it('places instances under study/series, with an optional hash suffix', () => {
    expect(spool.instanceRelPath('1.2', '1.2.3', '1.2.3.4')).toBe(join('studies', '1.2', '1.2.3', '1.2.3.4.dcm'));
    expect(spool.instanceRelPath('1.2', '1.2.3', '1.2.3.4', 'deadbeef')).toBe(
      join('studies', '1.2', '1.2.3', '1.2.3.4.deadbeef.dcm'),
    );
    expect(spool.derivedPath('1.2', '2.25.9', '2.25.10')).toBe(join(root, 'derived', '1.2', '2.25.9', '2.25.10.dcm'));
  });

  it.each(['..', '../etc', 'a/b', '', '.hidden', 'a\\b', 'x'.repeat(200), '1..2'])(
    'refuses the unsafe key %j',
    (key) => {
      expect(() => spool.instanceRelPath(key, '1', '1')).toThrow(SpoolKeyError);
    },
  );

  it('refuses to resolve a path outside the root', () => {
    expect(() => spool.resolve('../outside')).toThrow(SpoolKeyError);
    expect(() => spool.resolve('/etc/passwd')).toThrow(SpoolKeyError);
  });
});

describe('Spool writes', () => {
  it('writeDurably puts the bytes under incoming/ with size and sha256', async () => {
    const bytes = Buffer.from('hello spool');
    const t = await spool.writeDurably(bytes);
    expect(t.tempPath.startsWith(join(root, 'incoming'))).toBe(true);
    expect(t.size).toBe(bytes.length);
    expect(t.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await readFile(t.tempPath)).toEqual(bytes);
  });

  it('commit renames the temp file into place and leaves nothing in incoming/', async () => {
    const t = await spool.writeDurably(Buffer.from('abc'));
    const final = await spool.commit(t.tempPath, spool.instanceRelPath('1', '2', '3'));
    expect(final).toBe(join(root, 'studies', '1', '2', '3.dcm'));
    expect((await readFile(final)).toString()).toBe('abc');
    expect(tempFilesIn(root)).toEqual([]);
  });

  it('commit replaces an orphan file of the same name', async () => {
    const rel = spool.instanceRelPath('1', '2', '3');
    await spool.writeFileDurably(rel, Buffer.from('old'));
    const t = await spool.writeDurably(Buffer.from('new'));
    await spool.commit(t.tempPath, rel);
    expect((await readFile(spool.resolve(rel))).toString()).toBe('new');
  });

  it('commit refuses a path that is not one of its temp files', async () => {
    const outside = join(root, 'studies', 'x.part');
    await writeFile(outside, 'x');
    await expect(spool.commit(outside, 'studies/a/b/c.dcm')).rejects.toThrow(SpoolKeyError);
  });

  it('quarantine files the object under quarantine/<day>/<id>.dcm', async () => {
    const t = await spool.writeDurably(Buffer.from('bad'));
    const at = new Date('2026-03-04T10:00:00Z');
    const p = await spool.quarantine(t.tempPath, { id: 'q-17', at });
    expect(p).toBe(join(root, 'quarantine', '2026-03-04', 'q-17.dcm'));
    expect((await readFile(p)).toString()).toBe('bad');
    const q2 = await spool.quarantine((await spool.writeDurably(Buffer.from('b2'))).tempPath);
    expect(existsSync(q2)).toBe(true);
    expect(q2).not.toBe(p);
  });

  it('discard deletes a temp file', async () => {
    const t = await spool.writeDurably(Buffer.from('dup'));
    await spool.discard(t.tempPath);
    expect(existsSync(t.tempPath)).toBe(false);
  });
});

describe('Spool recovery', () => {
  it('deletes leftover temp files, keeps committed files and counts the inbox', async () => {
    const kept = await spool.writeFileDurably(spool.instanceRelPath('1', '2', '3'), Buffer.from('acked'));
    const left1 = await spool.writeDurably(Buffer.from('half-written'));
    await writeFile(join(root, 'incoming', 'stray.part'), 'xx');
    await writeFile(join(root, 'inbox', 'a.dcm'), 'from dcmtk');
    const r = await spool.recover();
    expect(r.removedTempFiles).toBe(2);
    expect(r.removedTempBytes).toBe('half-written'.length + 2);
    expect(r.inboxFiles).toBe(1);
    expect(existsSync(left1.tempPath)).toBe(false);
    expect((await readFile(kept.path)).toString()).toBe('acked');
    expect(await spool.recover()).toEqual({ removedTempFiles: 0, removedTempBytes: 0, inboxFiles: 1 });
  });

  it('recovers a root that does not exist yet', async () => {
    const fresh = new Spool(join(root, 'nested', 'spool'));
    expect(await fresh.recover()).toEqual({ removedTempFiles: 0, removedTempBytes: 0, inboxFiles: 0 });
  });
});

describe('Spool disk space', () => {
  it('reports free and total bytes of its file system', async () => {
    const d = await spool.diskFree();
    expect(d.totalBytes).toBeGreaterThan(0);
    expect(d.freeBytes).toBeGreaterThanOrEqual(0);
    expect(d.freeBytes).toBeLessThanOrEqual(d.totalBytes);
  });
});
