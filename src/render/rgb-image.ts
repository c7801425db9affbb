/** An 8-bit RGB image, colour-by-pixel (R,G,B,R,G,B…), row-major. */
export interface RgbImage {
  width: number;
  height: number;
  /** Length width × height × 3. */
  data: Uint8Array;
  /**
   * The same pixels as one grey plane (length width × height), present where R = G = B is known
   * from how the image was made (grayToRgb: grey renders, grey enhancement results), so later
   * stages take the grey values instead of scanning or converting the RGB back.
   */
  gray?: Uint8Array;
}

export function createRgbImage(width: number, height: number, data?: Uint8Array): RgbImage {
  const n = width * height * 3;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`invalid image size ${width}×${height}`);
  }
  if (data && data.length !== n) {
    throw new RangeError(`RGB buffer has ${data.length} bytes, expected ${n} for ${width}×${height}`);
  }
  return { width, height, data: data ?? new Uint8Array(n) };
}
