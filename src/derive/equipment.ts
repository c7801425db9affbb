import type { Dataset } from '../dicom/part10.js';
import { IMPLEMENTATION_CLASS_UID, SOFTWARE_NAME, SOFTWARE_VERSION } from '../dicom/implementation.js';
import { deriveUid, UID_NAMESPACE } from '../dicom/uid.js';
import { hasCode, PROCESSING_EQUIPMENT } from './codes.js';
import { stringValue } from './source-modules.js';

/**
 * Who processed an image and when: becomes the Processing Equipment item of Contributing
 * Equipment Sequence (PS3.3 C.12.1, CID 7005 109102) and the Secondary Capture Device attributes
 * (PS3.3 C.8.6.1).
 */
export interface ProcessingStamp {
  manufacturer: string;
  modelName: string;
  softwareVersions: string[];
  deviceUid: string;
  stationAeTitle?: string;
  contributionDescription: string;
  processedAt: Date;
}

/** Manufacturer and model name written by this node; isOwnOutput keys on them. */
export const NODE_MANUFACTURER = SOFTWARE_NAME;
export const NODE_MODEL_NAME = `${SOFTWARE_NAME} derived series builder`;

export interface ProcessingStampInput {
  modelId?: string;
  modelVersion?: string;
  modelSha256?: string;
  processedAt: Date;
  description: string;
  stationAeTitle?: string;
}

const LO_MAX = 64;

function clampLo(text: string): string {
  return text.length <= LO_MAX ? text : text.slice(0, LO_MAX);
}

/**
 * Builds the stamp for one processing run. Software Versions (LO, one value each ≤ 64 chars):
 * the node's version, then `<modelId> <modelVersion> sha256:<first 12 hex>` when a model ran.
 * The Device UID changes whenever the model (id, version or hash) changes, as derived-dicom.md
 * asks, and is stable otherwise.
 */
export function buildProcessingStamp(input: ProcessingStampInput): ProcessingStamp {
  const versions = [`${SOFTWARE_NAME} ${SOFTWARE_VERSION}`];
  const model = [input.modelId, input.modelVersion].filter((p): p is string => !!p).join(' ');
  const shortSha = input.modelSha256 ? `sha256:${input.modelSha256.toLowerCase().slice(0, 12)}` : '';
  const modelText = [model, shortSha].filter((p) => p.length > 0).join(' ');
  if (modelText) versions.push(clampLo(modelText));
  const stamp: ProcessingStamp = {
    manufacturer: NODE_MANUFACTURER,
    modelName: NODE_MODEL_NAME,
    softwareVersions: versions,
    deviceUid: deriveUid(
      UID_NAMESPACE.device,
      IMPLEMENTATION_CLASS_UID,
      input.modelId ?? '',
      input.modelVersion ?? '',
      input.modelSha256 ?? 'render',
    ),
    contributionDescription: input.description,
    processedAt: input.processedAt,
  };
  if (input.stationAeTitle) stamp.stationAeTitle = input.stationAeTitle;
  return stamp;
}

function isNodeIdentity(manufacturer: unknown, model: unknown): boolean {
  // A peer may hand values back as one-element arrays or with the VR's trailing pad space.
  return stringValue(manufacturer) === NODE_MANUFACTURER && stringValue(model) === NODE_MODEL_NAME;
}

/**
 * Loop protection (derived-dicom.md §3.4): true when the object was produced by this node —
 * a Processing Equipment item in Contributing Equipment Sequence naming this node, or the
 * Secondary Capture Device naming this node, or (when `meta` is passed) our Implementation Class
 * UID in the file meta information.
 *
 * Pass `meta` only as it arrived from the peer (a received Part-10 file): files this node wrote
 * itself, the spool included, always carry our Implementation Class UID.
 */
export function isOwnOutput(ds: Dataset, meta?: Dataset): boolean {
  const equipment = ds.ContributingEquipmentSequence;
  if (Array.isArray(equipment)) {
    for (const item of equipment) {
      if (typeof item !== 'object' || item === null) continue;
      const it = item as Dataset;
      if (hasCode(it.PurposeOfReferenceCodeSequence, PROCESSING_EQUIPMENT) && isNodeIdentity(it.Manufacturer, it.ManufacturerModelName)) {
        return true;
      }
    }
  }
  if (isNodeIdentity(ds.SecondaryCaptureDeviceManufacturer, ds.SecondaryCaptureDeviceManufacturerModelName)) return true;
  return meta !== undefined && meta.ImplementationClassUID === IMPLEMENTATION_CLASS_UID;
}
