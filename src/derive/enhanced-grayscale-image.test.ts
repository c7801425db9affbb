import { describe, expect, it } from 'vitest';
import { type Dataset, readPart10, writePart10 } from '../dicom/part10.js';
import { createRgbImage, type RgbImage } from '../render/rgb-image.js';
import { ConformanceError } from '../shared/errors.js';
import { enhancedSource } from '../../test/derive/enhanced-fixture.js';
import { ENHANCED_CT_IMAGE_STORAGE, ENHANCED_MR_IMAGE_STORAGE } from '../dicom/image-sop-classes.js';
import { EnhancedGrayscaleImageBuilder, type EnhancedSourceFrame } from './enhanced-grayscale-image.js';
import { buildProcessingStamp } from './equipment.js';
import { displayGrey, windowInverse } from './grayscale-image.js';

const ROWS = 12;
const COLS = 10;
const FRAMES = 4;
const SOFT = { name: 'soft-tissue', center: 40, width: 400 };

function patterned(salt: number): RgbImage {
  const img = createRgbImage(COLS, ROWS);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 13 + salt * 29) % 256;
  return img;
}

const frames = (indices: number[], window: (i: number) => EnhancedSourceFrame['window'] = () => SOFT): EnhancedSourceFrame[] =>
  indices.map((frameIndex) => ({ frameIndex, image: patterned(frameIndex), window: window(frameIndex), derivationDescription: `frame ${frameIndex + 1}` }));

const options = (operation: 'enhance' | 'render' = 'enhance') => ({
  seriesInstanceUid: '2.25.400',
  sopInstanceUid: '2.25.401',
  seriesNumber: 1005,
  seriesDescription: 'derived - NOT FOR PRIMARY DIAGNOSIS',
  derivationDescription: 'UniMIE on window soft-tissue; NOT FOR PRIMARY DIAGNOSIS',
  imageTypeValue4: operation === 'enhance' ? 'ENHANCED' : 'RENDERED',
  operation,
  processing: buildProcessingStamp({ processedAt: new Date('2026-01-02T03:04:05Z'), description: 'test', stationAeTitle: 'UNIMIE' }),
});

const item = (seq: unknown, i = 0): Dataset => (seq as Dataset[])[i]!;
const nums = (v: unknown): number[] => (v as unknown[]).map(Number);
/** A functional group macro of frame i, per-frame first, then shared. */
const group = (ds: Dataset, i: number, name: string): Dataset | undefined => {
  const own = (ds.PerFrameFunctionalGroupsSequence as Dataset[])[i]![name];
  const shared = item(ds.SharedFunctionalGroupsSequence)[name];
  return own ? item(own) : shared ? item(shared) : undefined;
};
const roundTrip = (ds: Dataset): Dataset => readPart10(writePart10(ds)).dataset;

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConformanceError);
    expect((err as ConformanceError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('EnhancedGrayscaleImageBuilder.fromSource', () => {
  const ct = enhancedSource('CT', { frames: FRAMES, rows: ROWS, columns: COLS });
  const mr = enhancedSource('MR', { frames: FRAMES, rows: ROWS, columns: COLS });

  it('makes one Enhanced CT object of the source: same class and study, new UIDs, DERIVED\\PRIMARY image and frame types', () => {
    const ds = roundTrip(EnhancedGrayscaleImageBuilder.fromSource(ct, frames([0, 1, 2, 3]), options()));
    expect(ds.SOPClassUID).toBe(ENHANCED_CT_IMAGE_STORAGE);
    expect([ds.SOPInstanceUID, ds.SeriesInstanceUID]).toEqual(['2.25.401', '2.25.400']);
    expect([ds.StudyInstanceUID, ds.PatientID, ds.Modality, ds.FrameOfReferenceUID]).toEqual([ct.StudyInstanceUID, ct.PatientID, 'CT', ct.FrameOfReferenceUID]);
    expect(ds.ImageType).toEqual(['DERIVED', 'PRIMARY', 'VOLUME', 'ENHANCED']);
    expect([ds.NumberOfFrames, ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation]).toEqual([FRAMES, ROWS, COLS, 16, 12, 11, 0]);
    expect([ds.PhotometricInterpretation, ds.PresentationLUTShape, ds.ContentQualification, ds.PixelPresentation]).toEqual(['MONOCHROME2', 'IDENTITY', 'RESEARCH', 'MONOCHROME']);
    expect([ds.VolumetricProperties, ds.VolumeBasedCalculationTechnique]).toEqual(['VOLUME', 'NONE']);
    expect([ds.Manufacturer, ds.ManufacturerModelName, ds.DeviceSerialNumber]).toEqual([ct.Manufacturer, ct.ManufacturerModelName, ct.DeviceSerialNumber]);
    for (let i = 0; i < FRAMES; i++) expect(group(ds, i, 'CTImageFrameTypeSequence')!.FrameType).toEqual(ds.ImageType);
    // General Image / General Reference attributes belong to no Enhanced IOD: the derivation is per frame.
    for (const kw of ['SourceImageSequence', 'DerivationDescription', 'DerivationCodeSequence', 'WindowCenter', 'RescaleSlope']) expect(ds[kw], kw).toBeUndefined();
    const evidence = item(ds.SourceImageEvidenceSequence);
    expect(evidence.StudyInstanceUID).toBe(ct.StudyInstanceUID);
    expect(item(item(evidence.ReferencedSeriesSequence).ReferencedSOPSequence).ReferencedSOPInstanceUID).toBe(ct.SOPInstanceUID);
  });

  it('maps each frame with the single-frame mapping: stored display grey, rescale onto the window (US, not HU), the window as Frame VOI LUT', () => {
    const ds = roundTrip(EnhancedGrayscaleImageBuilder.fromSource(ct, frames([0, 1, 2, 3]), options()));
    const shared = item(ds.SharedFunctionalGroupsSequence);
    const pvt = item(shared.PixelValueTransformationSequence);
    const map = windowInverse(SOFT);
    // DS keeps 15 significant digits of the slope (PS3.5 6.2: 16 characters).
    expect(Number(pvt.RescaleSlope)).toBeCloseTo(map.slope, 13);
    expect([Number(pvt.RescaleIntercept), pvt.RescaleType]).toEqual([map.intercept, 'US']);
    const voi = item(shared.FrameVOILUTSequence);
    expect([Number(voi.WindowCenter), Number(voi.WindowWidth), voi.WindowCenterWidthExplanation]).toEqual([40, 400, 'soft-tissue window of the source (values not HU)']);
    const stored = new Uint16Array((ds.PixelData as ArrayBuffer[])[0]!);
    const frameLength = ROWS * COLS;
    for (let f = 0; f < FRAMES; f++) expect([...stored.subarray(f * frameLength, (f + 1) * frameLength)]).toEqual([...displayGrey(patterned(f), false)]);
  });

  it('keeps the source frame order, positions, orientation, spacing, stack places and acquisition groups', () => {
    const ds = roundTrip(EnhancedGrayscaleImageBuilder.fromSource(ct, frames([0, 1, 2, 3]), options()));
    const src = (i: number) => item(ct.PerFrameFunctionalGroupsSequence, i);
    const srcShared = item(ct.SharedFunctionalGroupsSequence);
    for (let i = 0; i < FRAMES; i++) {
      expect(nums(group(ds, i, 'PlanePositionSequence')!.ImagePositionPatient)).toEqual(nums(item(src(i).PlanePositionSequence).ImagePositionPatient));
      expect(nums(group(ds, i, 'PlaneOrientationSequence')!.ImageOrientationPatient)).toEqual(nums(item(srcShared.PlaneOrientationSequence).ImageOrientationPatient));
      expect(nums(group(ds, i, 'PixelMeasuresSequence')!.PixelSpacing)).toEqual(nums(item(srcShared.PixelMeasuresSequence).PixelSpacing));
      expect(Number(group(ds, i, 'CTPositionSequence')!.TablePosition)).toBe(Number(item(src(i).CTPositionSequence).TablePosition));
      expect(group(ds, i, 'IrradiationEventIdentificationSequence')!.IrradiationEventUID).toBe(item(srcShared.IrradiationEventIdentificationSequence).IrradiationEventUID);
      const content = group(ds, i, 'FrameContentSequence')!;
      const srcContent = item(src(i).FrameContentSequence);
      expect([content.StackID, content.InStackPositionNumber, String(content.FrameAcquisitionDateTime).trim()]).toEqual([srcContent.StackID, srcContent.InStackPositionNumber, srcContent.FrameAcquisitionDateTime]);
      expect(content.DimensionIndexValues).toEqual([1, srcContent.InStackPositionNumber]);
      const derivation = group(ds, i, 'DerivationImageSequence')!;
      expect(derivation.DerivationDescription).toBe(`frame ${i + 1}`);
      expect(item(derivation.DerivationCodeSequence).CodeValue).toBe('113087');
      const ref = item(derivation.SourceImageSequence);
      expect([ref.ReferencedSOPInstanceUID, ref.ReferencedFrameNumber, ref.SpatialLocationsPreserved]).toEqual([ct.SOPInstanceUID, i + 1, 'YES']);
    }
    // Acquisition groups equal in every source frame stay shared; geometry per frame only where it differs.
    expect(item(item(ds.SharedFunctionalGroupsSequence).CTReconstructionSequence).ConvolutionKernel).toBe(item(srcShared.CTReconstructionSequence).ConvolutionKernel);
    expect(item(ds.SharedFunctionalGroupsSequence).PlanePositionSequence).toBeUndefined();
    expect((ds.DimensionIndexSequence as Dataset[]).map((d) => d.DimensionIndexPointer)).toEqual([0x00209056, 0x00209057]);
    expect(item(ds.DimensionOrganizationSequence).DimensionOrganizationUID).toBe(item(ds.DimensionIndexSequence).DimensionOrganizationUID);
    expect(ds.DimensionOrganizationType).toBe('3D');
    // Not copied: the values changed, so the source's rescale, window and real-world mapping would lie.
    expect(item(item(ds.SharedFunctionalGroupsSequence).PixelValueTransformationSequence).RescaleType).not.toBe('HU');
  });

  it('per-frame windows give per-frame Pixel Value Transformation and Frame VOI LUT', () => {
    const windows = [SOFT, { name: 'file', center: -600, width: 1500 }, SOFT, { name: 'file', center: 300, width: 100 }];
    const ds = EnhancedGrayscaleImageBuilder.fromSource(ct, frames([0, 1, 2, 3], (i) => windows[i]), options());
    expect(item(ds.SharedFunctionalGroupsSequence).FrameVOILUTSequence).toBeUndefined();
    windows.forEach((w, i) => {
      expect(Number(group(ds, i, 'FrameVOILUTSequence')!.WindowCenter)).toBe(w.center);
      expect(Number(group(ds, i, 'PixelValueTransformationSequence')!.RescaleIntercept)).toBeCloseTo(windowInverse(w).intercept, 6);
    });
  });

  it('a subset of frames keeps their source frame numbers and drops the 3D organization type', () => {
    const ds = EnhancedGrayscaleImageBuilder.fromSource(ct, frames([0, 2, 3]), options());
    expect(ds.NumberOfFrames).toBe(3);
    expect([0, 1, 2].map((i) => item(group(ds, i, 'DerivationImageSequence')!.SourceImageSequence).ReferencedFrameNumber)).toEqual([[1], [3], [4]]);
    expect(ds.DimensionOrganizationType).toBeUndefined();
  });

  it('without stack places in the source, ranks the frames along the slice normal in one stack', () => {
    const bare: Dataset = {
      ...ct,
      PerFrameFunctionalGroupsSequence: (ct.PerFrameFunctionalGroupsSequence as Dataset[]).map((f) => ({ PlanePositionSequence: f.PlanePositionSequence })),
    };
    const ds = EnhancedGrayscaleImageBuilder.fromSource(bare, frames([0, 1, 2, 3]), options());
    // Frame f lies at z = −2.5 f: the last frame is lowest along +z.
    expect([0, 1, 2, 3].map((i) => group(ds, i, 'FrameContentSequence')!.InStackPositionNumber)).toEqual([4, 3, 2, 1]);
    expect([0, 1, 2, 3].map((i) => group(ds, i, 'FrameContentSequence')!.StackID)).toEqual(['1', '1', '1', '1']);
  });

  it('Enhanced MR: MR frame type and descriptors, Rescale Type US, MR groups copied, no MR Pulse Sequence module', () => {
    const ds = roundTrip(EnhancedGrayscaleImageBuilder.fromSource(mr, frames([0, 1, 2, 3]), options('render')));
    expect(ds.SOPClassUID).toBe(ENHANCED_MR_IMAGE_STORAGE);
    expect(ds.ImageType).toEqual(['DERIVED', 'PRIMARY', 'VOLUME', 'RENDERED']);
    const shared = item(ds.SharedFunctionalGroupsSequence);
    expect(item(shared.MRImageFrameTypeSequence)).toMatchObject({ FrameType: ['DERIVED', 'PRIMARY', 'VOLUME', 'RENDERED'], ComplexImageComponent: 'MAGNITUDE', AcquisitionContrast: 'T1' });
    expect(item(shared.PixelValueTransformationSequence).RescaleType).toBe('US');
    expect(item(shared.MREchoSequence).EffectiveEchoTime).toBe(item(item(mr.SharedFunctionalGroupsSequence).MREchoSequence).EffectiveEchoTime);
    expect([ds.ComplexImageComponent, ds.AcquisitionContrast, ds.ResonantNucleus]).toEqual(['MAGNITUDE', 'T1', '1H']);
    expect(ds.PulseSequenceName).toBeUndefined();
    // Render-only: the Type 1 derivation code is the private VOI-RENDER concept.
    expect(item(group(ds, 0, 'DerivationImageSequence')!.DerivationCodeSequence).CodeValue).toBe('VOI-RENDER');
  });

  it('refuses other SOP classes, non-MONOCHROME2 sources and frames without a window (PACS_E_DERIVE_KIND_UNSUPPORTED)', () => {
    expectCode(() => EnhancedGrayscaleImageBuilder.fromSource({ ...ct, SOPClassUID: '1.2.840.10008.5.1.4.1.1.2' }, frames([0]), options()), 'PACS_E_DERIVE_KIND_UNSUPPORTED');
    expectCode(() => EnhancedGrayscaleImageBuilder.fromSource({ ...ct, SOPClassUID: '1.2.840.10008.5.1.4.1.1.2.2' }, frames([0]), options()), 'PACS_E_DERIVE_KIND_UNSUPPORTED');
    expectCode(() => EnhancedGrayscaleImageBuilder.fromSource({ ...mr, PhotometricInterpretation: 'MONOCHROME1' }, frames([0]), options()), 'PACS_E_DERIVE_KIND_UNSUPPORTED');
    expectCode(() => EnhancedGrayscaleImageBuilder.fromSource(ct, frames([0, 1], () => undefined), options()), 'PACS_E_DERIVE_KIND_UNSUPPORTED');
  });

  it.each([
    ['frames out of source order', () => frames([1, 0])],
    ['a frame twice', () => frames([2, 2])],
    ['a frame index beyond the source', () => frames([FRAMES])],
    ['no frames', () => []],
    ['an image of another size', () => [{ frameIndex: 0, image: createRgbImage(COLS + 1, ROWS), window: SOFT }]],
  ])('refuses %s (PACS_E_DERIVE_INVALID)', (_name, make) => {
    expectCode(() => EnhancedGrayscaleImageBuilder.fromSource(ct, make(), options()), 'PACS_E_DERIVE_INVALID');
  });

  it('refuses a source without the plane geometry the IOD requires of every frame', () => {
    const shared = { ...item(ct.SharedFunctionalGroupsSequence) };
    delete shared.PlaneOrientationSequence;
    expectCode(() => EnhancedGrayscaleImageBuilder.fromSource({ ...ct, SharedFunctionalGroupsSequence: [shared] }, frames([0, 1]), options()), 'PACS_E_DERIVE_INVALID');
  });
});
