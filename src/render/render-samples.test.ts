import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readPart10 } from '../dicom/part10.js';
import { renderDicom } from './render-dicom.js';

const ROOT = fileURLToPath(new URL('../../sample-studies', import.meta.url));
const folders = readdirSync(ROOT).filter((f) => statSync(join(ROOT, f)).isDirectory());

describe('sample studies', () => {
  it('are documented in the README and stay small', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    let total = 0;
    for (const folder of folders) {
      expect(readme, folder).toContain(`\`${folder}/\``);
      for (const f of readdirSync(join(ROOT, folder))) total += statSync(join(ROOT, folder, f)).size;
    }
    expect(folders.length).toBeGreaterThanOrEqual(6);
    // 8 MiB: the 512² CT, 256² MR and 640×480 endoscopy samples (~6.6 MB) are realistic sizes on purpose.
    expect(total).toBeLessThan(8 * 1024 * 1024);
  });

  for (const folder of folders) {
    it(`${folder}: every file renders (grey windowed, colour unwindowed)`, async () => {
      for (const name of readdirSync(join(ROOT, folder))) {
        const file = readPart10(readFileSync(join(ROOT, folder, name)));
        const frames = await renderDicom(file, 'soft-tissue');
        expect(frames.length, name).toBeGreaterThan(0);
        for (const f of frames) {
          expect(f.image.data.length).toBe(f.image.width * f.image.height * 3);
          expect(f.window === undefined).toBe(!f.grayscale);
          // Not a blank image: some contrast survives the window.
          expect(new Set(f.image.data).size, name).toBeGreaterThan(2);
        }
      }
    });
  }
});
