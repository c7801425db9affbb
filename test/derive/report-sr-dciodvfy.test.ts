import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEnhancementReport } from '../../src/derive/enhancement-report-sr.js';
import { buildProcessingStamp } from '../../src/derive/equipment.js';
import { readPart10, writePart10 } from '../../src/dicom/part10.js';
import { derivedSeriesUid, derivedSopInstanceUid } from '../../src/dicom/uid.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

/**
 * The enhancement report (Basic Text SR) passes dicom3tools' dciodvfy without an Error line, from
 * an ordinary and a de-identified source. Warnings allowed, with the reason:
 */
const ACCEPTED_WARNINGS: { pattern: RegExp; why: string }[] = [
  {
    pattern: /^Warning - Unrecognized defined term <99UNIMIE> for value 1 of attribute <Coding Scheme Designator>$/,
    why: 'Report concepts PS3.16 has no code for (and the title, see REPORT_CONCEPTS) are in the local scheme 99UNIMIE, a private scheme as PS3.16 8.2 allows.',
  },
  {
    pattern: /^Warning - Value is zero for value 1 of attribute <Patient's (Weight|Size)>$/,
    why: "Patient Study attributes are copied unchanged from the source (CT_small has Patient's Weight 0).",
  },
  {
    pattern: /^Warning - Value dubious for this VR - \(0x0008,0x1060\) PN Name of Physician\(s\) Reading Study .*Retired Person Name form$/,
    why: 'General Study attributes are copied unchanged from the source (MR_small has "----").',
  },
];

const PYDICOM = pydicomData('test_files');
const SHA = 'ab'.repeat(32);

function report(sourcePath: string, renderOnly = false) {
  const source = readPart10(readFileSync(sourcePath)).dataset;
  const sourceSeries = String(source.SeriesInstanceUID);
  const derivedSeries = derivedSeriesUid({ sourceSeriesUid: sourceSeries, modelSha256: SHA, presetKey: 'ct', windowName: 'soft-tissue', outputKind: 'sc-rgb' });
  const reportSeries = derivedSeriesUid({ sourceSeriesUid: sourceSeries, modelSha256: SHA, presetKey: 'ct', windowName: '', outputKind: 'report-sr' });
  return buildEnhancementReport({
    source,
    sopInstanceUid: derivedSopInstanceUid({ derivedSeriesUid: reportSeries, sourceSopInstanceUid: sourceSeries, frameIndex: 0 }),
    seriesInstanceUid: reportSeries,
    seriesNumber: 1999,
    series: [
      {
        derivedSeriesUid: derivedSeries,
        derivedSeriesDescription: 'CT enhanced soft-tissue; NOT FOR PRIMARY DIAGNOSIS',
        sourceSeriesUid: sourceSeries,
        sourceSeriesDescription: 'Ünïcode source',
        window: 'soft-tissue',
        outputKind: 'sc-rgb',
        ...(renderOnly
          ? { classicalSteps: [], measuredImages: 0, quality: {} }
          : {
              model: { id: 'unimie-adm256', version: '1.0', sha256: SHA },
              preset: 'ct',
              seed: 42,
              estimator: 'network',
              networkEvaluationsPerPatch: 4,
              classicalSteps: ['contrast-stretch', 'detail-boost'],
              namingReason: 'measured gain 1.2 dB over the network-free twin',
              measuredImages: 1,
              quality: { entropyIn: 5.1, entropyOut: 6.25, meanIn: 0.4, meanOut: 0.45, lightnessOrderError: 0.01 },
            }),
      },
    ],
    evidence: [
      { sopClassUid: String(source.SOPClassUID), sopInstanceUid: String(source.SOPInstanceUID), seriesInstanceUid: sourceSeries },
      { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: derivedSopInstanceUid({ derivedSeriesUid: derivedSeries, sourceSopInstanceUid: String(source.SOPInstanceUID), frameIndex: 0 }), seriesInstanceUid: derivedSeries },
    ],
    processing: buildProcessingStamp({ modelId: 'unimie-adm256', modelVersion: '1.0', modelSha256: SHA, processedAt: new Date('2026-01-02T03:04:05Z'), description: 'enhancement report', stationAeTitle: 'UNIMIE' }),
  });
}

describe('enhancement report (Basic Text SR) passes dciodvfy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-sr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['CT_small.dcm', false],
    ['MR_small.dcm', false],
    ['CT_small.dcm', true],
  ])('from %s (render only: %s): BasicTextSR, no Error, only accepted warnings', (name, renderOnly) => {
    const path = join(dir, `${name}-${renderOnly}.sr.dcm`);
    writeFileSync(path, writePart10(report(join(PYDICOM, name), renderOnly)));
    const res = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
    if (res.error) throw new Error(`dciodvfy could not be run (install dicom3tools): ${res.error.message}`);
    const lines = `${res.stdout}\n${res.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    expect(lines).toContain('BasicTextSR');
    expect(lines.filter((l) => l.startsWith('Error'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('Warning') && !ACCEPTED_WARNINGS.some((w) => w.pattern.test(l)))).toEqual([]);
  });
});
