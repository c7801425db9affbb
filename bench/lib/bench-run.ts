/** What one `npm run bench` produced, as the summary (bench/lib/bench-summary.ts) takes it. */
import type { BenchmarkName } from './benchmark-catalogue.js';

export interface RunConditions {
  host: string;
  cpu: string;
  node: string;
  /** Short commit hash of HEAD. */
  commit: string;
  /** The working tree differed from the commit. */
  uncommittedChanges: boolean;
  /** 1, 5 and 15 minute load averages. */
  loadAverageStart: number[];
  loadAverageEnd: number[];
  startedAt: string;
  endedAt: string;
  /** The command line, e.g. `npm run bench -- --only responsiveness`. */
  command: string;
}

/** A result file a benchmark wrote during this run: JSON parsed (or why not); reports by name only. */
export interface WrittenFile {
  name: string;
  json?: unknown;
  readError?: string;
}

export interface BenchmarkOutcome {
  name: BenchmarkName;
  /** false: not selected (`--only`). */
  ran: boolean;
  exitCode: number | null;
  signal: string | null;
  seconds: number;
  files: WrittenFile[];
}

/** The output folder of bench/gpu/device-run.sh handed to this run (`--gpu`). */
export interface GpuRunInput {
  dir: string;
  /** When its engine-gpu.json was written. */
  writtenAt?: string;
  engine?: unknown;
  torch?: unknown;
  /** nvidia-smi's CSV: header line, then name, driver, memory, clock, power limit. */
  gpuCsv?: string;
  readError?: string;
}

export interface BenchRun {
  conditions: RunConditions;
  benchmarks: BenchmarkOutcome[];
  gpu?: GpuRunInput;
}
