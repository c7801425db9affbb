/**
 * Body wall, spine, ribs and CT table of the upper-abdomen sample anatomy
 * (src/dicom/abdomen-anatomy.ts). Patient coordinates in mm (PS3.3 C.7.6.2.1.1, LPS): x towards
 * the patient's left, y towards posterior, z towards the head; the patient lies supine.
 * Clinical assumption: adult of average build, 320 mm wide and 208 mm deep at L1.
 */
import { Tissue } from './abdomen-tissue.js';
import { ellipse } from './sample-shapes.js';

/** Body outline: a superellipse, flatter at the back, where the patient lies on the table. */
export const BODY = { cx: 0, cy: -8, a: 160, anterior: 100, posterior: 108, power: 2.4 } as const;
/** Top of the table's curved carbon-fibre cradle at x = 0 (mm, y). */
export const TABLE_TOP = 104;

/** Normalised superellipse radius of (x, y) (1 on the skin) and the local centre-to-skin distance. */
export function bodyRadius(x: number, y: number): { rho: number; depth: number; angle: number } {
  const dx = x - BODY.cx;
  const dy = y - BODY.cy;
  const b = dy > 0 ? BODY.posterior : BODY.anterior;
  const rho = (Math.abs(dx / BODY.a) ** BODY.power + Math.abs(dy / b) ** BODY.power) ** (1 / BODY.power);
  const r = Math.hypot(dx, dy);
  return { rho, depth: rho > 0 ? (r / rho) * (1 - rho) : Infinity, angle: Math.atan2(dy, dx) };
}

/** Skin point (mm) in the direction `angle` from the body centre. */
export function skinPoint(angle: number): { x: number; y: number } {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const b = s > 0 ? BODY.posterior : BODY.anterior;
  const r = 1 / (Math.abs(c / BODY.a) ** BODY.power + Math.abs(s / b) ** BODY.power) ** (1 / BODY.power);
  return { x: BODY.cx + r * c, y: BODY.cy + r * s };
}

/** Subcutaneous fat thickness by direction: thick in front and at the flanks, thin at the back. */
export function fatThickness(angle: number): number {
  return 17 - 7 * Math.sin(angle) + 8 * Math.cos(angle) ** 2;
}

/** Abdominal wall muscle (rectus, obliques) thickness. */
export const MUSCLE_THICKNESS = 11;

/** The table, below the patient: two 1.5 mm shells around a foam core, curved up at the sides. */
export function tableTissue(x: number, y: number): Tissue | undefined {
  const top = TABLE_TOP - 30 * (x / 200) ** 2;
  if (Math.abs(x) > 210 || y < top || y > top + 9) return undefined;
  return y < top + 1.5 || y > top + 7.5 ? Tissue.TableShell : Tissue.TableCore;
}

/** Intervertebral disc between T12 and L1: the vertebral body is disc in these slices. */
const DISC_Z = { centre: -19.5, half: 4 } as const;

/** Lumbar vertebra (L1) with posterior elements; undefined outside the bone and canal. */
export function spineTissue(x: number, y: number, z: number): Tissue | undefined {
  const body = ellipse(x, y, 0, 30, 22, 17);
  if (body <= 1) {
    if (Math.abs(z - DISC_Z.centre) < DISC_Z.half) return Tissue.Disc;
    return ellipse(x, y, 0, 30, 19.5, 14.5) <= 1 ? Tissue.Trabecular : Tissue.Cortical;
  }
  if (ellipse(x, y, 0, 59, 9.5, 8) <= 1) return Tissue.Csf; // spinal canal
  const ring = ellipse(x, y, 0, 59, 17, 15) <= 1;
  const pedicle = Math.abs(x) > 8 && Math.abs(x) < 17 && y > 42 && y < 58;
  const spinous = ellipse(x, y, 0, 80, 4.5, 11) <= 1;
  const transverse = ellipse(x, y, Math.sign(x) * 27, 55, 14, 4.5, Math.sign(x) * -12) <= 1;
  if (ring || pedicle || spinous || transverse) {
    const inner = ellipse(x, y, 0, 59, 14, 12) > 1 && ellipse(x, y, 0, 59, 16, 14) <= 1;
    return spinous || transverse || pedicle || !inner ? Tissue.Cortical : Tissue.Trabecular;
  }
  return undefined;
}

/** One rib cross-section: centre, semi-axes along and across the body wall, orientation. */
interface RibSection {
  x: number;
  y: number;
  deg: number;
  /** Semi-axis along the wall: ribs cut obliquely look elongated. */
  length: number;
  cartilage: boolean;
}

/** A fixed pseudo-random number in [0, 1) per rib (the anatomy has no seed: it is one patient). */
function ribJitter(k: number, salt: number): number {
  const v = Math.sin(k * 12.9898 + salt * 78.233) * 43758.5453;
  return v - Math.floor(v);
}

/**
 * Rib sections at level z: they sit in the muscle layer, none over the sternum or the spine, and
 * drift around the wall from slice to slice because ribs run obliquely.
 */
export function ribSections(z: number): RibSection[] {
  const out: RibSection[] = [];
  for (let k = 0; k < 18; k++) {
    const angle = ((2 * Math.PI) / 18) * (k + 0.3 + 0.4 * ribJitter(k, 1)) + 0.004 * z * (k < 9 ? 1 : -1);
    const s = Math.sin(angle);
    const c = Math.cos(angle);
    if (s > 0.88) continue; // behind the spine
    if (s < -0.8) continue; // over the sternum/linea alba
    const upper = z > -12 || Math.abs(c) > 0.55; // anterior ribs end higher than lateral ones
    if (!upper) continue;
    const skin = skinPoint(angle);
    const depth = fatThickness(angle) + MUSCLE_THICKNESS * 0.5;
    const r = Math.hypot(skin.x - BODY.cx, skin.y - BODY.cy);
    out.push({
      x: BODY.cx + (skin.x - BODY.cx) * (1 - depth / r),
      y: BODY.cy + (skin.y - BODY.cy) * (1 - depth / r),
      deg: (angle * 180) / Math.PI + 90,
      length: 7 + 7 * ribJitter(k, 2) * (1 - z / 60),
      cartilage: s < -0.45,
    });
  }
  return out;
}

/** Rib bone or costal cartilage at (x, y), if any of `ribs` covers it. */
export function ribTissue(x: number, y: number, ribs: readonly RibSection[]): Tissue | undefined {
  for (const rib of ribs) {
    if (Math.abs(x - rib.x) > rib.length || Math.abs(y - rib.y) > rib.length) continue;
    const e = ellipse(x, y, rib.x, rib.y, rib.length, 5, rib.deg);
    if (e > 1) continue;
    if (rib.cartilage) return Tissue.Cartilage;
    return ellipse(x, y, rib.x, rib.y, rib.length - 1.5, 3.5, rib.deg) <= 1 ? Tissue.Trabecular : Tissue.Cortical;
  }
  return undefined;
}
