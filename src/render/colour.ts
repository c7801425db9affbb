import type { Dataset } from '../dicom/part10.js';
import type { PixelModule } from '../dicom/pixel-module.js';
import { createRgbImage, type RgbImage } from './rgb-image.js';
import { lutData, readLutTable, type LutTable } from './modality-lut.js';
import { expandSegmentedLut } from './segmented-lut.js';
import { lookUp } from './modality-lut.js';
import { numbers } from './frame-attributes.js';

export { planarToInterleaved } from '../dicom/pixel-layout.js';

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** Scales a sample of `bits` bits to 0–255. */
function toByteScale(bits: number): number {
  return bits === 8 ? 1 : 255 / (2 ** bits - 1);
}

/**
 * YCbCr full range → RGB (PS3.3 C.7.6.3.1.2, YBR_FULL; the same equations serve YBR_ICT),
 * on interleaved samples of `bits` bits; output 8-bit interleaved RGB.
 */
export function ybrFullToRgb(ybr: ArrayLike<number>, bits = 8): Uint8Array {
  const out = new Uint8Array(ybr.length);
  const half = 2 ** (bits - 1);
  const scale = toByteScale(bits);
  for (let i = 0; i + 2 < ybr.length; i += 3) {
    const y = ybr[i];
    const cb = ybr[i + 1] - half;
    const cr = ybr[i + 2] - half;
    out[i] = clampByte((y + 1.402 * cr) * scale);
    out[i + 1] = clampByte((y - 0.344136 * cb - 0.714136 * cr) * scale);
    out[i + 2] = clampByte((y + 1.772 * cb) * scale);
  }
  return out;
}

/** Reversible colour transform inverse (ISO 15444-1 G.2; YBR_RCT), chroma centred on 2^(bits-1). */
export function ybrRctToRgb(ybr: ArrayLike<number>, bits = 8): Uint8Array {
  const out = new Uint8Array(ybr.length);
  const half = 2 ** (bits - 1);
  const scale = toByteScale(bits);
  for (let i = 0; i + 2 < ybr.length; i += 3) {
    const cb = ybr[i + 1] - half;
    const cr = ybr[i + 2] - half;
    const g = ybr[i] - Math.floor((cb + cr) / 4);
    out[i] = clampByte((cr + g) * scale);
    out[i + 1] = clampByte(g * scale);
    out[i + 2] = clampByte((cb + g) * scale);
  }
  return out;
}

/** RGB samples of any bit depth → 8-bit RGB. */
export function rgbToBytes(rgb: ArrayLike<number>, bits = 8): Uint8Array {
  if (bits === 8 && rgb instanceof Uint8Array) return rgb.slice();
  const out = new Uint8Array(rgb.length);
  const scale = toByteScale(bits);
  for (let i = 0; i < rgb.length; i++) out[i] = clampByte(rgb[i] * scale);
  return out;
}

/** The three Palette Color LUTs (PS3.3 C.7.6.3.1.5), non-segmented. */
export interface Palette {
  red: LutTable;
  green: LutTable;
  blue: LutTable;
  /** Bits per entry (8 or 16). */
  bits: number;
}

/** One palette table, from its LUT Data or, when that is absent, its Segmented LUT Data (PS3.3 C.7.9). */
function readPaletteTable(ds: Dataset, pm: PixelModule, colour: string): LutTable | undefined {
  const descriptor = `${colour}PaletteColorLookupTableDescriptor`;
  const plain = readLutTable(ds, pm, descriptor, `${colour}PaletteColorLookupTableData`);
  if (plain) return plain;
  const segmented = ds[`Segmented${colour}PaletteColorLookupTableData`];
  const desc = numbers(ds, descriptor);
  if (segmented === undefined || desc.length < 3) return undefined;
  const entries = desc[0] === 0 ? 65536 : desc[0];
  const words = lutData(segmented, -1);
  const data = expandSegmentedLut(words, entries).slice(0, entries);
  if (data.length === 0) return undefined;
  let first = desc[1];
  if (pm.PixelRepresentation === 1 && first > 32767) first -= 65536;
  return { firstMapped: first, data };
}

/** Reads the palette of a PALETTE COLOR object (plain or segmented tables); undefined when a table is missing. */
export function readPalette(ds: Dataset, pm: PixelModule): Palette | undefined {
  const tables = ['Red', 'Green', 'Blue'].map((c) => readPaletteTable(ds, pm, c));
  const [red, green, blue] = tables;
  if (!red || !green || !blue) return undefined;
  const bits = numbers(ds, 'RedPaletteColorLookupTableDescriptor')[2] ?? 16;
  return { red, green, blue, bits };
}

/** Indices through a palette → 8-bit interleaved RGB. */
export function paletteToRgb(indices: ArrayLike<number>, palette: Palette): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  const scale = palette.bits === 16 ? 1 / 257 : 1;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    out[i * 3] = clampByte(lookUp(palette.red, v) * scale);
    out[i * 3 + 1] = clampByte(lookUp(palette.green, v) * scale);
    out[i * 3 + 2] = clampByte(lookUp(palette.blue, v) * scale);
  }
  return out;
}

/** 8-bit grey → RgbImage with R = G = B, carrying `gray` itself as its grey plane. */
export function grayToRgb(gray: Uint8Array, width: number, height: number): RgbImage {
  const img = createRgbImage(width, height);
  if (gray.length !== width * height) throw new RangeError(`grey buffer has ${gray.length} values, expected ${width * height}`);
  for (let i = 0; i < gray.length; i++) {
    const v = gray[i];
    img.data[i * 3] = v;
    img.data[i * 3 + 1] = v;
    img.data[i * 3 + 2] = v;
  }
  return { ...img, gray };
}

/** RgbImage → 8-bit luma, ITU-R BT.601 weights (exact for R = G = B images). */
export function rgbToGray(image: RgbImage): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  const d = image.data;
  for (let i = 0; i < n; i++) out[i] = clampByte(0.299 * d[i * 3] + 0.587 * d[i * 3 + 1] + 0.114 * d[i * 3 + 2]);
  return out;
}
