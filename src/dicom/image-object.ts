import { STORAGE_SOP_CLASSES } from './storage-sop-classes.js';
import type { Dataset } from './part10.js';

/** Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008), Double Float Pixel Data (7FE0,0009). */
const PIXEL_DATA_KEYWORDS = ['PixelData', 'FloatPixelData', 'DoubleFloatPixelData'] as const;

/**
 * Whether the data set is an image object: it carries one of the pixel data elements. SR,
 * waveforms (ECG), RT Plan / Structure Set, encapsulated documents, presentation states and key
 * object selections carry none. Element presence is what counts, so a header read up to the
 * pixel data (`readPart10(…, { untilPixelData: true })`, whose Pixel Data key is there without a
 * value) answers the same as the whole file.
 */
export function isImageObject(dataset: Dataset): boolean {
  return PIXEL_DATA_KEYWORDS.some((kw) => Object.prototype.hasOwnProperty.call(dataset, kw));
}

/** Why the node does not process this object because it is not an image, or undefined for an image. */
export function notAnImageReason(dataset: Dataset): string | undefined {
  if (isImageObject(dataset)) return undefined;
  const uid = typeof dataset.SOPClassUID === 'string' ? dataset.SOPClassUID : undefined;
  const name = uid ? STORAGE_SOP_CLASSES.get(uid) : undefined;
  const what = uid ? `${name ?? 'SOP class'} (${uid})` : 'object without a SOP Class UID';
  return `no image object: ${what} carries no pixel data; stored, not processed`;
}
