import type { DeepReadonly } from '../config/deep-freeze.js';
import type { Retention as RetentionFile, RetentionFolder } from '../config/retention-schema.js';

/** The `retention:` section as the loaded (frozen) config hands it out. */
type Retention = DeepReadonly<RetentionFile>;

/** Why a unit goes: older than maxAgeDays, its folder over maxSizeGb, or the volume short of space. */
export type RetentionReason = 'max-age' | 'max-size' | 'disk-pressure';

export const DAY_MS = 24 * 3600 * 1000;
export const MB = 1024 * 1024;
export const GB = 1024 * MB;

/**
 * What retention deletes at once: a received series, a derived series, one series folder (or
 * file) of a folder destination, or one quarantined object.
 */
export interface RetentionUnit {
  folder: RetentionFolder;
  /** Series UID, quarantine row id or `<destination>/<path in it>`; unique within its folder. */
  key: string;
  /** Outbox: the destination name (size limits count per destination). */
  group?: string;
  /** Last activity (epoch ms): arrival, job end, delivery; age counts from here. */
  lastActivityAt: number;
  /** Absolute paths of its files (those that exist). */
  files: string[];
  bytes: number;
  /** Why it must stay whatever the policy (not yet delivered, job not finished, quiet period). */
  blockedBy?: string;
  /** Deleting it frees space on the spool's volume (counts towards the emergency purge). */
  onSpoolVolume: boolean;
  /** Originals: the series' last arrival at inventory time; the purge refuses if it changed. */
  lastReceivedAt?: number;
}

export interface PlannedPurge {
  unit: RetentionUnit;
  reason: RetentionReason;
}

export interface FolderSummary {
  folder: RetentionFolder;
  units: number;
  files: number;
  bytes: number;
  /** Units kept because they are not finished or not delivered, by reason. */
  blocked: Record<string, number>;
  blockedBytes: number;
  purgeUnits: number;
  purgeFiles: number;
  purgeBytes: number;
}

export interface EmergencyVerdict {
  /** Free space was below startBelowFreeMb with the emergency purge enabled. */
  triggered: boolean;
  freeBytes: number | null;
  /** Free space the purge aims for (purgeUntilFreeMb). */
  targetFreeBytes: number;
  /** Bytes still missing after every deletable unit is counted (0 when the target is met). */
  shortBytes: number;
}

export interface RetentionPlan {
  now: number;
  items: PlannedPurge[];
  folders: FolderSummary[];
  emergency: EmergencyVerdict;
}

const FOLDERS: readonly RetentionFolder[] = ['originals', 'derived', 'outbox', 'quarantine'];

/** Whether the policy can delete anything at all (a limit somewhere, or the emergency purge). */
export function retentionActive(policy: Retention): boolean {
  const limits = [policy.originals, policy.derived, policy.quarantine, ...(policy.outbox.destinations.length > 0 ? [policy.outbox] : [])];
  return policy.emergency.enabled || limits.some((p) => p.maxAgeDays !== null || p.maxSizeGb !== null);
}

const oldestFirst = (a: RetentionUnit, b: RetentionUnit): number => a.lastActivityAt - b.lastActivityAt || a.key.localeCompare(b.key);

/** The units of one folder that share a size limit (per destination for the outbox). */
function sizeGroups(units: RetentionUnit[]): RetentionUnit[][] {
  const groups = new Map<string, RetentionUnit[]>();
  for (const u of units) {
    const g = groups.get(u.group ?? '') ?? [];
    g.push(u);
    groups.set(u.group ?? '', g);
  }
  return [...groups.values()];
}

/**
 * What to delete, given everything the node holds, the policy, the time and the free space of the
 * spool's volume. Pure. A blocked unit is never chosen. Per folder: units older than maxAgeDays;
 * then, while the folder (each outbox destination on its own) holds more than maxSizeGb, the
 * oldest remaining ones. Then, with the emergency purge enabled and free space below
 * startBelowFreeMb, the oldest deletable units of the `include` folders on the spool's volume,
 * whatever their age, until purgeUntilFreeMb would be free.
 */
export function planRetention(units: readonly RetentionUnit[], policy: Retention, opts: { now: number; freeBytes?: number | null }): RetentionPlan {
  const { now } = opts;
  const chosen = new Map<RetentionUnit, RetentionReason>();
  for (const folder of FOLDERS) {
    const p = policy[folder];
    if (folder === 'outbox' && policy.outbox.destinations.length === 0) continue;
    const mine = units.filter((u) => u.folder === folder && (folder !== 'outbox' || policy.outbox.destinations.includes(u.group ?? '')));
    if (p.maxAgeDays !== null) {
      const cutoff = now - p.maxAgeDays * DAY_MS;
      for (const u of mine) if (!u.blockedBy && u.lastActivityAt <= cutoff) chosen.set(u, 'max-age');
    }
    if (p.maxSizeGb !== null) {
      const cap = p.maxSizeGb * GB;
      for (const group of sizeGroups(mine)) {
        let held = group.filter((u) => !chosen.has(u)).reduce((s, u) => s + u.bytes, 0);
        for (const u of group.filter((x) => !x.blockedBy && !chosen.has(x)).sort(oldestFirst)) {
          if (held <= cap) break;
          chosen.set(u, 'max-size');
          held -= u.bytes;
        }
      }
    }
  }

  const e = policy.emergency;
  const freeBytes = opts.freeBytes ?? null;
  const targetFreeBytes = e.purgeUntilFreeMb * MB;
  const emergency: EmergencyVerdict = { triggered: false, freeBytes, targetFreeBytes, shortBytes: 0 };
  if (e.enabled && freeBytes !== null && freeBytes < e.startBelowFreeMb * MB) {
    emergency.triggered = true;
    const freed = [...chosen.keys()].filter((u) => u.onSpoolVolume).reduce((s, u) => s + u.bytes, 0);
    let needed = targetFreeBytes - freeBytes - freed;
    const candidates = units
      .filter((u) => !u.blockedBy && !chosen.has(u) && u.onSpoolVolume && e.include.includes(u.folder))
      .filter((u) => u.folder !== 'outbox' || policy.outbox.destinations.includes(u.group ?? ''))
      .sort(oldestFirst);
    for (const u of candidates) {
      if (needed <= 0) break;
      chosen.set(u, 'disk-pressure');
      needed -= u.bytes;
    }
    emergency.shortBytes = Math.max(0, needed);
  }

  const items = [...chosen.entries()].map(([unit, reason]) => ({ unit, reason })).sort((a, b) => oldestFirst(a.unit, b.unit));
  return { now, items, folders: FOLDERS.map((f) => summarise(f, units, chosen)), emergency };
}

function summarise(folder: RetentionFolder, units: readonly RetentionUnit[], chosen: Map<RetentionUnit, RetentionReason>): FolderSummary {
  const s: FolderSummary = { folder, units: 0, files: 0, bytes: 0, blocked: {}, blockedBytes: 0, purgeUnits: 0, purgeFiles: 0, purgeBytes: 0 };
  for (const u of units) {
    if (u.folder !== folder) continue;
    s.units++;
    s.files += u.files.length;
    s.bytes += u.bytes;
    if (u.blockedBy) {
      s.blocked[u.blockedBy] = (s.blocked[u.blockedBy] ?? 0) + 1;
      s.blockedBytes += u.bytes;
    }
    if (chosen.has(u)) {
      s.purgeUnits++;
      s.purgeFiles += u.files.length;
      s.purgeBytes += u.bytes;
    }
  }
  return s;
}

/** The cut-off for database rows (epoch ms), or null when rows are kept forever. */
export function rowCutoff(policy: Retention, now: number): number | null {
  return policy.database.maxAgeDays === null ? null : now - policy.database.maxAgeDays * DAY_MS;
}
