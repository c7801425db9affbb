import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../provenance/database.js';
import { lastRetentionRunTimes } from '../provenance/retention-log.js';

/** Retention's Prometheus metrics: what was deleted, per folder and reason, and when each kind of run last ended. */
export interface RetentionMetrics {
  /** One deleted unit (series, file, quarantined object). */
  purged(folder: string, reason: string, files: number, bytes: number): void;
  /** Rows deleted by the database policy, per table. */
  rowsDeleted(table: string, n: number): void;
}

/**
 * Registers the retention metrics on the node's registry. The last-run gauge reads the database
 * at scrape time, so runs of `unimie-node retention run` show too.
 */
export function createRetentionMetrics(registry: Registry, db: () => Db | undefined): RetentionMetrics {
  const registers = [registry];
  const files = new Counter({
    name: 'unimie_retention_purged_files_total',
    help: 'Files deleted by retention, by folder (originals, derived, outbox, quarantine) and reason (max-age, max-size, disk-pressure)',
    labelNames: ['folder', 'reason'],
    registers,
  });
  const bytes = new Counter({
    name: 'unimie_retention_purged_bytes_total',
    help: 'Bytes deleted by retention, by folder and reason',
    labelNames: ['folder', 'reason'],
    registers,
  });
  const rows = new Counter({
    name: 'unimie_retention_rows_deleted_total',
    help: 'Database rows deleted by retention (database.maxAgeDays), by table',
    labelNames: ['table'],
    registers,
  });
  new Gauge({
    name: 'unimie_retention_last_run_timestamp_seconds',
    help: 'When the last retention run of each mode (scheduled, manual, emergency) finished, from the provenance database',
    labelNames: ['mode'],
    registers,
    collect() {
      this.reset();
      const d = db();
      if (!d?.open) return;
      try {
        for (const [mode, at] of Object.entries(lastRetentionRunTimes(d))) this.set({ mode }, at / 1000);
      } catch {
        // A database without the retention tables (older schema in a test): no gauge.
      }
    },
  });
  return {
    purged(folder, reason, n, size) {
      files.inc({ folder, reason }, n);
      bytes.inc({ folder, reason }, size);
    },
    rowsDeleted(table, n) {
      if (n > 0) rows.inc({ table }, n);
    },
  };
}
