import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelContractError } from '../shared/errors.js';
import { loadManifest } from './model-manifest.js';
import { ModelRegistry } from './model-registry.js';

const REF = join(import.meta.dirname, '..', '..', 'test', 'reference');
const work = mkdtempSync(join(tmpdir(), 'manifest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the tiny ε model with its manifest, optionally edited. */
function modelDir(id: string, edit: (yaml: string) => string = (y) => y, onnx = 'tiny-eps.onnx'): string {
  const dir = join(work, id);
  rmSync(dir, { recursive: true, force: true });
  const manifest = readFileSync(join(REF, 'tiny-eps', 'manifest.yaml'), 'utf8').replace('id: tiny-eps', `id: ${id}`).replace('file: ../tiny-eps.onnx', 'file: model.onnx');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(REF, onnx), join(dir, 'model.onnx'));
  writeFileSync(join(dir, 'manifest.yaml'), edit(manifest));
  return dir;
}

describe('model manifest', () => {
  it('loads a valid manifest and checks the hash', async () => {
    const m = await loadManifest(join(REF, 'tiny-epsvar', 'manifest.yaml'));
    expect(m.manifest.output).toBe('epsilon+variance');
    expect(m.modelPath.endsWith('tiny-epsvar.onnx')).toBe(true);
  });

  it('rejects unknown fields, naming the file and the field', async () => {
    const dir = modelDir('extra', (y) => `${y}colour: blue\n`);
    const err = await loadManifest(join(dir, 'manifest.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelContractError);
    expect(String((err as Error).message)).toMatch(/manifest\.yaml.*unknown field "colour"/);
  });

  it('rejects a hash mismatch, naming the model file', async () => {
    const dir = modelDir('badhash', (y) => y.replace(/sha256: [0-9a-f]+/, `sha256: ${'a'.repeat(64)}`));
    await expect(loadManifest(join(dir, 'manifest.yaml'))).rejects.toThrow(/model\.onnx: SHA-256 [0-9a-f]{64} does not match/);
  });

  it('rejects a missing model file and a wrong value type', async () => {
    const dir = modelDir('nofile', (y) => y.replace('file: model.onnx', 'file: absent.onnx'));
    await expect(loadManifest(join(dir, 'manifest.yaml'))).rejects.toThrow(/absent\.onnx: model file missing/);
    const dir2 = modelDir('badtype', (y) => y.replace('output: epsilon', 'output: noise'));
    await expect(loadManifest(join(dir2, 'manifest.yaml'))).rejects.toThrow(/\/output/);
  });
});

describe('model registry', () => {
  it('loads good models once; a broken model disables only its presets with file and problem', async () => {
    modelDir('good');
    modelDir('wrongio', (y) => y.replace('outputName: out', 'outputName: eps'));
    modelDir('sixclaims', (y) => y.replace('output: epsilon', 'output: epsilon+variance'));
    const reg = await ModelRegistry.open(['good', 'wrongio', 'sixclaims', 'absent'], { modelsDir: work, session: { intraOpThreads: 1 } });
    try {
      expect(reg.get('good').sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(reg.get('good').device).toBe('cpu');
      const avail = reg.availability({ a: { model: 'good' }, b: { model: 'wrongio' }, c: { model: 'sixclaims' }, d: { model: 'absent' } });
      expect(avail.usable).toEqual(['a']);
      const byPreset = Object.fromEntries(avail.disabled.map((d) => [d.preset, d.problem]));
      expect(byPreset.b).toMatch(/model\.onnx: model has no output "eps"/);
      expect(byPreset.c).toMatch(/shape \[1,3,256,256\], expected \[1,6,256,256\]/);
      expect(byPreset.d).toMatch(/absent.manifest\.yaml: cannot read/);
      expect(() => reg.get('wrongio')).toThrow(ModelContractError);
    } finally {
      await reg.close();
    }
  });
});
