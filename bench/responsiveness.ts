/**
 * Responsiveness while a series is enhanced (a benchmark, not a test):
 *   npx tsx bench/responsiveness.ts [--slices N] [--size PX]     (also run by `npm run bench`)
 * A node in its own process (bench/responsiveness-node-child.ts) receives a phantom CT series
 * (default 2 × 512²) that a rule enhances with the shipped model. While the enhancement runs, a
 * peer in this process (the project's SCU) sends one small MR instance per association, again and
 * again (a rule drops them once stored), and times each association from A-ASSOCIATE-RQ to the
 * C-STORE response and release; the node samples its own event-loop delay. The same is measured
 * with the node idle, and with the reference: the same engine called on the node's thread (as
 * before the engine thread). Goal: event-loop delay p99 and C-STORE round trip p99 < 50 ms during
 * enhancement, i.e. no worse than idle.
 * Writes bench/results/<date>-responsiveness-<host>.md and .json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { collectStoreItems } from '../src/cli/store-items.js';
import { createScu } from '../src/net/create-transport.js';
import { silentLogger } from '../src/shared/log.js';
import { storescu } from '../test/helpers/dcmtk.js';
import { SAMPLES, writeFolderNodeYaml } from '../test/e2e/node-harness.js';
import { ensurePhantomSet } from './lib/phantom-set.js';

const REPO = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { slices: { type: 'string', default: '2' }, size: { type: 'string', default: '512' } } });
const phantom = await ensurePhantomSet(join(tmpdir(), `unimie-bench-phantom-${values.slices}-${values.size}`), { slices: Number(values.slices), size: Number(values.size), seed: 11 });
const series = readdirSync(phantom.dir).filter((f) => f.endsWith('.dcm')).sort().map((f) => join(phantom.dir, f));
const ping = join(SAMPLES, 'mr-small', readdirSync(join(SAMPLES, 'mr-small')).find((f) => f.endsWith('.dcm'))!);

type Mode = 'thread' | 'in-process';
interface Lag { p50: number; p99: number; max: number; samples: number; wallMs: number }
interface Row { mode: Mode; idleStoreP99: number; storeP50: number; storeP99: number; storeMax: number; stores: number; lag: Lag }

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : Number.NaN;
}

interface Child { port: number; next(event: string): Promise<Record<string, unknown>>; seen(event: string): boolean; proc: ChildProcess }

async function startChild(configDir: string, mode: Mode): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench/responsiveness-node-child.ts'), configDir, mode], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    try {
      messages.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      process.stderr.write(`${line}\n`);
    }
    waiters.splice(0).forEach((w) => w());
  });
  proc.on('exit', () => waiters.splice(0).forEach((w) => w()));
  const next = (event: string): Promise<Record<string, unknown>> =>
    new Promise((res, rej) => {
      const check = (): void => {
        const i = messages.findIndex((m) => m.event === event);
        if (i >= 0) res(messages.splice(i, 1)[0]!);
        else if (proc.exitCode !== null) rej(new Error(`node child exited (${proc.exitCode}) before "${event}"`));
        else waiters.push(check);
      };
      check();
    });
  const ready = await next('ready');
  return { port: Number(ready.port), next, seen: (e) => messages.some((m) => m.event === e), proc };
}

const scu = createScu('dcmjs-dimse', { log: silentLogger });
const pingItems = (await collectStoreItems([ping])).items;

/** The reference blocks the node's thread for the whole enhancement (tens of seconds on a busy machine): a store waits for it rather than time out. */
const STORE_TIMEOUT_MS = 600_000;

/** One association: connect, C-STORE the small instance, release; milliseconds. */
async function storeOnce(port: number): Promise<number> {
  const t0 = performance.now();
  const [outcome] = await scu.store({ aeTitle: 'UNIMIE', host: '127.0.0.1', port, callingAeTitle: 'STORESCU', timeoutMs: STORE_TIMEOUT_MS }, pingItems);
  if (outcome?.status !== 0) throw new Error(`C-STORE failed: ${outcome?.error ?? outcome?.status}`);
  return performance.now() - t0;
}

async function measure(mode: Mode): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-responsive-'));
  writeFolderNodeYaml(dir, { port: 0, presets: { ct: '{ model: embedded }' }, logLevel: 'warn' });
  writeFileSync(
    join(dir, 'rules.yaml'),
    `rules:
  - name: ct
    match: { modality: CT }
    completion: { scope: series, quietSeconds: 1 }
    actions: { windows: [soft-tissue], enhance: ct, output: sc-rgb, destinations: [out] }
  - name: default
    default: true
    actions: { drop: true }
`,
  );
  const child = await startChild(dir, mode);
  try {
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) idle.push(await storeOnce(child.port));
    const sent = await storescu({ port: child.port, callingAeTitle: 'STORESCU', calledAeTitle: 'UNIMIE' }, series);
    if (sent.rc !== 0) throw new Error(`storescu failed: ${sent.stderr}`);
    await child.next('enhance-start');
    const during: number[] = [];
    while (!child.seen('enhance-end')) during.push(await storeOnce(child.port));
    const end = await child.next('enhance-end');
    const lag = { p50: Number(end.p50), p99: Number(end.p99), max: Number(end.max), samples: Number(end.samples), wallMs: Number(end.wallMs) };
    const row: Row = { mode, idleStoreP99: quantile(idle, 0.99), storeP50: quantile(during, 0.5), storeP99: quantile(during, 0.99), storeMax: Math.max(...during), stores: during.length, lag };
    console.log(`${mode}: event loop p99 ${lag.p99.toFixed(1)} ms (max ${lag.max.toFixed(0)}) over ${(lag.wallMs / 1000).toFixed(1)} s of enhancement; C-STORE round trip p99 ${row.storeP99.toFixed(0)} ms (idle ${row.idleStoreP99.toFixed(0)} ms, ${row.stores} stores)`);
    return row;
  } finally {
    child.proc.stdin!.write('stop\n');
    await child.next('stopped').catch(() => undefined);
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [await measure('in-process'), await measure('thread')];
const date = new Date().toISOString().slice(0, 10);
mkdirSync(join(REPO, 'bench', 'results'), { recursive: true });
const stem = join(REPO, 'bench', 'results', `${date}-responsiveness-${hostname()}`);
writeFileSync(`${stem}.json`, JSON.stringify({ date, host: hostname(), slices: series.length, size: Number(values.size), rows }, null, 2));
const f = (x: number) => x.toFixed(1);
const [ref, shipped] = rows as [Row, Row];
writeFileSync(
  `${stem}.md`,
  [
    `# Responsiveness during enhancement — ${date}, ${hostname()}`,
    '',
    `${series.length} phantom CT slices of ${values.size}², default preset on the shipped model, enhanced while a peer (the project's SCU, in the benchmark's process) sends one small instance per association, one association after another; the round trip is the whole association (connect, C-STORE, release). The node samples its own event-loop delay (5 ms resolution) during the enhancement.`,
    '',
    '| engine | enhancement (s) | loop delay p50 (ms) | p99 (ms) | max (ms) | association + C-STORE p50 (ms) | p99 (ms) | idle p99 (ms) | stores |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.mode === 'thread' ? 'engine thread (shipped)' : 'node thread (reference)'} | ${f(r.lag.wallMs / 1000)} | ${f(r.lag.p50)} | ${f(r.lag.p99)} | ${f(r.lag.max)} | ${f(r.storeP50)} | ${f(r.storeP99)} | ${f(r.idleStoreP99)} | ${r.stores} |`),
    '',
    `Engine thread against the reference, same run: loop delay p99 ${f(shipped.lag.p99)} vs ${f(ref.lag.p99)} ms (goal < 50 ms: ${shipped.lag.p99 < 50 ? 'met' : 'not met'}); C-STORE round trip p99 ${f(shipped.storeP99)} vs ${f(ref.storeP99)} ms (goal < 50 ms: ${shipped.storeP99 < 50 ? 'met' : 'not met'}).`,
    '',
  ].join('\n'),
);
console.log(`wrote ${stem}.md`);
