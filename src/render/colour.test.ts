import { describe, expect, it } from 'vitest';
import type { PixelModule } from '../dicom/pixel-module.js';
import { grayToRgb, paletteToRgb, planarToInterleaved, readPalette, rgbToBytes, rgbToGray, ybrFullToRgb, ybrRctToRgb } from './colour.js';

describe('colour conversion', () => {
  it('YBR_FULL → RGB per PS3.3 C.7.6.3.1.2 (values checked with pydicom convert_color_space)', () => {
    // SC_ybr_full_422_uncompressed.dcm pixels (0,0), (50,50), (99,99)
    expect(Array.from(ybrFullToRgb([76, 85, 255, 143, 192, 115, 255, 128, 128]))).toEqual([254, 0, 0, 125, 130, 255, 255, 255, 255]);
    // Neutral grey stays grey.
    expect(Array.from(ybrFullToRgb([100, 128, 128]))).toEqual([100, 100, 100]);
  });

  it('YBR_RCT inverse is exact for integer round trips', () => {
    // forward RCT of (R,G,B) = (200, 100, 50): Y = floor((R+2G+B)/4) = 112, Cb = B-G = -50, Cr = R-G = 100
    expect(Array.from(ybrRctToRgb([112, 128 - 50, 128 + 100]))).toEqual([200, 100, 50]);
  });

  it('scales 16-bit RGB to bytes', () => {
    expect(Array.from(rgbToBytes(new Uint16Array([0, 32768, 65535]), 16))).toEqual([0, 128, 255]);
    const eight = new Uint8Array([1, 2, 3]);
    expect(rgbToBytes(eight, 8)).not.toBe(eight);
  });

  it('planar → interleaved', () => {
    expect(Array.from(planarToInterleaved(new Uint8Array([1, 2, 10, 20, 100, 200]), 2))).toEqual([1, 10, 100, 2, 20, 200]);
  });

  it('maps PALETTE COLOR through 16-bit tables with a first mapped value', () => {
    const pm: PixelModule = {
      Rows: 1,
      Columns: 3,
      SamplesPerPixel: 1,
      BitsAllocated: 8,
      BitsStored: 8,
      HighBit: 7,
      PixelRepresentation: 0,
      PhotometricInterpretation: 'PALETTE COLOR',
      PlanarConfiguration: 0,
      NumberOfFrames: 1,
    };
    const table = (a: number, b: number) => [new Uint16Array([a, b]).buffer];
    const ds = {
      RedPaletteColorLookupTableDescriptor: [2, 1, 16],
      GreenPaletteColorLookupTableDescriptor: [2, 1, 16],
      BluePaletteColorLookupTableDescriptor: [2, 1, 16],
      RedPaletteColorLookupTableData: table(65535, 0),
      GreenPaletteColorLookupTableData: table(0, 65535),
      BluePaletteColorLookupTableData: table(257 * 10, 257 * 20),
    };
    const palette = readPalette(ds, pm);
    expect(palette).toBeDefined();
    // index 0 clamps to the first entry; 1 and 2 are entries 0 and 1.
    expect(Array.from(paletteToRgb([0, 1, 2], palette!))).toEqual([255, 0, 10, 255, 0, 10, 0, 255, 20]);
    expect(readPalette({}, pm)).toBeUndefined();
  });

  it('gray ↔ RGB', () => {
    const img = grayToRgb(new Uint8Array([0, 128, 255, 7]), 2, 2);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255, 7, 7, 7]);
    expect(Array.from(rgbToGray(img))).toEqual([0, 128, 255, 7]);
    expect(Array.from(rgbToGray({ width: 1, height: 1, data: new Uint8Array([255, 0, 0]) }))).toEqual([76]);
    expect(() => grayToRgb(new Uint8Array(3), 2, 2)).toThrow(RangeError);
  });
});
