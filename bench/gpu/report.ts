/**
 * Turns the output folders of bench/gpu/device-run.sh into bench/results/<date>-engine-gpu-<gpu>.md:
 *   npx tsx bench/gpu/report.ts <run folder> [<earlier run folder> …]
 * The first folder is the run reported; the others add a "repeat" column for the model calls (the
 * same version timed twice shows the spread). Raw outputs are committed beside the report.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Call { batch: number; medianMs: number; firstCallMs: number; msPerPatch: number; hostConversionMs: number }
interface ModelRun { id?: string; dtype?: string; calls?: Call[]; error?: string; folder?: string }
interface EngineRun { models: ModelRun[]; node: string; onnxruntime: string; engine?: { model: string; slices: Array<{ label: string; slices: number; networkSteps: number; patchEvaluations: number; msPerSlice: number; modelMsPerSlice: number; outsideShare: number | null }> } }
interface TorchRun { torch: string; gpu: string; cudnn: number; parity: Record<string, { relL2: number | null; maxAbs: number | null; finite: boolean }>; fp16Ms: Record<string, number>; fp16BenchmarkMs: Record<string, number> }

const [main, ...repeats] = process.argv.slice(2);
if (!main) throw new Error('usage: report.ts <run folder> [<earlier run folder> …]');
const read = <T>(dir: string, name: string): T | undefined => (existsSync(join(dir, name)) ? (JSON.parse(readFileSync(join(dir, name), 'utf8')) as T) : undefined);
const engine = read<EngineRun>(main, 'engine-gpu.json')!;
const variants = read<EngineRun>(main, 'engine-variants.json');
const torch = read<TorchRun>(main, 'torch.json')!;
const gpu = readFileSync(join(main, 'gpu.csv'), 'utf8').trim().split('\n')[1] ?? 'GPU';
const exported = read<Record<string, unknown>>(main, 'export.json');
const callsOf = (run: EngineRun | undefined, id: string) => run?.models.find((m) => m.id === id)?.calls ?? [];

const PATCH_TFLOP = 2.24; // ADM-256 forward of one 256² patch (model/adm/README.md)
const PEAK_TFLOPS = 790; // dense bf16/fp16 matrix rate measured on these machines (device KINDS.md)
const floorMs = (PATCH_TFLOP / PEAK_TFLOPS) * 1000;
const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);

const main32 = callsOf(engine, 'adm256-fp16-io32');
const rows = main32.map((c) => {
  const again = repeats.map((r) => callsOf(read<EngineRun>(r, 'engine-gpu.json'), 'adm256-fp16-io32').find((x) => x.batch === c.batch)?.medianMs);
  const torchMs = torch.fp16Ms[String(c.batch)];
  const torchAgain = repeats.map((r) => read<TorchRun>(r, 'torch.json')?.fp16Ms[String(c.batch)]);
  const io16 = callsOf(variants, 'adm256-fp16').find((x) => x.batch === c.batch);
  return `| ${c.batch} | ${f1(c.medianMs)}${again.filter(Boolean).map((a) => ` (${f1(a!)})`).join('')} | ${f1(c.msPerPatch)} | ${f0(c.firstCallMs)} | ${io16 ? `${f1(io16.medianMs)} + ${f0(io16.hostConversionMs)}` : '—'} | ${torchMs ? f1(torchMs) : '—'}${torchAgain.filter(Boolean).map((a) => ` (${f1(a!)})`).join('')} | ${torchMs ? `${(torchMs / c.medianMs).toFixed(2)}×` : '—'} | ${f1(floorMs * c.batch)} |`;
});
const slices = (engine.engine?.slices ?? []).map((s) => `| ${s.label} | ${s.networkSteps} | ${f0(s.msPerSlice)} | ${f0(s.modelMsPerSlice)} | ${s.outsideShare === null ? '—' : `${f1(s.outsideShare * 100)} %`} |`);
const parity = Object.entries(torch.parity).map(([k, v]) => `| ${k} | ${v.relL2 === null ? 'not finite' : v.relL2.toExponential(2)} | ${v.maxAbs === null ? '—' : v.maxAbs.toExponential(2)} |`);
const failures = (variants?.models ?? []).filter((m) => m.error).map((m) => `- \`${m.folder}\`: ${m.error}`);
const date = new Date().toISOString().slice(0, 10);
const name = gpu.split(',')[0]!.replace(/NVIDIA /, '').split(' ')[0]!.toLowerCase();
const out = join('bench', 'results', `${date}-engine-gpu-${name}.md`);
writeFileSync(
  out,
  [
    `# Engine on a GPU — ${date}`,
    '',
    `Device: ${gpu} (name, driver, memory, max SM clock, power limit); node ${engine.node}, onnxruntime-node ${engine.onnxruntime} with the CUDA provider of com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 (pruned to sm_90 by bench/gpu/prune-fatbin.py), PyTorch ${torch.torch}, cuDNN ${torch.cudnn}.`,
    `Model: ADM-256 unconditional (${exported?.parameters ?? 552814086} parameters, the real checkpoint's shapes, random weights) exported on the device by \`model/adm/export.py --random --fp32-io\`; made by \`bench/gpu/device-run.sh\`, raw output in \`bench/results/gpu-${date}-${name}/\`.`,
    '',
    `## Model calls of 256² patches (reference: guided-diffusion's fp16 forward in eager PyTorch, same run; floor: ${PATCH_TFLOP} TFLOP per patch at ${PEAK_TFLOPS} TFLOP/s)`,
    '',
    'Medians of 8 (onnxruntime) and 10 (PyTorch, CUDA events) calls after warm-up; in brackets the same version in an earlier run. float16-I/O adds the conversion on the host (JavaScript) that the float32-I/O export avoids.',
    '',
    '| patches | onnxruntime fp16, float32 I/O, ms | ms / patch | first call ms | fp16 I/O ms + host conversion ms | PyTorch fp16 ms | PyTorch / onnxruntime | floor ms |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `cudnn.benchmark on changes PyTorch by < 1 % (${Object.entries(torch.fp16BenchmarkMs).map(([b, ms]) => `batch ${b}: ${f1(ms)} ms`).join(', ')}).`,
    '',
    `## Slices through the engine (model ${engine.engine?.model}, CUDA)`,
    '',
    '| case | network steps | ms / slice | model ms / slice | outside the model |',
    '|---|---:|---:|---:|---:|',
    ...slices,
    '',
    '## float16 correctness (the exporter\'s parity case: float32 PyTorch on the CPU, same weights, 1×256²)',
    '',
    '| output | relative L2 error | max abs difference |',
    '|---|---:|---:|',
    ...parity,
    '',
    ...(failures.length ? ['## Variants that did not run', '', ...failures, ''] : []),
  ].join('\n'),
);
console.log(`wrote ${out}`);
