import { describe, expect, it } from 'vitest';
import type { Dataset } from '../dicom/part10.js';
import { BASIC_TEXT_SR_STORAGE, buildEnhancementReport, measuredLines, type EnhancementReportParams } from './enhancement-report-sr.js';
import { buildProcessingStamp } from './equipment.js';

const SHA = 'cd'.repeat(32);
const SOURCE: Dataset = {
  SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
  SOPInstanceUID: '1.2.3.4.1',
  StudyInstanceUID: '1.2.3',
  SeriesInstanceUID: '1.2.3.4',
  PatientName: 'Doe^Jane',
  PatientID: 'P1',
  PatientIdentityRemoved: 'YES',
  Modality: 'CT',
};

function params(over: Partial<EnhancementReportParams> = {}): EnhancementReportParams {
  return {
    source: SOURCE,
    sopInstanceUid: '1.2.3.9.1',
    seriesInstanceUid: '1.2.3.9',
    seriesNumber: 1999,
    series: [
      {
        derivedSeriesUid: '1.2.3.5',
        derivedSeriesDescription: 'enhanced',
        sourceSeriesUid: '1.2.3.4',
        sourceSeriesDescription: 'Chest',
        window: 'lung',
        outputKind: 'sc-rgb',
        model: { id: 'm', version: '2', sha256: SHA },
        preset: 'ct',
        seed: 7,
        estimator: 'network',
        networkEvaluationsPerPatch: 3,
        classicalSteps: ['contrast-stretch', 'some-new-step'],
        measuredImages: 2,
        quality: { entropyIn: 5, entropyOut: 6.5, backgroundFraction: 0.25 },
      },
    ],
    evidence: [
      { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.2.3.4.1', seriesInstanceUid: '1.2.3.4' },
      { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '1.2.3.5.1', seriesInstanceUid: '1.2.3.5' },
    ],
    processing: buildProcessingStamp({ modelId: 'm', modelVersion: '2', modelSha256: SHA, processedAt: new Date('2026-01-01T00:00:00Z'), description: 'report' }),
    ...over,
  };
}

const items = (ds: Dataset): Dataset[] => ds.ContentSequence as Dataset[];
const named = (list: Dataset[], meaning: string): Dataset[] => list.filter((i) => (i.ConceptNameCodeSequence as Dataset[])[0]!.CodeMeaning === meaning);

describe('buildEnhancementReport', () => {
  it('is a Basic Text SR in the source study, its own SR series, unverified, with the patient copied', () => {
    const ds = buildEnhancementReport(params());
    expect(ds.SOPClassUID).toBe(BASIC_TEXT_SR_STORAGE);
    expect(ds.StudyInstanceUID).toBe('1.2.3');
    expect(ds.SeriesInstanceUID).toBe('1.2.3.9');
    expect(ds.Modality).toBe('SR');
    expect(ds.VerificationFlag).toBe('UNVERIFIED');
    expect(ds.CompletionFlag).toBe('COMPLETE');
    expect(ds.PatientID).toBe('P1');
    expect(ds.DeidentificationMethod).toBeTruthy();
    expect(ds.ValueType).toBe('CONTAINER');
    const evidence = (ds.CurrentRequestedProcedureEvidenceSequence as Dataset[])[0]!;
    expect(evidence.StudyInstanceUID).toBe('1.2.3');
    expect((evidence.ReferencedSeriesSequence as Dataset[]).map((s) => s.SeriesInstanceUID)).toEqual(['1.2.3.4', '1.2.3.5']);
  });

  it('states per derived series the source, model, what ran, seed and the measured figures; no NUM items', () => {
    const ds = buildEnhancementReport(params());
    const section = named(items(ds), 'Derived series')[0]!;
    const content = items(section);
    expect(content.every((i) => ['TEXT', 'UIDREF', 'CODE'].includes(String(i.ValueType)))).toBe(true);
    expect(named(content, 'Source series for image processing operation')[0]!.UID).toBe('1.2.3.4');
    expect(named(content, 'Model SHA-256')[0]!.TextValue).toBe(SHA);
    expect(named(content, 'Algorithm Version')[0]!.TextValue).toBe('2');
    expect(named(content, 'Random seed')[0]!.TextValue).toBe('7');
    expect(named(content, 'Network evaluations per patch')[0]!.TextValue).toBe('3');
    const steps = named(content, 'Classical processing step').map((i) => (i.ConceptCodeSequence as Dataset[])[0]!.CodeMeaning);
    expect(steps).toEqual(['Percentile contrast stretch', 'some-new-step']);
    expect(named(content, 'Measured before/after')[0]!.TextValue).toBe('mean over 2 image(s): entropy: before 5, after 6.5; backgroundFraction: 0.25');
  });

  it('pairs In/Out figures as before/after', () => {
    expect(measuredLines({ meanIn: 0.123456, meanOut: 0.2, lightnessOrderError: 0 })).toEqual(['mean: before 0.1235, after 0.2', 'lightnessOrderError: 0']);
  });

  it('throws on an incomplete report', () => {
    expect(() => buildEnhancementReport(params({ series: [] }))).toThrow(/no derived series/);
    expect(() => buildEnhancementReport(params({ evidence: [] }))).toThrow(/no referenced instances/);
    expect(() => buildEnhancementReport(params({ sopInstanceUid: 'x' }))).toThrow(/not a valid UID/);
    const s = params().series[0]!;
    expect(() => buildEnhancementReport(params({ series: [{ ...s, model: { id: 'm', version: '2', sha256: 'short' } }] }))).toThrow(/SHA-256/);
    expect(() => buildEnhancementReport(params({ series: [{ ...s, derivedSeriesUid: '1.2.3.77' }] }))).toThrow(/no referenced instance/);
    expect(() => buildEnhancementReport(params({ source: { ...SOURCE, StudyInstanceUID: undefined } }))).toThrow(/StudyInstanceUID/);
  });
});
