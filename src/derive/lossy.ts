import type { Dataset } from '../dicom/part10.js';
import { TransferSyntax } from '../dicom/transfer-syntax.js';

/**
 * Lossy Image Compression (0028,2110), Ratio (0028,2112), Method (0028,2114): PS3.3 C.7.6.1.1.5.
 * Once an image has been lossy compressed, every image derived from it keeps "01" with the
 * history of ratios and methods; "00" is only stated when the source stated it.
 */
export interface LossyState {
  LossyImageCompression?: '00' | '01';
  LossyImageCompressionRatio?: number[];
  LossyImageCompressionMethod?: string[];
}

/** Lossy transfer syntaxes and the Lossy Image Compression Method term each implies. */
const LOSSY_SYNTAX_METHOD: Record<string, string> = {
  [TransferSyntax.JpegBaseline]: 'ISO_10918_1',
  [TransferSyntax.JpegExtended]: 'ISO_10918_1',
  [TransferSyntax.JpegLsNearLossless]: 'ISO_14495_1',
  [TransferSyntax.Jpeg2000]: 'ISO_15444_1',
  [TransferSyntax.HtJpeg2000]: 'ISO_15444_15',
};

function toList(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The lossy state of a derived image. `sourceTransferSyntaxUid` (optional) is the syntax the
 * source arrived in: a lossy one marks the derived image "01" even when the source did not say so
 * (a ratio is then unknown and left out; Method and Ratio need not pair up, C.7.6.1.1.5.2).
 */
export function lossyStateFor(source: Dataset, sourceTransferSyntaxUid?: string): LossyState {
  const flag = Array.isArray(source.LossyImageCompression) ? source.LossyImageCompression[0] : source.LossyImageCompression;
  const methods = toList(source.LossyImageCompressionMethod).filter((m): m is string => typeof m === 'string' && m.length > 0);
  const ratios = toList(source.LossyImageCompressionRatio)
    .map((r) => (typeof r === 'string' ? Number(r) : r))
    .filter((r): r is number => typeof r === 'number' && Number.isFinite(r));
  const syntaxMethod = sourceTransferSyntaxUid ? LOSSY_SYNTAX_METHOD[sourceTransferSyntaxUid] : undefined;

  if (flag === '01' || syntaxMethod) {
    const state: LossyState = { LossyImageCompression: '01' };
    if (ratios.length > 0) state.LossyImageCompressionRatio = ratios;
    const allMethods = syntaxMethod && !methods.includes(syntaxMethod) && flag !== '01' ? [...methods, syntaxMethod] : methods;
    if (allMethods.length > 0) state.LossyImageCompressionMethod = allMethods;
    return state;
  }
  if (flag === '00') return { LossyImageCompression: '00' };
  return {};
}
