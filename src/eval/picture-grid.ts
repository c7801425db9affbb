/**
 * Before/after picture grid: one row per image, columns clean, degraded and each method, every
 * tile fitted into a square cell on black, a header row with the column names and the row's
 * image name in its first cell. sharp composite.
 */
import sharp from 'sharp';
import { isGrayImage, type EngineImage } from '../enhance/image-planes.js';

export interface GridRow {
  label: string;
  tiles: EngineImage[];
}

export interface GridOptions {
  cell?: number;
  gap?: number;
  header?: number;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function textSvg(text: string, width: number, height: number, size: number): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<text x="4" y="${Math.round(height / 2 + size / 3)}" font-family="sans-serif" font-size="${size}" fill="#ffffff">${escapeXml(text)}</text></svg>`,
  );
}

async function tilePng(img: EngineImage, cell: number): Promise<Buffer> {
  const channels = isGrayImage(img) ? 1 : 3;
  const bytes = isGrayImage(img) ? img.gray : img.data;
  return sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { raw: { width: img.width, height: img.height, channels } })
    .resize(cell, cell, { fit: 'contain', background: { r: 0, g: 0, b: 0 }, kernel: img.width < cell / 2 ? 'nearest' : 'lanczos3' })
    .toColourspace('srgb')
    .png()
    .toBuffer();
}

/** Compose the grid; returns PNG bytes. */
export async function pictureGrid(columns: readonly string[], rows: readonly GridRow[], opts: GridOptions = {}): Promise<Buffer> {
  const cell = opts.cell ?? 160;
  const gap = opts.gap ?? 4;
  const header = opts.header ?? 24;
  const width = columns.length * (cell + gap) + gap;
  const height = header + rows.length * (cell + gap) + gap;
  const layers: sharp.OverlayOptions[] = [];
  columns.forEach((name, c) => {
    layers.push({ input: textSvg(name, cell, header, 14), left: gap + c * (cell + gap), top: 0 });
  });
  for (const [r, row] of rows.entries()) {
    const top = header + gap + r * (cell + gap);
    for (const [c, tile] of row.tiles.entries()) {
      layers.push({ input: await tilePng(tile, cell), left: gap + c * (cell + gap), top });
    }
    layers.push({ input: textSvg(row.label, cell, 18, 12), left: gap, top });
  }
  return sharp({ create: { width, height, channels: 3, background: { r: 32, g: 32, b: 32 } } })
    .composite(layers)
    .png({ compressionLevel: 9 })
    .toBuffer();
}
