import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { isFolderDestination } from '../export/destinations/folder.js';
import { readPart10 } from '../dicom/part10.js';
import type { Db } from '../provenance/database.js';
import {
  derivedFilesOf,
  derivedSeriesForRetention,
  originalFilesOf,
  originalSeriesForRetention,
  quarantineForRetention,
  undeliveredAt,
  type OriginalSeriesState,
} from '../provenance/retention.js';
import { firedDecisions, matchRules } from '../route/match-rules.js';
import type { RetentionUnit } from './policy.js';

export interface InventoryDeps {
  db: Db;
  /** The spool's root folder (its volume is the one the emergency purge frees). */
  spoolRoot: string;
  config: LoadedConfig;
  /** Series the running router is still collecting (inside their quiet period); absent outside the node. */
  openSeries?: () => ReadonlySet<string>;
}

interface Sized {
  files: string[];
  bytes: number;
  newestMtime: number;
}

/** The files that exist, their total size and newest modification time. */
async function sized(paths: readonly string[]): Promise<Sized> {
  const out: Sized = { files: [], bytes: 0, newestMtime: 0 };
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (!st?.isFile()) continue;
    out.files.push(p);
    out.bytes += st.size;
    out.newestMtime = Math.max(out.newestMtime, st.mtimeMs);
  }
  return out;
}

/**
 * Why a received series must wait for the router, or undefined when it need not: an instance
 * arrived after its last job and a rule that is not `drop` fires for it (the job is still to come:
 * quiet period, or a restart re-routes it), unless that rule ignores late arrivals and already ran.
 */
async function awaitingRouting(s: OriginalSeriesState, firstFile: string | undefined, deps: InventoryDeps): Promise<string | undefined> {
  if (s.ownOutput) return undefined;
  if (deps.openSeries?.().has(s.seriesUid)) return 'in its quiet period';
  if (s.covered) return undefined;
  if (!firstFile) return undefined;
  try {
    const header = readPart10(await readFile(firstFile), { untilPixelData: true }).dataset as Record<string, unknown>;
    const waiting = firedDecisions(matchRules(deps.config.rules, { callingAe: s.callingAe ?? '', calledAe: s.calledAe ?? '', header })).filter(
      (d) => d.actions.kind !== 'drop' && !(d.completion.lateArrival === 'ignore' && s.jobRules.includes(d.rule)),
    );
    return waiting.length > 0 ? 'awaiting its job (quiet period or routing)' : undefined;
  } catch {
    return 'cannot read it to route it';
  }
}

function originalBlocker(s: OriginalSeriesState): string | undefined {
  if (s.activeJobs > 0) return 'job not finished';
  if (s.queuedDeliveries > 0) return 'delivery not done';
  if (s.deadDeliveries > 0) return 'dead delivery';
  return undefined;
}

async function originals(deps: InventoryDeps): Promise<RetentionUnit[]> {
  const units: RetentionUnit[] = [];
  for (const s of originalSeriesForRetention(deps.db)) {
    const files = await sized(originalFilesOf(deps.db, s.seriesUid).map((f) => f.path));
    const blockedBy = originalBlocker(s) ?? (await awaitingRouting(s, files.files[0], deps));
    units.push({
      folder: 'originals',
      key: s.seriesUid,
      lastActivityAt: s.lastActivityAt,
      lastReceivedAt: s.lastReceivedAt,
      files: files.files,
      bytes: files.bytes,
      onSpoolVolume: true,
      ...(blockedBy ? { blockedBy } : {}),
    });
  }
  return units;
}

async function derived(deps: InventoryDeps): Promise<RetentionUnit[]> {
  const units: RetentionUnit[] = [];
  for (const d of derivedSeriesForRetention(deps.db)) {
    const files = await sized(derivedFilesOf(deps.db, d.seriesUid));
    const blockedBy =
      d.activeSourceJobs > 0 ? 'job not finished' : d.queuedDeliveries > 0 ? 'delivery not done' : d.deadDeliveries > 0 ? 'dead delivery' : undefined;
    units.push({
      folder: 'derived',
      key: d.seriesUid,
      lastActivityAt: d.lastActivityAt,
      files: files.files,
      bytes: files.bytes,
      onSpoolVolume: true,
      ...(blockedBy ? { blockedBy } : {}),
    });
  }
  return units;
}

async function quarantine(deps: InventoryDeps): Promise<RetentionUnit[]> {
  const units: RetentionUnit[] = [];
  for (const q of quarantineForRetention(deps.db)) {
    const files = await sized([q.path]);
    units.push({ folder: 'quarantine', key: String(q.id), lastActivityAt: q.receivedAt, files: files.files, bytes: files.bytes, onSpoolVolume: true });
  }
  return units;
}

/** Regular files under `dir` (not dot files: the folder transport's temp files), by relative path. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * A listed folder destination's files: one unit per series folder (`study-series` layout) or per
 * file (`flat`). A series or object with a delivery to it that is not done stays.
 */
async function outbox(deps: InventoryDeps, spoolDev: number): Promise<RetentionUnit[]> {
  const units: RetentionUnit[] = [];
  for (const name of deps.config.retention.outbox.destinations) {
    const dest = deps.config.destinations[name];
    if (!isFolderDestination(dest)) continue;
    const dev = (await stat(dest.path).catch(() => undefined))?.dev;
    if (dev === undefined) continue;
    const pending = undeliveredAt(deps.db, name);
    const groups = new Map<string, string[]>();
    for (const file of await listFiles(dest.path)) {
      const rel = relative(dest.path, file).split('/');
      const key = dest.layout === 'flat' ? rel.join('/') : rel.slice(0, 2).join('/');
      groups.set(key, [...(groups.get(key) ?? []), file]);
    }
    for (const [key, paths] of groups) {
      const files = await sized(paths);
      const parts = key.split('/');
      const undelivered = dest.layout === 'flat' ? pending.sops.has(parts[0]!.replace(/\.dcm$/, '')) : pending.series.has(parts[1] ?? '');
      units.push({
        folder: 'outbox',
        group: name,
        key: `${name}/${key}`,
        lastActivityAt: files.newestMtime,
        files: files.files,
        bytes: files.bytes,
        onSpoolVolume: dev === spoolDev,
        ...(undelivered ? { blockedBy: 'delivery not done' } : {}),
      });
    }
  }
  return units;
}

/** Everything retention may delete, with what keeps each unit (files from the database and the listed folder destinations). */
export async function takeInventory(deps: InventoryDeps): Promise<RetentionUnit[]> {
  const spoolDev = (await stat(deps.spoolRoot)).dev;
  return [...(await originals(deps)), ...(await derived(deps)), ...(await outbox(deps, spoolDev)), ...(await quarantine(deps))];
}
