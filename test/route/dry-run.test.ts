import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { writePart10 } from '../../src/dicom/part10.js';
import { dryRun, formatDryRun } from '../../src/route/dry-run.js';
import { pydicomData } from '../helpers/debian-fixtures.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../../src/export/destination-kinds.js';

const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unimie-dryrun-'));

function instance(name: string, fields: Record<string, unknown>): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    writePart10({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
      SOPInstanceUID: `2.25.${Math.floor(Math.random() * 1e12)}`,
      StudyInstanceUID: '2.25.1',
      SeriesInstanceUID: '2.25.2',
      PatientName: 'Secret^Patient',
      ...fields,
    }),
  );
  return file;
}

beforeAll(() => {
  instance('study/ct/1.dcm', { Modality: 'CT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SeriesDescription: 'Thorax' });
  instance('study/ct/2.dcm', { Modality: 'CT', SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SeriesDescription: 'Thorax' });
  instance('study/mr.dcm', { Modality: 'MR', SOPClassUID: '1.2.840.10008.5.1.4.1.1.4' });
  instance('study/es.dcm', { Modality: 'ES', PhotometricInterpretation: 'YBR_FULL_422', SamplesPerPixel: 3 });
  instance('study/es-mono.dcm', { Modality: 'ES', PhotometricInterpretation: 'MONOCHROME2', SamplesPerPixel: 1 });
  instance('study/us.dcm', { Modality: 'US' });
  fs.writeFileSync(path.join(tmp, 'study/notes.txt'), 'not DICOM');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('dryRun with the shipped rules', () => {
  it('says per file which rule fires and why, reading folders recursively', async () => {
    const report = await dryRun(loadConfig(CONFIG_DIR), [path.join(tmp, 'study')]);
    const byName = Object.fromEntries(report.entries.map((e) => [path.relative(tmp, e.path), e]));
    expect(Object.keys(byName)).toEqual(['study/ct/1.dcm', 'study/ct/2.dcm', 'study/es-mono.dcm', 'study/es.dcm', 'study/mr.dcm', 'study/notes.txt', 'study/us.dcm']);
    const fired = (n: string) => {
      const e = byName[n]!;
      return e.ok ? e.fired : e.error;
    };
    expect(fired('study/ct/1.dcm')).toEqual(['ct-enhance']);
    expect(fired('study/mr.dcm')).toEqual(['mr-enhance']);
    expect(fired('study/es.dcm')).toEqual(['endoscopy-enhance']);
    expect(fired('study/es-mono.dcm')).toEqual(['default']);
    expect(fired('study/us.dcm')).toEqual(['default']);
    expect(fired('study/notes.txt')).toMatch(/not a readable DICOM/);
    expect(report.counts).toEqual({ 'ct-enhance': 2, 'mr-enhance': 1, 'endoscopy-enhance': 1, default: 2 });
    expect(report.unreadable).toBe(1);

    const text = formatDryRun(report);
    expect(text).toContain('→ rule ct-enhance: Modality CT equals CT ✓');
    expect(text).toContain('windows soft-tissue; enhance ct-default; output sc-rgb; to outbox; complete per series after 10 s quiet');
    expect(text).toContain('rule endoscopy-enhance: Modality ES regex /^(ES|XC|OT)$/ ✓; PhotometricInterpretation MONOCHROME2 regex /^(RGB|YBR_)/ ✗');
    expect(text).toContain('→ rule default: default rule, no other rule matched ✓');
    expect(text).toContain('not evaluated: mr-enhance, endoscopy-enhance, default');
    expect(text).toMatch(/6 file\(s\) evaluated: ct-enhance 2, mr-enhance 1, endoscopy-enhance 1, default 2; 1 not readable as DICOM$/);
    expect(text).not.toContain('Secret');
  });

  it('uses the AE titles it is given and reports a missing path', async () => {
    const config = loadConfig(CONFIG_DIR);
    const report = await dryRun(config, [path.join(tmp, 'study/us.dcm'), path.join(tmp, 'missing')], { callingAe: 'STORESCU', calledAe: 'UNIMIE' });
    expect(report.entries[0]).toMatchObject({ ok: true, fired: ['default'], modality: 'US' });
    expect(report.entries[1]).toMatchObject({ ok: false, error: expect.stringMatching(/ENOENT/) });
  });
});

describe('dryRun: objects a processing rule would skip', () => {
  const PYDICOM = pydicomData('test_files');
  const rulesOnly = {
    rules: [
      {
        name: 'all',
        index: 0,
        isDefault: false,
        match: { tags: [] },
        completion: { scope: 'series', quietSeconds: 5, lateArrival: 'supersede' },
        actions: { kind: 'process', windows: ['soft-tissue'], enhance: 'none', output: 'sc-rgb', destinations: ['out'], forward: [] },
      },
    ],
  } as unknown as Parameters<typeof dryRun>[0];

  it('says which objects are no images and which are, for the rule that fires', async () => {
    const files = ['test-SR.dcm', 'rtplan.dcm', 'waveform_ecg.dcm', 'CT_small.dcm'].map((f) => path.join(PYDICOM, f));
    const report = await dryRun(rulesOnly, files);
    const skipped = report.entries.map((e) => (e.ok ? e.notProcessed : e.error));
    expect(skipped.slice(0, 3)).toEqual([
      'no image object: ComprehensiveSRStorage (1.2.840.10008.5.1.4.1.1.88.33) carries no pixel data; stored, not processed',
      'no image object: RTPlanStorage (1.2.840.10008.5.1.4.1.1.481.5) carries no pixel data; stored, not processed',
      'no image object: TwelveLeadECGWaveformStorage (1.2.840.10008.5.1.4.1.1.9.1.1) carries no pixel data; stored, not processed',
    ]);
    expect(skipped[3]).toBeUndefined();
    const text = formatDryRun(report);
    expect(text).toContain('this object is skipped: no image object: RTPlanStorage');
    expect(text.match(/this object is skipped/g)).toHaveLength(3);
  });
});
