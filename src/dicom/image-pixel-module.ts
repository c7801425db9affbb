import type { Dataset } from './part10.js';

/**
 * Image Pixel module (PS3.3 C.7.6.3) of the node's colour outputs and the endoscopy sample: 8-bit
 * RGB, colour-by-pixel (C.7.6.3.1.3), as the SC, Multi-frame True Color SC (A.8.5.4) and VL
 * (C.8.12.1.1) IODs need.
 * Pixel Data itself is the builder's.
 */
export function rgbImagePixelModule(width: number, height: number): Dataset {
  return {
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: height,
    Columns: width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
  };
}

/**
 * Image Pixel module (PS3.3 C.7.6.3) of a 16-bit-allocated MONOCHROME2 image: the CT and MR
 * samples and the enhanced grayscale output. Pixel Data itself is the builder's.
 */
export function grey16PixelModule(width: number, height: number, bitsStored: number, signed: boolean): Dataset {
  return {
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: height,
    Columns: width,
    BitsAllocated: 16,
    BitsStored: bitsStored,
    HighBit: bitsStored - 1,
    PixelRepresentation: signed ? 1 : 0,
  };
}
