import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import dimse from 'dcmjs-dimse';
import { splitPart10 } from './part10-envelope.js';
import type { LentBytes, SendBufferPool } from './send-buffer-pool.js';

const { Dataset } = dimse;

/**
 * A data set that dcmjs-dimse sends as the file's own bytes (after the meta group), so an object
 * leaves exactly as stored. Only when the peer accepts another transfer syntax does dcmjs-dimse
 * ask for the elements to transcode: then, and only then, the file is parsed.
 */
export class RawFileDataset extends Dataset {
  private parsed = false;
  /** The data set sent after this one on the association, read ahead while the peer answers this one. */
  next?: RawFileDataset;
  private ahead?: { bytes: LentBytes } | { error: unknown };
  private lent = false;

  constructor(
    private readonly path: string,
    private readonly offset: number,
    private readonly pool: SendBufferPool,
    sopClassUid: string,
    sopInstanceUid: string,
    transferSyntaxUid: string,
  ) {
    super({ SOPClassUID: sopClassUid, SOPInstanceUID: sopInstanceUid }, transferSyntaxUid);
  }

  override getElements(): Record<string, unknown> {
    if (!this.parsed) {
      const full = Dataset.fromFile(this.path);
      if (!full) throw new Error(`cannot parse ${this.path}`);
      (this as unknown as { elements: Record<string, unknown> }).elements = full.getElements();
      this.parsed = true;
    }
    return super.getElements();
  }

  override getDenaturalizedDataset(): Buffer {
    return readFileSync(this.path).subarray(this.offset);
  }

  /** The data set bytes in a buffer of the association's pool, to release once written. */
  lendBytes(): LentBytes {
    this.lent = true;
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead && 'bytes' in ahead) return ahead.bytes;
    if (ahead) throw ahead.error;
    return this.pool.readFile(this.path, this.offset);
  }

  /** Reads the bytes now, unless they were lent already; a failure is kept for `lendBytes` to throw. */
  readAhead(): void {
    if (this.ahead || this.lent) return;
    try {
      this.ahead = { bytes: this.pool.readFile(this.path, this.offset) };
    } catch (error) {
      this.ahead = { error };
    }
  }
}

/** Links each data set to the one sent after it, in sending order; returns what it was given. */
export function chainReadAhead<T extends { dataset: RawFileDataset }>(inOrder: T[]): T[] {
  inOrder.forEach((x, i) => (x.dataset.next = inOrder[i + 1]?.dataset));
  return inOrder;
}

/** Enough of a file for its meta group (PS3.10 §7.1); the whole file when the meta group is longer. */
const HEAD_BYTES = 16 * 1024;

/** The meta information of a Part-10 file and where its data set starts, from the file's head. */
export function readSplit(path: string): ReturnType<typeof splitPart10> {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, head, 0, HEAD_BYTES, 0);
    if (n < HEAD_BYTES) return splitPart10(head.subarray(0, n));
    try {
      const split = splitPart10(head);
      // The meta group ended inside the head (the next tag was read and is not group 0002).
      if (split.datasetOffset + 8 <= n) return split;
    } catch {
      /* meta group longer than the head: read the whole file */
    }
  } finally {
    closeSync(fd);
  }
  return splitPart10(readFileSync(path));
}
