import { describe, expect, it } from 'vitest';
import { HU } from '../dicom/phantom-anatomy.js';
import { endoscopyLikeRgb, phantomCtGray, phantomMrGray, t1Intensity } from './synthetic-slices.js';

describe('synthetic held-out slices', () => {
  it('phantom CT: soft-tissue window puts air at 0 and soft tissue near mid-grey', () => {
    const img = phantomCtGray({ rows: 64, columns: 64, t: 0.8, seed: 3 });
    expect(img.gray[0]).toBe(0);
    const centre = img.gray[32 * 64 + 20]!;
    expect(centre).toBeGreaterThan(100);
    expect(centre).toBeLessThan(170);
  });

  it('T1-like mapping: fat brightest, air darkest', () => {
    expect(t1Intensity(HU.fat)).toBeGreaterThan(t1Intensity(HU.softTissue));
    expect(t1Intensity(HU.softTissue)).toBeGreaterThan(t1Intensity(HU.air));
    expect(t1Intensity(HU.corticalBone)).toBeLessThan(t1Intensity(HU.trabecularBone));
  });

  it('phantom MR and endoscopy frames are deterministic and dark outside the body / field of view', () => {
    const a = phantomMrGray({ rows: 48, columns: 64, t: 0.4, seed: 5 });
    expect([...a.gray]).toEqual([...phantomMrGray({ rows: 48, columns: 64, t: 0.4, seed: 5 }).gray]);
    expect(a.gray[0]!).toBeLessThan(20);
    const e = endoscopyLikeRgb(64, 64, 7);
    expect([...e.data]).toEqual([...endoscopyLikeRgb(64, 64, 7).data]);
    expect(e.data[0]).toBe(0);
    const c = 3 * (32 * 64 + 32);
    expect(e.data[c]!).toBeGreaterThan(e.data[c + 2]!); // reddish mucosa
    expect(endoscopyLikeRgb(64, 64, 8).data).not.toEqual(e.data);
  });
});
