import { describe, expect, it } from 'vitest';
import { APPLIED, RECORD, SHA } from '../../test/helpers/what-ran.js';
import { namePreset, nameRun, signed } from './run-naming.js';

describe('namePreset', () => {
  const model = { id: 'embedded', sha256: SHA };

  it('calls a preset UniMIE only when the record measured it above the bar with this model', () => {
    const n = namePreset(RECORD, 'strong', model);
    expect(n.unimie).toBe(true);
    expect(n.reason).toBe('network measured +1.42 dB over its network-free twin on noisy kinds (bar 1 dB)');
    expect(n.measurement).toMatchObject({ set: 'heldout', commit: RECORD.commit, barDb: 1, modelSha256: SHA, meetsBar: true });
    expect(n.measurement!.noisy.contributionDb).toBe(1.42);
  });

  it('does not for a preset below the bar, and says by how much', () => {
    const n = namePreset(RECORD, 'weak', model);
    expect(n.unimie).toBe(false);
    expect(n.reason).toBe('network measured +0.21 dB over its network-free twin on noisy kinds, below the 1 dB bar');
    expect(n.measurement?.meetsBar).toBe(false);
  });

  it('does not when the measurement was made with another model, and keeps the figures to show', () => {
    const n = namePreset(RECORD, 'strong', { id: 'embedded', sha256: 'cd'.repeat(32) });
    expect(n.unimie).toBe(false);
    expect(n.reason).toMatch(/^measured with model sha256:abababababababab, not with this model \(sha256:cdcdcdcdcdcdcdcd\)$/);
    expect(n.measurement?.noisy.contributionDb).toBe(1.42);
  });

  it('does not without a measurement of the preset or without a record', () => {
    expect(namePreset(RECORD, 'other', model)).toEqual({ unimie: false, reason: 'no measurement of the network contribution for preset other' });
    expect(namePreset(undefined, 'strong', model)).toEqual({ unimie: false, reason: 'no measurement of the network contribution (no contribution record)' });
  });
});

describe('nameRun', () => {
  it('keeps the preset decision for a run that called the network', () => {
    const run = nameRun(namePreset(RECORD, 'strong', { id: 'embedded', sha256: SHA }), APPLIED);
    expect(run.unimie).toBe(true);
    expect(run.applied).toBe(APPLIED);
  });

  it('never calls a network-free run UniMIE, even for a preset that earned the name', () => {
    const preset = namePreset(RECORD, 'strong', { id: 'embedded', sha256: SHA });
    const free = nameRun(preset, { ...APPLIED, estimator: 'network-free', networkEvaluationsPerPatch: 0 });
    expect(free.unimie).toBe(false);
    expect(free.reason).toBe('network-free run: the network was not called');
    expect(nameRun(preset, { ...APPLIED, networkEvaluationsPerPatch: 0 }).unimie).toBe(false);
  });
});

describe('signed', () => {
  it('writes the sign of a gain and no negative zero', () => {
    expect(signed(1.424, 2)).toBe('+1.42');
    expect(signed(-0.17, 2)).toBe('-0.17');
    expect(signed(-0.001, 2)).toBe('0.00');
  });
});
