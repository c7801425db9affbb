import type { ContributionStatus } from '../pipeline/contribution-source.js';
import type { ExecutorStatus } from '../enhance/slice-enhancer.js';
import type { LoadedConfig } from '../config/load.js';
import type { ReloadResult } from '../config/watch.js';
import type { EchoResult } from '../export/echo-destination.js';
import type { Db } from '../provenance/database.js';
import type { IngestInput, IngestResult } from '../receive/receive-types.js';
import type { RetentionRunRow } from '../provenance/retention-log.js';
import type { RetentionReport } from '../retention/cleaner.js';
import type { DiskSpace } from '../spool/spool.js';
import type { Logger } from '../shared/log.js';
import type { NodeMetrics } from './node-metrics.js';

/** A model as the API reports it (GET /api/models, readiness). */
export interface ModelStatus {
  id: string;
  /** SHA-256 of the model file; absent when it failed to load. */
  sha256?: string;
  version?: string;
  device?: string;
  loaded: boolean;
  /** Why it is not loaded. */
  problem?: string;
  /** Why it runs on another device than configured. */
  note?: string;
}

/** A DICOM listener as the API reports it (GET /api/status, readiness). */
export interface ListenerStatus {
  /** The listener's `name` in node.yaml. */
  name: string;
  /** The port actually bound. */
  port: number;
  up: boolean;
}

/** The durable receive path and the guards behind it, for the STOW-RS input (the same ones C-STORE uses). */
export interface StowReceiver {
  /** InstanceReceiver.ingest: answers once the object is durably spooled or quarantined. */
  ingest(input: IngestInput): Promise<IngestResult>;
  /** The spool is below limits.minFreeDiskMb (DiskGuard). */
  isDiskLow(): boolean;
  /** Pending jobs and deliveries reached limits.maxQueueDepth (QueueGuard). */
  isQueueFull(): boolean;
}

/**
 * What the HTTP API needs from the running node. It reads through `provenance` with `db` and
 * changes things only through these commands, so it can be built over a RunningNode or over
 * test doubles of each part.
 */
export interface ApiDeps {
  /** The provenance database (the API reads and writes it through src/provenance). */
  db: Db;
  /** The configuration in force; read per request so a reload reaches the API. */
  config(): LoadedConfig;
  /** Free space of the volume that holds the spool (Spool.diskFree). */
  diskFree(): Promise<DiskSpace>;
  /** Validates the config files and swaps them in when valid (ConfigWatcher.reload). */
  reload(): ReloadResult;
  /**
   * Aborts a job if it is running in this process (JobRunner.cancel). The API has already marked
   * it cancelled in the database; returns whether it was running here.
   */
  cancelRunningJob(id: number): boolean;
  /** Tells the job runner to look for work now (JobRunner.kick). */
  kickJobs(): void;
  /** Tells the export worker to look for work now (DeliveryWorker.kick). */
  kickDeliveries(): void;
  /** C-ECHO (DIMSE) or write check (folder) of a configured destination; never throws. */
  echo(destinationName: string): Promise<EchoResult>;
  /** Models the node loaded or failed to load. */
  models(): ModelStatus[];
  /** Where enhancement runs (local engine or a BullMQ queue with its workers); null = render-only node. */
  executor?(): Promise<ExecutorStatus | null>;
  /**
   * The last ablation's measured network contribution per preset, as the node reads it to label
   * derived series (GET /api/models shows it per preset); absent = no record.
   */
  contribution?(): ContributionStatus;
  /** The DICOM listeners and whether each is accepting associations. */
  listeners(): ListenerStatus[];
  /** Retention: a dry run of the policy now (RetentionCleaner.run) and the last real runs; absent = no cleaner in this process. */
  retention?: { plan(): Promise<RetentionReport>; runs(limit?: number): RetentionRunRow[] };
  /** Series with arrivals still inside their quiet period (ArrivalRouter.pendingCount). */
  pendingSeries?(): number;
  /** The receive path for POST /dicom-web/studies; absent (or no `stow:` in node.yaml): that route answers 404. */
  stow?: StowReceiver;
  /** Served at /metrics; when absent, /metrics answers 404. */
  metrics?: NodeMetrics;
  log: Logger;
  /** Reported by /api/status. */
  version?: string;
}
