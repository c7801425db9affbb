import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Dataset, readPart10, writePart10 } from '../dicom/part10.js';
import { TransferSyntax } from '../dicom/transfer-syntax.js';
import { derivedSeriesUid, derivedSopInstanceUid, isValidUid } from '../dicom/uid.js';
import { createRgbImage, type RgbImage } from '../render/rgb-image.js';
import { ConformanceError } from '../shared/errors.js';
import { buildProcessingStamp, NODE_MANUFACTURER, NODE_MODEL_NAME } from './equipment.js';
import { seriesDescriptionFor } from './series-description.js';
import { SC_IMAGE_STORAGE, type ScFromSourceOptions, ScImageBuilder, type ScImageParams } from './sc-image.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const PYDICOM = pydicomData('test_files');
const load = (name: string): Dataset => readPart10(readFileSync(join(PYDICOM, name))).dataset;
const PROCESSED_AT = new Date('2026-01-02T03:04:05.678Z');
const MODEL_SHA = '0123456789abcdef'.repeat(4);

function imageFor(src: Dataset): RgbImage {
  const img = createRgbImage(Number(src.Columns), Number(src.Rows));
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 7) % 256;
  return img;
}

function optionsFor(src: Dataset, extra: Partial<ScFromSourceOptions> = {}): ScFromSourceOptions {
  const series = derivedSeriesUid({
    sourceSeriesUid: String(src.SeriesInstanceUID),
    modelSha256: MODEL_SHA,
    presetKey: 'default',
    windowName: 'soft-tissue',
    outputKind: 'sc-rgb',
  });
  return {
    seriesInstanceUid: series,
    sopInstanceUid: derivedSopInstanceUid({ derivedSeriesUid: series, sourceSopInstanceUid: String(src.SOPInstanceUID), frameIndex: 0 }),
    seriesNumber: 1001,
    seriesDescription: seriesDescriptionFor({ sourceDescription: 'src', windowName: 'soft-tissue', what: ['enhanced (embedded 1.0)'] }),
    derivationDescription: 'UniMIE 1.0 sha256:0123456789ab; window soft-tissue; NOT FOR PRIMARY DIAGNOSIS',
    imageTypeValue4: 'ENHANCED',
    processing: buildProcessingStamp({
      modelId: 'unimie-adm256',
      modelVersion: '1.0',
      modelSha256: MODEL_SHA,
      processedAt: PROCESSED_AT,
      description: 'UniMIE diffusion enhancement',
      stationAeTitle: 'UNIMIE',
    }),
    ...extra,
  };
}

const FORBIDDEN = [
  'RescaleSlope',
  'RescaleIntercept',
  'RescaleType',
  'WindowCenter',
  'WindowWidth',
  'WindowCenterWidthExplanation',
  'VOILUTFunction',
  'VOILUTSequence',
  'ModalityLUTSequence',
  'PixelPaddingValue',
  'PixelPaddingRangeLimit',
  'SmallestImagePixelValue',
  'LargestImagePixelValue',
  'RedPaletteColorLookupTableDescriptor',
  'RedPaletteColorLookupTableData',
  'ImageComments',
  'KVP',
];

describe.each([
  ['CT_small.dcm', 'CT', '-0500'],
  ['MR_small.dcm', 'MR', '-0400'],
])('ScImageBuilder.fromSource on %s', (file, modality, tzOffset) => {
  const src = load(file);
  // Attributes the fixture lacks but the rules must carry or drop.
  Object.assign(src, {
    IssuerOfPatientID: 'HOSPITAL-A',
    AccessionNumber: 'ACC-42',
    ReferringPhysicianName: [{ Alphabetic: 'Referrer^Rita' }],
    WindowCenter: [40],
    WindowWidth: [400],
    RescaleSlope: 1,
    RescaleIntercept: -1024,
    RescaleType: 'HU',
    VOILUTFunction: 'LINEAR',
    SmallestImagePixelValue: 0,
    LargestImagePixelValue: 4095,
    RedPaletteColorLookupTableDescriptor: [256, 0, 16],
    PixelPaddingValue: -2000,
    '00290010': 'ACME 1.0',
    '00291010': 'private value',
  });
  const image = imageFor(src);
  const opts = optionsFor(src);
  const ds = ScImageBuilder.fromSource(src, image, opts);

  it('is a Secondary Capture with the given new UIDs in the source study', () => {
    expect(ds.SOPClassUID).toBe(SC_IMAGE_STORAGE);
    expect(ds.SOPInstanceUID).toBe(opts.sopInstanceUid);
    expect(ds.SeriesInstanceUID).toBe(opts.seriesInstanceUid);
    expect(ds.StudyInstanceUID).toBe(src.StudyInstanceUID);
    expect(ds.SeriesInstanceUID).not.toBe(src.SeriesInstanceUID);
    expect(ds.SOPInstanceUID).not.toBe(src.SOPInstanceUID);
  });

  it('copies the Patient and General Study modules unchanged', () => {
    for (const kw of ['PatientName', 'PatientID', 'IssuerOfPatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber', 'ReferringPhysicianName', 'PatientWeight']) {
      expect(ds[kw], kw).toEqual(src[kw]);
    }
    if (src.OtherPatientIDsSequence) expect(ds.OtherPatientIDsSequence).toEqual(src.OtherPatientIDsSequence);
    expect(ds.SpecificCharacterSet).toEqual(src.SpecificCharacterSet);
    expect(ds.TimezoneOffsetFromUTC).toBe(tzOffset);
  });

  it('sets Image Type DERIVED\\SECONDARY\\OTHER plus value 4, Modality of the source, Conversion Type WSD', () => {
    expect(ds.ImageType).toEqual(['DERIVED', 'SECONDARY', 'OTHER', 'ENHANCED']);
    expect(ds.Modality).toBe(modality);
    expect(ds.ConversionType).toBe('WSD');
  });

  it('describes the derivation in text and with the CID 7203 code', () => {
    expect(ds.DerivationDescription).toBe(opts.derivationDescription);
    expect(ds.DerivationCodeSequence).toEqual([{ CodeValue: '113087', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Smoothing' }]);
  });

  it('references the source image with purpose 121322 and preserved spatial locations', () => {
    expect(ds.SourceImageSequence).toEqual([
      {
        ReferencedSOPClassUID: src.SOPClassUID,
        ReferencedSOPInstanceUID: src.SOPInstanceUID,
        PurposeOfReferenceCodeSequence: [
          { CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' },
        ],
        SpatialLocationsPreserved: 'YES',
      },
    ]);
  });

  it('lists the source series in Referenced Series and Related Series (121323)', () => {
    expect(ds.ReferencedSeriesSequence).toEqual([
      {
        SeriesInstanceUID: src.SeriesInstanceUID,
        ReferencedInstanceSequence: [{ ReferencedSOPClassUID: src.SOPClassUID, ReferencedSOPInstanceUID: src.SOPInstanceUID }],
      },
    ]);
    expect(ds.RelatedSeriesSequence).toEqual([
      {
        StudyInstanceUID: src.StudyInstanceUID,
        SeriesInstanceUID: src.SeriesInstanceUID,
        PurposeOfReferenceCodeSequence: [
          { CodeValue: '121323', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source series for image processing operation' },
        ],
      },
    ]);
  });

  it('takes Series Number and Description from the options and mirrors Instance Number', () => {
    expect(ds.SeriesNumber).toBe(1001);
    expect(ds.SeriesDescription).toBe(opts.seriesDescription);
    expect((ds.SeriesDescription as string).length).toBeLessThanOrEqual(64);
    expect(ds.InstanceNumber).toBe(src.InstanceNumber);
  });

  it('records acquisition and processing equipment in Contributing Equipment', () => {
    const items = ds.ContributingEquipmentSequence as Dataset[];
    expect(items).toHaveLength(2);
    expect(items[0].PurposeOfReferenceCodeSequence).toEqual([
      { CodeValue: '109101', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Acquisition Equipment' },
    ]);
    expect(items[0].Manufacturer).toBe(src.Manufacturer);
    expect(items[0].ManufacturerModelName).toBe(src.ManufacturerModelName);
    const node = items[1];
    expect(node.PurposeOfReferenceCodeSequence).toEqual([
      { CodeValue: '109102', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Processing Equipment' },
    ]);
    expect(node.Manufacturer).toBe(NODE_MANUFACTURER);
    expect(node.ManufacturerModelName).toBe(NODE_MODEL_NAME);
    expect(node.SoftwareVersions).toEqual(['unimie-pacs-node 0.1.0', 'unimie-adm256 1.0 sha256:0123456789ab']);
    expect(isValidUid(node.DeviceUID)).toBe(true);
    expect(node.StationName).toBe('UNIMIE');
    expect(node.ContributionDateTime).toBe('20260102030405.678000+0000');
    expect(node.ContributionDescription).toBe('UniMIE diffusion enhancement');
  });

  it('names this node as the Secondary Capture device and keeps the source General Equipment', () => {
    expect(ds.SecondaryCaptureDeviceManufacturer).toBe(NODE_MANUFACTURER);
    expect(ds.SecondaryCaptureDeviceManufacturerModelName).toBe(NODE_MODEL_NAME);
    expect(ds.SecondaryCaptureDeviceSoftwareVersions).toEqual(opts.processing.softwareVersions);
    expect(ds.Manufacturer).toBe(src.Manufacturer);
    expect(ds.ManufacturerModelName).toBe(src.ManufacturerModelName);
    expect(ds.InstitutionName).toBe(src.InstitutionName);
    expect(ds.SoftwareVersions).toEqual(src.SoftwareVersions);
  });

  it('stamps series, content, instance creation and capture times with the processing time in the source offset', () => {
    // 03:04:05.678 UTC in the source's offset.
    const hours = tzOffset === '-0500' ? '22' : '23';
    for (const [d, t] of [
      ['SeriesDate', 'SeriesTime'],
      ['ContentDate', 'ContentTime'],
      ['InstanceCreationDate', 'InstanceCreationTime'],
      ['DateOfSecondaryCapture', 'TimeOfSecondaryCapture'],
    ]) {
      expect(ds[d], d).toBe('20260101');
      expect(ds[t], t).toBe(`${hours}0405.678000`);
    }
    expect(ds.StudyDate).toBe(src.StudyDate);
    expect(ds.StudyTime).toBe(src.StudyTime);
    expect(ds.AcquisitionDate).toBe(src.AcquisitionDate);
  });

  it('says NO burned-in annotation and NO recognizable features', () => {
    expect(ds.BurnedInAnnotation).toBe('NO');
    expect(ds.RecognizableVisualFeatures).toBe('NO');
  });

  it('copies geometry and Frame of Reference', () => {
    for (const kw of ['ImagePositionPatient', 'ImageOrientationPatient', 'PixelSpacing', 'SliceThickness', 'SliceLocation', 'FrameOfReferenceUID']) {
      expect(ds[kw], kw).toEqual(src[kw]);
    }
    expect(ds.PatientOrientation).toEqual(['L', 'P']);
  });

  it('is 8-bit RGB, colour-by-pixel, with the given pixels', () => {
    expect(ds.SamplesPerPixel).toBe(3);
    expect(ds.PhotometricInterpretation).toBe('RGB');
    expect(ds.PlanarConfiguration).toBe(0);
    expect([ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation]).toEqual([8, 8, 7, 0]);
    expect([ds.Rows, ds.Columns]).toEqual([src.Rows, src.Columns]);
    const pixels = new Uint8Array((ds.PixelData as ArrayBuffer[])[0]);
    expect(pixels).toEqual(image.data);
  });

  it('carries no Rescale, VOI, padding, min/max, palette or acquisition-specific attribute and no private tag', () => {
    for (const kw of FORBIDDEN) expect(ds, kw).not.toHaveProperty(kw);
    const privateTags = Object.keys(ds).filter((k) => /^[0-9A-F]{8}$/i.test(k));
    expect(privateTags).toEqual([]);
    // The source does have private tags, so the check above can fail.
    expect(Object.keys(src).some((k) => /^[0-9A-F]{3}[13579BDF][0-9A-F]{4}$/i.test(k))).toBe(true);
  });

  it('is deterministic and survives a Part-10 round trip', () => {
    const again = ScImageBuilder.fromSource(src, image, optionsFor(src));
    expect(again).toEqual(ds);
    const back = readPart10(writePart10(ds)).dataset;
    expect(back.SOPInstanceUID).toBe(ds.SOPInstanceUID);
    expect(back.ImageType).toEqual(ds.ImageType);
    expect(new Uint8Array((back.PixelData as ArrayBuffer[])[0]).subarray(0, image.data.length)).toEqual(image.data);
  });
});

describe('ScImageBuilder.fromSource rules beyond the fixtures', () => {
  const ct = load('CT_small.dcm');
  const image = imageFor(ct);

  it('leaves Image Type at three values without value 4 and omits the code for render-only output', () => {
    const ds = ScImageBuilder.fromSource(ct, image, optionsFor(ct, { imageTypeValue4: undefined, operation: 'render' }));
    expect(ds.ImageType).toEqual(['DERIVED', 'SECONDARY', 'OTHER']);
    expect(ds).not.toHaveProperty('DerivationCodeSequence');
  });

  it('cuts an over-long Series Description to 64 characters (LO)', () => {
    const ds = ScImageBuilder.fromSource(ct, image, optionsFor(ct, { seriesDescription: 'y'.repeat(80) }));
    expect(ds.SeriesDescription).toBe('y'.repeat(61) + '...');
  });

  it('truncates Derivation Description to 1024 characters (ST) and marks the cut', () => {
    const ds = ScImageBuilder.fromSource(ct, image, optionsFor(ct, { derivationDescription: 'x'.repeat(5000) }));
    const text = ds.DerivationDescription as string;
    expect(text.length).toBe(1024);
    expect(text.endsWith('...')).toBe(true);
  });

  it('propagates lossy compression: 01 with ratio and method is never reset', () => {
    const lossy = { ...ct, LossyImageCompression: '01', LossyImageCompressionRatio: [10], LossyImageCompressionMethod: ['ISO_10918_1'] };
    const ds = ScImageBuilder.fromSource(lossy, image, optionsFor(ct));
    expect(ds.LossyImageCompression).toBe('01');
    expect(ds.LossyImageCompressionRatio).toEqual([10]);
    expect(ds.LossyImageCompressionMethod).toEqual(['ISO_10918_1']);
  });

  it('marks lossy when the source arrived in a lossy transfer syntax, keeps 00, and says nothing when unknown', () => {
    const viaJpeg = ScImageBuilder.fromSource(ct, image, optionsFor(ct, { sourceTransferSyntaxUid: TransferSyntax.JpegBaseline }));
    expect(viaJpeg.LossyImageCompression).toBe('01');
    expect(viaJpeg.LossyImageCompressionMethod).toEqual(['ISO_10918_1']);
    const lossless = ScImageBuilder.fromSource({ ...ct, LossyImageCompression: '00' }, image, optionsFor(ct));
    expect(lossless.LossyImageCompression).toBe('00');
    expect(ScImageBuilder.fromSource(ct, image, optionsFor(ct))).not.toHaveProperty('LossyImageCompression');
  });

  it('keeps YES for burned-in annotation and recognizable features when the source says so', () => {
    const ds = ScImageBuilder.fromSource({ ...ct, BurnedInAnnotation: 'YES', RecognizableVisualFeatures: 'YES' }, image, optionsFor(ct));
    expect(ds.BurnedInAnnotation).toBe('YES');
    expect(ds.RecognizableVisualFeatures).toBe('YES');
  });

  it('drops geometry and says NO to spatial locations when the pixel grid differs from the source', () => {
    const small = createRgbImage(64, 64);
    const ds = ScImageBuilder.fromSource(ct, small, optionsFor(ct));
    for (const kw of ['ImagePositionPatient', 'ImageOrientationPatient', 'PixelSpacing', 'FrameOfReferenceUID']) expect(ds).not.toHaveProperty(kw);
    expect((ds.SourceImageSequence as Dataset[])[0].SpatialLocationsPreserved).toBe('NO');
    expect(ds.PatientOrientation).toBe('');
  });

  it('references the frame of a multi-frame source and numbers instances by frame', () => {
    const mf: Dataset = {
      ...ct,
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT Image Storage
      NumberOfFrames: 3,
      ImagePositionPatient: undefined,
      PerFrameFunctionalGroupsSequence: [0, 1, 2].map((i) => ({ PlanePositionSequence: [{ ImagePositionPatient: [0, 0, i * 2.5] }] })),
      SharedFunctionalGroupsSequence: [
        { PixelMeasuresSequence: [{ PixelSpacing: [0.5, 0.5], SliceThickness: 2.5 }], PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }] },
      ],
    };
    expect(() => ScImageBuilder.fromSource(mf, image, optionsFor(ct))).toThrow(/sourceFrameIndex is required/);
    expect(() => ScImageBuilder.fromSource(mf, image, optionsFor(ct, { sourceFrameIndex: 3 }))).toThrow(ConformanceError);
    const ds = ScImageBuilder.fromSource(mf, image, optionsFor(ct, { sourceFrameIndex: 2 }));
    expect((ds.SourceImageSequence as Dataset[])[0].ReferencedFrameNumber).toEqual([3]);
    expect(ds.InstanceNumber).toBe(3);
    expect(ds.ImagePositionPatient).toEqual([0, 0, 5]);
    expect(ds.PixelSpacing).toEqual([0.5, 0.5]);
    expect(ds.ImageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
    expect(ds).not.toHaveProperty('PerFrameFunctionalGroupsSequence');
    expect(ds).not.toHaveProperty('NumberOfFrames');
    // A single-frame SOP Class with a stray Number of Frames gets no Referenced Frame Number.
    const stray = ScImageBuilder.fromSource({ ...mf, SOPClassUID: ct.SOPClassUID }, image, optionsFor(ct, { sourceFrameIndex: 1 }));
    expect((stray.SourceImageSequence as Dataset[])[0]).not.toHaveProperty('ReferencedFrameNumber');
    expect(stray.InstanceNumber).toBe(2);
  });

  it('declares ISO_IR 192 when the source has no character set but the object holds non-ASCII text', () => {
    const mr = load('MR_small.dcm');
    expect(mr).not.toHaveProperty('SpecificCharacterSet');
    const plain = ScImageBuilder.fromSource(mr, imageFor(mr), optionsFor(mr));
    expect(plain).not.toHaveProperty('SpecificCharacterSet');
    const accented = ScImageBuilder.fromSource(mr, imageFor(mr), optionsFor(mr, { seriesDescription: 'Séries – enhanced' }));
    expect(accented.SpecificCharacterSet).toBe('ISO_IR 192');
  });

  it.each(['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'SOPClassUID', 'Modality'])(
    'refuses a source without %s',
    (kw) => {
      const broken = { ...ct };
      delete broken[kw];
      const call = (): Dataset => ScImageBuilder.fromSource(broken, image, optionsFor(ct));
      expect(call).toThrow(ConformanceError);
      expect(call).toThrow(expect.objectContaining({ code: 'PACS_E_DERIVE_SOURCE_INCOMPLETE' }));
    },
  );

  it('refuses a source whose Study Instance UID is malformed', () => {
    expect(() => ScImageBuilder.fromSource({ ...ct, StudyInstanceUID: '1.02.3' }, image, optionsFor(ct))).toThrow(
      expect.objectContaining({ code: 'PACS_E_DERIVE_SOURCE_INCOMPLETE' }),
    );
  });

  it.each<[string, Partial<ScFromSourceOptions> | ((img: RgbImage) => RgbImage)]>([
    ['an invalid series UID', { seriesInstanceUid: '2.25.01' }],
    ['the source series UID', { seriesInstanceUid: String(ct.SeriesInstanceUID) }],
    ['the source SOP UID', { sopInstanceUid: String(ct.SOPInstanceUID) }],
    ['a non-CS Image Type value 4', { imageTypeValue4: 'enhanced!' }],
    ['a fractional series number', { seriesNumber: 1.5 }],
    ['an empty derivation description', { derivationDescription: '  ' }],
    ['a pixel buffer of the wrong length', (img) => ({ ...img, data: img.data.subarray(1) })],
  ])('refuses %s', (_name, change) => {
    const img = typeof change === 'function' ? change(image) : image;
    const opts = typeof change === 'function' ? optionsFor(ct) : optionsFor(ct, change);
    expect(() => ScImageBuilder.fromSource(ct, img, opts)).toThrow(expect.objectContaining({ code: 'PACS_E_DERIVE_INVALID' }));
  });
});

describe('ScImageBuilder.create', () => {
  const ct = load('CT_small.dcm');
  const image = imageFor(ct);
  const stamp = optionsFor(ct).processing;
  const base: ScImageParams = {
    sopInstanceUid: '2.25.10',
    seriesInstanceUid: '2.25.11',
    studyInstanceUid: String(ct.StudyInstanceUID),
    patientAndStudy: { PatientName: ct.PatientName, PatientID: 'P1', StudyInstanceUID: ct.StudyInstanceUID, RescaleSlope: 2 },
    modality: 'CT',
    seriesNumber: 7,
    seriesDescription: 'd',
    instanceNumber: 1,
    imageType: ['DERIVED', 'SECONDARY', 'OTHER'],
    conversionType: 'WSD',
    derivationDescription: 'windowed',
    derivationCodes: [],
    sourceImages: [
      {
        sopClassUid: String(ct.SOPClassUID),
        sopInstanceUid: String(ct.SOPInstanceUID),
        seriesInstanceUid: String(ct.SeriesInstanceUID),
        studyInstanceUid: String(ct.StudyInstanceUID),
        spatialLocationsPreserved: 'YES',
      },
    ],
    generalEquipment: { Manufacturer: 'ACME', WindowCenter: 40 },
    contributingEquipment: [],
    processing: stamp,
    geometry: { PixelSpacing: [1, 1], VOILUTFunction: 'LINEAR' },
    context: { Laterality: '', KVP: 120 },
    patientOrientation: '',
    burnedInAnnotation: 'NO',
    recognizableVisualFeatures: 'NO',
    lossy: {},
    image,
  };

  it('builds from typed parameters and keeps only allow-listed attributes of the free-form parts', () => {
    const ds = ScImageBuilder.create(base);
    expect(ds.SOPClassUID).toBe(SC_IMAGE_STORAGE);
    expect(ds.PatientID).toBe('P1');
    expect(ds.Manufacturer).toBe('ACME');
    expect(ds.PixelSpacing).toEqual([1, 1]);
    for (const kw of ['RescaleSlope', 'WindowCenter', 'VOILUTFunction', 'KVP']) expect(ds).not.toHaveProperty(kw);
  });

  it.each<[string, Partial<ScImageParams>]>([
    ['an ORIGINAL image type', { imageType: ['ORIGINAL', 'PRIMARY', 'OTHER'] }],
    ['no source image', { sourceImages: [] }],
    ['patient/study data of another study', { patientAndStudy: { StudyInstanceUID: '1.2.3' } }],
    ['an invalid Frame of Reference UID', { geometry: { FrameOfReferenceUID: '1.2.x' } }],
    ['a SOP Instance UID equal to its source', { sopInstanceUid: String(ct.SOPInstanceUID) }],
    ['a lower-case modality', { modality: 'ct' }],
    ['zero columns', { image: { width: 0, height: 1, data: new Uint8Array(0) } }],
    ['16-bit pixels', { image: { ...image, data: new Uint16Array(image.data.length) as unknown as Uint8Array } }],
  ])('refuses %s', (_name, change) => {
    expect(() => ScImageBuilder.create({ ...base, ...change })).toThrow(expect.objectContaining({ code: 'PACS_E_DERIVE_INVALID' }));
  });
});
