import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface QueueSnapshot {
  counts: Record<string, number>;
  workers: number;
}

/** The queue's state, or undefined when Redis fails or does not answer within `timeoutMs`. */
export async function readSnapshotWithin(snapshot: () => Promise<QueueSnapshot>, timeoutMs: number): Promise<QueueSnapshot | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([snapshot().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'] as const;

/**
 * The bullmq executor in the node's /metrics: slice jobs per queue state, workers connected,
 * wait between publish and start, slices enhanced (rate = throughput) and retries. The queue
 * gauges are read at scrape time; a scrape while Redis is away reports nothing rather than hang.
 */
export class ScaleMetrics {
  private readonly waitSeconds: Histogram;
  private readonly slices: Counter<'outcome'>;
  private readonly retried: Counter;

  constructor(registry: Registry, snapshot: () => Promise<QueueSnapshot>, timeoutMs = 1000) {
    const registers = [registry];
    const read = () => readSnapshotWithin(snapshot, timeoutMs);
    // One Redis round trip per scrape, shared by both gauges.
    let pending: Promise<QueueSnapshot | undefined> | undefined;
    const shared = (): Promise<QueueSnapshot | undefined> => {
      pending ??= read().finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    new Gauge({
      name: 'unimie_executor_queue_jobs',
      help: 'Slice jobs of the bullmq executor per queue state (waiting = queue depth)',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        const s = await shared();
        if (!s) return;
        for (const state of STATES) this.set({ state }, s.counts[state] ?? 0);
      },
    });
    new Gauge({
      name: 'unimie_executor_redis_up',
      help: 'Whether the executor\'s Redis answered the last scrape within its time limit (1) or not (0)',
      registers,
      async collect() {
        this.set((await shared()) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'unimie_executor_workers',
      help: 'Workers connected to the slice queue (0 while Redis does not answer)',
      registers,
      async collect() {
        this.reset();
        const s = await shared();
        if (s) this.set(s.workers);
      },
    });
    this.waitSeconds = new Histogram({
      name: 'unimie_executor_queue_wait_seconds',
      help: 'Time a slice job waited between publish and a worker starting it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600],
      registers,
    });
    this.slices = new Counter({
      name: 'unimie_executor_slices_total',
      help: 'Slices through the bullmq executor, by outcome (rate of done = throughput)',
      labelNames: ['outcome'],
      registers,
    });
    this.retried = new Counter({
      name: 'unimie_executor_retried_jobs_total',
      help: 'Slice jobs that needed more than one start (worker died, lock expired, or an error)',
      registers,
    });
  }

  jobDone(slices: number, queuedMs: number, attempts: number): void {
    this.slices.inc({ outcome: 'done' }, slices);
    this.waitSeconds.observe(Math.max(0, queuedMs) / 1000);
    if (attempts > 1) this.retried.inc();
  }

  failed(slices: number): void {
    this.slices.inc({ outcome: 'failed' }, slices);
  }
}
