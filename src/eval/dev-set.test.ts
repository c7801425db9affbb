import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGrayImage } from '../enhance/image-planes.js';
import { CT_WINDOW_PRESETS } from '../render/window-presets.js';
import { DEV_DIR, loadDevSet } from './dev-set.js';
import { HELDOUT_DIR, loadHeldoutSet, readHeldoutIndex, type EvalImage, type EvalSetEntry } from './heldout-set.js';

function pixelHash(img: EvalImage): string {
  return createHash('sha256').update(isGrayImage(img.image) ? img.image.gray : img.image.data).digest('hex');
}

function positions(entries: readonly EvalSetEntry[]): number[] {
  return entries.flatMap((e) => ('t' in e.origin ? [e.origin.t] : []));
}

function seeds(entries: readonly EvalSetEntry[]): number[] {
  return entries.flatMap((e) => ('seed' in e.origin ? [e.origin.seed] : []));
}

describe('development and held-out sets', async () => {
  const [dev, heldout, devIndex, heldoutIndex] = await Promise.all([loadDevSet(), loadHeldoutSet(), readHeldoutIndex(DEV_DIR), readHeldoutIndex(HELDOUT_DIR)]);

  it('load as their sets (held-out 8–10 images, development 8–16), covering CT, MR and colour endoscopy', () => {
    for (const [set, images, most] of [['dev', dev, 16], ['heldout', heldout, 10]] as const) {
      expect(images.length).toBeGreaterThanOrEqual(8);
      expect(images.length).toBeLessThanOrEqual(most);
      expect(images.every((i) => i.set === set)).toBe(true);
      expect(new Set(images.map((i) => i.header.Modality))).toEqual(new Set(['CT', 'MR', 'ES']));
      for (const i of images) expect(isGrayImage(i.image)).toBe(i.header.PhotometricInterpretation === 'MONOCHROME2');
    }
  });

  it('share no image, seed or slice position; the real CT slice is held out only', () => {
    expect(dev.map((i) => i.name).filter((n) => heldout.some((h) => h.name === n))).toEqual([]);
    expect(new Set([...dev, ...heldout].map(pixelHash)).size).toBe(dev.length + heldout.length);
    const devSeeds = seeds(devIndex);
    expect(seeds(heldoutIndex).filter((s) => devSeeds.includes(s))).toEqual([]);
    const devT = positions(devIndex);
    expect(positions(heldoutIndex).filter((t) => devT.some((d) => Math.abs(d - t) < 0.01))).toEqual([]);
    expect(devIndex.some((e) => e.origin.generator === 'dicom')).toBe(false);
  });

  it('have sizes of 256² and more, some not square, so that 256-px patches overlap', () => {
    for (const images of [dev, heldout]) {
      for (const i of images) expect(Math.min(i.image.width, i.image.height)).toBeGreaterThanOrEqual(256);
      expect(images.some((i) => i.image.width !== i.image.height)).toBe(true);
      expect(images.some((i) => Math.max(i.image.width, i.image.height) >= 384)).toBe(true);
    }
  });

  it('mark a gate subset of four held-out images of at most 256²: real CT, phantom CT, MR, endoscopy', async () => {
    const gate = await loadHeldoutSet({ gateOnly: true });
    expect(gate.length).toBe(4);
    for (const g of gate) expect(g.image.width * g.image.height).toBeLessThanOrEqual(256 * 256);
    const origins = heldoutIndex.filter((e) => e.gate).map((e) => `${e.header.Modality}:${e.origin.generator}`);
    expect(origins.sort()).toEqual(['CT:dicom', 'CT:phantom-ct', 'ES:endoscopy', 'MR:phantom-mr']);
    expect(devIndex.some((e) => e.gate)).toBe(false);
  });

  it('carry the window of every CT image (a built-in CT window), and none for the others', () => {
    for (const i of [...dev, ...heldout]) {
      if (i.header.Modality !== 'CT') {
        expect(i.voiWindow).toBeUndefined();
        continue;
      }
      const preset = CT_WINDOW_PRESETS[i.voiWindow!.name]!;
      expect(i.voiWindow).toEqual({ name: preset.name, center: preset.center, width: preset.width });
      expect(i.window).toBe(preset.name);
    }
  });

  it('stay small on disk', () => {
    const bytes = [DEV_DIR, HELDOUT_DIR].flatMap((d) => readdirSync(d).map((f) => statSync(join(d, f)).size)).reduce((a, b) => a + b, 0);
    expect(bytes).toBeLessThan(3 * 1024 * 1024);
    for (const dir of [DEV_DIR, HELDOUT_DIR]) expect(readdirSync(dir).filter((f) => f.endsWith('.png')).length).toBe(dir === DEV_DIR ? dev.length : heldout.length);
  });
});
