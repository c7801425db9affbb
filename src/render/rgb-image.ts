/** An 8-bit RGB image, colour-by-pixel (R,G,B,R,G,B…), row-major. */
export interface RgbImage {
  width: number;
  height: number;
  /** Length width × height × 3. */
  data: Uint8Array;
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
