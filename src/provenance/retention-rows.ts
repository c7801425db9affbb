import type { Db } from './database.js';
import { prepared } from './statement-cache.js';

/** Rows deleted (or, in a dry run, that would be), per table. */
export interface PrunedRows {
  series: number;
  instances: number;
  jobs: number;
  derivations: number;
  derivedSeries: number;
  deliveries: number;
  processingFailures: number;
  quarantine: number;
  associations: number;
  retentionLog: number;
}

const EMPTY: PrunedRows = {
  series: 0, instances: 0, jobs: 0, derivations: 0, derivedSeries: 0, deliveries: 0, processingFailures: 0, quarantine: 0, associations: 0, retentionLog: 0,
};

/**
 * Source series whose rows may go: every received copy purged, every series derived from it
 * purged, nothing unfinished (job) or undelivered (delivery, dead ones included), and nothing
 * happened to it since `cutoff`. Lineage of data the node still keeps is never deleted.
 */
const PRUNABLE_SERIES = `SELECT s.series_uid AS uid FROM series s
  WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.series_uid = s.series_uid AND i.purged_at IS NULL)
    AND s.last_received_at < @cutoff
    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.series_uid = s.series_uid
      AND (j.state IN ('pending','running','failed','dead') OR COALESCE(j.finished_at, j.updated_at) >= @cutoff))
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE (d.series_uid = s.series_uid OR d.job_id IN (SELECT id FROM jobs WHERE series_uid = s.series_uid))
      AND (d.state IN ('pending','sending','dead') OR d.updated_at >= @cutoff))
    AND NOT EXISTS (SELECT 1 FROM derived_series ds WHERE ds.source_series_uid = s.series_uid
      AND (ds.purged_at IS NULL OR EXISTS (SELECT 1 FROM deliveries d WHERE d.series_uid = ds.series_uid
        AND (d.state IN ('pending','sending','dead') OR d.updated_at >= @cutoff))))
  ORDER BY s.last_received_at LIMIT @limit`;

class DryRunRollback extends Error {
  constructor(readonly counts: PrunedRows) {
    super('dry run');
  }
}

function pruneSeries(db: Db, uid: string, out: PrunedRows): void {
  const jobs = '(SELECT id FROM jobs WHERE series_uid = @uid)';
  const derived = '(SELECT series_uid FROM derived_series WHERE source_series_uid = @uid)';
  const run = (sql: string) => prepared(db, sql).run({ uid }).changes;
  out.deliveries += run(`DELETE FROM deliveries WHERE series_uid = @uid OR job_id IN ${jobs} OR series_uid IN ${derived}`);
  out.processingFailures += run(`DELETE FROM processing_failures WHERE job_id IN ${jobs}`);
  out.derivations += run(`DELETE FROM derivations WHERE job_id IN ${jobs} OR source_series_uid = @uid`);
  out.derivedSeries += run(`DELETE FROM derived_series WHERE source_series_uid = @uid OR job_id IN ${jobs}`);
  out.jobs += run('DELETE FROM jobs WHERE series_uid = @uid');
  out.instances += run('DELETE FROM instances WHERE series_uid = @uid');
  out.series += run('DELETE FROM series WHERE series_uid = @uid');
}

/**
 * Deletes the rows database.maxAgeDays lets go, older than `cutoff` (epoch ms): series (with their
 * instances, jobs, derivations, derived series and deliveries) whose files are all purged, purged
 * quarantine rows, ended associations no remaining row refers to, and the retention log. A dry
 * run does the same inside a transaction it rolls back, so its counts are exact.
 */
export function pruneRows(db: Db, cutoff: number, opts: { dryRun?: boolean; limit?: number } = {}): PrunedRows {
  const work = (): PrunedRows => {
    const out = { ...EMPTY };
    const series = prepared(db, PRUNABLE_SERIES).all({ cutoff, limit: opts.limit ?? 5000 }) as Array<{ uid: string }>;
    for (const s of series) pruneSeries(db, s.uid, out);
    out.quarantine = prepared(db, 'DELETE FROM quarantine WHERE purged_at IS NOT NULL AND received_at < ?').run(cutoff).changes;
    out.associations = prepared(
      db,
      `DELETE FROM associations WHERE outcome != 'open' AND COALESCE(ended_at, started_at) < ?
         AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.association_id = associations.id)
         AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.association_id = associations.id)`,
    ).run(cutoff).changes;
    out.retentionLog = prepared(db, 'DELETE FROM retention_purges WHERE purged_at < ?').run(cutoff).changes;
    out.retentionLog += prepared(
      db,
      'DELETE FROM retention_runs WHERE started_at < ? AND NOT EXISTS (SELECT 1 FROM retention_purges p WHERE p.run_id = retention_runs.id)',
    ).run(cutoff).changes;
    if (opts.dryRun) throw new DryRunRollback(out);
    return out;
  };
  try {
    return db.transaction(work)();
  } catch (err) {
    if (err instanceof DryRunRollback) return err.counts;
    throw err;
  }
}

export function totalRows(r: PrunedRows): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}
