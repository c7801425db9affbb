import { describe, expect, it } from 'vitest';
import { OVERSIZE_HEAD_BYTES, PdvCollector } from './pdv-collector.js';

async function collect(limit: number, sizes: number[]): Promise<PdvCollector> {
  const c = new PdvCollector(limit);
  let n = 0;
  for (const size of sizes) {
    const chunk = Buffer.alloc(size);
    for (let i = 0; i < size; i++) chunk[i] = (n + i) & 0xff;
    n += size;
    await new Promise<void>((resolve, reject) => c.write(chunk, (err) => (err ? reject(err) : resolve())));
  }
  return c;
}

const kept = (c: PdvCollector): Buffer => Buffer.concat(c.chunks);

describe('PdvCollector', () => {
  it('keeps every byte, in order, up to its limit', async () => {
    const c = await collect(1000, [300, 300, 400]);
    expect(c.oversize).toBe(false);
    expect(c.total).toBe(1000);
    expect([...kept(c)]).toEqual(Array.from({ length: 1000 }, (_, i) => i & 0xff));
  });

  it('past its limit keeps only the head and counts the rest', async () => {
    const chunk = 256 * 1024;
    const c = await collect(3 * chunk, Array(8).fill(chunk));
    expect(c.oversize).toBe(true);
    expect(c.total).toBe(8 * chunk);
    const head = kept(c);
    expect(head.length).toBe(OVERSIZE_HEAD_BYTES);
    expect(head[0]).toBe(0);
    expect(head[OVERSIZE_HEAD_BYTES - 1]).toBe((OVERSIZE_HEAD_BYTES - 1) & 0xff);
  });

  it('trims what it kept below the limit to the head once a chunk crosses the limit', async () => {
    const big = OVERSIZE_HEAD_BYTES + OVERSIZE_HEAD_BYTES / 2;
    const c = await collect(2 * OVERSIZE_HEAD_BYTES, [big, big]);
    expect(c.oversize).toBe(true);
    expect(c.total).toBe(2 * big);
    const head = kept(c);
    expect(head.length).toBe(OVERSIZE_HEAD_BYTES);
    expect(head[OVERSIZE_HEAD_BYTES - 1]).toBe((OVERSIZE_HEAD_BYTES - 1) & 0xff);
  });
});
