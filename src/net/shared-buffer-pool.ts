/**
 * Reused buffers on shared memory for received data sets. A SharedArrayBuffer read by a writer
 * thread is freed only once that thread's heap lets go of it too, and an idle writer thread's heap
 * is rarely collected, so a fresh one per object made the resident size grow by hundreds of MiB
 * over a study; a few reused ones keep it flat (and spare the page faults of fresh memory).
 */
export class SharedBufferPool {
  private readonly free: SharedArrayBuffer[] = [];

  /** `maxFree`: buffers kept for reuse; more given back than that are dropped, the smallest first. */
  constructor(private readonly maxFree = 16) {}

  /** A buffer of at least `bytes` (the whole of its shared memory): the smallest free one that fits, or a new one. */
  acquire(bytes: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.byteLength;
      if (size >= bytes && (best < 0 || size < this.free[best]!.byteLength)) best = i;
    }
    const shared = best >= 0 ? this.free.splice(best, 1)[0]! : new SharedArrayBuffer(bytes);
    return Buffer.from(shared);
  }

  /** Gives a buffer from `acquire` back; nothing may read or write it afterwards. */
  release(buffer: Buffer): void {
    const shared = buffer.buffer;
    if (!(shared instanceof SharedArrayBuffer) || this.free.includes(shared)) return;
    this.free.push(shared);
    if (this.free.length > this.maxFree) {
      let smallest = 0;
      for (let i = 1; i < this.free.length; i++) if (this.free[i]!.byteLength < this.free[smallest]!.byteLength) smallest = i;
      this.free.splice(smallest, 1);
    }
  }

  /** Buffers held for reuse. */
  get size(): number {
    return this.free.length;
  }
}
