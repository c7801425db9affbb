import type { Dataset } from '../dicom/part10.js';
import type { PixelModule } from '../dicom/pixel-module.js';
import { firstItem, firstNumber, frameMacro, numbers } from './frame-attributes.js';

/** A Modality LUT as a table (PS3.3 C.11.1, LUT Descriptor + LUT Data). */
export interface LutTable {
  /** Stored value mapped to the first entry. */
  firstMapped: number;
  data: ArrayLike<number>;
}

/** Stored value → modality value (e.g. HU): linear rescale or a lookup table (PS3.3 C.11.1). */
export type ModalityTransform = { kind: 'rescale'; slope: number; intercept: number } | { kind: 'table'; lut: LutTable };

/**
 * Values of LUT Data, which dcmjs gives as numbers (US) or raw little-endian bytes (OW). With
 * 8-bit entries some writers pack one entry per byte, others one per 16-bit word; the byte count
 * against the descriptor's entry count tells which.
 */
export function lutData(value: unknown, entries: number): number[] {
  const chunks = Array.isArray(value) ? value : [value];
  if (chunks.length > 0 && chunks.every((v) => typeof v === 'number')) return chunks as number[];
  const parts: Uint8Array[] = [];
  for (const c of chunks) {
    if (c instanceof ArrayBuffer) parts.push(new Uint8Array(c));
    else if (ArrayBuffer.isView(c)) parts.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (bytes.set(p, o), o + p.length), 0);
  const out: number[] = [];
  if (bytes.length === entries || bytes.length === entries + 1) {
    for (let i = 0; i < entries; i++) out.push(bytes[i]);
  } else {
    for (let i = 0; i + 1 < bytes.length; i += 2) out.push(bytes[i] | (bytes[i + 1] << 8));
  }
  return out;
}

/** LUT Descriptor: [entries (0 means 65536), first stored value mapped, bits per entry]. */
export function readLutTable(item: Dataset, pm: PixelModule, descriptorKeyword = 'LUTDescriptor', dataKeyword = 'LUTData'): LutTable | undefined {
  const desc = numbers(item, descriptorKeyword);
  if (desc.length < 3) return undefined;
  const entries = desc[0] === 0 ? 65536 : desc[0];
  let first = desc[1];
  // The second value is US or SS like the pixel data; dcmjs may read an SS value as US.
  if (pm.PixelRepresentation === 1 && first > 32767) first -= 65536;
  const data = lutData(item[dataKeyword], entries);
  if (data.length === 0) return undefined;
  return { firstMapped: first, data: data.length > entries ? data.slice(0, entries) : data };
}

/**
 * The modality transform of one frame: Pixel Value Transformation functional group for enhanced
 * objects, else Modality LUT Sequence, else Rescale Slope/Intercept (identity when absent).
 */
export function readModalityTransform(ds: Dataset, pm: PixelModule, frameIndex = 0): ModalityTransform {
  const macro = frameMacro(ds, frameIndex, 'PixelValueTransformationSequence');
  if (macro && firstNumber(macro, 'RescaleSlope') !== undefined) {
    return { kind: 'rescale', slope: firstNumber(macro, 'RescaleSlope') ?? 1, intercept: firstNumber(macro, 'RescaleIntercept') ?? 0 };
  }
  const seqItem = firstItem(ds.ModalityLUTSequence);
  if (seqItem) {
    const lut = readLutTable(seqItem, pm);
    if (lut) return { kind: 'table', lut };
  }
  return { kind: 'rescale', slope: firstNumber(ds, 'RescaleSlope') ?? 1, intercept: firstNumber(ds, 'RescaleIntercept') ?? 0 };
}

/** Looks a stored value up in a table, clamping outside its range (PS3.3 C.11.1.1). */
export function lookUp(lut: LutTable, stored: number): number {
  const i = stored - lut.firstMapped;
  if (i <= 0) return lut.data[0];
  if (i >= lut.data.length - 1) return lut.data[lut.data.length - 1];
  return lut.data[i];
}

/**
 * Applies the modality transform to one frame of stored values. Pixels flagged in `padding`
 * become NaN so later stages can exclude them (PS3.3 C.7.5.1.1.2).
 */
export function applyModalityTransform(stored: ArrayLike<number>, transform: ModalityTransform, padding?: Uint8Array): Float32Array {
  const out = new Float32Array(stored.length);
  if (transform.kind === 'rescale') {
    const { slope, intercept } = transform;
    for (let i = 0; i < stored.length; i++) out[i] = stored[i] * slope + intercept;
  } else {
    for (let i = 0; i < stored.length; i++) out[i] = lookUp(transform.lut, stored[i]);
  }
  if (padding) for (let i = 0; i < out.length; i++) if (padding[i]) out[i] = NaN;
  return out;
}
