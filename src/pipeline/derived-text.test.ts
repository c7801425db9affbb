import { describe, expect, it } from 'vitest';
import { APPLIED, RECORD, SHA } from '../../test/helpers/what-ran.js';
import { CLASSICAL_STEPS, type ClassicalStep } from '../enhance/applied-processing.js';
import { isDefaultRepertoire } from '../derive/dicom-text.js';
import {
  CLASSICAL_STEP_TEXT,
  contributionDescriptionFor,
  derivationCodesOfRun,
  derivationDescriptionFor,
  describeSeries,
  seriesWhat,
} from './derived-text.js';
import { namePreset, nameRun } from './run-naming.js';
import type { PresetDescription } from '../enhance/preset-description.js';

const presetOf = (name: string): PresetDescription => ({ preset: name, modelId: 'embedded', modelVersion: '1.0', modelSha256: SHA, steps: 10, seed: 42, params: {} });
const runWith = (record: typeof RECORD | undefined, name: string, applied = APPLIED) => nameRun(namePreset(record, name, { id: 'embedded', sha256: SHA }), applied);
const runOf = (name: string, applied = APPLIED) => runWith(RECORD, name, applied);
const window = { name: 'soft-tissue', center: 40, width: 400 };
const source = { SeriesDescription: 'Abd' };
const codeValues = (run: ReturnType<typeof runOf> | undefined) => derivationCodesOfRun(run).map((c) => `${c.scheme}:${c.value}`);

describe('what a derived series says ran', () => {
  it('a preset that earns the name: UniMIE, its network evaluations, model, start, patch grid, measurement', () => {
    const run = runOf('strong');
    expect(describeSeries(source, 'lung', presetOf('strong'), run)).toBe('UniMIE embedded 3 NFE - lung - NOT FOR PRIMARY DIAGNOSIS');
    expect(describeSeries({}, 'bone', presetOf('strong'), run)).toBe('UniMIE embedded 3 NFE - bone - NOT FOR PRIMARY DIAGNOSIS');
    expect(describeSeries({}, '', presetOf('strong'), run)).toBe('enhanced (UniMIE embedded 3 NFE) - NOT FOR PRIMARY DIAGNOSIS');
    const text = derivationDescriptionFor({ window, windowName: 'soft-tissue', preset: presetOf('strong'), run, backgroundProtected: true });
    expect(text).toBe(
      'Rendered to 8-bit RGB with window soft-tissue (C 40 W 400). ' +
        `UniMIE diffusion enhancement: model embedded 1.0 sha256:${SHA.slice(0, 16)}, 3 network evaluations per patch from timestep 222 ` +
        '(start anchored on the input), patch 256 stride 128 (1 patch per image), preset strong (10-step schedule, seed 42). ' +
        "Classical steps: percentile contrast stretch (p1-p99.9 over all channels), local gamma illumination correction of the sampler start, detail transfer (the input's fine structure on the result's low-pass), " +
        'background (dark region connected to the border) kept from the input. ' +
        `Measured on the heldout set (commit 0123456789ab, 2025-06-01, model sha256:${SHA.slice(0, 16)}): +1.42 dB PSNR and +0.014 SSIM over the network-free twin on noisy kinds (24 cases), agreement 31.5 dB; bar 1 dB. ` +
        'Not for primary diagnosis.',
    );
    expect(codeValues(run)).toEqual(['DCM:113087', '99UNIMIE:UNIMIE-PRIOR', '99UNIMIE:STRETCH-PCTL', '99UNIMIE:LOCAL-GAMMA', '99UNIMIE:DETAIL-TRANSFER', 'DCM:113047']);
    expect(contributionDescriptionFor(presetOf('strong'), run)).toBe('UniMIE diffusion enhancement (model embedded, 3 network evaluations per patch)');
  });

  it('a preset below the bar: the classical enhancement it is, with the reason, never UniMIE or diffusion in the short text', () => {
    const run = runOf('weak');
    const series = describeSeries(source, 'bone', presetOf('weak'), run);
    expect(series).toBe('illum. corr. (classical) - bone - NOT FOR PRIMARY DIAGNOSIS');
    expect(describeSeries(source, 'ct', presetOf('weak'), run)).toBe('illumination corr. (classical) - ct - NOT FOR PRIMARY DIAGNOSIS');
    expect(describeSeries(source, '', presetOf('weak'), run)).toBe('Abd - illumination corr. (classical) - NOT FOR PRIMARY DIAGNOSIS');
    expect(describeSeries(source, 'soft-tissue', presetOf('weak'), run)).toBe('illum. (classical) - soft-tissue - NOT FOR PRIMARY DIAGNOSIS');
    const gamma = runOf('weak', { ...APPLIED, classical: ['gamma-start'] });
    expect(describeSeries({}, 'soft-tissue', presetOf('weak'), gamma)).toBe('gamma (classical) - soft-tissue - NOT FOR PRIMARY DIAGNOSIS');
    expect(contributionDescriptionFor(presetOf('strong'), runOf('strong', { ...APPLIED, networkEvaluationsPerPatch: 1 }))).toBe(
      'UniMIE diffusion enhancement (model embedded, 1 network evaluation per patch)',
    );
    expect(series).not.toMatch(/UniMIE|diffusion/i);
    const text = derivationDescriptionFor({ window, windowName: 'soft-tissue', preset: presetOf('weak'), run, backgroundProtected: true });
    expect(text).toContain('Classical enhancement, not UniMIE (network measured +0.21 dB over its network-free twin on noisy kinds, below the 1 dB bar): percentile contrast stretch');
    expect(text).toContain(`Sampler also run: model embedded 1.0 sha256:${SHA.slice(0, 16)}, 3 network evaluations per patch from timestep 222`);
    expect(text).toContain('+0.21 dB PSNR');
    expect(text).not.toContain('UniMIE diffusion');
    expect(codeValues(run)).toEqual(['99UNIMIE:STRETCH-PCTL', '99UNIMIE:LOCAL-GAMMA', '99UNIMIE:DETAIL-TRANSFER', 'DCM:113047']);
    expect(contributionDescriptionFor(presetOf('weak'), run)).toMatch(/^Classical enhancement \(contrast-stretch, local-gamma-start, detail-transfer, background-copy\); not UniMIE: network measured \+0\.21 dB/);
  });

  it('no record, or no measurement for this model: classical, saying so', () => {
    const none = runWith(undefined, 'strong');
    expect(describeSeries({}, 'bone', presetOf('strong'), none)).toBe('illum. corr. (classical) - bone - NOT FOR PRIMARY DIAGNOSIS');
    expect(derivationDescriptionFor({ windowName: 'file', preset: presetOf('strong'), run: none, backgroundProtected: false })).toContain(
      'Classical enhancement, not UniMIE (no measurement of the network contribution (no contribution record)):',
    );
    const other = nameRun(namePreset(RECORD, 'strong', { id: 'embedded', sha256: 'cd'.repeat(32) }), APPLIED);
    expect(derivationDescriptionFor({ windowName: 'file', preset: presetOf('strong'), run: other, backgroundProtected: false })).toContain('not with this model');
    expect(codeValues(other)).not.toContain('DCM:113087');
  });

  it('a network-free run: classical, 0 network evaluations, even for a preset that earned the name', () => {
    const free = runOf('strong', { ...APPLIED, estimator: 'network-free', networkEvaluationsPerPatch: 0, classical: ['gamma-start'] });
    expect(describeSeries({}, 'bone', presetOf('strong'), free)).toBe('gamma brightening (classical) - bone - NOT FOR PRIMARY DIAGNOSIS');
    const text = derivationDescriptionFor({ windowName: 'file', preset: presetOf('strong'), run: free, backgroundProtected: false });
    expect(text).toContain('Classical enhancement, not UniMIE (network-free run: the network was not called): gamma brightening of the sampler start.');
    expect(text).toContain('network-free (start estimate in place of the network, 0 network evaluations)');
    expect(codeValues(free)).toEqual(['99UNIMIE:GAMMA']);
  });

  it('names every classical step, in the text and in the codes', () => {
    const all = runOf('weak', { ...APPLIED, classical: [...CLASSICAL_STEPS], patchSize: 128, stride: 64, patchesPerImage: 9 });
    const text = derivationDescriptionFor({ windowName: 'file', preset: presetOf('weak'), run: all, backgroundProtected: true });
    for (const step of CLASSICAL_STEPS) expect(text).toContain(CLASSICAL_STEP_TEXT[step]);
    expect(text).toContain('patch 128 stride 64 (9 patches per image, overlaps averaged)');
    expect(codeValues(all)).toEqual(['99UNIMIE:STRETCH-PCTL', '99UNIMIE:GAMMA', '99UNIMIE:LOCAL-GAMMA', '99UNIMIE:DETAIL-TRANSFER', 'DCM:113089', 'DCM:113047', '99UNIMIE:BG-SMOOTH']);
    const labels = (steps: ClassicalStep[]) => seriesWhat(presetOf('weak'), runOf('weak', { ...APPLIED, classical: steps }))[0];
    expect(labels(['contrast-stretch'])).toBe('contrast stretch (classical)');
    expect(labels(['detail-transfer', 'detail-boost'])).toBe('sharpening (classical)');
    expect(labels(['background-copy'])).toBe('enhanced (classical)');
    expect(labels([])).toBe('enhanced (unvalidated)');
    expect(codeValues(runOf('weak', { ...APPLIED, classical: [] }))).toEqual([]);
  });

  it('stays within its VRs, in the default repertoire, and never loses the warning', () => {
    const long = { ...presetOf('strong'), modelId: 'm'.repeat(60), preset: 'p'.repeat(60) };
    const all = runOf('strong', { ...APPLIED, classical: [...CLASSICAL_STEPS] });
    const text = derivationDescriptionFor({ window, windowName: 'soft-tissue', preset: long, run: all, backgroundProtected: true, outputKind: 'derived-grayscale' });
    expect(text.length).toBeLessThanOrEqual(1024);
    expect(isDefaultRepertoire(text)).toBe(true);
    const series = describeSeries({ SeriesDescription: 'S'.repeat(64) }, 'mediastinum', long, all);
    expect(series.length).toBeLessThanOrEqual(64);
    expect(series).toBe('UniMIE 3 NFE - mediastinum - NOT FOR PRIMARY DIAGNOSIS');
  });

  it('render-only and unrecorded runs', () => {
    expect(describeSeries(source, 'bone', undefined)).toBe('Abd - rendered - bone - NOT FOR PRIMARY DIAGNOSIS');
    expect(derivationDescriptionFor({ window, windowName: 'soft-tissue', backgroundProtected: false })).toBe(
      'Rendered to 8-bit RGB with window soft-tissue (C 40 W 400). No enhancement (render-only stage). Not for primary diagnosis.',
    );
    expect(describeSeries({}, 'bone', presetOf('strong'))).toBe('enhanced (unvalidated) - bone - NOT FOR PRIMARY DIAGNOSIS');
    expect(derivationDescriptionFor({ windowName: 'file', preset: presetOf('strong'), backgroundProtected: true })).toContain('what ran was not recorded, so it is not called UniMIE');
    expect(derivationCodesOfRun(undefined)).toEqual([]);
    expect(contributionDescriptionFor(undefined, undefined)).toBe('Windowed rendering to RGB');
  });
});
