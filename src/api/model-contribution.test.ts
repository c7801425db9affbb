import { describe, expect, it } from 'vitest';
import { RECORD, SHA } from '../../test/helpers/what-ran.js';
import { modelsWithContribution } from './model-contribution.js';

const loaded = { id: 'embedded', sha256: SHA, version: '1', device: 'cpu', loaded: true };
const presets = { weak: { model: 'embedded' }, strong: { model: 'embedded' }, other: { model: 'adm' } };
const status = { path: '/eval/results/contribution.json', state: 'loaded' as const, record: RECORD };

describe('modelsWithContribution (GET /api/models)', () => {
  it("shows each preset's measured contribution and whether it earns the UniMIE name with the loaded model", () => {
    const [m] = modelsWithContribution([loaded], presets, status);
    expect(m).toMatchObject({ ...loaded, contributionRecord: { path: status.path, state: 'loaded' } });
    expect(m!.presets.map((p) => [p.name, p.label, p.unimie])).toEqual([
      ['strong', 'UniMIE', true],
      ['weak', 'classical', false],
    ]);
    expect(m!.presets[0]!.measurement).toMatchObject({ set: 'heldout', commit: RECORD.commit, createdAt: RECORD.createdAt, noisy: { contributionDb: 1.42, agreementDb: 31.5 } });
    expect(m!.presets[1]!.reason).toMatch(/below the 1 dB bar/);
  });

  it('another model hash, no record, an unreadable record or a model not loaded: classical, with the reason', () => {
    const other = modelsWithContribution([{ ...loaded, sha256: 'cd'.repeat(32) }], presets, status)[0]!.presets[0]!;
    expect(other).toMatchObject({ name: 'strong', unimie: false, label: 'classical', reason: expect.stringMatching(/not with this model/) });
    expect(other.measurement?.modelSha256).toBe(SHA);
    const none = modelsWithContribution([loaded], presets, { path: status.path, state: 'missing' })[0]!;
    expect(none.presets.every((p) => !p.unimie && p.measurement === null)).toBe(true);
    const bad = modelsWithContribution([loaded], presets, { path: status.path, state: 'unreadable', problem: 'Unexpected token' })[0]!;
    expect(bad.contributionRecord).toEqual({ path: status.path, state: 'unreadable', problem: 'Unexpected token' });
    expect(bad.presets[0]!.reason).toBe('contribution record unreadable (Unexpected token): no measurement');
    const missingModel = modelsWithContribution([{ id: 'embedded', loaded: false, problem: 'no file' }], presets, status)[0]!;
    expect(missingModel.presets[0]).toMatchObject({ unimie: false, reason: expect.stringMatching(/^model not loaded: /) });
    expect(modelsWithContribution([loaded], presets, undefined)[0]!.contributionRecord).toBeNull();
  });
});
