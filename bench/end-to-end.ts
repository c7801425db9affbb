/**
 * End to end (a benchmark, not a test): last instance acknowledged → derived series delivered.
 *   npx tsx bench/end-to-end.ts [--slices N] [--size PX]     (also run by `npm run bench`)
 * A node with the shipped model and the default CT preset receives a series from DCMTK storescu and
 * sends its enhanced derived series to Orthanc (both on loopback). The latency is split with the
 * node's own records (instances.received_at, jobs created/started/finished, deliveries.delivered_at);
 * the reference measured in the same run is the engine's time for the same slices (the derivations'
 * timings), so the ratio shows what the rest of the pipeline costs. Cases: the sample study
 * sample-studies/ct5n and a phantom CT series (default 20 × 512²).
 * Writes bench/results/<date>-end-to-end-<host>.md and .json.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { parseJsonColumn } from '../src/provenance/json-column.js';
import { storescu } from '../test/helpers/dcmtk.js';
import { startOrthanc } from '../test/helpers/orthanc.js';
import { freePort } from '../test/helpers/ports.js';
import { removeDir, SAMPLES, startTestNode, waitForIdle, writeTestConfig } from '../test/e2e/node-harness.js';
import { ensurePhantomSet } from './lib/phantom-set.js';

const { values } = parseArgs({ options: { slices: { type: 'string', default: '20' }, size: { type: 'string', default: '512' } } });
const QUIET_SECONDS = 1;
// The CT preset as shipped in config/node.yaml, under its own name.
const PRESET = 'ct-default';
const shippedPreset = (parse(readFileSync(join(import.meta.dirname, '..', 'config', 'node.yaml'), 'utf8')) as { presets: Record<string, unknown> }).presets[PRESET];
const presetYaml = `  ${PRESET}:\n${stringify(shippedPreset).trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}`;
const phantom = await ensurePhantomSet(join(tmpdir(), `unimie-bench-phantom-${values.slices}-${values.size}`), { slices: Number(values.slices), size: Number(values.size), seed: 11 });
const dcmFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort().map((f) => join(dir, f));
const cases = [
  { label: 'sample study ct5n (5 × 16²)', files: dcmFiles(join(SAMPLES, 'ct5n')) },
  { label: `phantom CT (${values.slices} × ${values.size}²)`, files: dcmFiles(phantom.dir) },
];

interface Row { label: string; slices: number; delivered: number; sendSeconds: number; latency: number; window: number; queue: number; processing: number; delivery: number; engine: number }
const rows: Row[] = [];
const orthanc = await startOrthanc();
try {
  for (const c of cases) {
    const port = await freePort();
    const configDir = writeTestConfig({
      port,
      transport: 'dcmjs-dimse',
      quietSeconds: QUIET_SECONDS,
      enhance: PRESET,
      presetYaml,
      pacs: { aeTitle: orthanc.aeTitle, port: orthanc.dicomPort },
    });
    const node = await startTestNode(configDir);
    try {
      const t0 = Date.now();
      const sent = await storescu({ port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, c.files);
      if (sent.rc !== 0) throw new Error(`storescu failed: ${sent.stderr}`);
      const sendSeconds = (Date.now() - t0) / 1000;
      await waitForIdle(node, 600_000);
      const lastReceived = (node.db.prepare('SELECT max(received_at) AS t FROM instances').get() as { t: number }).t;
      const job = node.db.prepare('SELECT id, state, created_at, started_at, finished_at FROM jobs ORDER BY id DESC LIMIT 1').get() as { id: number; state: string; created_at: number; started_at: number; finished_at: number };
      if (job.state !== 'done') throw new Error(`job ${job.id} ended ${job.state}`);
      const d = node.db.prepare("SELECT count(*) AS n, max(delivered_at) AS t FROM deliveries WHERE job_id = ? AND state = 'done'").get(job.id) as { n: number; t: number };
      const timings = (node.db.prepare('SELECT timings_json FROM derivations WHERE job_id = ?').all(job.id) as Array<{ timings_json: string | null }>).map((r) => (parseJsonColumn(r.timings_json) ?? {}) as { totalMs?: number });
      const engine = timings.reduce((s, t) => s + (t.totalMs ?? 0), 0) / 1000;
      const row: Row = { label: c.label, slices: c.files.length, delivered: d.n, sendSeconds, latency: (d.t - lastReceived) / 1000, window: (job.created_at - lastReceived) / 1000, queue: (job.started_at - job.created_at) / 1000, processing: (job.finished_at - job.started_at) / 1000, delivery: (d.t - job.finished_at) / 1000, engine };
      rows.push(row);
      console.log(`${c.label}: ${row.latency.toFixed(2)} s from the last instance to the last derived object delivered (engine ${engine.toFixed(2)} s)`);
    } finally {
      await node.stop();
      removeDir(configDir);
    }
  }
} finally {
  await orthanc.stop();
}

const date = new Date().toISOString().slice(0, 10);
mkdirSync(join('bench', 'results'), { recursive: true });
const stem = join('bench', 'results', `${date}-end-to-end-${hostname()}`);
writeFileSync(`${stem}.json`, JSON.stringify({ date, host: hostname(), quietSeconds: QUIET_SECONDS, rows }, null, 2));
const s = (x: number) => x.toFixed(2);
writeFileSync(
  `${stem}.md`,
  [
    `# End to end — ${date}`,
    '',
    `Host ${hostname()}. DCMTK storescu → node (dcmjs-dimse listener, shipped model, the shipped CT preset \`${PRESET}\` of config/node.yaml, soft-tissue window, Secondary Capture RGB) → Orthanc, all on loopback. Series completion window (quietSeconds) ${QUIET_SECONDS} s. Times from the node's own records (millisecond clock).`,
    '',
    '| case | slices | derived delivered | last instance → last derived delivered, s | of which: completion window | queue | render + enhance + derive | delivery | engine (reference, same run) | latency / engine |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.label} | ${r.slices} | ${r.delivered} | ${s(r.latency)} | ${s(r.window)} | ${s(r.queue)} | ${s(r.processing)} | ${s(r.delivery)} | ${s(r.engine)} | ${(r.latency / r.engine).toFixed(2)} |`),
    '',
  ].join('\n'),
);
console.log(`wrote ${stem}.md`);
