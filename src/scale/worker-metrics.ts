import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A worker's own /metrics: slices done, failures, job time, queue wait, jobs in hand. */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly slices: Counter;
  private readonly failures: Counter<'reason'>;
  private readonly jobSeconds: Histogram;
  private readonly waitSeconds: Histogram;
  private readonly inHand: Gauge;

  constructor(labels: { worker: string; model: string; device: string }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ worker: labels.worker });
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'unimie_worker_info', help: 'The model and device this worker runs', labelNames: ['model', 'device'], registers }).set(
      { model: labels.model, device: labels.device },
      1,
    );
    this.slices = new Counter({ name: 'unimie_worker_slices_total', help: 'Slices enhanced', registers });
    this.failures = new Counter({ name: 'unimie_worker_job_failures_total', help: 'Slice jobs that failed, by reason', labelNames: ['reason'], registers });
    this.jobSeconds = new Histogram({
      name: 'unimie_worker_job_seconds',
      help: 'Time to enhance one slice job',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.waitSeconds = new Histogram({
      name: 'unimie_worker_queue_wait_seconds',
      help: 'Time a job waited between publish and start',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
      registers,
    });
    this.inHand = new Gauge({ name: 'unimie_worker_active_jobs', help: 'Jobs this worker is processing', registers });
  }

  sliceDone(slices: number, seconds: number, waitedSeconds: number): void {
    this.slices.inc(slices);
    this.jobSeconds.observe(seconds);
    this.waitSeconds.observe(Math.max(0, waitedSeconds));
  }

  failed(reason: string): void {
    this.failures.inc({ reason });
  }

  active(delta: number): void {
    this.inHand.inc(delta);
  }
}
