import { SharedBufferPool } from './shared-buffer-pool.js';

/** Bytes of an oversize data set kept for the quarantine record (enough for the header). */
export const OVERSIZE_HEAD_BYTES = 1 << 20;

/** The process's buffers for received data sets. */
const receivePool = new SharedBufferPool();

/**
 * Collects a C-STORE data set's PDV bytes as they arrive, without parsing them, straight behind the
 * object's Part-10 prefix (preamble, `DICM`, File Meta Information) in one buffer on shared memory
 * that no other object uses meanwhile, so the finished file is handed on without another copy and a
 * writer thread can write it while this thread reads it; the buffer comes from a pool and goes
 * back with {@link release} once the object is stored. The buffer starts at `sizeHint` data set bytes (the previous object's size on the
 * association: usually exact) and doubles when that is too small. Past `limit` data set bytes it
 * keeps only the head and counts the rest, so a peer cannot make the node hold more than the
 * configured maximum instance size in memory.
 */
export class PdvCollector {
  /** Data set bytes received (kept or not). */
  total = 0;
  private buf: Buffer;
  private fill: number;
  private readonly prefixBytes: number;

  constructor(
    prefix: Buffer,
    private readonly limit: number,
    sizeHint = 64 * 1024,
    private readonly pool = receivePool,
  ) {
    this.prefixBytes = prefix.length;
    this.buf = pool.acquire(prefix.length + Math.max(0, Math.min(sizeHint, limit)));
    this.fill = prefix.copy(this.buf, 0);
  }

  get oversize(): boolean {
    return this.total > this.limit;
  }

  /** Data set bytes kept. */
  get kept(): number {
    return this.fill - this.prefixBytes;
  }

  append(bytes: Uint8Array): void {
    this.total += bytes.length;
    let part = bytes;
    if (this.oversize) {
      // Crossing the limit (or past it): keep only the head.
      if (this.kept > OVERSIZE_HEAD_BYTES) this.fill = this.prefixBytes + OVERSIZE_HEAD_BYTES;
      const room = OVERSIZE_HEAD_BYTES - this.kept;
      if (room <= 0) return;
      if (part.length > room) part = part.subarray(0, room);
    }
    const need = this.fill + part.length;
    if (need > this.buf.length) this.grow(need);
    this.buf.set(part, this.fill);
    this.fill = need;
  }

  /** The Part-10 file: prefix and the data set bytes kept, on shared memory. */
  part10(): Buffer {
    return this.buf.subarray(0, this.fill);
  }

  private grow(need: number): void {
    const capped = this.prefixBytes + Math.max(this.limit, OVERSIZE_HEAD_BYTES);
    const next = this.pool.acquire(Math.max(need, Math.min(2 * this.buf.length, capped)));
    this.buf.copy(next, 0, 0, this.fill);
    this.pool.release(this.buf);
    this.buf = next;
  }

  /** Gives the buffer back to the pool: the file from {@link part10} must not be used any more. */
  release(): void {
    this.pool.release(this.buf);
    this.fill = this.prefixBytes;
  }
}
