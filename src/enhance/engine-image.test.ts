import { describe, expect, it } from 'vitest';
import { grayToRgb } from '../render/colour.js';
import { createRgbImage } from '../render/rgb-image.js';
import { toEngineImage } from './engine-image.js';

describe('toEngineImage', () => {
  it('hands a grey slice to the engine as the grey plane it was rendered from', () => {
    const plane = Uint8Array.of(0, 40, 200, 255);
    const engineImage = toEngineImage(grayToRgb(plane, 2, 2));
    expect(engineImage).toEqual({ width: 2, height: 2, gray: plane });
    expect((engineImage as { gray: Uint8Array }).gray).toBe(plane);
  });

  it('enhances a colour image with equal channels as grey, any other colour image as RGB', () => {
    const equal = createRgbImage(2, 1, Uint8Array.of(9, 9, 9, 70, 70, 70));
    expect(toEngineImage(equal)).toEqual({ width: 2, height: 1, gray: Uint8Array.of(9, 70) });
    const colour = createRgbImage(2, 1, Uint8Array.of(9, 9, 9, 70, 71, 70));
    expect(toEngineImage(colour)).toBe(colour);
  });
});
