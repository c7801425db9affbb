import { describe, expect, it } from 'vitest';
import { abdomenAt } from './abdomen-anatomy.js';
import { Tissue, TISSUE_CT } from './abdomen-tissue.js';
import { bodyRadius, ribSections, skinPoint } from './abdomen-wall.js';

describe('upper-abdomen anatomy', () => {
  it('puts organs where an axial CT at T12–L1 shows them (patient left = +x, posterior = +y)', () => {
    const top = abdomenAt(0);
    const mid = abdomenAt(-12);
    const low = abdomenAt(-27);
    expect(top(0, -150)).toBe(Tissue.Air);
    expect(top(0, 108)).toBe(Tissue.TableCore); // under the patient
    expect(mid(-72, -12)).toBe(Tissue.Liver); // right upper quadrant
    expect(mid(0, 30)).toBe(Tissue.Trabecular); // vertebral body
    expect(abdomenAt(-19.5)(0, 30)).toBe(Tissue.Disc);
    expect(mid(0, 59)).toBe(Tissue.Csf); // spinal canal behind it
    expect(mid(14, 8)).toBe(Tissue.Blood); // aorta left of the midline
    expect(mid(-24, 4)).toBe(Tissue.Blood); // IVC on the right
    expect(top(88, 36)).toBe(Tissue.Lung); // left costophrenic recess at the top
    expect(low(88, 36)).not.toBe(Tissue.Lung); // gone lower down
    expect(top(62, -20)).toBe(Tissue.GastricFluid);
    expect(top(62, -62)).not.toBe(Tissue.GastricFluid);
    expect(low(-70, 45)).toBe(Tissue.Kidney);
    expect(top(-70, 45)).not.toBe(Tissue.Kidney); // the right kidney starts below the liver
    expect(abdomenAt(-22)(-63, 40)).toBe(Tissue.Stone);
    expect(abdomenAt(-10)(-96, -22)).toBe(Tissue.Cyst);
    expect(abdomenAt(-15)(-52, -46)).toBe(Tissue.Lesion);
    expect(low(-38, -55)).toBe(Tissue.Bile);
    expect(abdomenAt(-20)(20, -14)).toBe(Tissue.Pancreas);
  });

  it('layers the wall: skin, subcutaneous fat, muscle, and ribs in the muscle layer', () => {
    const at = abdomenAt(-5);
    const front = skinPoint(-Math.PI / 2);
    expect(at(front.x, front.y + 0.5)).toBe(Tissue.Skin);
    expect(at(front.x, front.y + 10)).toBe(Tissue.Fat);
    expect(bodyRadius(front.x, front.y).rho).toBeCloseTo(1, 9);
    const ribs = ribSections(-5);
    expect(ribs.length).toBeGreaterThan(8);
    for (const r of ribs) expect([Tissue.Cortical, Tissue.Trabecular, Tissue.Cartilage]).toContain(at(r.x, r.y));
  });

  it('has a CT number for every tissue, the hypodense lesion 20 HU below liver', () => {
    for (const t of Object.values(Tissue)) expect(TISSUE_CT[t]).toBeDefined();
    expect(TISSUE_CT[Tissue.Liver].hu - TISSUE_CT[Tissue.Lesion].hu).toBe(20);
    expect(TISSUE_CT[Tissue.Liver].hu).toBeGreaterThan(TISSUE_CT[Tissue.Spleen].hu);
  });
});
