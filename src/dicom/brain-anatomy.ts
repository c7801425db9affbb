/**
 * A head anatomy for the MR sample series, from the basal ganglia up to the centrum semiovale:
 * scalp, skull with diploë, subarachnoid CSF, a folded cortex (sulci are the zero lines of a
 * band-limited 3-D field, each lined by a 3 mm grey-matter ribbon), white matter, the
 * interhemispheric fissure, lateral and third ventricles, caudate, lentiform nuclei and thalami,
 * the sylvian fissures and two small periventricular T2-bright lesions. Patient coordinates in
 * mm (LPS); z = 0 at the foramen of Monro. Clinical assumption: an average adult head
 * (150 × 185 mm), sizes from standard neuroanatomy, not any real patient.
 */
import { randomSource } from './phantom-anatomy.js';
import { ellipse } from './sample-shapes.js';

export const BrainTissue = {
  Air: 0,
  Skin: 1,
  Fat: 2,
  Bone: 3,
  Diploe: 4,
  Csf: 5,
  Grey: 6,
  DeepGrey: 7,
  White: 8,
  Lesion: 9,
  Muscle: 10,
} as const;

export type BrainTissue = (typeof BrainTissue)[keyof typeof BrainTissue];

/**
 * Relative T2-weighted fast spin-echo signal (TR 4000 ms, TE 100 ms): CSF brightest, grey above
 * white matter, fat bright (J-coupling in FSE), cortical bone and air void. Clinical assumption.
 */
export const T2_SIGNAL: Readonly<Record<BrainTissue, number>> = {
  [BrainTissue.Air]: 0,
  [BrainTissue.Skin]: 0.42,
  [BrainTissue.Fat]: 0.68,
  [BrainTissue.Bone]: 0.03,
  [BrainTissue.Diploe]: 0.5,
  [BrainTissue.Csf]: 1,
  [BrainTissue.Grey]: 0.56,
  [BrainTissue.DeepGrey]: 0.5,
  [BrainTissue.White]: 0.4,
  [BrainTissue.Lesion]: 0.8,
  [BrainTissue.Muscle]: 0.3,
};

/** Head outline: a superellipsoid (cubic in z) whose top is 75 mm above the foramen of Monro. */
const HEAD = { cy: 4, cz: -20, a: 76, b: 94, c: 95 } as const;

/** Mean brain radius (mm): sulcal bends are given in mm of arc per mm of depth at this radius. */
const ARC_RADIUS = 70;

/** One sulcus (or a side branch): a curved cleft from depth d0 to d1 below the brain surface. */
interface Sulcus {
  angle: number;
  /** Arc (mm) the cleft drifts sideways per mm of depth. */
  bend: number;
  d0: number;
  d1: number;
  /** Phases of its drift and depth change from level to level. */
  drift: number;
  swell: number;
}

/** ≈ 34 sulci around the convexity, every third with a side branch; fixed, like one patient's brain. */
const SULCI: readonly Sulcus[] = (() => {
  const rand = randomSource(0x5a1c);
  const count = 34;
  const out: Sulcus[] = [];
  for (let k = 0; k < count; k++) {
    const angle = ((k + 0.7 * (rand() - 0.5)) * 2 * Math.PI) / count;
    const depth = 9 + 13 * rand();
    const main = { angle, bend: 0.9 * (rand() - 0.5), d0: 0, d1: depth, drift: 2 * Math.PI * rand(), swell: 2 * Math.PI * rand() };
    out.push(main);
    if (k % 3 === 0) {
      out.push({ ...main, angle: angle + (main.bend * depth) / 2 / ARC_RADIUS, bend: (rand() < 0.5 ? -1 : 1) * (0.8 + 0.6 * rand()), d0: depth / 2, d1: depth / 2 + 4 + 5 * rand() });
    }
  }
  return out;
})();

function angleDifference(a: number, b: number): number {
  const d = (a - b) % (2 * Math.PI);
  return d > Math.PI ? d - 2 * Math.PI : d < -Math.PI ? d + 2 * Math.PI : d;
}

/**
 * Distance (mm) from a point at `angle` around the head, `radius` mm from its axis and `depth`
 * below the brain surface, at level z, to the nearest sulcus. Sulci drift around the head and
 * change depth from level to level, so neighbouring slices differ as real ones do.
 */
export function sulcusDistance(angle: number, radius: number, depth: number, z: number): number {
  let best = Infinity;
  for (const s of SULCI) {
    const swell = 0.75 + 0.25 * Math.sin(z / 11 + s.swell);
    const d0 = s.d0 * swell;
    const d1 = s.d1 * swell;
    const centre = s.angle + 0.12 * Math.sin(z / 17 + s.drift) + (s.bend * (Math.min(Math.max(depth, d0), d1) - d0)) / ARC_RADIUS;
    const across = angleDifference(angle, centre) * radius;
    if (Math.abs(across) > best) continue;
    const along = depth < d0 ? d0 - depth : depth > d1 ? depth - d1 : 0;
    best = Math.min(best, Math.hypot(across, along));
  }
  return best;
}

/** Small T2-bright periventricular lesions (clinical assumption: demyelination-like foci). */
const LESIONS = [
  { x: -21, y: -18, z: 18, r: 3.2 },
  { x: 25, y: 12, z: 26, r: 2.6 },
] as const;

function deepTissue(x: number, y: number, z: number): BrainTissue | undefined {
  const ax = Math.abs(x);
  const vs = Math.max(0, 1 - ((z - 8) / 22) ** 2);
  if (vs > 0 && ellipse(ax, y, 7, -4, 4.5 * vs + 1, 30 * vs, -10) <= 1) return BrainTissue.Csf; // frontal horns, bodies
  if (z < 12 && z > -10 && ellipse(ax, y, 21, 34, 6, 12, 28) <= 1) return BrainTissue.Csf; // atria
  if (z < 4 && ellipse(ax, y, 0, 2, 2.2, 11) <= 1) return BrainTissue.Csf; // third ventricle
  if (z > -12 && z < 16 && ellipse(ax, y, 15, -17, 5.5, 10) <= 1) return BrainTissue.DeepGrey; // caudate heads
  if (z > -12 && z < 7 && ellipse(ax, y, 12, 9, 9, 14) <= 1) return BrainTissue.DeepGrey; // thalami
  if (z > -14 && z < 10 && ellipse(ax, y, 26, -2, 6.5, 17, 10) <= 1) return BrainTissue.DeepGrey; // lentiform
  for (const l of LESIONS) if (Math.hypot(x - l.x, y - l.y, z - l.z) <= l.r) return BrainTissue.Lesion;
  return undefined;
}

/** The tissue at (x, y, z). */
export function brainTissue(x: number, y: number, z: number): BrainTissue {
  const u = Math.abs(z - HEAD.cz) / HEAD.c;
  if (u >= 1) return BrainTissue.Air;
  const level = (1 - u ** 3) ** (1 / 3); // the skull is flatter on top than an ellipsoid
  const rho = Math.hypot(x / (HEAD.a * level), (y - HEAD.cy) / (HEAD.b * level));
  if (rho > 1) return BrainTissue.Air;
  const r = Math.hypot(x, y - HEAD.cy);
  const depth = rho > 0 ? (r / rho) * (1 - rho) : Infinity; // in-plane distance to the skin, mm
  const angle = Math.atan2(y - HEAD.cy, x);
  // Skull thicker at front and back than at the temples; temporalis muscle at the sides.
  const lateral = Math.abs(Math.cos(angle));
  const temporalis = z < 30 && lateral > 0.75 ? 5 * (lateral - 0.75) * 4 * Math.min(1, (30 - z) / 15) : 0;
  const skull = 6.5 - 2 * lateral;
  if (depth < 1.5) return BrainTissue.Skin;
  if (depth < 4.5) return BrainTissue.Fat;
  if (depth < 4.5 + temporalis) return BrainTissue.Muscle;
  const bone = depth - 4.5 - temporalis; // depth into the skull
  if (bone < skull) return bone < 1.5 || bone > skull - 1.5 ? BrainTissue.Bone : BrainTissue.Diploe;
  const csfDepth = 4.5 + temporalis + skull + 1.8;
  if (depth < csfDepth) return BrainTissue.Csf;
  const db = depth - csfDepth; // depth below the brain surface
  const fissureDepth = 30 + Math.max(0, z - 18) * 3;
  const midline = Math.abs(x - 1.5 * Math.sin(y / 23));
  if (midline < 1.3 && db < fissureDepth) return BrainTissue.Csf;
  if (midline < 4 && db < fissureDepth) return BrainTissue.Grey; // medial cortex
  const deep = deepTissue(x, y, z);
  if (deep !== undefined) return deep;
  const sylvian = z < 10 && y > -25 && y < 18 ? Math.abs(Math.abs(x) - 44 - 0.2 * y - 2.5 * Math.sin(y / 6)) : Infinity;
  if (sylvian < 1.3) return BrainTissue.Csf;
  if (sylvian < 4) return BrainTissue.Grey; // insula and opercula
  const s = db < 28 ? sulcusDistance(angle, r, db, z) : Infinity;
  if (s < 0.9 - db / 40) return BrainTissue.Csf;
  if (db < 2.6 || s < 3) return BrainTissue.Grey;
  return BrainTissue.White;
}
