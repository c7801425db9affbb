/**
 * An upper-abdomen anatomy (T12–L1 level: liver with its veins, a simple cyst and a subtle
 * hypodense lesion, gallbladder, spleen, stomach with an air–fluid level, pancreas, kidneys with
 * a small stone, adrenals, aorta with wall calcification, IVC, bowel, lung bases, spine, ribs and
 * the table) for the low-dose CT sample series. Coordinates as in abdomen-wall.ts: mm, LPS,
 * z = 0 at the top of the 30 mm scanned range and negative below. Clinical assumption: sizes
 * and positions of an average adult, not of any real patient.
 */
import { Tissue } from './abdomen-tissue.js';
import { bodyRadius, fatThickness, MUSCLE_THICKNESS, ribSections, ribTissue, spineTissue, tableTissue } from './abdomen-wall.js';
import { ellipse, type Point3, segmentDistance, zScale } from './sample-shapes.js';

/** Hepatic veins draining into the IVC above the range, and the portal vein and its branches. */
const LIVER_VESSELS: ReadonlyArray<{ a: Point3; b: Point3; r: number }> = [
  { a: [-24, -2, 8], b: [-105, -15, -8], r: 4.5 }, // right hepatic vein
  { a: [-24, -2, 8], b: [-45, -72, -12], r: 4.5 }, // middle hepatic vein
  { a: [-24, -2, 8], b: [12, -58, -2], r: 3.5 }, // left hepatic vein
  { a: [-5, -2, -34], b: [-40, -8, -14], r: 7 }, // main portal vein
  { a: [-40, -8, -14], b: [-88, 8, -4], r: 5 }, // right portal branch
  { a: [-40, -8, -14], b: [-8, -42, -6], r: 4 }, // left portal branch
];

/** Spheres in the liver: a simple cyst and two subtle hypodense lesions (20 HU below liver). */
const LIVER_FOCI: ReadonlyArray<{ c: Point3; r: number; tissue: Tissue }> = [
  { c: [-96, -22, -10], r: 10, tissue: Tissue.Cyst },
  { c: [-52, -46, -15], r: 8, tissue: Tissue.Lesion },
  { c: [-78, 32, -5], r: 5.5, tissue: Tissue.Lesion },
];

/** A 5 mm stone in the right renal sinus. */
const STONE: { c: Point3; r: number } = { c: [-63, 40, -22], r: 2.5 };

function kidneyTissue(x: number, y: number, z: number, side: -1 | 1): Tissue | undefined {
  const s = zScale(z, side < 0 ? -58 : -48, 58);
  if (s <= 0) return undefined;
  const cx = side * 70;
  const cy = 45;
  const deg = side < 0 ? 45 : -45; // long axis posteromedial–anterolateral
  if (ellipse(x, y, cx, cy, 30 * s, 21 * s, deg) > 1) return undefined;
  const hx = cx - side * 12 * 0.707; // hilum faces anteromedially
  const hy = cy - 12 * 0.707;
  if (side < 0 && Math.hypot(x - STONE.c[0], y - STONE.c[1], z - STONE.c[2]) <= STONE.r) return Tissue.Stone;
  if (s > 0.6 && ellipse(x, y, hx, hy, 5 * s, 4 * s, deg) <= 1) return Tissue.Urine; // renal pelvis
  if (ellipse(x, y, hx, hy, 12 * s, 7 * s, deg) <= 1) return Tissue.SinusFat;
  return Tissue.Kidney;
}

function liverTissue(x: number, y: number, z: number): Tissue | undefined {
  // The right lobe's medial edge runs obliquely (gallbladder fossa to IVC), joining the left lobe in front.
  const right = x < 6 - 0.5 * (y + 4) && ellipse(x, y, -62, -4, 88 * (1 + 0.005 * z), 80 * (1 + 0.004 * z), -15) <= 1;
  const leftScale = Math.max(0, 1 + z / 34);
  const left = leftScale > 0 && ellipse(x, y, 4, -52, 60 * leftScale, 24 * leftScale, 12) <= 1;
  if (!right && !left) return undefined;
  if (Math.hypot((x + 38) / 14, (y + 55) / 11, (z + 28) / 22) <= 1) return Tissue.Bile; // gallbladder
  const p: Point3 = [x, y, z];
  for (const f of LIVER_FOCI) if (Math.hypot(x - f.c[0], y - f.c[1], z - f.c[2]) <= f.r) return f.tissue;
  for (const v of LIVER_VESSELS) if (segmentDistance(p, v.a, v.b) <= v.r) return Tissue.HepaticVessel;
  return Tissue.Liver;
}

function stomachTissue(x: number, y: number, z: number): Tissue | undefined {
  const s = zScale(z, 10, 45);
  const a = 45 * s;
  const b = 36 * s;
  if (s <= 0 || ellipse(x, y, 62, -30, a, b, 25) > 1) return undefined;
  if (ellipse(x, y, 62, -30, a - 4, b - 4, 25) > 1) return Tissue.GutWall;
  return y < -30 - 0.45 * b ? Tissue.Gas : Tissue.GastricFluid; // supine: gas rises anteriorly
}

/** Pancreas from head to tail, with the splenic vein along its back (below z = −8). */
function pancreasTissue(x: number, y: number, z: number): Tissue | undefined {
  if (z > -8) return undefined;
  const path: ReadonlyArray<readonly [number, number]> = [[-22, -6], [0, -16], [36, -12], [72, 8]];
  const half = 9 * Math.min(1, (-8 - z) / 6);
  for (let k = 0; k < path.length - 1; k++) {
    const a: Point3 = [path[k][0], path[k][1], 0];
    const b: Point3 = [path[k + 1][0], path[k + 1][1], 0];
    if (segmentDistance([x, y - 8, 0], a, b) <= 3.5 && k > 0) return Tissue.Blood; // splenic vein
    if (segmentDistance([x, y, 0], a, b) <= half) return Tissue.Pancreas;
  }
  return undefined;
}

/** Colon flexures (gas anteriorly, stool behind) and small-bowel loops (fluid, a little gas). */
function bowelTissue(x: number, y: number, z: number): Tissue | undefined {
  const loops: ReadonlyArray<{ cx: number; cy: number; r: number; colon: boolean; from: number; to: number }> = [
    { cx: -72, cy: -60, r: 21, colon: true, from: -40, to: -12 },
    { cx: 98, cy: -42, r: 19, colon: true, from: -22, to: 10 },
    { cx: -14, cy: -66, r: 11, colon: false, from: -40, to: -16 },
    { cx: 16, cy: -72, r: 12, colon: false, from: -40, to: -14 },
    { cx: 38, cy: -58, r: 10, colon: false, from: -40, to: -18 },
  ];
  for (const l of loops) {
    if (z < l.from || z > l.to) continue;
    const r = Math.hypot(x - l.cx, y - l.cy);
    if (r > l.r) continue;
    if (r > l.r - 2.5) return Tissue.GutWall;
    if (l.colon) return y < l.cy - 0.3 * l.r ? Tissue.Gas : Tissue.Stool;
    return y < l.cy - 0.75 * l.r ? Tissue.Gas : Tissue.GastricFluid;
  }
  return undefined;
}

function vesselTissue(x: number, y: number): Tissue | undefined {
  const r = Math.hypot(x - 14, y - 8);
  if (r <= 11) {
    if (r < 9.2) return Tissue.Blood;
    const a = Math.atan2(y - 8, x - 14);
    return (a > 0.3 && a < 1.1) || (a > 2.2 && a < 2.6) || (a < -2.3 && a > -2.8) ? Tissue.Calcification : Tissue.Blood;
  }
  if (ellipse(x, y, -24, 4, 13, 10, 20) <= 1) return Tissue.Blood; // IVC
  return undefined;
}

/**
 * The tissue at (x, y) of the slice at level z. Build once per slice (`abdomenAt(z)`), then
 * call per point: the rib sections are fixed per level.
 */
export function abdomenAt(z: number): (x: number, y: number) => Tissue {
  const ribs = ribSections(z);
  const lungBand = Math.max(0, (30 * (z + 15)) / 15);
  return (x, y) => {
    const body = bodyRadius(x, y);
    if (body.rho > 1) return tableTissue(x, y) ?? Tissue.Air;
    const d = body.depth;
    if (d < 1.5) return Tissue.Skin;
    const fat = fatThickness(body.angle);
    const rib = d > fat ? ribTissue(x, y, ribs) : undefined;
    if (rib !== undefined) return rib;
    if (d < fat) return Tissue.Fat;
    const bone = spineTissue(x, y, z);
    if (bone !== undefined) return bone;
    if (ellipse(x, y, Math.sign(x) * 32, 74, 21, 16) <= 1) return Tissue.Muscle; // erector spinae
    if (z < -8 && ellipse(x, y, Math.sign(x) * 34, 34, 5 + (-8 - z) * 0.3, 7 + (-8 - z) * 0.3) <= 1) return Tissue.Muscle; // psoas
    const wall = fat + MUSCLE_THICKNESS;
    if (d < wall) return Tissue.Muscle;
    // Posterior costophrenic recesses: lung deepest behind, none in front.
    const band = lungBand * Math.min(1, Math.max(0, (Math.sin(body.angle) + 0.1) / 0.7));
    if (band > 0 && Math.abs(x) > 38) {
      if (d < wall + band) return Tissue.Lung;
      if (d < wall + band + 3) return Tissue.Muscle; // diaphragm
    }
    const vessel = vesselTissue(x, y);
    if (vessel !== undefined) return vessel;
    for (const side of [-1, 1] as const) {
      const k = kidneyTissue(x, y, z, side);
      if (k !== undefined) return k;
    }
    if (z > -14 && (ellipse(x, y, -35, 14, 2.5, 13, 70) <= 1 || ellipse(x, y, 33, 16, 2.5, 12, -60) <= 1)) return Tissue.Adrenal;
    const ss = zScale(z, 5, 40);
    if (ss > 0 && ellipse(x, y, 88, 36, 55 * ss, 24 * ss, -55) <= 1) return Tissue.Spleen;
    return liverTissue(x, y, z) ?? stomachTissue(x, y, z) ?? pancreasTissue(x, y, z) ?? bowelTissue(x, y, z) ?? Tissue.Fat;
  };
}
