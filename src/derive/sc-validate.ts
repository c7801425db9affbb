import type { Dataset } from '../dicom/part10.js';
import { isValidUid } from '../dicom/uid.js';
import { ConformanceError } from '../shared/errors.js';
import { isDefaultRepertoire } from './dicom-text.js';
import type { ScImageParams } from './sc-image.js';
import { firstValue } from './source-modules.js';

/** Builder misuse: the requested object would not conform. */
export function invalid(message: string): never {
  throw new ConformanceError('PACS_E_DERIVE_INVALID', `cannot build derived SC image: ${message}`);
}

/** A mandatory source UID, valid per PS3.5 §9.1; else PACS_E_DERIVE_SOURCE_INCOMPLETE. */
export function requireSourceUid(source: Dataset, keyword: string): string {
  const value = firstValue(source[keyword]);
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConformanceError('PACS_E_DERIVE_SOURCE_INCOMPLETE', `source image has no ${keyword}`, { details: { keyword } });
  }
  const uid = value.replace(/\0+$/, '').trim();
  if (!isValidUid(uid)) {
    throw new ConformanceError('PACS_E_DERIVE_SOURCE_INCOMPLETE', `source image has an invalid ${keyword}`, {
      details: { keyword },
    });
  }
  return uid;
}

/** A mandatory (Type 1) source text attribute. */
export function requireSourceText(source: Dataset, keyword: string): string {
  const value = firstValue(source[keyword]);
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new ConformanceError('PACS_E_DERIVE_SOURCE_INCOMPLETE', `source image has no ${keyword}`, { details: { keyword } });
  }
  return value.trim();
}

const CS_VALUE = /^[A-Z0-9_ ]{1,16}$/;
const MAX_DIMENSION = 0xffff;

/** Checks the invariants of an SC RGB image (PS3.3 A.8.1, C.7.6.3, C.8.6); throws on the first. */
export function validateScParams(p: ScImageParams): void {
  const uids: [string, unknown][] = [
    ['SOP Instance UID', p.sopInstanceUid],
    ['Series Instance UID', p.seriesInstanceUid],
    ['Study Instance UID', p.studyInstanceUid],
    ['Device UID', p.processing.deviceUid],
  ];
  if (p.geometry.FrameOfReferenceUID !== undefined) uids.push(['Frame of Reference UID', p.geometry.FrameOfReferenceUID]);
  for (const ref of p.sourceImages) {
    uids.push(['referenced SOP Class UID', ref.sopClassUid], ['referenced SOP Instance UID', ref.sopInstanceUid]);
    uids.push(['referenced Series UID', ref.seriesInstanceUid], ['referenced Study UID', ref.studyInstanceUid]);
  }
  for (const [name, uid] of uids) if (!isValidUid(uid)) invalid(`${name} ${JSON.stringify(uid)} is not a valid UID`);
  if (p.sourceImages.length === 0) invalid('a derived image needs at least one source image');
  if (p.sourceImages.some((r) => r.sopInstanceUid === p.sopInstanceUid)) invalid('SOP Instance UID equals a source image UID');

  const { width, height, data } = p.image;
  for (const [name, n] of [['Columns', width], ['Rows', height]] as const) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_DIMENSION) invalid(`${name} ${n} outside 1…${MAX_DIMENSION}`);
  }
  if (!(data instanceof Uint8Array)) invalid('pixel data must be 8-bit (Uint8Array)');
  if (data.length !== width * height * 3) {
    invalid(`pixel data has ${data.length} bytes, Rows × Columns × 3 = ${width * height * 3}`);
  }

  if (p.imageType[0] !== 'DERIVED' || p.imageType[1] !== 'SECONDARY') invalid('Image Type must start with DERIVED\\SECONDARY');
  for (const v of p.imageType) if (!CS_VALUE.test(v)) invalid(`Image Type value ${JSON.stringify(v)} is not a CS value`);
  if (!CS_VALUE.test(p.modality)) invalid(`Modality ${JSON.stringify(p.modality)} is not a CS value`);
  if (!Number.isInteger(p.seriesNumber) || p.seriesNumber < -(2 ** 31) || p.seriesNumber >= 2 ** 31) {
    invalid(`Series Number ${p.seriesNumber} is not an IS value`);
  }
  if (p.instanceNumber !== undefined && (!Number.isInteger(p.instanceNumber) || Math.abs(p.instanceNumber) >= 2 ** 31)) {
    invalid(`Instance Number ${p.instanceNumber} is not an IS value`);
  }
  if (p.derivationDescription.trim().length === 0) invalid('Derivation Description is empty');
  if (p.seriesDescription.trim().length === 0) invalid('Series Description is empty');
  if (p.processing.softwareVersions.length === 0) invalid('processing stamp has no software versions');
  if (!p.processing.manufacturer.trim() || !p.processing.modelName.trim()) invalid('processing stamp lacks manufacturer or model');
  if (Number.isNaN(p.processing.processedAt.getTime())) invalid('processing time is not a valid date');
  if (p.patientAndStudy.StudyInstanceUID !== undefined && p.patientAndStudy.StudyInstanceUID !== p.studyInstanceUid) {
    invalid('patient/study attributes belong to another study');
  }
}

function hasNonAscii(value: unknown): boolean {
  if (typeof value === 'string') return !isDefaultRepertoire(value);
  if (Array.isArray(value)) return value.some(hasNonAscii);
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return false;
  if (typeof value === 'object' && value !== null) return Object.values(value).some(hasNonAscii);
  return false;
}

/**
 * dcmjs writes every string as UTF-8. The source's Specific Character Set is kept (PS3.3
 * C.12.1.1.2); when the source declared none but the object holds non-ASCII text, it must say
 * ISO_IR 192 or readers would take the bytes for the default repertoire.
 */
export function ensureCharacterSet(ds: Dataset): void {
  if (ds.SpecificCharacterSet !== undefined && ds.SpecificCharacterSet !== '') return;
  const { PixelData: _pixels, _vrMap: _map, ...rest } = ds;
  if (hasNonAscii(rest)) ds.SpecificCharacterSet = 'ISO_IR 192';
}
