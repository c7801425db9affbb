/**
 * Smooth multiplicative illumination fields for the noisy degradations: lens vignetting (the
 * cos⁴ law of natural vignetting around a possibly off-centre optical axis) and uneven light (a
 * light source to one side of the scene plus a spotlight, as an endoscope's or a lamp's light
 * falls off across the field). Values in (0, 1], row-major. Pure: the caller draws the geometry.
 */

/** Geometry of a vignetting field. */
export interface VignettingGeometry {
  /** Optical centre in pixels. */
  centreX: number;
  centreY: number;
  /** Light lost at the image corner farthest from the centre, in [0, 1). */
  cornerFalloff: number;
}

/**
 * Natural vignetting f = cos⁴(atan(r/F)) = (1 + r²/F²)⁻², with F chosen so that the farthest
 * corner gets 1 − cornerFalloff.
 */
export function vignettingField(width: number, height: number, g: VignettingGeometry): Float64Array {
  if (!(g.cornerFalloff >= 0 && g.cornerFalloff < 1)) throw new RangeError(`corner fall-off ${g.cornerFalloff} must be in [0, 1)`);
  const corners = [
    [0, 0],
    [width - 1, 0],
    [0, height - 1],
    [width - 1, height - 1],
  ] as const;
  const r2max = Math.max(...corners.map(([x, y]) => (x - g.centreX) ** 2 + (y - g.centreY) ** 2), 1);
  const k = (1 / Math.sqrt(1 - g.cornerFalloff) - 1) / r2max;
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = 1 + k * ((x - g.centreX) ** 2 + (y - g.centreY) ** 2);
      out[y * width + x] = 1 / (q * q);
    }
  }
  return out;
}

/** Geometry of an uneven-light field. */
export interface UnevenGeometry {
  /** Direction (radians) in which the light increases across the image. */
  angle: number;
  /** Spotlight centre in pixels and its spread as a fraction of the image diagonal. */
  spotX: number;
  spotY: number;
  spotSpread: number;
  /** Darkest value of the field (its brightest is 1). */
  minimum: number;
}

/**
 * Uneven light: a raised-cosine ramp along `angle` times a broad Gaussian spotlight, rescaled
 * linearly so that its darkest point is `minimum` and its brightest 1.
 */
export function unevenField(width: number, height: number, g: UnevenGeometry): Float64Array {
  if (!(g.minimum > 0 && g.minimum <= 1)) throw new RangeError(`field minimum ${g.minimum} must be in (0, 1]`);
  const c = Math.cos(g.angle);
  const s = Math.sin(g.angle);
  const proj = [0, width - 1].flatMap((x) => [0, height - 1].map((y) => x * c + y * s));
  const pMin = Math.min(...proj);
  const pSpan = Math.max(...proj) - pMin || 1;
  const rho = Math.max(1e-6, g.spotSpread * Math.hypot(width, height));
  const raw = new Float64Array(width * height);
  let lo = Infinity;
  let hi = -Infinity;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = (x * c + y * s - pMin) / pSpan;
      const ramp = 0.5 * (1 - Math.cos(Math.PI * r));
      const spot = Math.exp(-((x - g.spotX) ** 2 + (y - g.spotY) ** 2) / (2 * rho * rho));
      const v = (0.3 + 0.7 * ramp) * (0.4 + 0.6 * spot);
      raw[y * width + x] = v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const span = hi - lo || 1;
  for (let i = 0; i < raw.length; i++) raw[i] = g.minimum + ((1 - g.minimum) * (raw[i]! - lo)) / span;
  return raw;
}
