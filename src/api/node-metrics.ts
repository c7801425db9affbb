import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobEvent } from '../pipeline/job-runner.js';
import type { Db } from '../provenance/database.js';
import { countDeliveriesByState, type DeliveryState } from '../provenance/deliveries.js';
import { countJobsByState, type JobState } from '../provenance/jobs.js';
import type { DiskSpace } from '../spool/spool.js';
import type { ListenerStatus } from './api-deps.js';
import { createRetentionMetrics, type RetentionMetrics } from './retention-metrics.js';

/** Where the scrape-time gauges read from; every part is optional (its gauges stay empty). */
export interface MetricSources {
  db?: Db;
  /** Destination names to report queue depth for (the configured ones). */
  destinations?: () => string[];
  diskFree?: () => Promise<DiskSpace>;
  listeners?: () => ListenerStatus[];
}

const JOB_STATES: JobState[] = ['pending', 'running', 'done', 'failed', 'dead', 'cancelled', 'superseded'];
const DELIVERY_STATES: DeliveryState[] = ['pending', 'sending', 'done', 'dead', 'discarded'];

/**
 * The node's Prometheus metrics, in a registry of their own (not prom-client's global one, so
 * two nodes in one process — tests — do not mix). Counters and histograms are fed by the node's
 * hooks through the methods below; queue depth, jobs per state, spool disk space and listener
 * state are read from their sources at scrape time. Names follow the Prometheus conventions
 * (`_total` counters, base units: seconds and bytes).
 */
export class NodeMetrics {
  readonly registry = new Registry();
  private sources: MetricSources;
  /** Retention: files, bytes and rows deleted; when each kind of run last ended. */
  readonly retention: RetentionMetrics = createRetentionMetrics(this.registry, () => this.sources.db);

  private readonly associationsAccepted: Counter<'listener'>;
  private readonly associationsRejected: Counter<'listener' | 'reason'>;
  private readonly instancesReceived: Counter<'sop_class' | 'transfer_syntax'>;
  private readonly bytesReceived: Counter;
  private readonly instancesFailed: Counter<'reason_code'>;
  private readonly jobTransitions: Counter<'state'>;
  private readonly jobStage: Histogram<'stage'>;
  private readonly deliveryAttempts: Counter<'destination' | 'verdict'>;
  private readonly deliveryLatency: Histogram<'destination'>;
  private readonly diffusionStepsTotal: Counter;
  private readonly diffusionSecondsTotal: Counter;
  private readonly diffusionRate: Gauge;
  private readonly patchesPerStep: Gauge;
  private readonly modelRun: Histogram<'device'>;
  private readonly errors: Counter<'kind'>;
  private readonly alerts: Counter<'channel' | 'outcome'>;
  private readonly alertsHeldBack: Counter<'event'>;

  constructor(sources: MetricSources = {}, options: { defaultMetrics?: boolean } = {}) {
    this.sources = sources;
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });

    this.associationsAccepted = new Counter({
      name: 'unimie_associations_accepted_total',
      help: 'DICOM associations accepted, by listener',
      labelNames: ['listener'],
      registers,
    });
    this.associationsRejected = new Counter({
      name: 'unimie_associations_rejected_total',
      help: 'DICOM associations rejected, by listener and reason',
      labelNames: ['listener', 'reason'],
      registers,
    });
    this.instancesReceived = new Counter({
      name: 'unimie_instances_received_total',
      help: 'Instances stored by C-STORE, by SOP class and transfer syntax',
      labelNames: ['sop_class', 'transfer_syntax'],
      registers,
    });
    this.bytesReceived = new Counter({
      name: 'unimie_received_bytes_total',
      help: 'Bytes of instances stored by C-STORE',
      registers,
    });
    this.instancesFailed = new Counter({
      name: 'unimie_instances_failed_total',
      help: 'C-STOREs refused or quarantined, by reason code',
      labelNames: ['reason_code'],
      registers,
    });
    this.jobTransitions = new Counter({
      name: 'unimie_job_transitions_total',
      help: 'Job state changes, by the state entered',
      labelNames: ['state'],
      registers,
    });
    this.jobStage = new Histogram({
      name: 'unimie_job_stage_duration_seconds',
      help: 'Time a job spent in each stage (render, enhance, derive, total)',
      labelNames: ['stage'],
      buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.deliveryAttempts = new Counter({
      name: 'unimie_delivery_attempts_total',
      help: 'Delivery attempts, by destination and verdict (done, retry, dead)',
      labelNames: ['destination', 'verdict'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'unimie_delivery_latency_seconds',
      help: 'Time of one delivery attempt (association + C-STORE, or folder write), by destination',
      labelNames: ['destination'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.diffusionStepsTotal = new Counter({
      name: 'unimie_diffusion_steps_total',
      help: 'Diffusion sampling steps run (rate / rate of unimie_diffusion_seconds_total = steps per second)',
      registers,
    });
    this.diffusionSecondsTotal = new Counter({
      name: 'unimie_diffusion_seconds_total',
      help: 'Time spent in diffusion sampling',
      registers,
    });
    this.diffusionRate = new Gauge({
      name: 'unimie_diffusion_steps_per_second',
      help: 'Diffusion steps per second of the last sampled slice',
      registers,
    });
    this.patchesPerStep = new Gauge({
      name: 'unimie_diffusion_patches_per_step',
      help: 'Patches evaluated per diffusion step for the last sampled slice',
      registers,
    });
    this.modelRun = new Histogram({
      name: 'unimie_model_execution_seconds',
      help: 'Time of one model execution (ONNX session run), by device',
      labelNames: ['device'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.errors = new Counter({
      name: 'unimie_errors_total',
      help: 'Errors, by kind (error code or stage)',
      labelNames: ['kind'],
      registers,
    });
    this.alerts = new Counter({
      name: 'unimie_alerts_total',
      help: 'Alert sends, by channel and outcome (sent, retry, dead)',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.alertsHeldBack = new Counter({
      name: 'unimie_alerts_suppressed_total',
      help: 'Alerts held back because the same alert went out within alerts.repeatSeconds, by event',
      labelNames: ['event'],
      registers,
    });
    this.registerScrapeGauges(registers);
  }

  /** Sets or replaces the scrape-time sources (the node creates its database after the metrics). */
  attach(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  associationAccepted(listener: string): void {
    this.associationsAccepted.inc({ listener });
  }

  associationRejected(listener: string, reason: string): void {
    this.associationsRejected.inc({ listener, reason });
  }

  instanceReceived(sopClass: string, transferSyntax: string, bytes: number): void {
    this.instancesReceived.inc({ sop_class: sopClass, transfer_syntax: transferSyntax });
    if (bytes > 0) this.bytesReceived.inc(bytes);
  }

  instanceFailed(reasonCode: string): void {
    this.instancesFailed.inc({ reason_code: reasonCode });
  }

  /** A job entered `state` (running, done, failed, dead, cancelled, superseded, pending). */
  jobStateChanged(state: JobState | string): void {
    this.jobTransitions.inc({ state });
  }

  jobStageDuration(stage: string, seconds: number): void {
    this.jobStage.observe({ stage }, seconds);
  }

  /** One delivery attempt; verdict is the state it led to: `done`, `retry` or `dead`. */
  deliveryAttempt(destination: string, verdict: string, latencySeconds: number): void {
    this.deliveryAttempts.inc({ destination, verdict });
    this.deliveryLatency.observe({ destination }, latencySeconds);
  }

  /** `n` diffusion steps took `seconds` (one slice); `patches` per step when known. */
  diffusionSteps(n: number, seconds: number, patches?: number): void {
    this.diffusionStepsTotal.inc(n);
    if (seconds > 0) {
      this.diffusionSecondsTotal.inc(seconds);
      this.diffusionRate.set(n / seconds);
    }
    if (patches !== undefined) this.patchesPerStep.set(patches);
  }

  modelExecution(device: string, seconds: number): void {
    this.modelRun.observe({ device }, seconds);
  }

  error(kind: string): void {
    this.errors.inc({ kind });
  }

  /** One alert send on a channel: `sent`, `retry` (failed, tried again later) or `dead`. */
  alertOutcome(channel: string, outcome: string): void {
    this.alerts.inc({ channel, outcome });
  }

  alertSuppressed(event: string, count = 1): void {
    this.alertsHeldBack.inc({ event }, count);
  }

  /** Feeds the job counters from the runner's events (NodeOptions.onJobEvent). */
  observeJobEvent(event: JobEvent): void {
    if (event.type === 'started') this.jobStateChanged('running');
    else if (event.type === 'done') {
      this.jobStateChanged('done');
      this.jobStageDuration('total', event.ms / 1000);
    } else if (event.type === 'failed') {
      this.jobStateChanged(event.state);
      this.error('job_failed');
    }
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private registerScrapeGauges(registers: Registry[]): void {
    // `this` inside collect() is the gauge; the arrow functions keep the sources reachable.
    const sources = (): MetricSources => this.sources;
    const scrapeFailed = (): void => this.errors.inc({ kind: 'metrics_scrape' });
    new Gauge({
      name: 'unimie_jobs',
      help: 'Jobs per state (from the provenance database at scrape time)',
      labelNames: ['state'],
      registers,
      collect() {
        const db = sources().db;
        this.reset();
        if (!db?.open) return;
        try {
          const counts = countJobsByState(db);
          for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
        } catch {
          scrapeFailed();
        }
      },
    });
    new Gauge({
      name: 'unimie_delivery_queue_depth',
      help: 'Deliveries per destination and state (from the provenance database at scrape time)',
      labelNames: ['destination', 'state'],
      registers,
      collect() {
        const { db, destinations } = sources();
        this.reset();
        if (!db?.open || !destinations) return;
        try {
          for (const destination of destinations()) {
            const counts = countDeliveriesByState(db, destination);
            for (const state of DELIVERY_STATES) this.set({ destination, state }, counts[state]);
          }
        } catch {
          scrapeFailed();
        }
      },
    });
    new Gauge({
      name: 'unimie_spool_disk_free_bytes',
      help: 'Free space on the volume holding the spool',
      registers,
      async collect() {
        const diskFree = sources().diskFree;
        if (!diskFree) return;
        try {
          this.set((await diskFree()).freeBytes);
        } catch {
          scrapeFailed();
        }
      },
    });
    new Gauge({
      name: 'unimie_spool_disk_total_bytes',
      help: 'Size of the volume holding the spool',
      registers,
      async collect() {
        const diskFree = sources().diskFree;
        if (!diskFree) return;
        try {
          this.set((await diskFree()).totalBytes);
        } catch {
          scrapeFailed();
        }
      },
    });
    new Gauge({
      name: 'unimie_listener_up',
      help: 'Whether a DICOM listener is accepting associations (1) or not (0)',
      labelNames: ['listener'],
      registers,
      collect() {
        const listeners = sources().listeners;
        this.reset();
        if (!listeners) return;
        for (const l of listeners()) this.set({ listener: l.name }, l.up ? 1 : 0);
      },
    });
  }
}
