/**
 * The goals of issue 15 ("Done when", and the figures its items name), each read from the result
 * of one benchmark of the run and set against a reference measured in the same run.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { BenchmarkName } from './benchmark-catalogue.js';
import { ExportResult, GpuEngineResult, IngestResult, ResponsivenessResult, StepGraphResult, TorchResult, VitestResult } from './bench-result-schemas.js';
import { median } from './ingest-report.js';

/** Where results come from; a string is why there is none. */
export interface RunResults {
  file<T extends TSchema>(benchmark: BenchmarkName, name: RegExp, schema: T): Static<T> | string;
  gpu<T extends TSchema>(part: 'engine' | 'torch', schema: T): Static<T> | string;
}

export interface Measurement {
  /** The number the target is judged on when the target is on the measured value. */
  value: number;
  measured: string;
  reference: string;
  ratio?: number;
}

export interface Goal {
  source: BenchmarkName | 'gpu';
  goal: string;
  /** How the ratio is formed. */
  ratioOf: string;
  ratioAs: 'times' | 'percent';
  /** Judged on the ratio or on the measured value; absent: reported, no goal. */
  target?: { on: 'ratio' | 'value'; op: '≥' | '≤' | '<'; limit: number; text: string };
  read(results: RunResults): Measurement | string;
}

const MiB = 2 ** 20;
export const fmtMs = (ms: number): string => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`);
export const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const ips = (x: number): string => `${x.toFixed(1)} instances/s`;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;
const bad = (x: unknown): x is string => typeof x === 'string';

const STEP_GRAPH = /-step-graph-cpu$/;
const STEP_CASE = '512² 25 network steps';
function stepGraphRow(results: RunResults) {
  const r = results.file('engine', STEP_GRAPH, StepGraphResult);
  if (bad(r)) return r;
  return r.rows.find((x) => x.label === STEP_CASE && x.path === 'graph') ?? `no "${STEP_CASE}" row with the step graph`;
}

function responsivenessRow(results: RunResults, mode: 'thread' | 'in-process') {
  const r = results.file('responsiveness', /-responsiveness-/, ResponsivenessResult);
  if (bad(r)) return r;
  return r.rows.find((x) => x.mode === mode) ?? `no ${mode} row`;
}

type IngestCase = IngestResult['throughput'][number];
const assoc = (c: IngestCase): number => c.associations ?? 1;
/** Instances per second of a case (median of its runs), as bench/lib/ingest-report.ts reports it. */
function ingestRate(results: RunResults, pick: (c: IngestCase) => boolean, what: string): { rate: number; name: string } | string {
  const r = results.file('ingest', /-ingest-/, IngestResult);
  if (bad(r)) return r;
  const c = r.throughput.find(pick);
  if (!c) return `no ${what} case`;
  if (c.runs.length === 0) return `${what}: ${c.unavailable ?? 'no runs'}`;
  return { rate: r.instances / median(c.runs.map((x) => x.seconds)), name: c.name };
}
const ourReceiver = (n: number) => (c: IngestCase): boolean => c.name.includes('dcmjs-dimse') && !c.reference && assoc(c) === n;
const referenceReceiver = (ref: 'storescp' | 'orthanc') => (c: IngestCase) => c.reference === ref && assoc(c) === 1;

function ingestAgainst(reference: 'storescp' | 'orthanc', label: string): (results: RunResults) => Measurement | string {
  return (results) => {
    const ours = ingestRate(results, ourReceiver(1), 'node (dcmjs-dimse), one association');
    const ref = ingestRate(results, referenceReceiver(reference), label);
    if (bad(ours)) return ours;
    if (bad(ref)) return ref;
    const ratio = ours.rate / ref.rate;
    return { value: ratio, ratio, measured: ips(ours.rate), reference: `${label} ${ips(ref.rate)}` };
  };
}

/**
 * Export to the given peer, ours against storescu: as bench/export.ts reports it, the median over
 * the rounds of each round's ratio (the two senders ran back to back in a round, under the same load).
 */
function exportAgainst(peer: string): (results: RunResults) => Measurement | string {
  return (results) => {
    const r = results.file('export', /-export-/, ExportResult);
    if (bad(r)) return r;
    const p = r.peers.find((x) => x.peer === peer);
    if (!p) return `no rounds against ${peer}`;
    const rounds = Math.min(p.oursSeconds.length, p.storescuSeconds.length);
    if (rounds === 0) return `no complete round against ${peer}`;
    const ratio = median(p.oursSeconds.slice(0, rounds).map((ours, i) => p.storescuSeconds[i]! / ours));
    return { value: ratio, ratio, measured: ips(r.instances / median(p.oursSeconds)), reference: `DCMTK storescu ${ips(r.instances / median(p.storescuSeconds))}` };
  };
}

/** A 512² slice through the engine on the GPU: the step-graph row (or the only row of runs before it). */
function gpuSlice(results: RunResults, prefix: string) {
  const e = results.gpu('engine', GpuEngineResult);
  if (bad(e)) return e;
  const rows = (e.engine?.slices ?? []).filter((s) => s.label.startsWith(prefix));
  return rows.find((s) => s.stepPath === 'graph') ?? rows.find((s) => s.stepPath === undefined) ?? `no "${prefix}" slice with the step graph`;
}
function gpuSliceGoal(prefix: string): (results: RunResults) => Measurement | string {
  return (results) => {
    const s = gpuSlice(results, prefix);
    if (bad(s)) return s;
    return { value: s.msPerSlice, ratio: s.msPerSlice / s.modelMsPerSlice, measured: fmtS(s.msPerSlice), reference: `model calls ${fmtS(s.modelMsPerSlice)}` };
  };
}

export const GOALS: Goal[] = [
  {
    source: 'engine',
    goal: `CPU engine, ${STEP_CASE}, embedded model, step graph: time outside the network`,
    ratioOf: 'outside the network / engine wall time',
    ratioAs: 'percent',
    target: { on: 'ratio', op: '≤', limit: 0.05, text: '≤ 5 %' },
    read: (results) => {
      const r = stepGraphRow(results);
      if (bad(r)) return r;
      const outside = r.msPerSlice - r.modelMs;
      return { value: outside, ratio: outside / r.msPerSlice, measured: fmtMs(outside), reference: `engine ${fmtS(r.msPerSlice)} a slice` };
    },
  },
  {
    source: 'engine',
    goal: `CPU engine, ${STEP_CASE}, step graph: the sampler's own JavaScript`,
    ratioOf: 'sampler JavaScript / engine wall time',
    ratioAs: 'percent',
    read: (results) => {
      const r = stepGraphRow(results);
      if (bad(r)) return r;
      return { value: r.samplerJsMs, ratio: r.samplerJsMs / r.msPerSlice, measured: fmtMs(r.samplerJsMs), reference: `engine ${fmtS(r.msPerSlice)} a slice` };
    },
  },
  {
    source: 'responsiveness',
    goal: 'Event-loop delay p99 while a 512² series is enhanced (engine thread)',
    ratioOf: 'engine thread / engine on the node thread',
    ratioAs: 'times',
    target: { on: 'value', op: '<', limit: 50, text: '< 50 ms' },
    read: (results) => {
      const t = responsivenessRow(results, 'thread');
      const ref = responsivenessRow(results, 'in-process');
      if (bad(t)) return t;
      if (bad(ref)) return ref;
      return { value: t.lag.p99, ratio: t.lag.p99 / ref.lag.p99, measured: fmtMs(t.lag.p99), reference: `engine on the node thread ${fmtMs(ref.lag.p99)}` };
    },
  },
  {
    source: 'responsiveness',
    goal: 'Association + C-STORE round trip p99 during enhancement (engine thread)',
    ratioOf: 'during enhancement / idle',
    ratioAs: 'times',
    target: { on: 'value', op: '<', limit: 50, text: '< 50 ms' },
    read: (results) => {
      const t = responsivenessRow(results, 'thread');
      if (bad(t)) return t;
      return { value: t.storeP99, ratio: t.storeP99 / t.idleStoreP99, measured: `${fmtMs(t.storeP99)} (${t.stores} stores)`, reference: `idle ${fmtMs(t.idleStoreP99)}` };
    },
  },
  {
    source: 'ingest',
    goal: 'Ingest, one association: our SCP against DCMTK storescp',
    ratioOf: 'ours / storescp (instances/s)',
    ratioAs: 'times',
    target: { on: 'ratio', op: '≥', limit: 1.0, text: '≥ 1.0×' },
    read: ingestAgainst('storescp', 'storescp'),
  },
  {
    source: 'ingest',
    goal: 'Ingest, one association: our SCP against Orthanc',
    ratioOf: 'ours / Orthanc (instances/s)',
    ratioAs: 'times',
    target: { on: 'ratio', op: '≥', limit: 1.5, text: '≥ 1.5×' },
    read: ingestAgainst('orthanc', 'Orthanc'),
  },
  {
    source: 'ingest',
    goal: 'Ingest, parallel associations against one (our SCP)',
    ratioOf: 'several associations / one (instances/s)',
    ratioAs: 'times',
    target: { on: 'ratio', op: '≥', limit: 2.0, text: '≥ 2×' },
    read: (results) => {
      const r = results.file('ingest', /-ingest-/, IngestResult);
      if (bad(r)) return r;
      const k = Math.max(...r.throughput.filter((c) => c.name.includes('dcmjs-dimse') && !c.reference).map(assoc));
      if (k <= 1) return 'no case with several associations';
      const one = ingestRate(results, ourReceiver(1), 'node, one association');
      const many = ingestRate(results, ourReceiver(k), `node, ${k} associations`);
      if (bad(one)) return one;
      if (bad(many)) return many;
      return { value: many.rate / one.rate, ratio: many.rate / one.rate, measured: `${k} associations ${ips(many.rate)}`, reference: `one ${ips(one.rate)}` };
    },
  },
  {
    source: 'ingest',
    goal: 'Ingest, peak RSS of the node receiving a large study',
    ratioOf: 'peak / idle RSS',
    ratioAs: 'times',
    read: (results) => {
      const r = results.file('ingest', /-ingest-/, IngestResult);
      if (bad(r)) return r;
      if (!r.memory) return 'memory study not run';
      const { idleRss, peakRss } = r.memory.run;
      return { value: peakRss, ratio: peakRss / idleRss, measured: `${mib(peakRss)} (${r.memory.instances} instances)`, reference: `idle ${mib(idleRss)}` };
    },
  },
  {
    source: 'export',
    goal: 'Export to DCMTK storescp: our SCU against storescu, same objects',
    ratioOf: 'ours / storescu (instances/s), median of the rounds',
    ratioAs: 'times',
    target: { on: 'ratio', op: '≥', limit: 0.9, text: '≥ 0.9×' },
    read: exportAgainst('storescp'),
  },
  {
    source: 'export',
    goal: 'Export to Orthanc: our SCU against storescu, same objects',
    ratioOf: 'ours / storescu (instances/s), median of the rounds',
    ratioAs: 'times',
    read: exportAgainst('orthanc'),
  },
  {
    source: 'crash-torture',
    goal: 'Crash torture (SIGKILL while studies arrive): acknowledged instances lost, objects stored twice',
    ratioOf: '—',
    ratioAs: 'times',
    target: { on: 'value', op: '≤', limit: 0, text: '0 lost / 0 duplicated' },
    read: (results) => {
      const r = results.file('crash-torture', /-crash-torture-/, VitestResult);
      if (bad(r)) return r;
      const torture = r.testResults.flatMap((f) => f.assertionResults).filter((a) => a.fullName.startsWith('crash torture'));
      if (torture.length === 0 || torture.some((a) => a.status !== 'passed' && a.status !== 'failed')) return 'the crash torture test did not run';
      const failed = torture.filter((a) => a.status === 'failed');
      const studies = /during (\d+) studies/.exec(torture[0]!.fullName)?.[1];
      const measured = failed.length === 0 ? '0 lost, 0 duplicated (the test passed)' : `test failed: ${failed[0]!.failureMessages[0]?.split('\n')[0] ?? 'no message'}`;
      return { value: failed.length, measured, reference: studies ? `${studies} studies` : '—' };
    },
  },
  {
    source: 'gpu',
    goal: 'GPU, 512² slice, default preset',
    ratioOf: 'engine wall / model calls',
    ratioAs: 'times',
    target: { on: 'value', op: '≤', limit: 300, text: '≤ 0.3 s' },
    read: gpuSliceGoal('512² default preset'),
  },
  {
    source: 'gpu',
    goal: 'GPU, 512² slice, 25 network steps',
    ratioOf: 'engine wall / model calls',
    ratioAs: 'times',
    target: { on: 'value', op: '≤', limit: 3500, text: '≤ 3.5 s' },
    read: gpuSliceGoal('512² 25 network steps, 9 patches per call'),
  },
  {
    source: 'gpu',
    goal: 'GPU model call of 9 patches (one 512² step): onnxruntime against PyTorch fp16',
    ratioOf: 'PyTorch fp16 ms / onnxruntime ms',
    ratioAs: 'times',
    target: { on: 'ratio', op: '≥', limit: 1.0, text: 'at or below PyTorch fp16 (≥ 1.0×)' },
    read: (results) => {
      const e = results.gpu('engine', GpuEngineResult);
      const t = results.gpu('torch', TorchResult);
      if (bad(e)) return e;
      if (bad(t)) return t;
      const model = e.engine?.model ?? 'adm256-fp16-io32';
      const ort = e.models.find((m) => m.id === model)?.calls?.find((c) => c.batch === 9);
      const torch = t.fp16Ms['9'];
      if (!ort) return `no 9-patch call of ${model}`;
      if (torch === undefined) return 'no 9-patch PyTorch call';
      return { value: ort.medianMs, ratio: torch / ort.medianMs, measured: `${model} ${fmtMs(ort.medianMs)}`, reference: `PyTorch fp16 ${fmtMs(torch)}` };
    },
  },
];

/** Whether a measurement meets its goal's target; undefined where the goal sets none. */
export function meets(goal: Goal, m: Measurement): boolean | undefined {
  const t = goal.target;
  if (!t) return undefined;
  const x = t.on === 'ratio' ? m.ratio : m.value;
  if (x === undefined || !Number.isFinite(x)) return false;
  return t.op === '≥' ? x >= t.limit : t.op === '≤' ? x <= t.limit : x < t.limit;
}
