import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSICAL_STEP_CODES, derivationCodesFor } from '../../src/derive/codes.js';
import { buildProcessingStamp } from '../../src/derive/equipment.js';
import { GrayscaleImageBuilder } from '../../src/derive/grayscale-image.js';
import { MultiFrameScBuilder } from '../../src/derive/mf-sc-image.js';
import { ScImageBuilder } from '../../src/derive/sc-image.js';
import { VlEndoscopicBuilder } from '../../src/derive/vl-endoscopic.js';
import { seriesDescriptionFor } from '../../src/derive/series-description.js';
import { type Dataset, readPart10, writePart10 } from '../../src/dicom/part10.js';
import { derivedSeriesUid, derivedSopInstanceUid } from '../../src/dicom/uid.js';
import { createRgbImage } from '../../src/render/rgb-image.js';
import { endoscopySeries } from './endoscopy-fixture.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

/**
 * Every derived object of every output kind (sc-rgb, mf-sc-rgb, derived-grayscale, vl-endoscopic)
 * must pass dicom3tools' dciodvfy without an Error line, and each derived series must pass
 * dcentvfy (entity consistency across instances), alone and together with its source series. Warnings are allowed only
 * when listed here with the reason we accept them.
 */
const ACCEPTED_WARNINGS: { pattern: RegExp; why: string; iod?: string }[] = [
  {
    pattern: /^Warning - Attribute is not present in standard DICOM IOD - \(0x0018,0x0050\) DS Slice Thickness|^Warning - Attribute is not present in standard DICOM IOD - \(0x0020,0x(0032|0037|0052|1040|1041)\)/,
    why: 'Image Plane and Frame of Reference attributes are kept on purpose (derived-dicom.md §3.1/§3.6): viewers need them to link scrolling and draw reference lines. This makes the object a Standard Extended SOP Class (PS3.4 B.1.3).',
  },
  {
    pattern: /^Warning - Dicom dataset contains attributes not present in standard DICOM IOD - this is a Standard Extended SOP Class$/,
    why: 'Consequence of the geometry attributes above; stated in the conformance statement.',
  },
  {
    pattern: /^Warning - Attribute is not present in standard DICOM IOD - \(0x0018,0x1002\) UI Device UID/,
    why: 'Device UID inside the Contributing Equipment Sequence item is Type 3 in current PS3.3 Table C.12-1 (SOP Common); the dicom3tools 2022 tables predate it.',
  },
  {
    pattern: /^Warning - is only permitted to be empty when actually unknown; .* attribute <Laterality>$/,
    why: 'Laterality is Type 2C; the sources carry none, so we do not know it and send it empty (= unknown) rather than inventing one.',
  },
  {
    pattern: /^Warning - Value is zero for value 1 of attribute <Patient's (Weight|Size)>$/,
    why: "Patient Study attributes are copied unchanged from the source (CT_small has Patient's Weight 0).",
  },
  {
    pattern: /^Warning - Unrecognized defined term <WHOLE BODY> for value 1 of attribute <Body Part Examined>$/,
    why: 'Body Part Examined is copied unchanged from the source (JPEG-lossy.dcm).',
  },
  {
    pattern: /^Warning - Value dubious for this VR - \(0x0008,0x1060\) PN Name of Physician\(s\) Reading Study .*Retired Person Name form$/,
    why: 'General Study attributes are copied unchanged from the source (MR_small has "----").',
  },  {
    pattern:
      /^Warning - Attribute is not present in standard DICOM IOD - \(0x(0020,0x9111|0020,0x9056|0020,0x9057|0020,0x9156|0020,0x9157|0008,0x9124|0008,0x9215|0008,0x2111|0008,0x2112|0008,0x1150|0008,0x1155|0028,0x135a|0040,0xa170|0008,0x0100|0008,0x0102|0008,0x0104|0008,0x1160)\)/,
    iod: 'MultiframeTrueColorSCImage',
    why: 'Multi-frame True Color SC: the Frame Content and Derivation Image functional groups (and the code/reference attributes inside them) are missing from the dicom3tools 2022 functional-group table of this IOD. They are what the Multi-frame Dimension module indexes (Frame Content, PS3.3 C.7.6.16.2.2) and how each frame names its source; kept on purpose and stated in the conformance statement (Standard Extended SOP Class).',
  },
  {
    pattern: /^Warning - Unrecognized defined term <(ENHANCED|RENDERED)> for value 4 of attribute <Image Type>$/,
    iod: 'CTImage',
    why: 'CT Image Type value 4 is implementation-specific (PS3.3 C.8.2.1.1.1: "Other Values are implementation specific"); dicom3tools only knows the vendor terms.',
  },
  {
    pattern: /^Warning - Unrecognized defined term <99UNIMIE> for value 1 of attribute <Coding Scheme Designator>$/,
    why: 'Classical steps with no CID 7203 concept (percentile stretch, gamma, local gamma, detail transfer) and the UniMIE prior beside Smoothing are coded in the local scheme 99UNIMIE: CID 7203 is extensible and "99" designators are the private schemes PS3.16 8.2 allows (src/derive/codes.ts).',
  },
  {
    pattern: /^Warning - Unrecognized defined term <US> for value 1 of attribute <Rescale Type>$/,
    iod: 'CTImage',
    why: 'Derived grayscale CT values are not HU any more; US ("unspecified") is a defined term of Rescale Type in PS3.3 C.11.1.1.2, which the CT Image module requires when the values are not HU.',
  },
];

const PYDICOM = pydicomData('test_files');
const CT5N_DIR = join(PYDICOM, 'dicomdirtests/98892001/CT5N');
const PROCESSED_AT = new Date('2026-01-02T03:04:05.678Z');
const MODEL_SHA = '9f'.repeat(32);

const PROCESSING = buildProcessingStamp({
  modelId: 'unimie-adm256',
  modelVersion: '1.0',
  modelSha256: MODEL_SHA,
  processedAt: PROCESSED_AT,
  description: 'UniMIE diffusion enhancement of the windowed image',
  stationAeTitle: 'UNIMIE',
});

interface ToolRun {
  rc: number | null;
  lines: string[];
}

function runTool(tool: string, args: string[]): ToolRun {
  const res = spawnSync(tool, args, { encoding: 'utf8' });
  if (res.error) throw new Error(`${tool} could not be run (install dicom3tools): ${res.error.message}`);
  // dciodvfy reports on stderr; collect both streams.
  const lines = `${res.stdout}\n${res.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return { rc: res.status, lines };
}

function derive(source: Dataset, frameIndex = 0): Dataset {
  const series = derivedSeriesUid({
    sourceSeriesUid: String(source.SeriesInstanceUID),
    modelSha256: MODEL_SHA,
    presetKey: 'ct-default',
    windowName: 'soft-tissue',
    outputKind: 'sc-rgb',
  });
  const image = createRgbImage(Number(source.Columns), Number(source.Rows));
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 13) % 256;
  return ScImageBuilder.fromSource(source, image, {
    sourceFrameIndex: Number(source.NumberOfFrames ?? 1) > 1 ? frameIndex : undefined,
    seriesInstanceUid: series,
    sopInstanceUid: derivedSopInstanceUid({ derivedSeriesUid: series, sourceSopInstanceUid: String(source.SOPInstanceUID), frameIndex }),
    seriesNumber: 1000 + Number(source.SeriesNumber ?? 0),
    seriesDescription: seriesDescriptionFor({
      sourceDescription: typeof source.SeriesDescription === 'string' ? source.SeriesDescription : undefined,
      windowName: 'soft-tissue',
      what: ['enhanced (embedded 1.0)', 'enhanced'],
    }),
    derivationDescription: `UniMIE 1.0 (sha256:${MODEL_SHA.slice(0, 12)}) on window soft-tissue; NOT FOR PRIMARY DIAGNOSIS`,
    imageTypeValue4: 'ENHANCED',
    processing: PROCESSING,
  });
}

const load = (path: string): Dataset => readPart10(readFileSync(path)).dataset;

/** Warning lines of a dciodvfy run that no ACCEPTED_WARNINGS entry (for this IOD) explains. */
function unexpectedWarnings(lines: string[], iod: string): string[] {
  return lines.filter((l) => l.startsWith('Warning') && !ACCEPTED_WARNINGS.some((w) => (w.iod === undefined || w.iod === iod) && w.pattern.test(l)));
}

/** dciodvfy on one file: the IOD it validated against, no Error line, only accepted warnings. */
function expectValid(path: string, iod: string): void {
  const { lines } = runTool('dciodvfy', [path]);
  expect(lines, `validated against the ${iod} IOD`).toContain(iod);
  expect(lines.filter((l) => l.startsWith('Error'))).toEqual([]);
  expect(unexpectedWarnings(lines, iod)).toEqual([]);
}

/** dcentvfy over a set of files: no Error line, exit status 0. */
function expectConsistent(paths: string[]): void {
  const run = runTool('dcentvfy', paths);
  expect(run.lines.filter((l) => l.startsWith('Error'))).toEqual([]);
  expect(run.rc).toBe(0);
}

describe('derived SC objects pass dicom3tools', () => {
  let dir: string;
  const written = new Map<string, string>();
  const ct5nDerived: string[] = [];
  const ct5nSources = readdirSync(CT5N_DIR).map((f) => join(CT5N_DIR, f));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'derive-dciodvfy-'));
    const write = (name: string, ds: Dataset): string => {
      const path = join(dir, `${name}.dcm`);
      writeFileSync(path, writePart10(ds));
      written.set(name, path);
      return path;
    };
    write('CT_small', derive(load(join(PYDICOM, 'CT_small.dcm'))));
    write('MR_small', derive(load(join(PYDICOM, 'MR_small.dcm'))));
    // Extra coverage: a lossy source (Lossy Image Compression 01 + ratio carried) and frame 2 of
    // a multi-frame source (Referenced Frame Number).
    write('JPEG-lossy', derive(load(join(PYDICOM, 'JPEG-lossy.dcm'))));
    write('SC_rgb_rle_2frame-f2', derive(load(join(PYDICOM, 'SC_rgb_rle_2frame.dcm')), 1));
    for (const src of ct5nSources) ct5nDerived.push(write(`CT5N-${basename(src)}`, derive(load(src))));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('built one object per source (4 + the 5 CT5N slices)', () => {
    expect(ct5nSources).toHaveLength(5);
    expect(written.size).toBe(9);
  });

  it.each(['CT_small', 'MR_small', 'JPEG-lossy', 'SC_rgb_rle_2frame-f2', ...['2062', '2392', '2693', '3023', '3353'].map((n) => `CT5N-${n}`)])(
    'dciodvfy finds no error in %s and only accepted warnings',
    (name) => {
      const path = written.get(name);
      expect(path, `${name} was written`).toBeDefined();
      const { lines } = runTool('dciodvfy', [path!]);
      expect(lines, 'validated against the SC IOD').toContain('SCImage');
      expect(lines.filter((l) => l.startsWith('Error'))).toEqual([]);
      expect(unexpectedWarnings(lines, 'SCImage')).toEqual([]);
    },
  );

  it('dcentvfy accepts the derived CT5N series, alone and together with its source series', () => {
    const alone = runTool('dcentvfy', ct5nDerived);
    expect(alone.lines.filter((l) => l.startsWith('Error'))).toEqual([]);
    expect(alone.rc).toBe(0);
    const withSource = runTool('dcentvfy', [...ct5nSources, ...ct5nDerived]);
    expect(withSource.lines.filter((l) => l.startsWith('Error'))).toEqual([]);
    expect(withSource.rc).toBe(0);
  });

  it('the harness fails on a broken object (control: Conversion Type removed, patient name changed)', () => {
    const broken = derive(load(join(PYDICOM, 'CT_small.dcm')));
    delete broken.ConversionType;
    const path = join(dir, 'broken.dcm');
    writeFileSync(path, writePart10(broken));
    expect(runTool('dciodvfy', [path]).lines.some((l) => l.startsWith('Error') && l.includes('ConversionType'))).toBe(true);

    const renamed = derive(load(ct5nSources[0]));
    renamed.PatientName = [{ Alphabetic: 'Other^Patient' }];
    const renamedPath = join(dir, 'renamed.dcm');
    writeFileSync(renamedPath, writePart10(renamed));
    const mixed = runTool('dcentvfy', [renamedPath, ...ct5nDerived.slice(1)]);
    expect(mixed.rc).not.toBe(0);
  });
});

function kindOptions(source: Dataset, kind: string, frameIndex = 0, operation: 'enhance' | 'render' = 'enhance') {
  const series = derivedSeriesUid({ sourceSeriesUid: String(source.SeriesInstanceUID), modelSha256: MODEL_SHA, presetKey: 'ct-default', windowName: 'soft-tissue', outputKind: kind });
  return {
    seriesInstanceUid: series,
    sopInstanceUid: derivedSopInstanceUid({ derivedSeriesUid: series, sourceSopInstanceUid: String(source.SOPInstanceUID), frameIndex }),
    seriesNumber: 1000 + Number(source.SeriesNumber ?? 0),
    seriesDescription: 'derived - NOT FOR PRIMARY DIAGNOSIS',
    derivationDescription: `UniMIE 1.0 (sha256:${MODEL_SHA.slice(0, 12)}) on window soft-tissue; NOT FOR PRIMARY DIAGNOSIS`,
    imageTypeValue4: operation === 'enhance' ? 'ENHANCED' : 'RENDERED',
    operation,
    processing: PROCESSING,
  };
}

function patterned(source: Dataset, salt = 0): ReturnType<typeof createRgbImage> {
  const image = createRgbImage(Number(source.Columns), Number(source.Rows));
  for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 13 + salt * 7) % 256;
  return image;
}

describe('every output kind passes dciodvfy, and its derived series dcentvfy', () => {
  let dir: string;
  const ct5nSources = readdirSync(CT5N_DIR).sort().map((f) => join(CT5N_DIR, f));
  const mr700Dir = join(PYDICOM, 'dicomdirtests/98892003/MR700');
  const mr700Sources = readdirSync(mr700Dir).sort().map((f) => join(mr700Dir, f));
  const write = (name: string, ds: Dataset): string => {
    const path = join(dir, `${name}.dcm`);
    writeFileSync(path, writePart10(ds));
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'derive-kinds-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['enhance', 'render'] as const)('mf-sc-rgb (%s): one Multi-frame True Color SC object per CT5N series, alone and with its source', (operation) => {
    const sources = ct5nSources.map(load);
    const ds = MultiFrameScBuilder.fromSources(
      sources.map((source, i) => ({ source, frameIndex: 0, image: patterned(source, i) })),
      kindOptions(sources[0]!, 'mf-sc-rgb', 0, operation),
    );
    const path = write(`mf-${operation}`, ds);
    expectValid(path, 'MultiframeTrueColorSCImage');
    expectConsistent([path]);
    expectConsistent([...ct5nSources, path]);
  });

  it('mf-sc-rgb of a one-slice series (CT_small)', () => {
    const source = load(join(PYDICOM, 'CT_small.dcm'));
    expectValid(write('mf-1frame', MultiFrameScBuilder.fromSources([{ source, frameIndex: 0, image: patterned(source) }], kindOptions(source, 'mf-sc-rgb'))), 'MultiframeTrueColorSCImage');
  });

  it('mf-sc-rgb from the frames of an Enhanced CT source: per-frame positions and Referenced Frame Numbers', () => {
    const ct = load(ct5nSources[0]!);
    const z = [0, 2.5, 5, 7.5];
    const enhanced: Dataset = {
      ...ct,
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2.1',
      SOPInstanceUID: `${String(ct.SOPInstanceUID)}.9`,
      NumberOfFrames: z.length,
      SharedFunctionalGroupsSequence: [
        {
          PixelMeasuresSequence: [{ PixelSpacing: ['0.5', '0.5'], SliceThickness: '2.5' }],
          PlaneOrientationSequence: [{ ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'] }],
        },
      ],
      PerFrameFunctionalGroupsSequence: z.map((v) => ({ PlanePositionSequence: [{ ImagePositionPatient: ['0', '0', String(v)] }] })),
    };
    for (const kw of ['ImagePositionPatient', 'ImageOrientationPatient', 'PixelSpacing', 'SliceThickness', 'SliceLocation']) delete enhanced[kw];
    const ds = MultiFrameScBuilder.fromSources(
      z.map((_, frameIndex) => ({ source: enhanced, frameIndex, image: patterned(enhanced, frameIndex) })),
      kindOptions(enhanced, 'mf-sc-rgb'),
    );
    const perFrame = ds.PerFrameFunctionalGroupsSequence as Dataset[];
    const first = (seq: unknown): Dataset => (seq as Dataset[])[0]!;
    expect(perFrame.map((f) => Number((first(f.PlanePositionSequence).ImagePositionPatient as string[])[2]))).toEqual(z);
    expect(perFrame.map((f) => first(first(f.DerivationImageSequence).SourceImageSequence).ReferencedFrameNumber)).toEqual([[1], [2], [3], [4]]);
    expect(ds.FrameOfReferenceUID).toBe(ct.FrameOfReferenceUID);
    expectValid(write('mf-enhanced-ct', ds), 'MultiframeTrueColorSCImage');
  });

  it('mf-sc-rgb from the frames of a multi-frame source (SC_rgb_rle_2frame)', () => {
    const source = load(join(PYDICOM, 'SC_rgb_rle_2frame.dcm'));
    const ds = MultiFrameScBuilder.fromSources(
      [0, 1].map((frameIndex) => ({ source, frameIndex, image: patterned(source, frameIndex) })),
      kindOptions(source, 'mf-sc-rgb'),
    );
    expectValid(write('mf-2frame', ds), 'MultiframeTrueColorSCImage');
  });

  it.each([
    ['CT5N', () => ct5nSources, 'CTImage'],
    ['MR700', () => mr700Sources, 'MRImage'],
    ['CT_small', () => [join(PYDICOM, 'CT_small.dcm')], 'CTImage'],
    ['MR_small', () => [join(PYDICOM, 'MR_small.dcm')], 'MRImage'],
  ] as const)('derived-grayscale: %s keeps its IOD; the derived series is consistent alone and with its source', (name, files, iod) => {
    const paths = files().map((file, i) => {
      const source = load(file);
      const ds = GrayscaleImageBuilder.fromSource(source, patterned(source, i), {
        ...kindOptions(source, 'derived-grayscale'),
        window: { name: 'soft-tissue', center: 40, width: 400 },
      });
      return write(`gray-${name}-${i}`, ds);
    });
    for (const path of paths) expectValid(path, iod);
    expectConsistent(paths);
    expectConsistent([...files(), ...paths]);
  });

  it('vl-endoscopic: a derived VL Endoscopic series, alone and with its source', () => {
    const sources = endoscopySeries(3);
    const sourcePaths = sources.map((s, i) => write(`endo-src-${i}`, s));
    const paths = sources.map((source, i) => write(`endo-${i}`, VlEndoscopicBuilder.fromSource(source, patterned(source, i), kindOptions(source, 'vl-endoscopic'))));
    for (const path of paths) expectValid(path, 'VLEndoscopicImage');
    expectConsistent(paths);
    expectConsistent([...sourcePaths, ...paths]);
  });

  it('what ran, coded: the UniMIE prior and every classical step (DCM and 99UNIMIE concepts) pass in every kind', () => {
    const classical = Object.keys(CLASSICAL_STEP_CODES) as (keyof typeof CLASSICAL_STEP_CODES)[];
    const all = derivationCodesFor({ unimie: true, classical });
    const some = derivationCodesFor({ unimie: false, classical: ['local-gamma-start', 'background-copy'] });
    const sources = ct5nSources.map(load);
    const coded = (source: Dataset, kind: string, i = 0) => ({ ...kindOptions(source, kind, i), derivationCodes: i % 2 === 0 ? all : some });
    const sc = ScImageBuilder.fromSource(sources[0]!, patterned(sources[0]!), coded(sources[0]!, 'sc-rgb'));
    expect((sc.DerivationCodeSequence as Dataset[]).map((c) => c.CodeValue)).toEqual(all.map((c) => c.value));
    expectValid(write('coded-sc', sc), 'SCImage');
    const gray = sources.map((source, i) => write(`coded-gray-${i}`, GrayscaleImageBuilder.fromSource(source, patterned(source, i), { ...coded(source, 'derived-grayscale', i), window: { name: 'soft-tissue', center: 40, width: 400 } })));
    for (const path of gray) expectValid(path, 'CTImage');
    expectConsistent(gray);
    const mf = MultiFrameScBuilder.fromSources(
      sources.map((source, i) => ({ source, frameIndex: 0, image: patterned(source, i), derivationCodes: i % 2 === 0 ? all : some })),
      { ...kindOptions(sources[0]!, 'mf-sc-rgb'), derivationCodes: all },
    );
    const perFrame = (mf.PerFrameFunctionalGroupsSequence as Dataset[]).map((f) => ((f.DerivationImageSequence as Dataset[])[0]!.DerivationCodeSequence as Dataset[]).length);
    expect(perFrame).toEqual(sources.map((_, i) => (i % 2 === 0 ? all.length : some.length)));
    expectValid(write('coded-mf', mf), 'MultiframeTrueColorSCImage');
    const endo = endoscopySeries(1)[0]!;
    expectValid(write('coded-endo', VlEndoscopicBuilder.fromSource(endo, patterned(endo), coded(endo, 'vl-endoscopic'))), 'VLEndoscopicImage');
  });

  it('the harness fails on a broken object of each new kind (control)', () => {
    const sources = ct5nSources.map(load);
    const mf = MultiFrameScBuilder.fromSources(sources.map((source) => ({ source, frameIndex: 0, image: patterned(source) })), kindOptions(sources[0]!, 'mf-sc-rgb'));
    delete mf.FrameOfReferenceUID;
    const mfRun = runTool('dciodvfy', [write('broken-mf', mf)]);
    expect(mfRun.lines.some((l) => l.startsWith('Error'))).toBe(true);

    const gray = GrayscaleImageBuilder.fromSource(sources[0]!, patterned(sources[0]!), { ...kindOptions(sources[0]!, 'derived-grayscale'), window: { name: 'w', center: 40, width: 400 } });
    delete gray.RescaleType;
    delete gray.RescaleSlope;
    const grayRun = runTool('dciodvfy', [write('broken-gray', gray)]);
    expect(grayRun.lines.some((l) => l.startsWith('Error'))).toBe(true);
  });
});
