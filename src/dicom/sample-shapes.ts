/**
 * Plane and solid shapes the sample anatomies (abdomen, brain) are built from, in mm.
 */

/** Normalised squared radius of (x, y) in an ellipse centred at (cx, cy) with semi-axes a, b rotated by `deg` (≤ 1 inside). */
export function ellipse(x: number, y: number, cx: number, cy: number, a: number, b: number, deg = 0): number {
  const t = (deg * Math.PI) / 180;
  const dx = x - cx;
  const dy = y - cy;
  const u = (dx * Math.cos(t) + dy * Math.sin(t)) / a;
  const v = (-dx * Math.sin(t) + dy * Math.cos(t)) / b;
  return u * u + v * v;
}

/** √(1 − ((z − centre)/half)²): the in-plane scale at z of an ellipsoidal organ (0 beyond its ends). */
export function zScale(z: number, centre: number, half: number): number {
  const u = (z - centre) / half;
  return u * u < 1 ? Math.sqrt(1 - u * u) : 0;
}

export type Point3 = readonly [number, number, number];

/** Distance from p to the segment a–b (a tube's axis). */
export function segmentDistance(p: Point3, a: Point3, b: Point3): number {
  const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
  const len2 = ab[0] ** 2 + ab[1] ** 2 + ab[2] ** 2;
  const t = len2 > 0 ? Math.max(0, Math.min(1, (ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / len2)) : 0;
  return Math.hypot(ap[0] - t * ab[0], ap[1] - t * ab[1], ap[2] - t * ab[2]);
}
