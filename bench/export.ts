/**
 * Export throughput (a benchmark, not a test):
 *   npx tsx bench/export.ts [--slices N] [--size PX] [--rounds R] [--peers storescp,orthanc]   (also run by `npm run bench`)
 * The same phantom CT files sent to the same peer by our SCU (dcmjs-dimse, one association), by
 * the node's delivery worker (the same SCU fed from a SQLite queue, a row updated per response)
 * and by DCMTK's storescu (the reference, same run), for each peer:
 * DCMTK storescp (`--ignore`: files discarded) and Orthanc (emptied before each round, so each
 * round stores every object). DCMTK peers and storescu get TCP_NODELAY.
 * One unmeasured warm-up round per sender, then R rounds in which our SCU and storescu run back to
 * back (alternating which goes first), so each round's ratio compares the two under the same load
 * of this shared machine; the result is the median of the rounds' ratios (the best rounds are
 * reported too). Besides wall time, the CPU time of the sending process (ours: this process during
 * the send; storescu: from /usr/bin/time), which a busy machine disturbs less. Neither peer accepts
 * an asynchronous operations window (PS3.7 D.3.3.3): both senders wait for each C-STORE-RSP
 * before the next request.
 * Writes bench/results/<date>-export-<host>.md and .json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { readPart10 } from '../src/dicom/part10.js';
import { DeliveryWorker } from '../src/export/delivery-worker.js';
import { createDimseScuTransport } from '../src/export/transports/dimse-scu.js';
import { createScu } from '../src/net/create-transport.js';
import { openDatabase } from '../src/provenance/database.js';
import { countDeliveriesByState, enqueueDelivery } from '../src/provenance/deliveries.js';
import type { RemoteNode, StoreItem } from '../src/net/types.js';
import { startStoreScp } from '../test/helpers/dcmtk.js';
import { freePort } from '../test/helpers/ports.js';
import { startOrthanc } from '../test/helpers/orthanc.js';
import { ensurePhantomSet } from './lib/phantom-set.js';

const { values } = parseArgs({
  options: {
    slices: { type: 'string', default: '200' },
    size: { type: 'string', default: '512' },
    rounds: { type: 'string', default: '7' },
    peers: { type: 'string', default: 'storescp,orthanc' },
  },
});
const rounds = Number(values.rounds);
const slices = Number(values.slices);
const size = Number(values.size);
const peerNames = values.peers.split(',').map((p) => p.trim());
const set = await ensurePhantomSet(join(tmpdir(), `unimie-bench-phantom-${slices}-${size}`), { slices, size, seed: 7 });
const files = readdirSync(set.dir).filter((f) => f.endsWith('.dcm')).sort().map((f) => join(set.dir, f));
const items: StoreItem[] = files.map((path) => {
  const { meta } = readPart10(readFileSync(path), { untilPixelData: true });
  return { path, sopClassUid: String(meta.MediaStorageSOPClassUID), sopInstanceUid: String(meta.MediaStorageSOPInstanceUID), transferSyntaxUid: String(meta.TransferSyntaxUID) };
});
// DCMTK (storescp, Orthanc's network layer, storescu) reads TCP_NODELAY from the environment:
// without it Nagle's algorithm holds back each of its answers until our delayed ACK.
process.env.TCP_NODELAY = '1';
const silent = pino({ level: 'silent' });
const scu = createScu('dcmjs-dimse', { log: silent });
const timeTool = existsSync('/usr/bin/time');

interface Round {
  seconds: number;
  /** CPU seconds (user + system) of the sending process; undefined where it could not be read. */
  cpuSeconds?: number;
}

async function ours(peer: RemoteNode): Promise<Round> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const outcomes = await scu.store(peer, items);
  const cpu = process.cpuUsage(c0);
  const seconds = (performance.now() - t0) / 1000;
  const bad = outcomes.filter((o) => o.status !== 0);
  if (bad.length > 0) throw new Error(`${bad.length} C-STOREs failed (first: ${bad[0]!.status ?? bad[0]!.error})`);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The node's own path: the objects queued in a fresh SQLite file, sent by the delivery worker (one row update per response). */
async function queued(peer: RemoteNode): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'unimie-bench-export-db-'));
  const db = openDatabase(join(dir, 'node.sqlite'));
  try {
    for (const i of items) enqueueDelivery(db, { ...i, destination: 'bench', seriesUid: set.seriesUid }, 0);
    const destination = { ...peer, name: 'bench', kind: 'dimse' as const, maxAttempts: 1, backoff: { initialMs: 1000, maxMs: 1000 } };
    const worker = new DeliveryWorker({ db, transports: { bench: { transport: createDimseScuTransport(scu), destination } }, log: silent, pollMs: 60_000, now: () => 1, batchSize: items.length });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await worker.runOnce();
    const cpu = process.cpuUsage(c0);
    const seconds = (performance.now() - t0) / 1000;
    const done = countDeliveriesByState(db).done;
    if (done !== items.length) throw new Error(`the delivery worker delivered ${done} of ${items.length}`);
    return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function dcmtk(peer: RemoteNode): Round {
  const args = ['-aet', peer.callingAeTitle, '-aec', peer.aeTitle, peer.host, String(peer.port), ...files];
  const t0 = performance.now();
  const r = timeTool ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', 'storescu', ...args], { encoding: 'utf8' }) : spawnSync('storescu', args, { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`storescu failed: ${r.stderr}`);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { seconds, ...(m ? { cpuSeconds: Number(m[1]) + Number(m[2]) } : {}) };
}

/**
 * storescu's own start-up (exec, loading its data dictionary), which its rounds include and a
 * running node does not pay per batch: one file offered to a port nobody listens on, median of 5.
 */
async function storescuStartup(): Promise<number> {
  const port = await freePort();
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    spawnSync('storescu', ['-aet', 'UNIMIE', '-aec', 'NOBODY', '127.0.0.1', String(port), files[0]!], { encoding: 'utf8' });
    runs.push((performance.now() - t0) / 1000);
  }
  return median(runs);
}

interface BenchPeer {
  peer: RemoteNode;
  describe: string;
  /** Makes the peer as it was before the first round (unmeasured). */
  reset: () => Promise<void>;
  stop: () => Promise<void>;
}

async function startPeer(name: string): Promise<BenchPeer> {
  const base = { host: '127.0.0.1', callingAeTitle: 'UNIMIE', timeoutMs: 60_000 };
  if (name === 'storescp') {
    const sink = join(tmpdir(), 'unimie-bench-export-sink');
    mkdirSync(sink, { recursive: true });
    const scp = await startStoreScp({ dir: sink, aeTitle: 'BENCHSCP', extraArgs: ['--ignore'] });
    return { peer: { ...base, aeTitle: 'BENCHSCP', port: scp.port }, describe: 'DCMTK storescp (--ignore, TCP_NODELAY)', reset: async () => {}, stop: () => scp.stop() };
  }
  if (name === 'orthanc') {
    const orthanc = await startOrthanc();
    const auth = 'Basic ' + Buffer.from(`${orthanc.user}:${orthanc.password}`).toString('base64');
    return {
      peer: { ...base, aeTitle: orthanc.aeTitle, port: orthanc.dicomPort },
      describe: 'Orthanc (Debian, TCP_NODELAY; the study deleted before each round, so every round stores all of it)',
      // Orthanc answers a copy it holds more slowly than a new one: every round starts empty.
      reset: async () => {
        for (const id of await orthanc.get<string[]>('/studies')) {
          const res = await fetch(`http://127.0.0.1:${orthanc.httpPort}/studies/${id}`, { method: 'DELETE', headers: { authorization: auth } });
          if (!res.ok) throw new Error(`Orthanc DELETE /studies/${id}: HTTP ${res.status}`);
        }
      },
      stop: () => orthanc.stop(),
    };
  }
  throw new Error(`unknown peer ${name} (storescp, orthanc)`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const best = (rs: Round[]) => Math.min(...rs.map((r) => r.seconds));
const medianSeconds = (rs: Round[]) => median(rs.map((r) => r.seconds));
const medianCpu = (rs: Round[]) => (rs.every((r) => r.cpuSeconds !== undefined) ? median(rs.map((r) => r.cpuSeconds!)) : undefined);
const rate = (s: number) => files.length / s;
const mbps = (s: number) => set.bytes / 2 ** 20 / s;
/** Per round: storescu's time over ours (= our instances/s over storescu's). */
const roundRatios = (ours: Round[], ref: Round[]) => ours.map((o, i) => ref[i]!.seconds / o.seconds);

const startupSeconds = await storescuStartup();
const results = [];
for (const name of peerNames) {
  const { peer, describe, reset, stop } = await startPeer(name);
  const oursRuns: Round[] = [];
  const queuedRuns: Round[] = [];
  const dcmtkRuns: Round[] = [];
  try {
    // Warm-up (not measured): the JIT, the page cache, the peer's first association.
    await reset();
    await ours(peer);
    await reset();
    await queued(peer);
    await reset();
    dcmtk(peer);
    for (let round = 0; round < rounds; round++) {
      // Ours and storescu back to back, the order alternating; the queue after both.
      const pair = round % 2 === 0 ? ['ours', 'storescu'] : ['storescu', 'ours'];
      for (const who of pair) {
        await reset();
        if (who === 'ours') oursRuns.push(await ours(peer));
        else dcmtkRuns.push(dcmtk(peer));
      }
      await reset();
      queuedRuns.push(await queued(peer));
      console.log(
        `${name} round ${round + 1}: ours ${oursRuns.at(-1)!.seconds.toFixed(2)} s, storescu ${dcmtkRuns.at(-1)!.seconds.toFixed(2)} s, through the queue ${queuedRuns.at(-1)!.seconds.toFixed(2)} s`,
      );
    }
  } finally {
    await stop();
  }
  const oursCpu = medianCpu(oursRuns);
  const dcmtkCpu = medianCpu(dcmtkRuns);
  const ratios = roundRatios(oursRuns, dcmtkRuns);
  const queuedRatios = roundRatios(queuedRuns, dcmtkRuns);
  results.push({
    peer: name,
    describe,
    oursSeconds: oursRuns.map((r) => r.seconds),
    storescuSeconds: dcmtkRuns.map((r) => r.seconds),
    queuedSeconds: queuedRuns.map((r) => r.seconds),
    oursCpuSeconds: oursRuns.map((r) => r.cpuSeconds),
    queuedCpuSeconds: queuedRuns.map((r) => r.cpuSeconds),
    storescuCpuSeconds: dcmtkRuns.map((r) => r.cpuSeconds),
    roundRatios: ratios,
    queuedRoundRatios: queuedRatios,
    /** Median over the rounds of storescu's time over ours. */
    ratio: median(ratios),
    /** The same with storescu's start-up taken off each of its rounds. */
    ratioWithoutStartup: median(oursRuns.map((o, i) => (dcmtkRuns[i]!.seconds - startupSeconds) / o.seconds)),
    queuedRatio: median(queuedRatios),
    /** Best round against best round. */
    bestRatio: rate(best(oursRuns)) / rate(best(dcmtkRuns)),
    queuedBestRatio: rate(best(queuedRuns)) / rate(best(dcmtkRuns)),
    cpuRatio: oursCpu !== undefined && dcmtkCpu !== undefined ? dcmtkCpu / oursCpu : undefined,
  });
}

const date = new Date().toISOString().slice(0, 10);
const stem = join('bench', 'results', `${date}-export-${hostname()}`);
const first = results[0]!;
const result = { date, host: hostname(), instances: files.length, bytes: set.bytes, size, rounds, storescuStartupSeconds: startupSeconds, ratio: first.ratio, peers: results };
writeFileSync(`${stem}.json`, JSON.stringify(result, null, 2));
const cpu = (r: Round[]) => {
  const c = medianCpu(r);
  return c === undefined ? '–' : `${(c * 1000).toFixed(0)} ms`;
};
const lines = [
  `# Export — ${date}`,
  '',
  `Host ${hostname()}. ${files.length} phantom CT instances of ${size}² (${(set.bytes / 2 ** 20).toFixed(0)} MiB, Explicit VR LE) on loopback; per peer ${rounds} rounds after a warm-up, our SCU and storescu back to back in each (alternating which goes first). Medians over the rounds; "against storescu" is the median of the rounds' ratios (storescu's time over ours), the best-round ratio beside it. CPU: of the sending process alone (median round).`,
  '',
];
for (const r of results) {
  const o = r.oursSeconds.map((seconds, i) => ({ seconds, cpuSeconds: r.oursCpuSeconds[i] }));
  const q = r.queuedSeconds.map((seconds, i) => ({ seconds, cpuSeconds: r.queuedCpuSeconds[i] }));
  const d = r.storescuSeconds.map((seconds, i) => ({ seconds, cpuSeconds: r.storescuCpuSeconds[i] }));
  const row = (label: string, rs: Round[], ratio: string, bestRatio: string) =>
    `| ${label} | ${medianSeconds(rs).toFixed(3)} | ${best(rs).toFixed(3)} | ${rate(medianSeconds(rs)).toFixed(0)} | ${mbps(medianSeconds(rs)).toFixed(0)} | ${cpu(rs)} | ${ratio} | ${bestRatio} |`;
  lines.push(
    `## Peer: ${r.describe}`,
    '',
    '| sender | median s | best s | instances / s (median) | MiB / s (median) | sender CPU | against storescu (median of rounds) | best against best |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('ours (dcmjs-dimse SCU, one association)', o, `${r.ratio.toFixed(2)}×`, `${r.bestRatio.toFixed(2)}×`),
    row('ours through the delivery worker (SQLite queue, a row per response)', q, `${r.queuedRatio.toFixed(2)}×`, `${r.queuedBestRatio.toFixed(2)}×`),
    row('DCMTK storescu (reference)', d, '1.00×', '1.00×'),
    '',
    `Rounds (s): ours ${r.oursSeconds.map((s) => s.toFixed(3)).join(', ')}; storescu ${r.storescuSeconds.map((s) => s.toFixed(3)).join(', ')}; through the queue ${r.queuedSeconds.map((s) => s.toFixed(3)).join(', ')}.`,
    `Ratios per round (ours): ${r.roundRatios.map((x) => x.toFixed(2)).join(', ')}.` + (r.cpuRatio !== undefined ? ` Sender CPU, storescu against ours: ${r.cpuRatio.toFixed(2)}×.` : ''),
    `storescu's rounds include its start-up, ${(startupSeconds * 1000).toFixed(0)} ms (exec and dictionary, measured against a closed port); without it ours is ${r.ratioWithoutStartup.toFixed(2)}× storescu (median of rounds).`,
    '',
  );
}
writeFileSync(`${stem}.md`, lines.join('\n'));
console.log(`wrote ${stem}.md (${results.map((r) => `${r.peer}: ours ${r.ratio.toFixed(2)}× storescu, median of ${rounds} rounds`).join(', ')})`);
