import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, requireTorch, runPython } from './python-torch.js';

// The key names and shapes of OpenAI's 256x256_diffusion_uncond.pt (566 tensors), committed beside this test.
function checkpointLayout(): Array<[string, string, string]> {
  return readFileSync(join(REPO, 'test/model/adm256-state-dict.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t') as [string, string, string]);
}

describe('ADM-256 U-Net definition (model/adm/adm_unet.py)', () => {
  beforeAll(() => {
    requireTorch();
  });

  it('has exactly the checkpoint keys, shapes and 552,814,086 parameters', () => {
    const out = JSON.parse(runPython(['test/model/adm_state_dict.py'], 120_000)) as {
      keys: Array<[string, string, string]>;
      parameters: number;
    };
    const expected = checkpointLayout();
    expect(expected).toHaveLength(566);
    expect(out.keys).toHaveLength(566);
    const ours = new Map(out.keys.map(([k, shape]) => [k, shape]));
    const missing = expected.filter(([k]) => !ours.has(k)).map(([k]) => k);
    const extra = out.keys.filter(([k]) => !expected.some(([e]) => e === k)).map(([k]) => k);
    const wrongShape = expected.filter(([k, shape]) => ours.has(k) && ours.get(k) !== shape).map(([k, s]) => `${k}: ${ours.get(k)} != ${s}`);
    expect({ missing, extra, wrongShape }).toEqual({ missing: [], extra: [], wrongShape: [] });
    expect(out.keys.map(([k]) => k)).toEqual(expected.map(([k]) => k));
    expect(out.keys.every(([, , dtype]) => dtype === 'float32')).toBe(true);
    expect(out.parameters).toBe(552_814_086);
  });
});
