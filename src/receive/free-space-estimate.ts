/**
 * Free bytes on the spool's file system without a statfs per object: one reading at most every
 * `maxAgeMs`, and in between that reading less the bytes taken in since (so it errs on the low
 * side; the disk guard polls the real figure as well).
 */
export class FreeSpaceEstimate {
  private reading: { at: number; freeBytes: number } | undefined;

  constructor(
    private readonly read: () => Promise<{ freeBytes: number }>,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async freeBytes(): Promise<number> {
    const at = this.now();
    if (!this.reading || at - this.reading.at > this.maxAgeMs) this.reading = { at, freeBytes: (await this.read()).freeBytes };
    return this.reading.freeBytes;
  }

  /** Counts bytes about to be written against the last reading. */
  take(bytes: number): void {
    if (this.reading) this.reading.freeBytes -= bytes;
  }
}
