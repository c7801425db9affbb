/**
 * `npm run bench` arguments and how the run finds the result files each benchmark wrote
 * (bench/lib/benchmark-catalogue.ts): its own names, modified while it ran, never an earlier run's.
 */
import { describe, expect, it } from 'vitest';
import { benchmarkCatalogue, BENCHMARK_NAMES, filesWrittenBy, parseBenchArgs, type BenchmarkName } from '../../bench/lib/benchmark-catalogue.js';

describe('npm run bench arguments', () => {
  it('takes --only and --gpu, in either form, and hands the rest to the ingest benchmark', () => {
    expect(parseBenchArgs(['--only', 'engine,export', '--quick', '--gpu=/tmp/out', '--reps', '2'])).toEqual({ only: ['engine', 'export'], gpuDir: '/tmp/out', ingestArgs: ['--quick', '--reps', '2'] });
    expect(parseBenchArgs(['--only=responsiveness'])).toEqual({ only: ['responsiveness'], ingestArgs: [] });
    expect(parseBenchArgs([])).toEqual({ ingestArgs: [] });
  });

  it('refuses a benchmark name it does not know, or an option without its value', () => {
    expect(() => parseBenchArgs(['--only', 'engine,exports'])).toThrow(/not a benchmark: exports; choose from engine, ingest/);
    expect(() => parseBenchArgs(['--only'])).toThrow('--only needs a value');
    expect(() => parseBenchArgs(['--gpu', '--only', 'engine'])).toThrow('--gpu needs a value');
  });
});

describe('result files of a benchmark', () => {
  const catalogue = benchmarkCatalogue({ ingestArgs: ['--quick'], crashTortureJson: 'bench/results/2026-12-07-crash-torture-vm.json' });
  const of = (name: BenchmarkName) => catalogue.find((b) => b.name === name)!;
  const START = Date.parse('2026-12-07T10:00:00Z');
  const END = START + 3_600_000;
  const files = [
    { name: '2026-12-07-engine-vm.json', mtimeMs: END - 10 },
    { name: '2026-12-07-engine-vm.md', mtimeMs: END - 10 },
    { name: '2026-12-07-step-graph-cpu.json', mtimeMs: START + 600_000 },
    { name: '2026-12-07-engine-gpu-h100.md', mtimeMs: START + 5 },
    // The same benchmark earlier that day, and the next benchmark's output.
    { name: '2026-12-07-export-vm.json', mtimeMs: START - 7_200_000 },
    { name: '2026-12-07-ingest-vm-quick.json', mtimeMs: END + 60_000 },
    { name: '2026-12-07-summary.md', mtimeMs: START + 1 },
  ];

  it('are its own names written between its start and its end', () => {
    expect(filesWrittenBy(of('engine'), files, START, END).map((f) => f.name)).toEqual(['2026-12-07-engine-vm.json', '2026-12-07-engine-vm.md', '2026-12-07-step-graph-cpu.json']);
    expect(filesWrittenBy(of('export'), files, START, END)).toEqual([]);
    expect(filesWrittenBy(of('ingest'), files, END, END + 120_000).map((f) => f.name)).toEqual(['2026-12-07-ingest-vm-quick.json']);
  });

  it('include the crash torture report at the path the run gives vitest', () => {
    const crash = of('crash-torture');
    expect(crash.argv).toContain('--outputFile.json=bench/results/2026-12-07-crash-torture-vm.json');
    expect(filesWrittenBy(crash, [{ name: '2026-12-07-crash-torture-vm.json', mtimeMs: START + 1000 }], START, END)).toHaveLength(1);
  });

  it('cover every benchmark, in the order they run, with the ingest options passed on', () => {
    expect(catalogue.map((b) => b.name)).toEqual([...BENCHMARK_NAMES]);
    expect(of('ingest').argv).toEqual(['--import', 'tsx', 'bench/ingest.ts', '--quick']);
  });
});
