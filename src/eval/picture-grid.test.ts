import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pictureGrid } from './picture-grid.js';

describe('picture grid', () => {
  it('lays out a header row and one cell per tile', async () => {
    const gray = { width: 20, height: 10, gray: new Uint8Array(200).fill(255) };
    const rgb = { width: 8, height: 8, data: new Uint8Array(192).map((_, i) => (i % 3 === 0 ? 255 : 0)) };
    const png = await pictureGrid(['clean', 'degraded', 'x'], [
      { label: 'a', tiles: [gray, gray, rgb] },
      { label: 'b', tiles: [rgb, rgb, gray] },
    ], { cell: 40, gap: 2, header: 10 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(3 * 42 + 2);
    expect(info.height).toBe(10 + 2 * 42 + 2);
    // Centre of row b, column x (a white gray tile, contained with black bars above and below).
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    expect(px(2 + 2 * 42 + 20, 10 + 2 + 42 + 20)).toEqual([255, 255, 255]);
    // Row a, column x: the red RGB tile.
    expect(px(2 + 2 * 42 + 20, 10 + 2 + 30)).toEqual([255, 0, 0]);
  });
});
