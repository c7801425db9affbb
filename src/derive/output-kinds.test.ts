import { describe, expect, it } from 'vitest';
import { memoOverOutputKinds, outputKindNamed, outputKindNames, registerOutputKind } from './output-kinds.js';

describe('output kind registry', () => {
  it('lists the built-in kinds in the order rules.schema.json offers them, each with its assembly', () => {
    expect(outputKindNames().slice(0, 4)).toEqual(['sc-rgb', 'mf-sc-rgb', 'derived-grayscale', 'vl-endoscopic']);
    expect(outputKindNames().slice(0, 4).map((k) => outputKindNamed(k)!.assembly)).toEqual(['per-slice', 'series', 'per-slice', 'per-slice']);
    expect(outputKindNamed('derived-grayscale')!.modalities).toEqual(['CT', 'MR']);
    expect(outputKindNamed('vl-endoscopic')!.modalities).toEqual(['ES']);
    expect(outputKindNamed('sc-rgb')!.modalities).toBeUndefined();
  });

  it('refuses a second definition under a registered name and ignores the same one again', () => {
    const sc = outputKindNamed('sc-rgb')!;
    let builds = 0;
    const names = memoOverOutputKinds(() => (builds++, outputKindNames()));
    names();
    registerOutputKind(sc);
    names();
    expect(builds).toBe(1);
    expect(() => registerOutputKind({ ...sc })).toThrow(/'sc-rgb' is registered already/);
  });
});
