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
