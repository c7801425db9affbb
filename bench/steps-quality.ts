/**
 * Step count against quality (a benchmark, not a test):
 *   npx tsx bench/steps-quality.ts            (also run by `npm run bench`)
 *   BENCH_FULL=1 adds the full 1000-step schedule and every held-out gate image.
 * The default preset of each modality with its own step count and with 10, 25, 50, 100 and 250 network
 * steps on degraded held-out slices: PSNR / SSIM against the clean image and time per slice, each
 * against the unchanged input and (full run) 1000 steps, measured in the same run. The default
 * preset should be the fewest steps that keep the quality.
 * Writes bench/results/<date>-steps-quality-<host>.md and .json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { EnhancementEngine } from '../src/enhance/engine.js';
import { ModelRegistry } from '../src/enhance/model-registry.js';
import { DEGRADATION_KINDS } from '../src/eval/degradations.js';
import { loadHeldoutSet } from '../src/eval/heldout-set.js';
import { enginePresetsOf, runEvaluation, type EvalRow } from '../src/eval/run-eval.js';
import { routeOf } from '../src/eval/sample-set.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../src/export/destination-kinds.js';

const full = Boolean(process.env.BENCH_FULL);
const config = loadConfig('config');
// The presets' own step count first (the same in every default preset), then more.
const reference = enginePresetsOf(config)['ct-default']!;
const STEPS = [...new Set([reference.steps, 10, 25, 50, 100, 250, ...(full ? [1000] : [])])];
const registry = await ModelRegistry.open(['embedded'], { modelsDir: 'model', manifestPaths: { embedded: config.models.embedded!.manifest } });
const engine = new EnhancementEngine(registry);
const all = await loadHeldoutSet({ gateOnly: true });
// One CT, one MR and one endoscopy frame (every degradation kind happens to one of them) keep the
// default run to a few minutes on 2 cores.
const firstOf = (modality: string) => all.filter((i) => i.header.Modality === modality).slice(0, 1);
const images = full ? all : [...firstOf('CT'), ...firstOf('MR'), ...firstOf('ES')];

interface Cell { psnr: number; ssim: number; ms: number }
/** Per label, the cells of the kinds that happen to at least one of the images (kindAppliesTo). */
const table = new Map<string, Map<string, Cell>>();
const mean = (rows: EvalRow[], f: (r: EvalRow) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
function collect(label: string, rows: EvalRow[], method: string): void {
  const byKind = new Map<string, Cell>();
  for (const kind of DEGRADATION_KINDS) {
    const of = rows.filter((r) => r.method === method && r.kind === kind);
    if (of.length > 0) byKind.set(kind, { psnr: mean(of, (r) => r.scores.psnr), ssim: mean(of, (r) => r.scores.ssim), ms: mean(of, (r) => r.ms) });
  }
  table.set(label, byKind);
}
const psnrOf = (cell: Cell | undefined): string => (cell ? cell.psnr.toFixed(2) : '—');

for (const steps of STEPS) {
  const { rows } = await runEvaluation({
    images,
    kinds: DEGRADATION_KINDS,
    baselines: steps === STEPS[0] ? ['input'] : [],
    unimie: [{ column: 'unimie', presetFor: (img) => routeOf(config, img.header as unknown as Record<string, unknown>).preset }],
    presets: enginePresetsOf(config, steps),
    engine,
  });
  if (steps === STEPS[0]) collect('input', rows, 'input');
  collect(`${steps} steps`, rows, 'unimie');
  console.log(`${steps} steps: ${DEGRADATION_KINDS.map((k) => `${k} ${psnrOf(table.get(`${steps} steps`)!.get(k))}`).join(', ')}`);
}
await registry.close();

const date = new Date().toISOString().slice(0, 10);
const stem = join('bench', 'results', `${date}-steps-quality-${hostname()}`);
mkdirSync(join('bench', 'results'), { recursive: true });
writeFileSync(`${stem}.json`, JSON.stringify({ date, images: images.map((i) => i.name), table: Object.fromEntries([...table].map(([k, v]) => [k, Object.fromEntries(v)])) }, null, 2));
const lines = [...table].map(([label, byKind]) => {
  const cells = DEGRADATION_KINDS.map((k) => {
    const cell = byKind.get(k);
    return cell ? `${cell.psnr.toFixed(2)} / ${cell.ssim.toFixed(3)}` : '—';
  });
  const measured = [...byKind.values()];
  const ms = label === 'input' ? '—' : (measured.reduce((s, c) => s + c.ms, 0) / measured.length).toFixed(0);
  return `| ${label} | ${cells.join(' | ')} | ${ms} |`;
});
writeFileSync(
  `${stem}.md`,
  [
    `# Step count against quality — ${date}`,
    '',
    `Host ${hostname()}, CPU. Default presets (start where the diffusion noise is ${reference.noiseStartFactor}× the input's measured noise, at most t = ${reference.startStep}; the steps are network evaluations spaced from there to 0 (${reference.stepPlacement}); the presets' own count is ${reference.steps}), embedded prior; held-out gate images: ${images.map((i) => i.name).join(', ')}. PSNR (dB) / SSIM against the clean image; the unchanged input is the reference measured in the same run; — where a degradation does not happen to the modality of any of these images.`,
    '',
    `| steps | ${DEGRADATION_KINDS.join(' | ')} | ms / slice |`,
    `|---|${DEGRADATION_KINDS.map(() => '---:').join('|')}|---:|`,
    ...lines,
    '',
  ].join('\n'),
);
console.log(`wrote ${stem}.md`);
