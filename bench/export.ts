/**
 * Export throughput (a benchmark, not a test):
 *   npx tsx bench/export.ts [--slices N] [--size PX]     (also run by `npm run bench`)
 * The same phantom CT files sent to the same DCMTK storescp (TCP_NODELAY, files discarded by
 * `--ignore`) by our SCU (dcmjs-dimse, one association, as the delivery worker sends) and by
 * DCMTK's storescu (the reference, same run). Three alternating rounds; the best of each.
 * Writes bench/results/<date>-export-<host>.md and .json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { readPart10 } from '../src/dicom/part10.js';
import { createScu } from '../src/net/create-transport.js';
import type { StoreItem } from '../src/net/types.js';
import { startStoreScp } from '../test/helpers/dcmtk.js';
import { ensurePhantomSet } from './lib/phantom-set.js';

const { values } = parseArgs({ options: { slices: { type: 'string', default: '200' }, size: { type: 'string', default: '512' } } });
const slices = Number(values.slices);
const size = Number(values.size);
const set = await ensurePhantomSet(join(tmpdir(), `unimie-bench-phantom-${slices}-${size}`), { slices, size, seed: 7 });
const files = readdirSync(set.dir).filter((f) => f.endsWith('.dcm')).sort().map((f) => join(set.dir, f));
const items: StoreItem[] = files.map((path) => {
  const { meta } = readPart10(readFileSync(path), { untilPixelData: true });
  return { path, sopClassUid: String(meta.MediaStorageSOPClassUID), sopInstanceUid: String(meta.MediaStorageSOPInstanceUID), transferSyntaxUid: String(meta.TransferSyntaxUID) };
});
const sink = join(tmpdir(), 'unimie-bench-export-sink');
mkdirSync(sink, { recursive: true });
// DCMTK reads TCP_NODELAY from the environment: without it Nagle's algorithm stalls its side.
process.env.TCP_NODELAY = '1';
const scp = await startStoreScp({ dir: sink, aeTitle: 'BENCHSCP', extraArgs: ['--ignore'] });
const scu = createScu('dcmjs-dimse', { log: pino({ level: 'silent' }) });
const peer = { aeTitle: 'BENCHSCP', host: '127.0.0.1', port: scp.port, callingAeTitle: 'UNIMIE', timeoutMs: 60_000 };

async function ours(): Promise<number> {
  const t0 = performance.now();
  const outcomes = await scu.store(peer, items);
  const bad = outcomes.filter((o) => o.status !== 0);
  if (bad.length > 0) throw new Error(`${bad.length} C-STOREs failed (first: ${bad[0]!.status ?? bad[0]!.error})`);
  return (performance.now() - t0) / 1000;
}
function dcmtk(): number {
  const t0 = performance.now();
  const r = spawnSync('storescu', ['-aet', 'UNIMIE', '-aec', 'BENCHSCP', '127.0.0.1', String(scp.port), ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`storescu failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

const oursRuns: number[] = [];
const dcmtkRuns: number[] = [];
for (let round = 0; round < 3; round++) {
  oursRuns.push(await ours());
  dcmtkRuns.push(dcmtk());
  console.log(`round ${round + 1}: ours ${oursRuns.at(-1)!.toFixed(2)} s, storescu ${dcmtkRuns.at(-1)!.toFixed(2)} s`);
}
await scp.stop();
const best = (a: number[]) => Math.min(...a);
const rate = (s: number) => files.length / s;
const mbps = (s: number) => set.bytes / 2 ** 20 / s;
const date = new Date().toISOString().slice(0, 10);
const stem = join('bench', 'results', `${date}-export-${hostname()}`);
const result = { date, host: hostname(), instances: files.length, bytes: set.bytes, size, oursSeconds: oursRuns, storescuSeconds: dcmtkRuns, ratio: rate(best(oursRuns)) / rate(best(dcmtkRuns)) };
writeFileSync(`${stem}.json`, JSON.stringify(result, null, 2));
writeFileSync(
  `${stem}.md`,
  [
    `# Export — ${date}`,
    '',
    `Host ${hostname()}. ${files.length} phantom CT instances of ${size}² (${(set.bytes / 2 ** 20).toFixed(0)} MiB, Explicit VR LE) to DCMTK storescp (--ignore, TCP_NODELAY) on loopback; best of 3 alternating rounds.`,
    '',
    '| sender | s | instances / s | MiB / s | against storescu |',
    '|---|---:|---:|---:|---:|',
    `| ours (dcmjs-dimse SCU, one association) | ${best(oursRuns).toFixed(2)} | ${rate(best(oursRuns)).toFixed(0)} | ${mbps(best(oursRuns)).toFixed(0)} | ${result.ratio.toFixed(2)}× |`,
    `| DCMTK storescu (reference) | ${best(dcmtkRuns).toFixed(2)} | ${rate(best(dcmtkRuns)).toFixed(0)} | ${mbps(best(dcmtkRuns)).toFixed(0)} | 1.00× |`,
    '',
  ].join('\n'),
);
console.log(`wrote ${stem}.md (ours ${result.ratio.toFixed(2)}× storescu)`);
