/**
 * `eval` (npm run eval): UniMIE with the node's presets, each beside its network-free twin
 * (ablation, on unless --no-ablate), against CLAHE, histogram equalisation, normalise, gamma and
 * the classical denoisers on degraded copies of the sample studies, the development set and the
 * held-out set; writes a markdown report, the JSON rows, before/after picture grids, and the
 * measured network contribution the node labels its series with (contribution.json; issue 20
 * items 1 and 6).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { EnhancementEngine } from '../enhance/engine.js';
import { grayPlane } from '../enhance/quality.js';
import { ModelRegistry } from '../enhance/model-registry.js';
import { ConfigError, ModelContractError } from '../shared/errors.js';
import { BASELINES, type BaselineName } from '../eval/baselines.js';
import { ablationOf, contributionRecord } from '../eval/ablation.js';
import { DEFAULT_DEGRADATION, DEGRADATION_KINDS, type DegradationKind } from '../eval/degradations.js';
import { loadDevSet } from '../eval/dev-set.js';
import { loadHeldoutSet, readHeldoutIndex, type EvalImage } from '../eval/heldout-set.js';
import { pictureGrid } from '../eval/picture-grid.js';
import { markdownReport, summariseRows, type CleanStats } from '../eval/report.js';
import { enginePresetsOf, runEvaluation, twinOf, type UnimieColumn } from '../eval/run-eval.js';
import { loadSampleSet, routeOf } from '../eval/sample-set.js';

const SETS = ['sample', 'dev', 'heldout', 'gate', 'all'] as const;

const DENOISER = 'the best scikit-image denoiser (non-local means, total variation, wavelet or bilateral) tuned per estimated noise level on the development set';
const BASELINE_NOTES: Record<BaselineName, string> = {
  input: 'the degraded input unchanged',
  clahe: 'CLAHE (sharp, 8×8 tiles of at least 16 px, max slope 3)',
  he: 'global histogram equalisation',
  normalise: 'sharp 1–99 % stretch',
  gamma: 'sharp gamma g ∈ [1, 3] bringing the foreground mean to 0.5',
  denoise: DENOISER,
  'denoise-clahe': `${DENOISER}, then CLAHE`,
  'denoise-gamma': `${DENOISER}, then gamma`,
};

/**
 * The commit the evaluation runs on (git HEAD), with `+dirty` when the code, config or model
 * differ from it (the figures then belong to no commit); "unknown" outside a git work tree.
 */
function headCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git('rev-parse', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no', '--', 'src', 'config', 'model') === '' ? head : `${head}+dirty`;
  } catch {
    return 'unknown';
  }
}

async function loadImages(config: LoadedConfig, set: string): Promise<EvalImage[]> {
  const images: EvalImage[] = [];
  if (set === 'sample' || set === 'all') images.push(...(await loadSampleSet(config)));
  if (set === 'dev' || set === 'all') images.push(...(await loadDevSet()));
  if (set === 'heldout' || set === 'gate' || set === 'all') images.push(...(await loadHeldoutSet({ gateOnly: set === 'gate' })));
  return images;
}

interface EvalOpts {
  presets?: string;
  steps?: string;
  set: string;
  out: string;
  kinds?: string;
  baselines?: string;
  grid: boolean;
  unimie: boolean;
  ablate: boolean;
}

function list(value: string | undefined): string[] | undefined {
  return value?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate UniMIE presets, each beside its network-free twin, against classical enhancers and denoisers on degraded images')
    .option('--presets <names>', 'comma-separated presets from node.yaml, each applied to every image (default: the preset the rules pick per image)')
    .option('--steps <n>', 'override the steps of every preset')
    .option('--set <set>', 'heldout (the default: what results are reported on) | dev (what presets are tuned on) | gate (the quality gate\'s held-out subset) | sample | all', 'heldout')
    .option('--out <dir>', 'output folder', 'eval/results')
    .option('--kinds <kinds>', `degradations (default: ${DEGRADATION_KINDS.join(',')})`)
    .option('--baselines <names>', `baselines (default: ${BASELINES.join(',')})`)
    .option('--no-grid', 'do not write the picture grids')
    .option('--no-unimie', 'baselines only (no model needed)')
    .option('--ablate', 'run every preset beside its network-free twin and write contribution.json (the default)', true)
    .option('--no-ablate', 'presets only, without their twins (contribution.json is left as it is)')
    .action(async (opts: EvalOpts) => {
      const config = loadConfig(program.opts<{ config: string }>().config);
      const steps = opts.steps === undefined ? undefined : Number(opts.steps);
      if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1 && steps <= 1000)) throw new ConfigError(`--steps must be an integer 1…1000, got ${opts.steps}`);
      if (!(SETS as readonly string[]).includes(opts.set)) throw new ConfigError(`--set must be one of ${SETS.join(', ')}, got ${opts.set}`);
      const kinds = (list(opts.kinds) ?? [...DEGRADATION_KINDS]) as DegradationKind[];
      for (const k of kinds) if (!DEGRADATION_KINDS.includes(k)) throw new ConfigError(`unknown degradation "${k}" (known: ${DEGRADATION_KINDS.join(', ')})`);
      const baselines = (list(opts.baselines) ?? [...BASELINES]) as BaselineName[];
      for (const b of baselines) if (!BASELINES.includes(b)) throw new ConfigError(`unknown baseline "${b}" (known: ${BASELINES.join(', ')})`);

      const presets = enginePresetsOf(config, steps);
      const named = list(opts.presets);
      for (const p of named ?? []) if (!presets[p]) throw new ConfigError(`preset "${p}" is not defined in node.yaml (defined: ${Object.keys(presets).join(', ')})`);
      const columns: UnimieColumn[] = !opts.unimie
        ? []
        : named
          ? named.map((p) => ({ column: `unimie:${p}`, presetFor: () => p }))
          : [{ column: 'unimie', presetFor: (img: EvalImage) => routeOf(config, img.header as unknown as Record<string, unknown>).preset }];

      const images = await loadImages(config, opts.set);
      const used = new Set(images.flatMap((img) => columns.map((c) => c.presetFor(img)).filter((p): p is string => p !== undefined)));

      let registry: ModelRegistry | undefined;
      let engine: EnhancementEngine | undefined;
      if (used.size > 0) {
        const ids = new Set([...used].map((p) => presets[p]!.model));
        const manifestPaths = Object.fromEntries([...ids].filter((id) => config.models[id]).map((id) => [id, config.models[id]!.manifest]));
        registry = await ModelRegistry.open(ids, { modelsDir: 'model', manifestPaths });
        const problems = [...registry.problems()].map(([id, p]) => `${id}: ${p}`);
        if (problems.length > 0) throw new ModelContractError(`cannot load the model(s) the presets need (run with --no-unimie for baselines only): ${problems.join('; ')}`);
        engine = new EnhancementEngine(registry);
      }

      const bar = new cliProgress.SingleBar({ format: 'eval {bar} {value}/{total} | ETA {eta_formatted} | {label}', stream: process.stderr }, cliProgress.Presets.shades_classic);
      let started = false;
      try {
        const result = await runEvaluation({
          images,
          kinds,
          baselines,
          unimie: columns,
          presets,
          engine,
          ablate: opts.ablate,
          keepOutputs: opts.grid,
          onProgress: (p) => {
            if (!started) {
              bar.start(p.total, 0, { label: '' });
              started = true;
            }
            bar.update(p.done, { label: p.label });
          },
        });
        bar.stop();

        const outDir = resolve(opts.out);
        await mkdir(outDir, { recursive: true });
        const clean: CleanStats[] = (['sample', 'dev', 'heldout'] as const)
          .map((set) => {
            const of = images.filter((i) => i.set === set);
            const means = of.map((i) => grayPlane(i.image).reduce((s, v) => s + v, 0) / (i.image.width * i.image.height));
            return { set, images: of.length, meanGray: means.reduce((s, v) => s + v, 0) / Math.max(1, means.length) };
          })
          .filter((c) => c.images > 0);
        const model = registry?.loaded()[0];
        const usedPresets = Object.fromEntries([...used].map((p) => [p, presets[p]]));
        const createdAt = new Date().toISOString();
        const commit = headCommit();
        const meta = {
          createdAt,
          commit,
          sets: opts.set === 'all' ? ['sample', 'dev', 'heldout'] : [opts.set],
          kinds,
          presets: usedPresets,
          model: model ? { id: model.id, version: model.version, sha256: model.sha256 } : undefined,
          notes: [
            `Degradation parameters: ${JSON.stringify(DEFAULT_DEGRADATION)}.`,
            'Noisy kinds draw their noise from a seed per set, image and kind (src/eval/degradations.ts), so every run sees the same pairs.',
            `Baselines: ${baselines.filter((b) => b !== 'input').map((b) => `${b} = ${BASELINE_NOTES[b]}`).join('; ')}.`,
            columns.length > 0 && !named ? 'unimie = the preset the routing rules pick for the image (ct-default, mr-default, endoscopy-default).' : '',
            opts.ablate && columns.length > 0 ? `${columns.map((c) => twinOf(c.column)).join(', ')} = the same preset with the network replaced by the engine's own start estimate (no model call).` : '',
            'Tune on the development set only; the held-out set (and its gate subset) is for the report and the CI gate (src/eval/fixtures/*/README.md).',
          ].filter((n) => n !== ''),
        };
        await writeFile(join(outDir, 'results.md'), markdownReport(result.rows, meta, clean));
        await writeFile(join(outDir, 'results.json'), `${JSON.stringify({ meta, clean, summary: summariseRows(result.rows), rows: result.rows }, null, 2)}\n`);
        const written = ['results.md', 'results.json'];
        const ablations = ablationOf(result.rows).filter((a) => a.cells.some((c) => c.twin.cases > 0));
        if (opts.ablate && ablations.length > 0) {
          // The CI gate judges the label on its subset of the held-out images: measured here as well.
          const gateNames = new Set((await readHeldoutIndex()).filter((e) => e.gate).map((e) => e.name));
          const gateImages = new Set(images.filter((i) => i.set === 'heldout' && gateNames.has(i.name)).map((i) => i.name));
          const gateRows = result.rows.filter((r) => gateImages.has(r.image));
          const gateAblations = opts.set === 'gate' || gateImages.size === 0 ? [] : ablationOf(gateRows);
          const record = contributionRecord(ablations, { createdAt, commit, set: opts.set }, undefined, gateAblations);
          await writeFile(join(outDir, 'contribution.json'), `${JSON.stringify(record, null, 2)}\n`);
          written.push('contribution.json');
          for (const [preset, c] of Object.entries(record.presets)) {
            const onGate = c.gateSubset ? `, ${c.gateSubset.contributionDb.toFixed(2)} dB over ${c.gateSubset.cases} on the gate subset` : '';
            process.stdout.write(`${preset}: network over its twin ${c.noisy.contributionDb.toFixed(2)} dB pooled over ${c.noisy.cases} noisy cases${onGate} (agreement ${c.noisy.agreementDb.toFixed(1)} dB) → ${c.meetsBar ? 'UniMIE' : `below the ${record.barDb} dB bar: not called UniMIE`}\n`);
          }
        }
        if (opts.grid) {
          for (const kind of kinds) {
            const pairs = result.pairs.filter((p) => p.kind === kind);
            if (pairs.length === 0) continue;
            const methods = [...baselines.filter((b) => b !== 'input'), ...columns.flatMap((c) => (opts.ablate ? [c.column, twinOf(c.column)] : [c.column]))];
            const rows = pairs.map((p) => ({
              label: p.image,
              tiles: [p.clean, p.degraded, ...methods.map((m) => p.outputs.find((o) => o.method === m)?.image ?? { width: 1, height: 1, gray: new Uint8Array(1) })],
            }));
            await writeFile(join(outDir, `grid-${kind}.png`), await pictureGrid(['clean', kind, ...methods], rows));
            written.push(`grid-${kind}.png`);
          }
        }
        process.stdout.write(`${result.rows.length} scores over ${images.length} images → ${outDir}: ${written.join(', ')}\n`);
      } finally {
        if (started) bar.stop();
        await registry?.close();
      }
    });
}
