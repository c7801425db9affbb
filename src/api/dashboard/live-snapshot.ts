import type { ExecutorStatus } from '../../enhance/slice-enhancer.js';
import { listAssociations } from '../../provenance/associations.js';
import { countDeliveriesByState } from '../../provenance/deliveries.js';
import type { Db } from '../../provenance/database.js';
import { countJobsByState, listJobs } from '../../provenance/jobs.js';
import { countQuarantine } from '../../provenance/quarantine.js';
import { jobView } from '../views.js';

/** How many of the newest jobs and associations the live view carries. */
export const LIVE_ROWS = 25;

/** What the dashboard's live view shows; sent as one `snapshot` server-sent event. */
export interface LiveSnapshot {
  jobs: Record<string, number>;
  deliveries: Record<string, number>;
  quarantined: number;
  /** Series still inside their quiet period; null when the node does not say. */
  pendingSeries: number | null;
  /** Where enhancement runs (local or a BullMQ queue with its depth and workers); null = render only. */
  executor: ExecutorStatus | null;
  /** Every running job, then the newest others, newest first. */
  recentJobs: ReturnType<typeof jobView>[];
  recentAssociations: ReturnType<typeof listAssociations>;
}

/** Running jobs always (a long job must not scroll out of view), then the newest others. */
function recentJobs(db: Db) {
  const byId = new Map(listJobs(db, { state: 'running', limit: 1000 }).map((j) => [j.id, j]));
  for (const j of listJobs(db, { limit: LIVE_ROWS })) byId.set(j.id, j);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/** Reads the live view from the provenance database (a handful of indexed queries). */
export function readLiveSnapshot(db: Db, pendingSeries: number | null, executor: ExecutorStatus | null = null): LiveSnapshot {
  return {
    jobs: countJobsByState(db),
    deliveries: countDeliveriesByState(db),
    quarantined: countQuarantine(db),
    pendingSeries,
    executor,
    recentJobs: recentJobs(db).map(jobView),
    recentAssociations: listAssociations(db, { limit: LIVE_ROWS }),
  };
}

/**
 * One server-sent event (WHATWG HTML §9.2): `event:` and one `data:` line per line of the JSON
 * text, closed by a blank line. JSON.stringify never emits raw newlines, but the split keeps the
 * framing right for any string.
 */
export function formatServerSentEvent(event: string, data: unknown, id?: number): string {
  const lines = JSON.stringify(data).split(/\r\n|\r|\n/).map((l) => `data: ${l}`);
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\n${lines.join('\n')}\n\n`;
}
