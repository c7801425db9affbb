import type { LoadedConfig } from '../config/load.js';
import { isFolderDestination } from '../export/destinations/folder.js';
import type { Db } from '../provenance/database.js';
import { finishRetentionRun, listRetentionRuns, startRetentionRun, type RetentionRunMode, type RetentionRunRow } from '../provenance/retention-log.js';
import { pruneRows, totalRows, type PrunedRows } from '../provenance/retention-rows.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { DiskSpace } from '../spool/spool.js';
import { takeInventory } from './inventory.js';
import { MB, planRetention, retentionActive, rowCutoff, type EmergencyVerdict, type FolderSummary, type PlannedPurge, type RetentionReason } from './policy.js';
import { purgeUnits, type PurgeOutcome } from './purge.js';

export interface RetentionDeps {
  db: Db;
  /** The spool's root folder and the free space of its volume. */
  spool: { root: string; diskFree(): Promise<DiskSpace> };
  config(): LoadedConfig;
  log: Logger;
  /** Series the running router is still collecting; absent outside the node (CLI). */
  openSeries?: () => ReadonlySet<string>;
  /** Each deleted unit, for the metrics. */
  onPurged?(folder: string, reason: RetentionReason, files: number, bytes: number): void;
  /** Each finished run (not dry runs), for the metrics. */
  onRun?(report: RetentionReport): void;
  /** How often free space is checked for the emergency purge (default 5 s, as the disk guard). */
  pressureCheckMs?: number;
  now?: () => number;
}

/** One planned deletion as reported (CLI, API, dashboard). */
export interface ReportedPurge {
  folder: string;
  key: string;
  reason: RetentionReason;
  lastActivityAt: number;
  files: string[];
  bytes: number;
}

export interface RetentionReport {
  mode: RetentionRunMode;
  dryRun: boolean;
  at: number;
  /** Whether any limit or the emergency purge is configured (false: nothing can go). */
  active: boolean;
  freeBytes: number | null;
  items: ReportedPurge[];
  folders: FolderSummary[];
  emergency: EmergencyVerdict;
  /** Rows older than this may go (database.maxAgeDays); null: rows are kept. */
  rowCutoff: number | null;
  /** Rows deleted, or that would be in a dry run. */
  rows: PrunedRows | null;
  /** What a real run did. */
  result?: Omit<PurgeOutcome, 'errors'> & { runId: number; freeBytesAfter: number | null };
  errors: string[];
}

const EMERGENCY_COOLDOWN_MS = 30_000;

/**
 * The cleaner: plans with the pure policy over an inventory of what the node holds and deletes
 * what the plan names. Runs every `retention.intervalMinutes`, and at once when free space falls
 * below `retention.emergency.startBelowFreeMb` (checked every few seconds). One run at a time.
 */
export class RetentionCleaner {
  private timer?: NodeJS.Timeout;
  private pressureTimer?: NodeJS.Timeout;
  private running?: Promise<RetentionReport>;
  private lastEmergencyAt = 0;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: RetentionDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Arms the periodic run (first one a minute after start) and the disk-pressure check. */
  start(): void {
    this.schedule(Math.min(60_000, this.intervalMs()));
    this.pressureTimer = setInterval(() => void this.checkPressure(), this.deps.pressureCheckMs ?? 5000);
    this.pressureTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pressureTimer) clearInterval(this.pressureTimer);
    await this.running?.catch(() => undefined);
  }

  /** Runs once (or plans, with dryRun); waits for a run in progress first. */
  async run(opts: { mode?: RetentionRunMode; dryRun?: boolean } = {}): Promise<RetentionReport> {
    while (this.running) await this.running.catch(() => undefined);
    const p = this.once(opts.mode ?? 'manual', opts.dryRun ?? false);
    this.running = p;
    try {
      return await p;
    } finally {
      if (this.running === p) this.running = undefined;
    }
  }

  /** The last runs from the database (CLI runs included), newest first. */
  runs(limit = 20): RetentionRunRow[] {
    return listRetentionRuns(this.deps.db, limit);
  }

  /** Starts an emergency run when enabled and free space is below its start threshold. */
  async checkPressure(): Promise<RetentionReport | undefined> {
    const e = this.deps.config().retention.emergency;
    if (!e.enabled || this.running || this.stopped || this.now() - this.lastEmergencyAt < EMERGENCY_COOLDOWN_MS) return undefined;
    let free: number;
    try {
      free = (await this.deps.spool.diskFree()).freeBytes;
    } catch {
      return undefined;
    }
    if (free >= e.startBelowFreeMb * MB) return undefined;
    this.lastEmergencyAt = this.now();
    this.deps.log.warn({ stage: 'retention', freeBytes: free, startBelowFreeMb: e.startBelowFreeMb }, 'disk space low: emergency purge of the oldest delivered data');
    const report = await this.run({ mode: 'emergency' });
    if (report.emergency.shortBytes > 0) {
      this.deps.log.error({ stage: 'retention', shortBytes: report.emergency.shortBytes }, 'emergency purge could not free enough: everything left is undelivered or excluded');
    }
    return report;
  }

  private intervalMs(): number {
    return this.deps.config().retention.intervalMinutes * 60_000;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const config = this.deps.config();
      const go = retentionActive(config.retention) || config.retention.database.maxAgeDays !== null;
      void (go ? this.run({ mode: 'scheduled' }) : Promise.resolve())
        .catch((err) => this.deps.log.error({ stage: 'retention', err: errorMessage(err) }, 'retention run failed'))
        .finally(() => this.schedule(this.intervalMs()));
    }, ms);
    this.timer.unref();
  }

  private async freeBytes(): Promise<number | null> {
    return this.deps.spool.diskFree().then(
      (d) => d.freeBytes,
      () => null,
    );
  }

  private async once(mode: RetentionRunMode, dryRun: boolean): Promise<RetentionReport> {
    const { db, log } = this.deps;
    const config = this.deps.config();
    const policy = config.retention;
    const at = this.now();
    const freeBytes = await this.freeBytes();
    const units = await takeInventory({ db, spoolRoot: this.deps.spool.root, config, openSeries: this.deps.openSeries });
    const plan = planRetention(units, policy, { now: at, freeBytes });
    const cutoff = rowCutoff(policy, at);
    const report: RetentionReport = {
      mode,
      dryRun,
      at,
      active: retentionActive(policy) || cutoff !== null,
      freeBytes,
      items: plan.items.map(reported),
      folders: plan.folders,
      emergency: plan.emergency,
      rowCutoff: cutoff,
      rows: null,
      errors: [],
    };
    if (dryRun) {
      report.rows = cutoff === null ? null : pruneRows(db, cutoff, { dryRun: true });
      return report;
    }
    const runId = startRetentionRun(db, mode, at, freeBytes);
    let outcome: PurgeOutcome = { units: 0, files: 0, bytes: 0, skipped: [], errors: [] };
    try {
      outcome = await purgeUnits(plan.items, {
        db,
        log,
        runId,
        now: at,
        rootOf: (u) => (u.folder === 'outbox' ? destinationPath(config, u.group) : this.deps.spool.root),
        onPurged: (i) => this.deps.onPurged?.(i.unit.folder, i.reason, i.unit.files.length, i.unit.bytes),
      });
      report.rows = cutoff === null ? null : pruneRows(db, cutoff);
    } catch (err) {
      outcome.errors.push(errorMessage(err));
    }
    const freeBytesAfter = await this.freeBytes();
    const rowsDeleted = report.rows ? totalRows(report.rows) : 0;
    finishRetentionRun(db, runId, { now: this.now(), freeBytes: freeBytesAfter, files: outcome.files, bytes: outcome.bytes, rowsDeleted, error: outcome.errors[0] });
    const { errors, ...done } = outcome;
    report.result = { ...done, runId, freeBytesAfter };
    report.errors = errors;
    if (outcome.units > 0 || rowsDeleted > 0 || errors.length > 0) {
      log[errors.length > 0 ? 'warn' : 'info'](
        { stage: 'retention', mode, units: outcome.units, files: outcome.files, bytes: outcome.bytes, rowsDeleted, skipped: outcome.skipped.length, errors: errors.slice(0, 5) },
        'retention run finished',
      );
    }
    this.deps.onRun?.(report);
    return report;
  }
}

function reported(p: PlannedPurge): ReportedPurge {
  return { folder: p.unit.folder, key: p.unit.key, reason: p.reason, lastActivityAt: p.unit.lastActivityAt, files: p.unit.files, bytes: p.unit.bytes };
}

function destinationPath(config: LoadedConfig, name: string | undefined): string {
  const d = name === undefined ? undefined : config.destinations[name];
  if (!isFolderDestination(d)) throw new Error(`retention: '${name}' is not a folder destination`);
  return d.path;
}
