import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SendBufferPool } from './send-buffer-pool.js';

const dir = mkdtempSync(join(tmpdir(), 'send-buffer-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const pattern = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

describe('SendBufferPool', () => {
  it('reads a file from the offset to its end', () => {
    const bytes = pattern(1000, 1);
    const lent = new SendBufferPool().readFile(file('a', bytes), 132);
    expect(lent.bytes.equals(bytes.subarray(132))).toBe(true);
  });

  it('reuses a released buffer and never one still lent', () => {
    const pool = new SendBufferPool();
    const a = file('b', pattern(4096, 2));
    const b = file('c', pattern(2048, 3));
    const first = pool.readFile(a, 0);
    const second = pool.readFile(b, 0);
    // Not released yet: the second read went into another buffer, the first bytes are intact.
    expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
    expect(first.bytes.equals(pattern(4096, 2))).toBe(true);
    first.release();
    first.release();
    const third = pool.readFile(b, 0);
    expect(third.bytes.buffer).toBe(first.bytes.buffer);
    expect(third.bytes.equals(pattern(2048, 3))).toBe(true);
    // Released twice, kept once: the next read needs a buffer of its own.
    expect(pool.readFile(b, 0).bytes.buffer).not.toBe(first.bytes.buffer);
  });

  it('does not keep buffers above its size limit', () => {
    const pool = new SendBufferPool({ maxPooledBytes: 1024 });
    const big = file('d', pattern(4096, 4));
    const first = pool.readFile(big, 0);
    first.release();
    expect(pool.readFile(big, 0).bytes.buffer).not.toBe(first.bytes.buffer);
  });

  it('throws for an offset beyond the end of the file', () => {
    expect(() => new SendBufferPool().readFile(file('e', pattern(10, 5)), 20)).toThrow(/shorter than its meta information/);
  });
});
