import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMPLEMENTATION_CLASS_UID } from '../dicom/implementation.js';
import { type Dataset, readPart10, writePart10 } from '../dicom/part10.js';
import { isValidUid } from '../dicom/uid.js';
import { createRgbImage } from '../render/rgb-image.js';
import { buildProcessingStamp, isOwnOutput, NODE_MANUFACTURER, NODE_MODEL_NAME } from './equipment.js';
import { ScImageBuilder } from './sc-image.js';
import { pydicomData } from '../../test/helpers/debian-fixtures.js';

const PYDICOM = pydicomData('test_files');
const at = new Date('2026-03-04T05:06:07Z');
const sha = 'f'.repeat(64);

describe('buildProcessingStamp', () => {
  it('names the node, its version and the model with a short hash', () => {
    const stamp = buildProcessingStamp({ modelId: 'unimie', modelVersion: '2', modelSha256: sha, processedAt: at, description: 'd', stationAeTitle: 'NODE1' });
    expect(stamp.manufacturer).toBe(NODE_MANUFACTURER);
    expect(stamp.modelName).toBe(NODE_MODEL_NAME);
    expect(stamp.softwareVersions).toEqual(['unimie-pacs-node 0.1.0', `unimie 2 sha256:${'f'.repeat(12)}`]);
    expect(stamp.stationAeTitle).toBe('NODE1');
    expect(stamp.processedAt).toBe(at);
    expect(stamp.contributionDescription).toBe('d');
    expect(isValidUid(stamp.deviceUid)).toBe(true);
  });

  it('lists only the node version for render-only output', () => {
    const stamp = buildProcessingStamp({ processedAt: at, description: 'render' });
    expect(stamp.softwareVersions).toEqual(['unimie-pacs-node 0.1.0']);
    expect(stamp).not.toHaveProperty('stationAeTitle');
  });

  it('keeps the Device UID while the model is the same and changes it with the model', () => {
    const base = { modelId: 'unimie', modelVersion: '2', modelSha256: sha, processedAt: at, description: 'd' };
    const uid = buildProcessingStamp(base).deviceUid;
    expect(buildProcessingStamp({ ...base, processedAt: new Date(0) }).deviceUid).toBe(uid);
    expect(buildProcessingStamp({ ...base, modelVersion: '3' }).deviceUid).not.toBe(uid);
    expect(buildProcessingStamp({ ...base, modelSha256: 'e'.repeat(64) }).deviceUid).not.toBe(uid);
    expect(buildProcessingStamp({ processedAt: at, description: 'd' }).deviceUid).not.toBe(uid);
  });

  it('keeps each Software Versions value within LO (64 chars)', () => {
    const stamp = buildProcessingStamp({ modelId: 'm'.repeat(80), modelSha256: sha, processedAt: at, description: 'd' });
    for (const v of stamp.softwareVersions) expect(v.length).toBeLessThanOrEqual(64);
  });
});

describe('isOwnOutput', () => {
  const file = readPart10(readFileSync(`${PYDICOM}/CT_small.dcm`));
  const src = file.dataset;
  const stamp = buildProcessingStamp({ processedAt: at, description: 'render' });
  const ours = ScImageBuilder.fromSource(src, createRgbImage(Number(src.Columns), Number(src.Rows)), {
    seriesInstanceUid: '2.25.1',
    sopInstanceUid: '2.25.2',
    seriesNumber: 1,
    seriesDescription: 'x',
    derivationDescription: 'x',
    processing: stamp,
  });

  it('recognises an object this node built, also after a Part-10 round trip', () => {
    expect(isOwnOutput(ours)).toBe(true);
    expect(isOwnOutput(readPart10(writePart10(ours)).dataset)).toBe(true);
  });

  it('does not flag a modality image or a third-party derived image', () => {
    expect(isOwnOutput(src)).toBe(false);
    const mr = readPart10(readFileSync(`${PYDICOM}/MR_small.dcm`)).dataset;
    expect(mr.ImageType).toEqual(['DERIVED', 'SECONDARY', 'OTHER']);
    expect(isOwnOutput(mr)).toBe(false);
    expect(isOwnOutput(src, file.meta)).toBe(false);
  });

  it('recognises the Processing Equipment item alone', () => {
    const onlyEquipment: Dataset = { ContributingEquipmentSequence: ours.ContributingEquipmentSequence };
    expect(isOwnOutput(onlyEquipment)).toBe(true);
  });

  it('ignores our name in an item whose purpose is not Processing Equipment', () => {
    const items = (ours.ContributingEquipmentSequence as Dataset[]).map((i) => ({
      ...i,
      PurposeOfReferenceCodeSequence: [{ CodeValue: '109101', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Acquisition Equipment' }],
    }));
    expect(isOwnOutput({ ContributingEquipmentSequence: items })).toBe(false);
  });

  it('recognises the Secondary Capture device alone', () => {
    expect(
      isOwnOutput({
        SecondaryCaptureDeviceManufacturer: NODE_MANUFACTURER,
        SecondaryCaptureDeviceManufacturerModelName: NODE_MODEL_NAME,
      }),
    ).toBe(true);
    expect(isOwnOutput({ SecondaryCaptureDeviceManufacturer: NODE_MANUFACTURER, SecondaryCaptureDeviceManufacturerModelName: 'other' })).toBe(false);
    expect(
      isOwnOutput({ SecondaryCaptureDeviceManufacturer: [NODE_MANUFACTURER], SecondaryCaptureDeviceManufacturerModelName: `${NODE_MODEL_NAME} ` }),
    ).toBe(true);
  });

  it('recognises our Implementation Class UID in a meta header passed in', () => {
    expect(isOwnOutput({}, { ImplementationClassUID: IMPLEMENTATION_CLASS_UID })).toBe(true);
    expect(isOwnOutput({}, { ImplementationClassUID: '1.2.3' })).toBe(false);
  });
});
