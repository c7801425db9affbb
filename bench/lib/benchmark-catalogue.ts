/**
 * The benchmarks `npm run bench` runs, in order, and the result files each writes into
 * bench/results/ (named `<date>-<name>-<host>…`, which is how the run finds what it just wrote).
 */
export const BENCHMARK_NAMES = ['engine', 'ingest', 'export', 'scale', 'steps-quality', 'end-to-end', 'responsiveness', 'crash-torture'] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

export interface Benchmark {
  name: BenchmarkName;
  /** Arguments after the node executable. */
  argv: string[];
  /** File names (without extension) it writes into bench/results/. */
  writes: RegExp;
}

/** What a run is told on its command line: `--only a,b`, `--gpu <folder>`, the rest for the ingest benchmark. */
export interface BenchArgs {
  only?: BenchmarkName[];
  gpuDir?: string;
  ingestArgs: string[];
}

const DATE = String.raw`\d{4}-\d{2}-\d{2}`;
const written = (stem: string): RegExp => new RegExp(`^${DATE}-(?:${stem})$`);

/**
 * The benchmarks in the order they run. `crashTortureJson` is where the crash torture's test
 * report goes (vitest's JSON reporter), a name that `writes` matches.
 */
export function benchmarkCatalogue(opts: { ingestArgs: string[]; crashTortureJson: string }): Benchmark[] {
  const tsx = (script: string, ...args: string[]): string[] => ['--import', 'tsx', script, ...args];
  return [
    // The engine also writes the sampler-step comparison, <date>-step-graph-cpu; not the GPU report.
    { name: 'engine', argv: tsx('bench/engine.ts'), writes: written('engine-(?!gpu-).+|step-graph-cpu') },
    { name: 'ingest', argv: tsx('bench/ingest.ts', ...opts.ingestArgs), writes: written('ingest-.+') },
    { name: 'export', argv: tsx('bench/export.ts'), writes: written('export-.+') },
    { name: 'scale', argv: tsx('bench/scale.ts'), writes: written('scale-.+') },
    { name: 'steps-quality', argv: tsx('bench/steps-quality.ts'), writes: written('steps-quality-.+') },
    { name: 'end-to-end', argv: tsx('bench/end-to-end.ts'), writes: written('end-to-end-.+') },
    { name: 'responsiveness', argv: tsx('bench/responsiveness.ts'), writes: written('responsiveness-.+') },
    // Not a timing: the short crash torture (SIGKILL while studies arrive), whose test fails on
    // any acknowledged instance lost or any object stored twice at the destination.
    {
      name: 'crash-torture',
      argv: ['node_modules/vitest/vitest.mjs', 'run', 'test/reliability/crash-torture.test.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${opts.crashTortureJson}`],
      writes: written('crash-torture-.+'),
    },
  ];
}

function benchmarkNames(list: string): BenchmarkName[] {
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(BENCHMARK_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) throw new Error(`--only ${list}: not a benchmark: ${unknown.join(', ') || '(none given)'}; choose from ${BENCHMARK_NAMES.join(', ')}`);
  return names as BenchmarkName[];
}

/** `--only engine,export` and `--gpu <folder>` (also as `--only=…`); every other argument goes to the ingest benchmark, as before. */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const out: BenchArgs = { ingestArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(only|gpu)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) {
      out.ingestArgs.push(argv[i]!);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${m[1]} needs a value`);
    if (m[1] === 'only') out.only = benchmarkNames(value);
    else out.gpuDir = value;
  }
  return out;
}

/** File names in bench/results/ with their modification time (ms since the epoch). */
export interface ResultFile {
  name: string;
  mtimeMs: number;
}

/**
 * The result files a benchmark wrote while it ran: its own names, modified between its start and
 * its end. Files of an earlier run of the same benchmark (same day included) are older than its
 * start and stay out. A second of slack on each side covers the file system's coarse clock.
 */
export function filesWrittenBy(benchmark: Pick<Benchmark, 'writes'>, files: ResultFile[], startedMs: number, endedMs: number): ResultFile[] {
  return files
    .filter((f) => benchmark.writes.test(f.name.replace(/\.(json|md)$/, '')) && /\.(json|md)$/.test(f.name))
    .filter((f) => f.mtimeMs >= startedMs - 1000 && f.mtimeMs <= endedMs + 1000)
    .sort((a, b) => a.name.localeCompare(b.name));
}
