import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNSTATED_DEIDENTIFICATION_METHOD } from '../../src/derive/deidentification.js';
import { EnhancedGrayscaleImageBuilder } from '../../src/derive/enhanced-grayscale-image.js';
import { buildProcessingStamp } from '../../src/derive/equipment.js';
import { GrayscaleImageBuilder } from '../../src/derive/grayscale-image.js';
import { MultiFrameScBuilder } from '../../src/derive/mf-sc-image.js';
import { ScImageBuilder } from '../../src/derive/sc-image.js';
import { VlEndoscopicBuilder } from '../../src/derive/vl-endoscopic.js';
import { type Dataset, readPart10, writePart10 } from '../../src/dicom/part10.js';
import { createRgbImage, type RgbImage } from '../../src/render/rgb-image.js';
import { endoscopySeries } from './endoscopy-fixture.js';
import { enhancedSource } from './enhanced-fixture.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

/**
 * Derived-object conformance for the Type 1C attributes a source's flags call for: a source that
 * says Patient Identity Removed = YES without a De-identification Method (or its code sequence)
 * gives, in every output kind, an object dciodvfy accepts without the Type 1C error (PS3.3
 * C.7.1.1); and a sweep over pydicom's image files builds an SC object from each and finds no
 * dciodvfy Error. DCMTK ships no sample DICOM files (/usr/share/dcmtk* holds only LUTs and
 * schemas), so pydicom's are the whole sample set.
 */
const PYDICOM = pydicomData('test_files');
const PROCESSING = buildProcessingStamp({ modelId: 'unimie-adm256', modelVersion: '1.0', modelSha256: '9f'.repeat(32), processedAt: new Date('2026-01-02T03:04:05Z'), description: 'test', stationAeTitle: 'UNIMIE' });
const OPTIONS = {
  seriesInstanceUid: '2.25.7001',
  sopInstanceUid: '2.25.7002',
  seriesNumber: 1001,
  seriesDescription: 'derived - NOT FOR PRIMARY DIAGNOSIS',
  derivationDescription: 'UniMIE 1.0 on window soft-tissue; NOT FOR PRIMARY DIAGNOSIS',
  imageTypeValue4: 'ENHANCED',
  processing: PROCESSING,
};
const WINDOW = { name: 'soft-tissue', center: 40, width: 400 };

const load = (path: string): Dataset => readPart10(readFileSync(path)).dataset;

function patterned(columns: number, rows: number): RgbImage {
  const image = createRgbImage(columns, rows);
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 13) % 256;
  return image;
}

/** The source as a de-identifier that names no method leaves it. */
function claimsIdentityRemoved(source: Dataset): Dataset {
  const out: Dataset = { ...source, PatientIdentityRemoved: 'YES' };
  delete out.DeidentificationMethod;
  delete out.DeidentificationMethodCodeSequence;
  return out;
}

function dciodvfyErrors(path: string): string[] {
  const res = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
  if (res.error) throw new Error(`dciodvfy could not be run (install dicom3tools): ${res.error.message}`);
  return `${res.stdout}\n${res.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('Error'));
}

let dir: string;
const write = (name: string, ds: Dataset): string => {
  const path = join(dir, `${name}.dcm`);
  writeFileSync(path, writePart10(ds));
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'derive-deid-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ct = () => claimsIdentityRemoved(load(join(PYDICOM, 'CT_small.dcm')));
const KINDS: [string, () => Dataset][] = [
  ['sc-rgb', () => ScImageBuilder.fromSource(ct(), patterned(128, 128), OPTIONS)],
  ['mf-sc-rgb', () => MultiFrameScBuilder.fromSources([{ source: ct(), frameIndex: 0, image: patterned(128, 128) }], OPTIONS)],
  ['derived-grayscale', () => GrayscaleImageBuilder.fromSource(ct(), patterned(128, 128), { ...OPTIONS, window: WINDOW })],
  [
    'derived-grayscale (Enhanced CT)',
    () => {
      const source = claimsIdentityRemoved(enhancedSource('CT', { frames: 2, rows: 24, columns: 20, seed: 9 }));
      return EnhancedGrayscaleImageBuilder.fromSource(source, [0, 1].map((frameIndex) => ({ frameIndex, image: patterned(20, 24), window: WINDOW })), OPTIONS);
    },
  ],
  ['vl-endoscopic', () => VlEndoscopicBuilder.fromSource(claimsIdentityRemoved(endoscopySeries(1)[0]!), patterned(64, 48), OPTIONS)],
];

describe('a source with Patient Identity Removed = YES and no method', () => {
  it.each(KINDS)('%s: the derived object states a method and dciodvfy finds no Type 1C error', (kind, build) => {
    const ds = build();
    expect(ds.PatientIdentityRemoved).toBe('YES');
    expect(ds.DeidentificationMethod).toBe(UNSTATED_DEIDENTIFICATION_METHOD);
    const errors = dciodvfyErrors(write(kind.replace(/\W+/g, '-'), ds));
    expect(errors.filter((l) => /Deidentification/i.test(l))).toEqual([]);
    // The Enhanced CT IOD has one accepted dicom3tools error (Rescale Type US, enhanced-dicom3tools.ts).
    expect(errors.filter((l) => !/Rescale Type/.test(l))).toEqual([]);
  });

  it("keeps the source's own method", () => {
    const source = { ...ct(), DeidentificationMethod: 'DICOM PS3.15 E.1 Basic Profile' };
    const ds = ScImageBuilder.fromSource(source, patterned(128, 128), OPTIONS);
    expect(ds.DeidentificationMethod).toBe('DICOM PS3.15 E.1 Basic Profile');
  });

  it('control: the same object without the method fails dciodvfy with the Type 1C error', () => {
    const ds = ScImageBuilder.fromSource(ct(), patterned(128, 128), OPTIONS);
    delete ds.DeidentificationMethod;
    expect(dciodvfyErrors(write('control', ds)).some((l) => /Type 1C.*DeidentificationMethod/.test(l))).toBe(true);
  });
});

/**
 * pydicom's image files that read and from which the SC builder builds (it refuses a source with
 * no Modality; those, the files without Pixel Data and the deliberately broken ones are left out
 * by the filter below). 693_J2KI.dcm is the one that claims identity removed without a method.
 */
const SWEEP = readdirSync(PYDICOM)
  .filter((f) => f.endsWith('.dcm'))
  .sort()
  .filter((f) => {
    try {
      const ds = readPart10(readFileSync(join(PYDICOM, f)), { untilPixelData: true }).dataset;
      return 'PixelData' in ds && Number(ds.Rows) > 0 && typeof ds.Modality === 'string' && ds.Modality.length > 0;
    } catch {
      return false;
    }
  });

describe("derived SC objects from pydicom's sample images pass dciodvfy", () => {
  it('sweeps a real set (the de-identified J2K file among them)', () => {
    expect(SWEEP.length).toBeGreaterThanOrEqual(40);
    expect(SWEEP).toContain('693_J2KI.dcm');
  });

  it.each(SWEEP)('%s', (file) => {
    const source = load(join(PYDICOM, file));
    const frames = Number(source.NumberOfFrames ?? 1);
    const ds = ScImageBuilder.fromSource(source, patterned(Number(source.Columns), Number(source.Rows)), { ...OPTIONS, sourceFrameIndex: frames > 1 ? 0 : undefined });
    expect(dciodvfyErrors(write(`sweep-${file}`, ds))).toEqual([]);
  });
});
