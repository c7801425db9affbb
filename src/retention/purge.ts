import { rm, rmdir } from 'node:fs/promises';
import { dirname, relative, isAbsolute } from 'node:path';
import type { Db } from '../provenance/database.js';
import { recordRetentionPurge } from '../provenance/retention-log.js';
import { markDerivedPurged, markOriginalsPurged, markQuarantinePurged } from '../provenance/retention.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { PlannedPurge, RetentionUnit } from './policy.js';

export interface PurgeContext {
  db: Db;
  log: Logger;
  runId: number;
  now: number;
  /** The folder a unit's files live under: empty folders are removed up to (not including) it. */
  rootOf(unit: RetentionUnit): string;
  /** Called for every unit deleted. */
  onPurged?(item: PlannedPurge): void;
}

export interface PurgeOutcome {
  units: number;
  files: number;
  bytes: number;
  /** Units left alone because something changed since the inventory (an arrival, a new job, a requeue). */
  skipped: Array<{ folder: string; key: string; why: string }>;
  errors: string[];
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Removes the now-empty folders above a deleted file, up to the root. */
async function removeEmptyParents(file: string, root: string): Promise<void> {
  for (let dir = dirname(file); inside(root, dir); dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty (or already gone): stop
    }
  }
}

/** The database mark for a unit, checked again in its transaction; outbox files have no rows. */
function mark(db: Db, unit: RetentionUnit, now: number): boolean {
  switch (unit.folder) {
    case 'originals':
      return markOriginalsPurged(db, unit.key, unit.lastReceivedAt ?? -1, now);
    case 'derived':
      return markDerivedPurged(db, unit.key, now);
    case 'quarantine':
      return markQuarantinePurged(db, Number(unit.key), now);
    case 'outbox':
      return true;
  }
}

/**
 * Deletes planned units: first the rows are marked purged (in a transaction that checks again that
 * nothing needs the files, so a series that changed since the inventory is skipped), then the
 * files go and the empty folders above them, and the unit is logged. A file that cannot be deleted
 * is reported; its row stays marked (the file is no longer read by the node).
 */
export async function purgeUnits(items: readonly PlannedPurge[], ctx: PurgeContext): Promise<PurgeOutcome> {
  const out: PurgeOutcome = { units: 0, files: 0, bytes: 0, skipped: [], errors: [] };
  for (const item of items) {
    const { unit } = item;
    const root = ctx.rootOf(unit);
    if (unit.files.some((f) => !inside(root, f))) {
      out.errors.push(`${unit.folder} ${unit.key}: a file lies outside ${root}; left alone`);
      continue;
    }
    if (!mark(ctx.db, unit, ctx.now)) {
      out.skipped.push({ folder: unit.folder, key: unit.key, why: 'changed since the inventory' });
      continue;
    }
    for (const f of unit.files) {
      try {
        await rm(f, { force: true });
        await removeEmptyParents(f, root);
      } catch (err) {
        out.errors.push(`${f}: ${errorMessage(err)}`);
      }
    }
    recordRetentionPurge(ctx.db, { runId: ctx.runId, folder: unit.folder, unit: unit.key, reason: item.reason, files: unit.files.length, bytes: unit.bytes, now: ctx.now });
    out.units++;
    out.files += unit.files.length;
    out.bytes += unit.bytes;
    ctx.onPurged?.(item);
    ctx.log.info({ stage: 'retention', folder: unit.folder, unit: unit.key, reason: item.reason, files: unit.files.length, bytes: unit.bytes }, 'purged');
  }
  return out;
}
