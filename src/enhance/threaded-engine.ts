/**
 * The engine in a worker thread: the same EnhancementEngine and model sessions, away from the node's
 * event loop. onnxruntime-node runs a session on the calling thread and the sampler's own
 * arithmetic is synchronous, so in-process a 512² slice holds the loop for seconds; here the node's
 * thread only posts images and receives results (their pixels transferred, not copied).
 * A thread that dies fails the requests it held and is started again by the next request.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Level } from 'pino';
import { CancelledError, reviveError } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/log.js';
import type { EngineProgress, EnhanceOptions, EnhanceResult } from './engine.js';
import type { EngineThreadData, FromEngineThread, ToEngineThread } from './engine-thread-protocol.js';
import type { EngineImage } from './image-planes.js';
import { ModelCatalog, type ModelInfo, type RegistryOptions } from './model-registry.js';
import type { EnhancePreset } from './preset.js';

interface Pending {
  resolve(results: EnhanceResult[]): void;
  reject(err: Error): void;
  onProgress?: (p: EngineProgress) => void;
}

interface Loaded {
  models: ModelInfo[];
  problems: Array<[string, string]>;
}

interface LiveThread {
  worker: Worker;
  ready: Promise<Loaded>;
}

interface ReadySignal {
  resolve(loaded: Loaded): void;
  reject(err: Error): void;
}

export class ThreadedEngine {
  private thread: LiveThread | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;
  /** The models the thread loaded (and the problems of those it could not), as of its first start. */
  catalog: ModelCatalog = new ModelCatalog(new Map(), new Map());

  private constructor(
    private readonly data: EngineThreadData,
    private readonly logger: Logger,
  ) {}

  /** Start the thread and wait until it has loaded every model id (failures recorded, not thrown). */
  static async open(ids: Iterable<string>, opts: RegistryOptions): Promise<ThreadedEngine> {
    const { logger = silentLogger, ...registry } = opts;
    const data: EngineThreadData = { ids: [...new Set(ids)], registry, logLevel: logger.level };
    const engine = new ThreadedEngine(data, logger);
    const { models, problems } = await engine.live().ready;
    engine.catalog = new ModelCatalog(new Map(models.map((m) => [m.id, m])), new Map(problems));
    return engine;
  }

  /** EnhancementEngine.enhanceSeries, run on the engine thread. */
  async enhanceSeries(images: readonly EngineImage[], preset: EnhancePreset, opts: EnhanceOptions = {}): Promise<EnhanceResult[]> {
    if (this.closing) throw new CancelledError('engine closed');
    if (opts.signal?.aborted) throw new CancelledError('enhancement cancelled');
    const thread = this.live();
    await thread.ready;
    const id = this.nextId++;
    const { signal, onProgress, ...options } = opts;
    return new Promise<EnhanceResult[]>((resolve, reject) => {
      const onAbort = () => this.send(thread, { kind: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (r) => (settle(), resolve(r)),
        reject: (e) => (settle(), reject(e)),
        ...(onProgress ? { onProgress } : {}),
      });
      this.send(thread, { kind: 'enhance', id, images: [...images], preset, options });
    });
  }

  async enhance(image: EngineImage, preset: EnhancePreset, opts: EnhanceOptions = {}): Promise<EnhanceResult> {
    const [result] = await this.enhanceSeries([image], preset, opts);
    return result!;
  }

  /** Cancel what runs, release the sessions and stop the thread. */
  async close(): Promise<void> {
    this.closing = true;
    const thread = this.thread;
    if (!thread) return;
    const exited = new Promise<void>((resolve) => thread.worker.once('exit', () => resolve()));
    this.send(thread, { kind: 'close' });
    const timer = setTimeout(() => void thread.worker.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private send(thread: LiveThread, message: ToEngineThread): void {
    thread.worker.postMessage(message);
  }

  private live(): LiveThread {
    if (this.thread) return this.thread;
    const worker = startEngineThread(this.data);
    let ready!: ReadySignal;
    const thread: LiveThread = {
      worker,
      ready: new Promise((resolve, reject) => (ready = { resolve, reject })),
    };
    thread.ready.catch(() => undefined);
    worker.on('message', (message: FromEngineThread) => this.onMessage(message, ready));
    let failure: Error | undefined;
    worker.on('error', (err) => {
      failure = err;
      this.logger.error({ stage: 'enhance', err: err.message }, 'engine thread failed');
    });
    worker.on('exit', (code) => {
      if (this.thread === thread) this.thread = undefined;
      const why = new Error(`engine thread stopped (exit code ${code}${failure ? `: ${failure.message}` : ''})`);
      ready.reject(why);
      if (!this.closing) this.logger.error({ stage: 'enhance', exitCode: code, failedRequests: this.pending.size }, 'engine thread stopped; the next request starts it again');
      for (const p of this.pending.values()) p.reject(this.closing ? new CancelledError('engine closed') : why);
      this.pending.clear();
    });
    this.thread = thread;
    return thread;
  }

  private onMessage(message: FromEngineThread, ready: ReadySignal): void {
    switch (message.kind) {
      case 'ready':
        ready.resolve({ models: message.models, problems: message.problems });
        break;
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.progress);
        break;
      case 'done':
        this.pending.get(message.id)?.resolve(message.results);
        this.pending.delete(message.id);
        break;
      case 'failed':
        this.pending.get(message.id)?.reject(reviveError(message.error));
        this.pending.delete(message.id);
        break;
      case 'log':
        this.forwardLog(message.line);
        break;
      case 'closed':
        break;
    }
  }

  private forwardLog(line: string): void {
    try {
      const { level, msg, time: _time, ...fields } = JSON.parse(line) as { level: number; msg?: string; time?: number } & Record<string, unknown>;
      const label = (this.logger.levels.labels[level] ?? 'info') as Level;
      this.logger[label](fields, msg);
    } catch {
      this.logger.info({ stage: 'enhance' }, line.trim());
    }
  }
}

/**
 * The thread's module beside this one: the built .js in a release; under tsx or vitest the .ts
 * source, which the thread loads after registering tsx's hooks on itself (hooks registered by the
 * parent, and `--import` in a worker's execArgv, do not reach a worker thread on Node 20).
 */
function startEngineThread(workerData: EngineThreadData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./engine-thread.js', import.meta.url), { workerData });
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const tsxApi = join(dirname(tsxPackage), exports['./esm/api']!.import.default);
  const entry = new URL('./engine-thread.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
