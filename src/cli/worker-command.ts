import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { createLogger } from '../shared/log.js';
import { startEnhanceWorker } from '../scale/worker-runtime.js';
import { startWorkerHttp } from '../scale/worker-http.js';
import { redactUrl } from '../scale/redis-connection.js';

interface WorkerFlags {
  redis: string;
  redisPasswordFile?: string;
  redisCa?: string;
  queue: string;
  model: string;
  concurrency: number;
  device: 'cpu' | 'cuda';
  threads?: number;
  name?: string;
  healthHost: string;
  healthPort?: number;
  lockSeconds: number;
  stalledSeconds: number;
  maxStalled: number;
}

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};
const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
};

/**
 * `worker`: an enhancement worker for the bullmq executor, on this or another machine. It needs
 * the node's Redis and the model files, nothing else (no DICOM, no database).
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description("enhance slices for a node's bullmq executor: take jobs from its Redis, return the pixels")
    .requiredOption('--redis <url>', 'Redis URL (redis:// or rediss:// for TLS); the password may be in the URL or REDIS_PASSWORD')
    .option('--redis-password-file <file>', 'file holding the Redis password')
    .option('--redis-ca <file>', 'CA certificate (PEM) for a TLS Redis')
    .option('--queue <name>', "the node's executor.queue", 'unimie-enhance')
    .requiredOption('--model <manifest>', 'model manifest, e.g. model/embedded/manifest.yaml')
    .option('--concurrency <n>', 'jobs processed at once', positiveInt, 1)
    .option('--device <device>', 'cpu or cuda', (v) => {
      if (v !== 'cpu' && v !== 'cuda') throw new InvalidArgumentError('expected cpu or cuda');
      return v;
    }, 'cpu')
    .option('--threads <n>', 'onnxruntime threads per operator (default: all cores)', positiveInt)
    .option('--name <name>', 'worker name in provenance (default <host>-<pid>)')
    .option('--health-host <host>', 'address of /healthz and /metrics', '0.0.0.0')
    .option('--health-port <port>', 'port of /healthz and /metrics (0 = any free port; absent = none)', positiveInt)
    .option('--lock-seconds <s>', 'job lock; a dead worker\'s job is retried after it expires', positiveNumber, 30)
    .option('--stalled-seconds <s>', 'how often to look for jobs whose lock expired', positiveNumber, 30)
    .option('--max-stalled <n>', 'lock expiries a job survives before it fails', positiveInt, 1)
    .action(async (flags: WorkerFlags) => {
      const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
      const password = flags.redisPasswordFile
        ? readFileSync(flags.redisPasswordFile, 'utf8').split(/\r?\n/)[0]
        : process.env.REDIS_PASSWORD || undefined;
      const running = await startEnhanceWorker({
        redis: { url: flags.redis, ...(password ? { password } : {}), ...(flags.redisCa ? { tls: { ca: readFileSync(flags.redisCa, 'utf8') } } : {}) },
        queue: flags.queue,
        manifest: flags.model,
        concurrency: Math.max(1, flags.concurrency),
        device: flags.device,
        ...(flags.threads ? { threads: flags.threads } : {}),
        ...(flags.name ? { name: flags.name } : {}),
        lockMs: flags.lockSeconds * 1000,
        stalledIntervalMs: flags.stalledSeconds * 1000,
        maxStalledCount: flags.maxStalled,
        log,
      });
      const http =
        flags.healthPort !== undefined
          ? await startWorkerHttp({
              host: flags.healthHost,
              port: flags.healthPort,
              registry: running.metrics.registry,
              health: () => ({ ok: running.healthy(), worker: running.name, model: running.model.id, sha256: running.model.sha256, device: running.model.device }),
            })
          : undefined;
      log.info({ worker: running.name, redis: redactUrl(flags.redis), healthPort: http?.port }, 'worker listening');
      let stopping = false;
      const shutdown = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'worker shutting down: finishing the jobs in hand');
        running
          .close()
          .then(() => http?.close())
          .then(
            () => log.flush(() => process.exit(0)),
            () => process.exit(1),
          );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
