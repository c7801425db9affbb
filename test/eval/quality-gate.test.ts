/**
 * CI quality gate (engine issue item 6): the default preset of each modality (the one the routing
 * rules in config/ pick: ct-default, mr-default, endoscopy-default) with the shipped embedded
 * prior, on the held-out gate subset (src/eval/fixtures/heldout, `"gate": true`: a head CT slice,
 * a phantom CT slice, a T1-like MR slice and an endoscopy-like RGB frame, 128² each — none of them
 * in the prior's training data). For every degradation (low light, low contrast, uneven
 * illumination, blur) the enhanced output must beat the unchanged input on mean PSNR and mean
 * SSIM against the clean image, and no image's background entropy may move more than 0.2 bits.
 *
 * The shipped prior is part of the repository: without it the gate fails.
 * EVAL_GATE_MANIFEST=<path> runs it against another manifest with id `embedded`, and
 * EVAL_GATE_CONFIG=<dir> with another node.yaml/rules.yaml (preset experiments; development only).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { ModelRegistry } from '../../src/enhance/model-registry.js';
import type { DegradationKind } from '../../src/eval/degradations.js';
import { judgeGate, type GateCase, type GateVerdict } from '../../src/eval/gate.js';
import { loadHeldoutSet } from '../../src/eval/heldout-set.js';
import { enginePresetsOf, runEvaluation, type EvalRow } from '../../src/eval/run-eval.js';
import { routeOf } from '../../src/eval/sample-set.js';

const ROOT = join(import.meta.dirname, '..', '..');
const config = loadConfig(process.env.EVAL_GATE_CONFIG ?? join(ROOT, 'config'));
const MODEL_ID = 'embedded';
const manifest = process.env.EVAL_GATE_MANIFEST ?? config.models[MODEL_ID]?.manifest ?? join(ROOT, 'model', MODEL_ID, 'manifest.yaml');
const present = existsSync(manifest);
const GATED_KINDS: readonly DegradationKind[] = ['low-light', 'low-contrast', 'uneven', 'blur'];

function gateCases(rows: readonly EvalRow[], method: string): GateCase[] {
  return rows
    .filter((r) => r.method === method)
    .map((r) => {
      const input = rows.find((x) => x.method === 'input' && x.image === r.image && x.kind === r.kind)!;
      return { image: r.image, kind: r.kind, input: input.scores, output: r.scores };
    });
}

function describeVerdict(v: GateVerdict): string {
  const lines = v.kinds.map((k) => `${k.kind}: PSNR ${k.input.psnr.toFixed(2)} → ${k.output.psnr.toFixed(2)} dB, SSIM ${k.input.ssim.toFixed(3)} → ${k.output.ssim.toFixed(3)} (${k.cases} images)`);
  return [...lines, ...v.failures.map((f) => `FAIL ${f}`)].join('\n');
}

describe('quality gate: default presets with the embedded prior on the held-out set', () => {
  describe('darkened, flattened, unevenly lit and blurred held-out slices', () => {
    let registry: ModelRegistry;
    let rows: EvalRow[];
    beforeAll(async () => {
      if (!present) throw new Error(`${manifest} is missing: the quality gate needs the shipped embedded prior`);
      registry = await ModelRegistry.open([MODEL_ID], { modelsDir: join(ROOT, 'model'), manifestPaths: { [MODEL_ID]: manifest } });
      const problem = registry.problems().get(MODEL_ID);
      if (problem) throw new Error(`the embedded prior does not load: ${problem}`);
      const images = await loadHeldoutSet({ gateOnly: true });
      const result = await runEvaluation({
        images,
        kinds: GATED_KINDS,
        baselines: ['input'],
        unimie: [{ column: 'unimie', presetFor: (img) => routeOf(config, img.header as unknown as Record<string, unknown>).preset }],
        presets: enginePresetsOf(config),
        engine: new EnhancementEngine(registry),
      });
      rows = result.rows;
    }, 300_000);
    afterAll(async () => registry?.close());

    it('runs each modality with the preset the rules give it', () => {
      const used = Object.fromEntries(rows.filter((r) => r.method === 'unimie').map((r) => [r.modality, r.preset]));
      expect(used).toEqual({ CT: 'ct-default', MR: 'mr-default', ES: 'endoscopy-default' });
    });

    it('beats the unchanged input on PSNR and SSIM for every kind and invents no background texture', () => {
      const verdict = judgeGate(gateCases(rows, 'unimie'));
      expect(verdict.kinds.map((k) => k.kind).sort()).toEqual([...GATED_KINDS].sort());
      expect(verdict.failures, describeVerdict(verdict)).toEqual([]);
    });

    it('would fail an enhancer that returns its input unchanged', () => {
      const verdict = judgeGate(gateCases(rows, 'input'));
      expect(verdict.passed).toBe(false);
      for (const kind of GATED_KINDS) expect(verdict.failures.some((f) => f.startsWith(`${kind}: PSNR`))).toBe(true);
    });
  });
});
