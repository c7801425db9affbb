import type { Db } from '../provenance/database.js';

/** One object's share of a group commit: directories its file was renamed into, and its rows. */
export interface CommitItem<T> {
  /** Directories whose entries must be durable before the rows are written. */
  dirs: readonly string[];
  /** Writes the object's rows; runs inside the group's transaction (in its own savepoint). */
  write: () => T;
}

interface Queued {
  item: CommitItem<unknown>;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

export interface CommitQueueOptions {
  /** fsync of directories (each once per group). */
  syncDirectories: (dirs: Iterable<string>) => Promise<void>;
  /** Most objects in one transaction. */
  maxRows?: number;
}

/**
 * Group commit for the receive path: the rows of every object that reaches its commit while a
 * group is being made durable wait and go together in the next one. A group syncs the
 * directories of its renames once each, then writes all rows in one SQLite transaction, each
 * object in its own savepoint, so one object's failing rows fail only that object. Each caller's
 * promise settles after its group's COMMIT. With one object in flight a group is that object
 * alone, and it starts at once: nothing waits for company.
 */
export class CommitQueue {
  private readonly waiting: Queued[] = [];
  private flushing = false;
  private readonly maxRows: number;

  constructor(
    private readonly db: Db,
    private readonly opts: CommitQueueOptions,
  ) {
    this.maxRows = opts.maxRows ?? 64;
  }

  /** Resolves with `item.write()`'s result once it is committed; rejects if it or its group failed. */
  commit<T>(item: CommitItem<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ item, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, this.maxRows);
        await this.commitGroup(group);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commitGroup(group: Queued[]): Promise<void> {
    try {
      await this.opts.syncDirectories(group.flatMap((q) => q.item.dirs));
    } catch (err) {
      for (const q of group) q.reject(err);
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.transaction(() => {
        for (const q of group) {
          try {
            // A nested transaction is a savepoint: rolled back alone when this object's rows throw.
            outcomes.push({ ok: true, value: this.db.transaction(q.item.write)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (err) {
      for (const q of group) q.reject(err);
      return;
    }
    group.forEach((q, i) => {
      const o = outcomes[i]!;
      if (o.ok) q.resolve(o.value);
      else q.reject(o.error);
    });
  }
}
