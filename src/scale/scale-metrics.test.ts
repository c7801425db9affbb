import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ScaleMetrics } from './scale-metrics.js';

describe('ScaleMetrics', () => {
  it('reports queue states, workers, waits, throughput and retries', async () => {
    const registry = new Registry();
    let reads = 0;
    const m = new ScaleMetrics(registry, async () => {
      reads++;
      return { counts: { waiting: 5, active: 2, failed: 1 }, workers: 3 };
    });
    m.jobDone(1, 40, 1);
    m.jobDone(2, 1500, 2);
    m.failed(1);
    const text = await registry.metrics();
    expect(text).toMatch(/^unimie_executor_queue_jobs\{state="waiting"\} 5$/m);
    expect(text).toMatch(/^unimie_executor_queue_jobs\{state="active"\} 2$/m);
    expect(text).toMatch(/^unimie_executor_queue_jobs\{state="delayed"\} 0$/m);
    expect(text).toMatch(/^unimie_executor_workers 3$/m);
    expect(text).toMatch(/^unimie_executor_slices_total\{outcome="done"\} 3$/m);
    expect(text).toMatch(/^unimie_executor_slices_total\{outcome="failed"\} 1$/m);
    expect(text).toMatch(/^unimie_executor_queue_wait_seconds_bucket\{le="0.05"\} 1$/m);
    expect(text).toMatch(/^unimie_executor_retried_jobs_total 1$/m);
    expect(text).toMatch(/^unimie_executor_redis_up 1$/m);
    expect(reads).toBe(1);
  });

  it('answers without the queue figures when Redis does not answer in time', async () => {
    const registry = new Registry();
    new ScaleMetrics(registry, () => new Promise(() => undefined), 50);
    const t0 = Date.now();
    const text = await registry.metrics();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(text).not.toMatch(/^unimie_executor_queue_jobs\{/m);
    expect(text).toMatch(/^unimie_executor_redis_up 0$/m);
  });
});
