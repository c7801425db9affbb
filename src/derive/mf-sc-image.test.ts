import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Dataset, readPart10, writePart10 } from '../dicom/part10.js';
import { createRgbImage, type RgbImage } from '../render/rgb-image.js';
import { ConformanceError } from '../shared/errors.js';
import { buildProcessingStamp } from './equipment.js';
import { MF_TRUE_COLOR_SC_STORAGE, MultiFrameScBuilder, type MfScSourceFrame } from './mf-sc-image.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const PYDICOM = pydicomData('test_files');
const CT5N = join(PYDICOM, 'dicomdirtests/98892001/CT5N');
const load = (path: string): Dataset => readPart10(readFileSync(path)).dataset;
const sources = readdirSync(CT5N).sort().map((f) => load(join(CT5N, f)));

function image(src: Dataset, fill: number): RgbImage {
  const img = createRgbImage(Number(src.Columns), Number(src.Rows));
  img.data.fill(fill);
  return img;
}

const options = (operation: 'enhance' | 'render' = 'enhance') => ({
  seriesInstanceUid: '2.25.100',
  sopInstanceUid: '2.25.101',
  seriesNumber: 1001,
  seriesDescription: 'CT5N - rendered - soft-tissue - NOT FOR PRIMARY DIAGNOSIS',
  derivationDescription: 'Rendered with window soft-tissue. Not for primary diagnosis.',
  imageTypeValue4: operation === 'enhance' ? 'ENHANCED' : 'RENDERED',
  operation,
  processing: buildProcessingStamp({ processedAt: new Date('2026-01-02T03:04:05Z'), description: 'test', stationAeTitle: 'UNIMIE' }),
});

const frames = (list: Dataset[]): MfScSourceFrame[] => list.map((source, i) => ({ source, frameIndex: 0, image: image(source, 10 * (i + 1)) }));
const item = (seq: unknown): Dataset => (seq as Dataset[])[0]!;
const nums = (v: unknown): number[] => (v as unknown[]).map(Number);

describe('MultiFrameScBuilder.fromSources', () => {
  it('makes one Multi-frame True Color SC object with the frames in the order given and the source geometry', () => {
    const ds = readPart10(writePart10(MultiFrameScBuilder.fromSources(frames(sources), options()))).dataset;
    expect(ds.SOPClassUID).toBe(MF_TRUE_COLOR_SC_STORAGE);
    expect(ds.NumberOfFrames).toBe(5);
    expect([ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration, ds.BitsAllocated]).toEqual([
      sources[0]!.Rows,
      sources[0]!.Columns,
      3,
      'RGB',
      0,
      8,
    ]);
    expect(ds.StudyInstanceUID).toBe(sources[0]!.StudyInstanceUID);
    expect(ds.FrameOfReferenceUID).toBe(sources[0]!.FrameOfReferenceUID);
    expect(ds.ImageType).toEqual(['DERIVED', 'SECONDARY', 'OTHER', 'ENHANCED']);
    expect(ds.WindowCenter).toBeUndefined();
    expect(ds.RescaleSlope).toBeUndefined();

    const shared = item(ds.SharedFunctionalGroupsSequence);
    expect(item(shared.PixelMeasuresSequence).PixelSpacing).toEqual(sources[0]!.PixelSpacing);
    expect(nums(item(shared.PlaneOrientationSequence).ImageOrientationPatient)).toEqual(nums(sources[0]!.ImageOrientationPatient));
    const perFrame = ds.PerFrameFunctionalGroupsSequence as Dataset[];
    expect(perFrame).toHaveLength(5);
    const frameBytes = Number(ds.Rows) * Number(ds.Columns) * 3;
    const pixels = new Uint8Array((ds.PixelData as ArrayBuffer[])[0]!);
    for (const [i, src] of sources.entries()) {
      expect(nums(item(perFrame[i]!.PlanePositionSequence).ImagePositionPatient)).toEqual(nums(src.ImagePositionPatient));
      const derivation = item(perFrame[i]!.DerivationImageSequence);
      expect(item(derivation.SourceImageSequence).ReferencedSOPInstanceUID).toBe(src.SOPInstanceUID);
      expect(item(derivation.DerivationCodeSequence).CodeValue).toBe('113087');
      expect(pixels[i * frameBytes]).toBe(10 * (i + 1));
    }
    expect((ds.SourceImageSequence as Dataset[]).map((r) => r.ReferencedSOPInstanceUID)).toEqual(sources.map((s) => s.SOPInstanceUID));
    expect(item(ds.ReferencedSeriesSequence).SeriesInstanceUID).toBe(sources[0]!.SeriesInstanceUID);
    expect((ds.DimensionIndexSequence as Dataset[]).map((d) => d.DimensionIndexPointer)).toEqual([0x00209056, 0x00209057]);
    expect(ds.FrameIncrementPointer).toBe(0x52009230);
  });

  it('keeps the given order and ranks In-Stack Position by position along the slice normal', () => {
    const shuffled = [sources[2]!, sources[0]!, sources[4]!, sources[1]!, sources[3]!];
    const ds = MultiFrameScBuilder.fromSources(frames(shuffled), options());
    const perFrame = ds.PerFrameFunctionalGroupsSequence as Dataset[];
    const z = shuffled.map((s) => nums(s.ImagePositionPatient)[2]!);
    const ranks = perFrame.map((f) => item(f.FrameContentSequence).InStackPositionNumber as number);
    const byRank = [...z].sort((a, b) => a - b);
    expect(ranks.map((r) => byRank[r - 1])).toEqual(z);
    expect(perFrame.map((f) => item(f.FrameContentSequence).DimensionIndexValues)).toEqual(ranks.map((r) => [1, r]));
  });

  it('a one-frame object has no Frame Increment Pointer (Type 1C: several frames only)', () => {
    const ds = MultiFrameScBuilder.fromSources(frames(sources.slice(0, 1)), options());
    expect(ds.NumberOfFrames).toBe(1);
    expect(ds.FrameIncrementPointer).toBeUndefined();
  });

  it('names render-only frames with the private render code (the functional group needs one)', () => {
    const ds = MultiFrameScBuilder.fromSources(frames(sources.slice(0, 2)), options('render'));
    expect(ds.DerivationCodeSequence).toBeUndefined();
    const code = item(item((ds.PerFrameFunctionalGroupsSequence as Dataset[])[0]!.DerivationImageSequence).DerivationCodeSequence);
    expect(code).toEqual({ CodeValue: 'VOI-RENDER', CodingSchemeDesignator: '99UNIMIE', CodeMeaning: 'VOI windowing to 8-bit display values' });
  });

  it('leaves all geometry out when one frame lacks it, rather than placing some frames only', () => {
    const partial = sources.map((s, i) => (i === 3 ? { ...s, ImagePositionPatient: undefined } : s));
    const ds = MultiFrameScBuilder.fromSources(frames(partial), options());
    expect(ds.FrameOfReferenceUID).toBeUndefined();
    expect(item(ds.SharedFunctionalGroupsSequence).PixelMeasuresSequence).toBeUndefined();
    expect((ds.PerFrameFunctionalGroupsSequence as Dataset[]).some((f) => f.PlanePositionSequence)).toBe(false);
  });

  it('refuses frames of different sizes, from another study, or none at all', () => {
    const odd = frames(sources.slice(0, 2));
    odd[1]!.image = createRgbImage(3, 3);
    expect(() => MultiFrameScBuilder.fromSources(odd, options())).toThrow(ConformanceError);
    const other = frames(sources.slice(0, 2));
    other[1]!.source = { ...other[1]!.source, StudyInstanceUID: '1.2.3.999' };
    expect(() => MultiFrameScBuilder.fromSources(other, options())).toThrow(/one study/);
    expect(() => MultiFrameScBuilder.fromSources([], options())).toThrow(/at least one frame/);
    expect(() => MultiFrameScBuilder.fromSources(frames(sources), { ...options(), seriesInstanceUid: String(sources[0]!.SeriesInstanceUID) })).toThrow(/series UID/);
  });
});
