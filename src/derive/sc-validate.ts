import type { Dataset } from '../dicom/part10.js';
import { isValidUid } from '../dicom/uid.js';
import { ConformanceError } from '../shared/errors.js';
import { isDefaultRepertoire } from './dicom-text.js';
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
