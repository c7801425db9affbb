/**
 * The `npm run bench` summary (bench/lib/bench-summary.ts) from result files in the shapes the
 * benchmarks write (test/bench/fixtures/bench-summary: the 2026-12-06 CPU results and the
 * 2026-11-26 H100 device run, trimmed): every goal's ratio the right way round, failed and
 * unselected benchmarks shown as such, the GPU table or the line that it was not measured.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCHMARK_NAMES, type BenchmarkName } from '../../bench/lib/benchmark-catalogue.js';
import type { BenchmarkOutcome, BenchRun, GpuRunInput } from '../../bench/lib/bench-run.js';
import { renderSummaryMarkdown } from '../../bench/lib/bench-summary-md.js';
import { summariseRun, type BenchSummary, type GoalRow } from '../../bench/lib/bench-summary.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'bench-summary');
const json = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const clone = <T>(x: T): T => structuredClone(x);

/** The files each benchmark wrote in the fixture run (JSON parsed, as bench/run.ts reads them). */
const WRITTEN: Partial<Record<BenchmarkName, string[]>> = {
  engine: ['2026-12-06-engine-vm.md', '2026-12-06-step-graph-cpu.json', '2026-12-06-step-graph-cpu.md'],
  ingest: ['2026-12-06-ingest-vm.json', '2026-12-06-ingest-vm.md'],
  export: ['2026-12-06-export-vm.json', '2026-12-06-export-vm.md'],
  scale: ['2026-12-06-scale-vm.md'],
  responsiveness: ['2026-12-06-responsiveness-vm.json', '2026-12-06-responsiveness-vm.md'],
  'crash-torture': ['2026-12-06-crash-torture-vm.json'],
};

function outcome(name: BenchmarkName, over: Partial<BenchmarkOutcome> = {}): BenchmarkOutcome {
  const files = (WRITTEN[name] ?? []).map((f) => (f.endsWith('.json') ? { name: f, json: json(f) } : { name: f }));
  return { name, ran: true, exitCode: 0, signal: null, seconds: 60, files, ...over };
}

const GPU: GpuRunInput = {
  dir: 'bench/results/gpu-2026-11-26-h100',
  writtenAt: '2026-11-26T18:00:00.000Z',
  engine: json('gpu/engine-gpu.json'),
  torch: json('gpu/torch.json'),
  gpuCsv: readFileSync(join(FIXTURES, 'gpu', 'gpu.csv'), 'utf8'),
};

function run(over: { benchmarks?: BenchmarkOutcome[]; gpu?: GpuRunInput } = {}): BenchRun {
  return {
    conditions: {
      host: 'vm',
      cpu: '2 × AMD EPYC',
      node: 'v20.20.2',
      commit: 'abc1234',
      uncommittedChanges: false,
      loadAverageStart: [2.04, 1.92, 2.42],
      loadAverageEnd: [2.5, 2.1, 2.3],
      startedAt: '2026-12-06T10:00:00.000Z',
      endedAt: '2026-12-06T13:00:00.000Z',
      command: 'npm run bench',
    },
    benchmarks: over.benchmarks ?? BENCHMARK_NAMES.map((n) => outcome(n)),
    gpu: over.gpu,
  };
}

const goal = (s: BenchSummary, starts: string): GoalRow => {
  const g = s.goals.find((x) => x.goal.startsWith(starts));
  if (!g) throw new Error(`no goal "${starts}"`);
  return g;
};

describe('bench summary of a whole run', () => {
  const s = summariseRun(run({ gpu: GPU }));

  // Expected ratios worked out by hand from the fixture files (medians / best rounds as the
  // benchmarks report them); each inverted would be far off and flip its verdict.
  it.each([
    // storescp median 1.1898 s, node median 7.3321 s for the same 500 instances.
    ['Ingest, one association: our SCP against DCMTK storescp', 1.189831 / 7.332073, 'not met'],
    // Orthanc median 3.9123 s.
    ['Ingest, one association: our SCP against Orthanc', 3.912267 / 7.332073, 'not met'],
    // node with 4 associations median 4.9415 s.
    ['Ingest, parallel associations', 7.332073 / 4.941463, 'not met'],
    // median of the rounds' ratios (storescu s / ours s): rounds 0.476, 0.382, 0.800.
    ['Export to DCMTK storescp', 0.213981 / 0.449172, 'not met'],
    // rounds 0.697, 0.818, 0.533.
    ['Export to Orthanc', 1.210239 / 1.73634, 'reported'],
    // 512² 25 steps with the step graph: 172055 ms a slice, 168474 ms in the model.
    ['CPU engine, 512² 25 network steps, embedded model', (172055.440881 - 168473.929654) / 172055.440881, 'met'],
    ['CPU engine, 512² 25 network steps, step graph: the sampler', 416.664272 / 172055.440881, 'reported'],
    // event-loop p99: engine thread 26.9 ms against 4978.6 ms on the node's thread.
    ['Event-loop delay p99', 26.886143 / 4978.638847, 'met'],
    // C-STORE p99 170.0 ms during enhancement against 41.6 ms idle.
    ['Association + C-STORE round trip p99', 170.031076 / 41.61918, 'not met'],
    ['Ingest, peak RSS', 345.4140625 / 229.4140625, 'reported'],
    // H100: 512² default preset 1429 ms a slice, 564.5 ms of it in model calls.
    ['GPU, 512² slice, default preset', 1429.292643 / 564.503533, 'not met'],
    ['GPU, 512² slice, 25 network steps', 9106.653927 / 4923.506264, 'not met'],
    // 9 patches: onnxruntime 166.9 ms, PyTorch fp16 127.8 ms.
    ['GPU model call of 9 patches', 127.754944 / 166.913184, 'not met'],
  ])('%s: ratio %f, %s', (name, ratio, verdict) => {
    const g = goal(s, name);
    expect(g.ratio).toBeCloseTo(ratio, 4);
    expect(g.verdict).toBe(verdict);
  });

  it('names the measured value and the reference of each goal', () => {
    expect(goal(s, 'Ingest, one association: our SCP against DCMTK storescp')).toMatchObject({ measured: '68.2 instances/s', reference: 'storescp 420.2 instances/s' });
    expect(goal(s, 'Export to DCMTK storescp')).toMatchObject({ measured: '304.4 instances/s', reference: 'DCMTK storescu 797.7 instances/s' });
    expect(goal(s, 'Event-loop delay p99')).toMatchObject({ measured: '26.9 ms', reference: 'engine on the node thread 4979 ms', target: '< 50 ms' });
    expect(goal(s, 'Crash torture')).toMatchObject({ measured: '0 lost, 0 duplicated (the test passed)', reference: '14 studies', verdict: 'met' });
  });

  it('lists every benchmark with its reports and the GPU table with the PyTorch reference', () => {
    expect(s.benchmarks.map((b) => [b.name, b.status])).toEqual(BENCHMARK_NAMES.map((n) => [n, 'ok']));
    expect(s.benchmarks.find((b) => b.name === 'engine')!.reports).toEqual(['2026-12-06-engine-vm.md', '2026-12-06-step-graph-cpu.md']);
    if ('notMeasured' in s.gpu) throw new Error(s.gpu.notMeasured);
    expect(s.gpu.device).toMatch(/^NVIDIA H100 80GB HBM3/);
    expect(s.gpu.calls.find((c) => c.batch === 32)).toMatchObject({ onnxruntimeMs: expect.closeTo(563.63, 1), torchMs: expect.closeTo(412.51, 1), torchOverOnnxruntime: expect.closeTo(412.514 / 563.632, 3) });
    const md = renderSummaryMarkdown(s);
    expect(md).toContain('| Ingest, one association: our SCP against DCMTK storescp | 68.2 instances/s | storescp 420.2 instances/s | 0.16× |');
    expect(md).toContain('| 9 | 166.9 ms | 127.8 ms | 0.77× |');
    expect(md).toContain('| 26.9 ms | engine on the node thread 4979 ms | 0.0054× |');
    expect(md).toContain('commit abc1234');
    expect(md).toContain('2.04 / 1.92 / 2.42');
  });

  it('meets a throughput goal only when ours is the faster side', () => {
    const fast = clone(json('2026-12-06-export-vm.json')) as { peers: Array<{ oursSeconds: number[]; storescuSeconds: number[] }> };
    const storescp = fast.peers[0]!;
    [storescp.oursSeconds, storescp.storescuSeconds] = [storescp.storescuSeconds, storescp.oursSeconds];
    const s2 = summariseRun(run({ benchmarks: [outcome('export', { files: [{ name: '2026-12-06-export-vm.json', json: fast }] })] }));
    const g = goal(s2, 'Export to DCMTK storescp');
    expect(g.ratio).toBeCloseTo(0.449172 / 0.213981, 4);
    expect(g.verdict).toBe('met');
  });

  it('judges export on the median of the rounds, as the export benchmark does, not on one lucky round', () => {
    // Round ratios 2.0, 0.67, 0.83: the best rounds alone (storescu 2 s, ours 1 s) would give 2.0.
    const rounds = { instances: 200, peers: [{ peer: 'storescp', oursSeconds: [1, 3, 3], storescuSeconds: [2, 2, 2.5] }] };
    const s2 = summariseRun(run({ benchmarks: [outcome('export', { files: [{ name: '2026-12-06-export-vm.json', json: rounds }] })] }));
    expect(goal(s2, 'Export to DCMTK storescp')).toMatchObject({ ratio: expect.closeTo(2.5 / 3, 6), verdict: 'not met' });
  });
});

describe('bench summary of runs that went wrong or ran in part', () => {
  it('shows a benchmark that failed without a result as failed, in the goals and in the list', () => {
    const s = summariseRun(run({ benchmarks: BENCHMARK_NAMES.map((n) => (n === 'ingest' ? outcome(n, { exitCode: 1, files: [] }) : outcome(n))) }));
    const g = goal(s, 'Ingest, one association: our SCP against DCMTK storescp');
    expect(g).toMatchObject({ verdict: 'failed', measured: '—' });
    expect(g.ratio).toBeUndefined();
    expect(g.note).toContain('exit code 1');
    expect(s.benchmarks.find((b) => b.name === 'ingest')).toMatchObject({ status: 'failed', detail: 'exit code 1' });
    expect(renderSummaryMarkdown(s)).toContain('| ingest | **failed** (exit code 1) |');
  });

  it('keeps what a failed benchmark measured before it failed, and still lists it as failed', () => {
    const s = summariseRun(run({ benchmarks: [outcome('engine', { signal: 'SIGKILL', exitCode: null })] }));
    expect(goal(s, 'CPU engine, 512² 25 network steps, embedded model').verdict).toBe('met');
    expect(s.benchmarks.find((b) => b.name === 'engine')).toMatchObject({ status: 'failed', detail: 'killed by SIGKILL' });
  });

  it('says a result is missing its figure or has another shape instead of guessing', () => {
    const noThread = clone(json('2026-12-06-responsiveness-vm.json')) as { rows: Array<{ mode: string }> };
    noThread.rows = noThread.rows.filter((r) => r.mode !== 'thread');
    const s = summariseRun(
      run({
        benchmarks: [
          outcome('responsiveness', { files: [{ name: '2026-12-06-responsiveness-vm.json', json: noThread }] }),
          outcome('export', { files: [{ name: '2026-12-06-export-vm.json', json: { instances: 200, peers: [{ peer: 'storescp', oursSeconds: 'fast' }] } }] }),
          outcome('ingest', { files: [{ name: '2026-12-06-ingest-vm.md' }] }),
        ],
      }),
    );
    expect(goal(s, 'Event-loop delay p99')).toMatchObject({ verdict: 'no result', note: 'no thread row' });
    const e = goal(s, 'Export to DCMTK storescp');
    expect(e.verdict).toBe('no result');
    expect(e.note).toMatch(/^2026-12-06-export-vm\.json not as expected: .*\/peers\/0\/oursSeconds: Expected array/);
    expect(goal(s, 'Ingest, one association: our SCP against Orthanc')).toMatchObject({ verdict: 'no result', note: 'no result file written in this run' });
  });

  it('reports a crash torture that lost an instance as not met, with the assertion', () => {
    const failed = clone(json('2026-12-06-crash-torture-vm.json')) as { testResults: Array<{ assertionResults: Array<{ status: string; failureMessages: string[] }> }> };
    Object.assign(failed.testResults[0]!.assertionResults[0]!, { status: 'failed', failureMessages: ['AssertionError: expected [ \'1.2.3\' ] to deeply equal []\n    at crash-torture.test.ts:176'] });
    const s = summariseRun(run({ benchmarks: [outcome('crash-torture', { exitCode: 1, files: [{ name: '2026-12-06-crash-torture-vm.json', json: failed }] })] }));
    expect(goal(s, 'Crash torture')).toMatchObject({ verdict: 'not met', measured: "test failed: AssertionError: expected [ '1.2.3' ] to deeply equal []" });
  });

  it('summarises a partial run (--only): the others not run, GPU not measured', () => {
    const s = summariseRun(run({ benchmarks: BENCHMARK_NAMES.map((n) => (n === 'responsiveness' ? outcome(n) : { name: n, ran: false, exitCode: null, signal: null, seconds: 0, files: [] })) }));
    expect(goal(s, 'Event-loop delay p99').verdict).toBe('met');
    for (const g of s.goals.filter((x) => x.source !== 'responsiveness')) expect([g.goal, g.verdict]).toEqual([g.goal, 'not run']);
    expect(goal(s, 'GPU, 512² slice, default preset').note).toBe('no GPU results given');
    expect(s.gpu).toEqual({ notMeasured: expect.stringMatching(/^Not measured in this run: no GPU results given/) });
    const md = renderSummaryMarkdown(s);
    expect(md).toContain('ran responsiveness; not selected: engine, ingest, export, scale, steps-quality, end-to-end, crash-torture.');
    expect(md).toContain('Not measured in this run: no GPU results given.');
    expect(md).toContain('| ingest | not run | — | — |');
  });

  it('takes the step-graph slice of a device run that timed both step paths', () => {
    const both = clone(GPU.engine) as { engine: { slices: Array<Record<string, unknown>> } };
    const js = both.engine.slices.map((x) => ({ ...x, label: `${String(x.label)}, JavaScript step`, stepPath: 'javascript' }));
    const graph = both.engine.slices.map((x) => ({ ...x, label: `${String(x.label)}, step graph`, stepPath: 'graph', msPerSlice: 250 }));
    both.engine.slices = [...js, ...graph];
    const s = summariseRun(run({ benchmarks: [], gpu: { ...GPU, engine: both } }));
    expect(goal(s, 'GPU, 512² slice, default preset')).toMatchObject({ measured: '0.25 s', verdict: 'met' });
  });
});
