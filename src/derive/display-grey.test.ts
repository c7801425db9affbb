import { describe, expect, it } from 'vitest';
import { grayToRgb } from '../render/colour.js';
import { createRgbImage } from '../render/rgb-image.js';
import { displayGrey } from './grayscale-image.js';

describe('displayGrey', () => {
  const levels = Uint8Array.from({ length: 256 }, (_, i) => i);

  it('takes a grey image’s own plane, giving the values its RGB pixels would', () => {
    const grey = grayToRgb(levels, 16, 16);
    const rgbOnly = createRgbImage(16, 16, grey.data.slice());
    expect([...displayGrey(grey, false)]).toEqual([...levels]);
    expect([...displayGrey(grey, false)]).toEqual([...displayGrey(rgbOnly, false)]);
    expect([...displayGrey(grey, true)]).toEqual([...displayGrey(rgbOnly, true)]);
  });

  it('reads the luminance of a colour image', () => {
    expect([...displayGrey(createRgbImage(1, 1, Uint8Array.of(255, 0, 0)), false)]).toEqual([76]);
  });
});
