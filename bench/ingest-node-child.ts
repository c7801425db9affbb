/**
 * The node under test, alone in its own process so that its resident memory can be read from
 * /proc without the benchmark's own. Started by bench/ingest.ts as
 *   node --import tsx bench/ingest-node-child.ts <configDir> <seriesUid> [dcmjs-dimse|dicom-dimse-native]
 * It starts the node with startNode() from <configDir>, prints one JSON line
 * `{"event":"ready","port":…,"transport":…}` on stdout, and on SIGTERM or a `stop` line on stdin
 * stops the node and prints `{"event":"stopped","stored":…,"kept":…}` (instances of the series).
 * Every 500 ms it prints `{"event":"memory",…}` with process.memoryUsage().
 */
import { createInterface } from 'node:readline';
import { startNode } from '../src/app/node.js';
import type { ScpTransport } from '../src/net/types.js';
import { countBySeries } from '../src/provenance/instances.js';
import { createLogger } from '../src/shared/log.js';
import { errorMessage } from '../src/shared/errors.js';

type Transport = 'dcmjs-dimse' | 'dicom-dimse-native';

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const [configDir, seriesUid, transportArg] = process.argv.slice(2);
  if (!configDir || !seriesUid) throw new Error('usage: ingest-node-child.ts <configDir> <seriesUid> [transport]');
  const transport = (transportArg ?? 'dcmjs-dimse') as Transport;
  const log = createLogger({ level: 'warn', destination: 2 });
  const node = await startNode({ configDir, log });

  const listener: ScpTransport | undefined = node.listeners.find((l) => l.kind === transport);
  if (!listener) throw new Error(`no ${transport} listener`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const stored = countBySeries(node.db, seriesUid, 'stored');
    const kept = countBySeries(node.db, seriesUid);
    await node.stop();
    say({ event: 'stopped', stored, kept });
    // dicom-dimse-native's DCMTK listener thread cannot be stopped, and with it process.exit() can
    // hang; the parent kills this process if it has not exited shortly after this line.
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'stop') void stop();
  });
  // The node's own view of its memory, so the parent can tell V8 heap from buffers and native memory.
  setInterval(() => {
    const m = process.memoryUsage();
    say({ event: 'memory', heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss });
  }, 500).unref();
  say({ event: 'ready', port: listener.port(), transport: listener.kind, pid: process.pid });
}

main().catch((err: unknown) => {
  process.stderr.write(`ingest-node-child: ${errorMessage(err)}\n`);
  process.exit(1);
});
