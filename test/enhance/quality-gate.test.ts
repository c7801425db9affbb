/**
 * Quality gate (engine issue item 6): the default preset with the shipped embedded prior must
 * beat the unchanged input on PSNR and SSIM for every degradation kind, and must not invent
 * texture (background entropy within 0.2 bits of the input's). Runs when
 * model/embedded/manifest.yaml exists; in CI (CI=true) a missing prior fails the gate.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnhancementEngine } from '../../src/enhance/engine.js';
import { ModelRegistry } from '../../src/enhance/model-registry.js';
import { DEFAULT_PRESET } from '../../src/enhance/preset.js';
import { DEGRADATIONS, qualityCases } from './quality-cases.js';
import { meanByKind, scoreCases, type CaseScore } from './quality-eval.js';

const MODELS = join(import.meta.dirname, '..', '..', 'model');
/** QUALITY_GATE_MANIFEST points the gate at another ε-model manifest (development). */
const manifest = process.env.QUALITY_GATE_MANIFEST ?? join(MODELS, 'embedded', 'manifest.yaml');
const present = existsSync(manifest);
const inCi = process.env.CI === 'true';

describe('quality gate: default preset with the embedded prior', () => {
  it.runIf(!present && inCi)('has the embedded prior in CI', () => {
    expect.fail(`${manifest} is missing: the quality gate needs the shipped prior`);
  });

  describe.runIf(present)('on darkened, flattened and unevenly lit slices', () => {
    let registry: ModelRegistry;
    let scores: CaseScore[];
    beforeAll(async () => {
      registry = await ModelRegistry.open(['embedded'], { modelsDir: MODELS, manifestPaths: { embedded: manifest } });
      const problem = registry.problems().get('embedded');
      if (problem) throw new Error(problem);
      const cases = (await qualityCases()).filter((c) => c.name === 'ct-small' || c.name === 'phantom-256-a');
      scores = await scoreCases(new EnhancementEngine(registry), { ...DEFAULT_PRESET, model: 'embedded' }, cases);
      for (const s of scores) {
        console.info(`quality gate ${s.name}/${s.kind}: PSNR ${s.input.psnr.toFixed(2)} → ${s.output.psnr.toFixed(2)} dB, SSIM ${s.input.ssim.toFixed(3)} → ${s.output.ssim.toFixed(3)}, background ΔH ${s.backgroundEntropyDelta.toFixed(2)} bits`);
      }
    }, 600_000);
    afterAll(async () => registry?.close());

    for (const kind of DEGRADATIONS) {
      it(`${kind}: better than the unchanged input on PSNR and SSIM`, () => {
        const inP = meanByKind(scores, (s) => s.input.psnr).get(kind)!;
        const outP = meanByKind(scores, (s) => s.output.psnr).get(kind)!;
        const inS = meanByKind(scores, (s) => s.input.ssim).get(kind)!;
        const outS = meanByKind(scores, (s) => s.output.ssim).get(kind)!;
        expect(outP, `PSNR ${outP.toFixed(2)} dB vs input ${inP.toFixed(2)} dB`).toBeGreaterThan(inP);
        expect(outS, `SSIM ${outS.toFixed(3)} vs input ${inS.toFixed(3)}`).toBeGreaterThan(inS);
      });
    }

    it('invents no background texture (entropy within 0.2 bits)', () => {
      for (const s of scores) expect(s.backgroundEntropyDelta, `${s.name}/${s.kind}`).toBeLessThan(0.2);
    });
  });
});
