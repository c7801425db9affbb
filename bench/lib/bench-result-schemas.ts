/**
 * The parts of each benchmark's JSON result that the run summary reads (bench/lib/bench-summary.ts).
 * Only the fields read are required; the files hold more.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Num = Type.Number();
const NumOrNull = Type.Union([Type.Number(), Type.Null()]);

/** bench/engine.ts: <date>-step-graph-cpu.json, the sampler step as a graph against JavaScript. */
export const StepGraphResult = Type.Object({
  rows: Type.Array(
    Type.Object({
      label: Type.String(),
      path: Type.Union([Type.Literal('javascript'), Type.Literal('graph')]),
      steps: Num,
      msPerSlice: Num,
      modelMs: Num,
      stepGraphMs: Num,
      samplerJsMs: Num,
    }),
  ),
});
export type StepGraphResult = Static<typeof StepGraphResult>;

/** bench/ingest.ts: <date>-ingest-<host>[-quick].json (bench/lib/ingest-report.ts IngestReport). */
export const IngestResult = Type.Object({
  env: Type.Object({ mode: Type.String() }),
  instances: Num,
  throughput: Type.Array(
    Type.Object({
      name: Type.String(),
      reference: Type.Optional(Type.Union([Type.Literal('storescp'), Type.Literal('orthanc')])),
      associations: Type.Optional(Num),
      unavailable: Type.Optional(Type.String()),
      runs: Type.Array(Type.Object({ seconds: Num })),
    }),
  ),
  memoryGoalBytes: Num,
  memory: Type.Optional(Type.Object({ instances: Num, run: Type.Object({ idleRss: Num, peakRss: Num }) })),
});
export type IngestResult = Static<typeof IngestResult>;

/** bench/export.ts: <date>-export-<host>.json. */
export const ExportResult = Type.Object({
  instances: Num,
  peers: Type.Array(Type.Object({ peer: Type.String(), oursSeconds: Type.Array(Num), storescuSeconds: Type.Array(Num) })),
});
export type ExportResult = Static<typeof ExportResult>;

const Lag = Type.Object({ p99: Num, wallMs: Num });
/** bench/responsiveness.ts: <date>-responsiveness-<host>.json. */
export const ResponsivenessResult = Type.Object({
  slices: Num,
  size: Num,
  rows: Type.Array(Type.Object({ mode: Type.Union([Type.Literal('in-process'), Type.Literal('thread')]), storeP99: Num, idleStoreP99: Num, stores: Num, lag: Lag })),
});
export type ResponsivenessResult = Static<typeof ResponsivenessResult>;

/** vitest's JSON reporter, as the crash-torture step writes it (<date>-crash-torture-<host>.json). */
export const VitestResult = Type.Object({
  numTotalTests: Num,
  numFailedTests: Num,
  testResults: Type.Array(
    Type.Object({
      assertionResults: Type.Array(Type.Object({ fullName: Type.String(), status: Type.String(), failureMessages: Type.Array(Type.String()) })),
    }),
  ),
});
export type VitestResult = Static<typeof VitestResult>;

/** bench/gpu/cuda-engine.ts: engine-gpu.json of bench/gpu/device-run.sh. */
export const GpuEngineResult = Type.Object({
  node: Type.String(),
  onnxruntime: Type.String(),
  models: Type.Array(
    Type.Object({
      id: Type.Optional(Type.String()),
      calls: Type.Optional(Type.Array(Type.Object({ batch: Num, medianMs: Num }))),
      error: Type.Optional(Type.String()),
    }),
  ),
  engine: Type.Optional(
    Type.Object({
      model: Type.String(),
      slices: Type.Array(
        Type.Object({
          label: Type.String(),
          /** Absent in runs before the sampler step had a graph (2026-11-26). */
          stepPath: Type.Optional(Type.String()),
          slices: Num,
          networkSteps: Num,
          msPerSlice: Num,
          modelMsPerSlice: Num,
          outsideShare: NumOrNull,
        }),
      ),
    }),
  ),
});
export type GpuEngineResult = Static<typeof GpuEngineResult>;

/** bench/reference/torch_adm_fp16.py: torch.json of bench/gpu/device-run.sh. */
export const TorchResult = Type.Object({ torch: Type.String(), fp16Ms: Type.Record(Type.String(), Num) });
export type TorchResult = Static<typeof TorchResult>;

/** The value as the schema's type, or why it is not one (the first few mismatches). */
export function checkResult<T extends TSchema>(schema: T, value: unknown): { ok: true; value: Static<T> } | { ok: false; problem: string } {
  if (Value.Check(schema, value)) return { ok: true, value };
  const errors = [...Value.Errors(schema, value)].slice(0, 3).map((e) => `${e.path || '/'}: ${e.message}`);
  return { ok: false, problem: errors.join('; ') };
}
