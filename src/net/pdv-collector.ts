import { Writable } from 'node:stream';

/** Bytes of an oversize data set kept for the quarantine record (enough for the header). */
export const OVERSIZE_HEAD_BYTES = 1 << 20;

/**
 * Collects a C-STORE data set's PDV bytes as they arrive, without parsing them. Past `limit` bytes
 * it keeps only the head and counts the rest, so a peer cannot make the node hold more than the
 * configured maximum instance size in memory.
 */
export class PdvCollector extends Writable {
  readonly chunks: Buffer[] = [];
  total = 0;
  private kept = 0;
  constructor(private readonly limit: number) {
    // A high-water mark above any PDV so write() never asks dcmjs-dimse to wait for 'drain'.
    super({ highWaterMark: 1 << 30 });
  }
  get oversize(): boolean {
    return this.total > this.limit;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.total += chunk.length;
    const room = this.oversize ? OVERSIZE_HEAD_BYTES - this.kept : Infinity;
    if (room > 0) {
      const part = room >= chunk.length ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    if (this.oversize && this.kept > OVERSIZE_HEAD_BYTES) {
      // Crossing the limit: drop what lies past the head.
      let keep = OVERSIZE_HEAD_BYTES;
      const head: Buffer[] = [];
      for (const c of this.chunks) {
        if (keep <= 0) break;
        head.push(c.length <= keep ? c : c.subarray(0, keep));
        keep -= c.length;
      }
      this.chunks.length = 0;
      this.chunks.push(...head);
      this.kept = OVERSIZE_HEAD_BYTES;
    }
    cb();
  }
}
