import type { Dataset } from '../dicom/part10.js';
import { ACQUISITION_EQUIPMENT, codeItem, hasCode, PROCESSING_EQUIPMENT } from './codes.js';
import { fitText, formatDicomDateTime } from './dicom-text.js';
import type { ProcessingStamp } from './equipment.js';
import { cloneValue, pickAttributes, stringValue } from './source-modules.js';

/** Attributes of a Contributing Equipment item taken from the source's General Equipment. */
const ACQUISITION_ITEM_ATTRIBUTES = [
  'Manufacturer',
  'InstitutionName',
  'InstitutionAddress',
  'StationName',
  'InstitutionalDepartmentName',
  'ManufacturerModelName',
  'DeviceSerialNumber',
  'DeviceUID',
  'SoftwareVersions',
] as const;

/**
 * Contributing Equipment Sequence (0018,A001), PS3.3 C.12.1 / Table C.12-1: the source's own
 * contributing equipment first (history is kept), then the source's acquisition equipment with
 * purpose (109101, DCM) unless the source already lists it, then this node with purpose
 * (109102, DCM) from CID 7005.
 */
export function contributingEquipmentSequence(source: Dataset, stamp: ProcessingStamp): Dataset[] {
  const items: Dataset[] = [];
  const previous = source.ContributingEquipmentSequence;
  if (Array.isArray(previous)) {
    for (const item of previous) if (typeof item === 'object' && item !== null) items.push(cloneValue(item as Dataset));
  }
  const hasAcquisition = items.some((i) => hasCode(i.PurposeOfReferenceCodeSequence, ACQUISITION_EQUIPMENT));
  // Manufacturer is Type 1 in a Contributing Equipment item: without it there is nothing to record.
  if (!hasAcquisition && stringValue(source.Manufacturer) !== undefined) {
    items.push({
      PurposeOfReferenceCodeSequence: [codeItem(ACQUISITION_EQUIPMENT)],
      ...pickAttributes(source, ACQUISITION_ITEM_ATTRIBUTES),
    });
  }
  items.push(processingEquipmentItem(stamp));
  return items;
}

/** This node's item: who, which software and model, when, and what it did. */
export function processingEquipmentItem(stamp: ProcessingStamp): Dataset {
  const item: Dataset = {
    PurposeOfReferenceCodeSequence: [codeItem(PROCESSING_EQUIPMENT)],
    Manufacturer: fitText(stamp.manufacturer, 'LO'),
    ManufacturerModelName: fitText(stamp.modelName, 'LO'),
    DeviceUID: stamp.deviceUid,
    SoftwareVersions: stamp.softwareVersions.map((v) => fitText(v, 'LO')),
    ContributionDateTime: formatDicomDateTime(stamp.processedAt, 0).dateTime,
    ContributionDescription: fitText(stamp.contributionDescription, 'ST'),
  };
  if (stamp.stationAeTitle) item.StationName = fitText(stamp.stationAeTitle, 'SH');
  return item;
}
