/**
 * The node under bench/responsiveness.ts, alone in its own process so that the event-loop delay it
 * measures is the node's own. Started as
 *   node --import tsx bench/responsiveness-node-child.ts <configDir> thread|in-process
 * `thread` is the node as shipped (createEngineEnhancer: the engine on its own thread);
 * `in-process` is the reference: the same engine and presets on the node's thread.
 * Prints JSON lines on stdout: `ready` (with the listener's port), `enhance-start`, and
 * `enhance-end` with the event-loop delay (p50/p99/max, ms) sampled while the enhancement ran;
 * a `stop` line on stdin stops the node and prints `stopped`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { LoadedConfig } from '../src/config/load.js';
import { enginePresets } from '../src/enhance/local-enhancer.js';
import { createEngineEnhancer } from '../src/pipeline/engine-enhancer.js';
import { startNode } from '../src/app/node.js';
import type { SliceEnhancer } from '../src/enhance/slice-enhancer.js';
import { EnhancementEngine } from '../src/enhance/engine.js';
import { ModelRegistry } from '../src/enhance/model-registry.js';
import type { Db } from '../src/provenance/database.js';
import { createLogger, type Logger } from '../src/shared/log.js';

const say = (message: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(message)}\n`);

/** The reference: the engine called on the node's own thread. */
async function inProcessEnhancer(config: LoadedConfig, _db: Db, log: Logger): Promise<SliceEnhancer | undefined> {
  const ids = new Set(Object.values(config.presets).map((p) => p.model));
  const manifestPaths = Object.fromEntries([...ids].map((id) => [id, config.models[id]!.manifest]));
  const registry = await ModelRegistry.open(ids, { modelsDir: 'model', manifestPaths, logger: log });
  return {
    models: () => [],
    ...enginePresets(new EnhancementEngine(registry, log), registry, config.presets),
    close: () => registry.close(),
  };
}

/** The enhancer with the event loop's delay histogram around each enhance call. */
function measured(inner: SliceEnhancer): SliceEnhancer {
  return {
    ...inner,
    async enhance(images, preset, opts) {
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      say({ event: 'enhance-start', slices: images.length });
      const t0 = performance.now();
      try {
        return await inner.enhance(images, preset, opts);
      } finally {
        // A loop held until the call returns records its wait only on the next turn.
        await new Promise((r) => setTimeout(r, 20));
        h.disable();
        const ms = (ns: number) => ns / 1e6;
        say({ event: 'enhance-end', wallMs: performance.now() - t0, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), samples: h.count });
      }
    },
  };
}

async function main(): Promise<void> {
  const [configDir, mode] = process.argv.slice(2);
  if (!configDir || (mode !== 'thread' && mode !== 'in-process')) throw new Error('usage: responsiveness-node-child.ts <configDir> thread|in-process');
  const log = createLogger({ level: 'warn', destination: 2 });
  const create = mode === 'thread' ? createEngineEnhancer : inProcessEnhancer;
  const node = await startNode({
    configDir,
    log,
    createEnhancer: async (config, db, l) => {
      const inner = await create(config, db, l);
      return inner && measured(inner);
    },
  });
  say({ event: 'ready', port: node.listeners[0]!.port() });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === 'stop') break;
  }
  await node.stop();
  say({ event: 'stopped' });
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
