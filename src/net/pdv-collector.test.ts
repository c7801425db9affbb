import { describe, expect, it } from 'vitest';
import { OVERSIZE_HEAD_BYTES, PdvCollector } from './pdv-collector.js';
import { SharedBufferPool } from './shared-buffer-pool.js';

const PREFIX = Buffer.from('PREFIX');

function collect(limit: number, sizes: number[], sizeHint?: number): PdvCollector {
  const c = new PdvCollector(PREFIX, limit, sizeHint);
  let n = 0;
  for (const size of sizes) {
    const chunk = Buffer.alloc(size);
    for (let i = 0; i < size; i++) chunk[i] = (n + i) & 0xff;
    n += size;
    c.append(chunk);
  }
  return c;
}

const kept = (c: PdvCollector): Buffer => {
  const file = c.part10();
  expect(file.subarray(0, PREFIX.length)).toEqual(PREFIX);
  return file.subarray(PREFIX.length);
};

describe('PdvCollector', () => {
  it('keeps every byte, in order, behind the prefix, up to its limit', () => {
    const c = collect(1000, [300, 300, 400]);
    expect(c.oversize).toBe(false);
    expect(c.total).toBe(1000);
    expect([...kept(c)]).toEqual(Array.from({ length: 1000 }, (_, i) => i & 0xff));
  });

  it('grows past a size hint that was too small, and a right hint needs no second buffer', () => {
    const small = collect(Number.MAX_SAFE_INTEGER, [5000, 5000, 7], 16);
    expect([...kept(small)]).toEqual(Array.from({ length: 10_007 }, (_, i) => i & 0xff));
    const exact = new PdvCollector(PREFIX, Number.MAX_SAFE_INTEGER, 1000, new SharedBufferPool());
    exact.append(Buffer.alloc(600));
    exact.append(Buffer.alloc(400));
    expect(exact.part10().buffer.byteLength).toBe(PREFIX.length + 1000);
  });

  it('keeps the file on shared memory (a writer thread reads it without a copy)', () => {
    const file = collect(1000, [10]).part10();
    expect(file.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(file.length).toBe(PREFIX.length + 10);
  });

  it('takes its buffers from a pool and gives them back: the outgrown one at once, the last one on release', () => {
    const pool = new SharedBufferPool();
    const c = new PdvCollector(PREFIX, 1 << 20, 10, pool);
    c.append(Buffer.alloc(100, 1));
    expect(pool.size).toBe(1);
    const file = c.part10();
    c.release();
    expect(pool.size).toBe(2);
    const next = new PdvCollector(PREFIX, 1 << 20, 100, pool);
    expect(next.part10().buffer).toBe(file.buffer);
  });

  it('past its limit keeps only the head and counts the rest', () => {
    const chunk = 256 * 1024;
    const c = collect(3 * chunk, Array<number>(8).fill(chunk));
    expect(c.oversize).toBe(true);
    expect(c.total).toBe(8 * chunk);
    const head = kept(c);
    expect(head.length).toBe(OVERSIZE_HEAD_BYTES);
    expect(head[0]).toBe(0);
    expect(head[OVERSIZE_HEAD_BYTES - 1]).toBe((OVERSIZE_HEAD_BYTES - 1) & 0xff);
  });

  it('trims what it kept below the limit to the head once a chunk crosses the limit', () => {
    const big = OVERSIZE_HEAD_BYTES + OVERSIZE_HEAD_BYTES / 2;
    const c = collect(2 * OVERSIZE_HEAD_BYTES, [big, big]);
    expect(c.oversize).toBe(true);
    expect(c.total).toBe(2 * big);
    const head = kept(c);
    expect(head.length).toBe(OVERSIZE_HEAD_BYTES);
    expect(head[OVERSIZE_HEAD_BYTES - 1]).toBe((OVERSIZE_HEAD_BYTES - 1) & 0xff);
  });
});
