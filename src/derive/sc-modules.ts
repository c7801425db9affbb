import type { Dataset } from '../dicom/part10.js';
import { fitText, type DicomDateTime } from './dicom-text.js';
import type { ProcessingStamp } from './equipment.js';

/** Conversion Type (PS3.3 C.8.6.1) defined terms. */
export type ConversionType = 'WSD' | 'SYN' | 'DI' | 'DV' | 'DF' | 'SD' | 'SI' | 'DRW';

/**
 * SC Equipment (PS3.3 C.8.6.1), naming this node as the secondary capture device, and the SC
 * Image dates (C.8.6.2): what the single- and multi-frame SC builders share beyond the derived base.
 */
export function secondaryCaptureModules(conversionType: ConversionType, processing: ProcessingStamp, now: DicomDateTime): Dataset {
  return {
    ConversionType: conversionType,
    SecondaryCaptureDeviceID: processing.deviceUid,
    SecondaryCaptureDeviceManufacturer: fitText(processing.manufacturer, 'LO'),
    SecondaryCaptureDeviceManufacturerModelName: fitText(processing.modelName, 'LO'),
    SecondaryCaptureDeviceSoftwareVersions: processing.softwareVersions.map((v) => fitText(v, 'LO')),
    DateOfSecondaryCapture: now.date,
    TimeOfSecondaryCapture: now.time,
  };
}
