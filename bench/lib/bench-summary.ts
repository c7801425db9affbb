/**
 * The summary of one `npm run bench`: every goal of issue 15 as measured value, reference measured
 * in the same run, ratio, target and verdict; which benchmarks ran and how they ended; the run's
 * conditions; and the GPU table when the run was given a device run's results. Pure: the run's
 * files come in already read (bench/run.ts).
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { BenchmarkName } from './benchmark-catalogue.js';
import { GOALS, meets, type Goal, type RunResults } from './bench-goals.js';
import { checkResult, GpuEngineResult, TorchResult } from './bench-result-schemas.js';
import type { BenchmarkOutcome, BenchRun, GpuRunInput, RunConditions } from './bench-run.js';

/**
 * met / not met: measured against the target; reported: measured, no target set; failed: the
 * benchmark exited non-zero without a usable result; no result: it ended well but its result lacks
 * the figure; not run: not selected, or no GPU results given.
 */
export type Verdict = 'met' | 'not met' | 'reported' | 'failed' | 'no result' | 'not run';

export interface GoalRow {
  goal: string;
  source: BenchmarkName | 'gpu';
  measured: string;
  reference: string;
  ratio?: number;
  ratioOf: string;
  ratioAs: 'times' | 'percent';
  target: string;
  verdict: Verdict;
  /** Why there is no measurement. */
  note?: string;
}

export interface BenchmarkRow {
  name: BenchmarkName;
  status: 'ok' | 'failed' | 'not run';
  /** Exit code or signal of a failed benchmark. */
  detail?: string;
  seconds?: number;
  /** Markdown reports it wrote in this run. */
  reports: string[];
}

export interface GpuTable {
  dir: string;
  writtenAt?: string;
  device: string;
  software: string;
  calls: Array<{ batch: number; onnxruntimeMs: number; torchMs?: number; torchOverOnnxruntime?: number }>;
  slices: Array<{ label: string; networkSteps: number; msPerSlice: number; modelMsPerSlice: number; outsideShare: number | null }>;
}

export interface BenchSummary {
  conditions: RunConditions;
  benchmarks: BenchmarkRow[];
  goals: GoalRow[];
  gpu: GpuTable | { notMeasured: string };
}

function failure(b: BenchmarkOutcome): string | undefined {
  if (!b.ran) return undefined;
  if (b.signal) return `killed by ${b.signal}`;
  if (b.exitCode !== 0) return `exit code ${b.exitCode ?? 'unknown'}`;
  return undefined;
}

function resultsOf(run: BenchRun): RunResults {
  return {
    file<T extends TSchema>(benchmark: BenchmarkName, name: RegExp, schema: T): Static<T> | string {
      const b = run.benchmarks.find((x) => x.name === benchmark);
      const f = b?.files.find((x) => x.name.endsWith('.json') && name.test(x.name.replace(/\.json$/, '')));
      if (!f) return 'no result file written in this run';
      if (f.readError) return `${f.name}: ${f.readError}`;
      const c = checkResult(schema, f.json);
      return c.ok ? c.value : `${f.name} not as expected: ${c.problem}`;
    },
    gpu<T extends TSchema>(part: 'engine' | 'torch', schema: T): Static<T> | string {
      const g = run.gpu;
      if (!g) return 'no GPU results given';
      if (g.readError) return g.readError;
      const c = checkResult(schema, part === 'engine' ? g.engine : g.torch);
      return c.ok ? c.value : `${g.dir}: ${part === 'engine' ? 'engine-gpu.json' : 'torch.json'} not as expected: ${c.problem}`;
    },
  };
}

function goalRow(goal: Goal, run: BenchRun, results: RunResults): GoalRow {
  const base = { goal: goal.goal, source: goal.source, ratioOf: goal.ratioOf, ratioAs: goal.ratioAs, target: goal.target?.text ?? '—', measured: '—', reference: '—' };
  const bench = goal.source === 'gpu' ? undefined : run.benchmarks.find((b) => b.name === goal.source);
  if (goal.source === 'gpu' ? !run.gpu : !bench?.ran) {
    return { ...base, verdict: 'not run', note: goal.source === 'gpu' ? 'no GPU results given' : 'not selected' };
  }
  const m = goal.read(results);
  if (typeof m === 'string') {
    const failed = bench && failure(bench);
    return { ...base, verdict: failed ? 'failed' : 'no result', note: failed ? `benchmark failed (${failed}); ${m}` : m };
  }
  const ok = meets(goal, m);
  return { ...base, measured: m.measured, reference: m.reference, ratio: m.ratio, verdict: ok === undefined ? 'reported' : ok ? 'met' : 'not met' };
}

function gpuTable(g: GpuRunInput | undefined): BenchSummary['gpu'] {
  if (!g) {
    return { notMeasured: 'Not measured in this run: no GPU results given. On a device: bench/gpu/README.md, then `npm run bench -- --gpu <its output folder>`.' };
  }
  if (g.readError) return { notMeasured: `Not measured: ${g.readError}` };
  const e = checkResult(GpuEngineResult, g.engine);
  if (!e.ok) return { notMeasured: `Not measured: ${g.dir}/engine-gpu.json not as expected: ${e.problem}` };
  const t = checkResult(TorchResult, g.torch);
  const torch = t.ok ? t.value : undefined;
  const model = e.value.engine?.model ?? 'adm256-fp16-io32';
  const calls = (e.value.models.find((m) => m.id === model)?.calls ?? []).map((c) => {
    const torchMs = torch?.fp16Ms[String(c.batch)];
    return { batch: c.batch, onnxruntimeMs: c.medianMs, torchMs, torchOverOnnxruntime: torchMs === undefined ? undefined : torchMs / c.medianMs };
  });
  const device = g.gpuCsv?.trim().split('\n')[1]?.trim() ?? 'GPU (no gpu.csv)';
  return {
    dir: g.dir,
    writtenAt: g.writtenAt,
    device,
    software: `node ${e.value.node}, onnxruntime-node ${e.value.onnxruntime}, model ${model}${torch ? `, PyTorch ${torch.torch}` : ', no PyTorch reference'}`,
    calls,
    slices: (e.value.engine?.slices ?? []).map((s) => ({ label: s.label, networkSteps: s.networkSteps, msPerSlice: s.msPerSlice, modelMsPerSlice: s.modelMsPerSlice, outsideShare: s.outsideShare })),
  };
}

export function summariseRun(run: BenchRun): BenchSummary {
  const results = resultsOf(run);
  return {
    conditions: run.conditions,
    benchmarks: run.benchmarks.map((b) => {
      const failed = failure(b);
      const reports = b.files.filter((f) => f.name.endsWith('.md')).map((f) => f.name);
      return b.ran ? { name: b.name, status: failed ? 'failed' : 'ok', detail: failed, seconds: b.seconds, reports } : { name: b.name, status: 'not run', reports };
    }),
    goals: GOALS.map((g) => goalRow(g, run, results)),
    gpu: gpuTable(run.gpu),
  };
}
