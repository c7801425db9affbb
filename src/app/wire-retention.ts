import { RetentionCleaner } from '../retention/cleaner.js';
import type { ArrivalRouter } from '../pipeline/arrival-router.js';
import type { NodeCore } from './node-core.js';

/**
 * The cleaner (retention: in node.yaml). It reads the policy per run, so a reload changes it; the
 * emergency purge checks free space every 5 s. A series the router is still collecting counts as busy.
 */
export function startRetention(core: NodeCore, router: ArrivalRouter): RetentionCleaner {
  const { db, spool, config, log, metrics } = core;
  const retention = new RetentionCleaner({
    db,
    spool,
    config,
    log,
    openSeries: () => router.openSeries(),
    onPurged: (folder, reason, files, bytes) => metrics.retention.purged(folder, reason, files, bytes),
    onRun: (r) => Object.entries(r.rows ?? {}).forEach(([table, n]) => metrics.retention.rowsDeleted(table, n)),
  });
  retention.start();
  return retention;
}
