/**
 * The engine thread: opens the model sessions and runs the sampler away from the node's event loop,
 * so C-STORE answers, the API and heartbeats keep their timing while slices are enhanced
 * (threaded-engine.ts starts it). Its log lines go to the node's logger, which redacts them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { CancelledError, serializeError } from '../shared/errors.js';
import { EnhancementEngine, type EnhanceResult } from './engine.js';
import type { EngineThreadData, FromEngineThread, ToEngineThread } from './engine-thread-protocol.js';
import { ModelRegistry } from './model-registry.js';

const port = parentPort;
if (!port) throw new Error('engine-thread.ts runs only as a worker thread');
const data = workerData as EngineThreadData;
const post = (message: FromEngineThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const logger = pino({ level: data.logLevel, base: null }, { write: (line: string) => post({ kind: 'log', line }) });

const registry = await ModelRegistry.open(data.ids, { ...data.registry, logger });
const engine = new EnhancementEngine(registry, logger);
const running = new Map<number, AbortController>();

port.on('message', (message: ToEngineThread) => {
  switch (message.kind) {
    case 'enhance':
      void enhance(message);
      break;
    case 'cancel':
      running.get(message.id)?.abort(new CancelledError('enhancement cancelled'));
      break;
    case 'close':
      for (const abort of running.values()) abort.abort(new CancelledError('engine closing'));
      void registry.close().finally(() => {
        post({ kind: 'closed' });
        port.close();
      });
      break;
  }
});

async function enhance(request: Extract<ToEngineThread, { kind: 'enhance' }>): Promise<void> {
  const abort = new AbortController();
  running.set(request.id, abort);
  try {
    const results = await engine.enhanceSeries(request.images, request.preset, {
      ...request.options,
      signal: abort.signal,
      onProgress: (progress) => post({ kind: 'progress', id: request.id, progress }),
    });
    post({ kind: 'done', id: request.id, results }, buffersOf(results));
  } catch (err) {
    post({ kind: 'failed', id: request.id, error: serializeError(err) });
  } finally {
    running.delete(request.id);
  }
}

/** The result pixels move to the node's thread instead of being copied. */
function buffersOf(results: readonly EnhanceResult[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const r of results) {
    for (const view of [r.image.data, r.gray]) {
      if (view && view.buffer instanceof ArrayBuffer && view.byteLength === view.buffer.byteLength) buffers.add(view.buffer);
    }
  }
  return [...buffers];
}

post({ kind: 'ready', models: registry.loaded().map(({ session: _session, ...info }) => info), problems: [...registry.problems()] });
