/**
 * The noisy degradations (issue 20 item 2): degradations seen in clinics, each with noise, whose
 * parameters are drawn per image from documented ranges by a seeded generator. Stream 0 of
 * the seed draws the parameters, stream 1 the noise, so a (seed, image) pair always gives the
 * same bytes. Every range and its reason is in src/eval/fixtures/dev/README.md.
 */
import { createRng, type Rng } from '../enhance/rng.js';
import { unevenField, vignettingField } from './noise-fields.js';
import { addLowDoseCtNoise, type CtWindow } from './noise-low-dose-ct.js';
import { poissonGaussian } from './noise-poisson-gaussian.js';
import type { RampWindow } from '../dicom/radon.js';
import { foregroundMean, ricianMagnitude } from './noise-rician.js';

export type NoisyKind = 'low-light-noisy' | 'low-dose-ct' | 'mr-rician' | 'low-contrast-noisy' | 'uneven-noisy';

/** A closed interval a parameter is drawn from, uniformly (log-uniformly where the field says so). */
export interface Range {
  min: number;
  max: number;
}

/** Camera sensor: photo-electrons at full scale (drawn log-uniformly) and read noise σ in electrons. */
export interface SensorRanges {
  peakPhotons: Range;
  readNoise: Range;
}

/** low-light-noisy: v → scale · v^gamma · vignetting, then Poisson–Gaussian noise, 8 bit. */
export interface LowLightNoisyParams extends SensorRanges {
  gamma: Range;
  /** Includes values near 1, so a bright structure (bone, a specular highlight) can stay bright. */
  scale: Range;
  /** Light lost at the farthest corner (natural vignetting). */
  cornerFalloff: Range;
  /** Largest shift of the optical centre from the image centre, as a fraction of each side. */
  centreShift: number;
}

/** low-contrast-noisy: v → m + factor · (v − m) (m = image mean), then Poisson–Gaussian noise. */
export interface LowContrastNoisyParams extends SensorRanges {
  factor: Range;
}

/** uneven-noisy: v → v · field (`unevenField`, darkest `minimum`), then Poisson–Gaussian noise. */
export interface UnevenNoisyParams extends SensorRanges {
  minimum: Range;
  /** Spotlight spread as a fraction of the image diagonal. */
  spotSpread: Range;
}

/** low-dose-ct: projection-domain noise (noise-low-dose-ct.ts) with HU σ over the body drawn. */
export interface LowDoseCtParams {
  sigmaHu: Range;
  incidentPhotons: number;
  fovMm: number;
  filter: RampWindow;
}

/** mr-rician: magnitude of signal + complex Gaussian noise with σ = foreground mean / SNR. */
export interface MrRicianParams {
  snr: Range;
}

export interface NoisyParams {
  lowLightNoisy: LowLightNoisyParams;
  lowContrastNoisy: LowContrastNoisyParams;
  unevenNoisy: UnevenNoisyParams;
  lowDoseCt: LowDoseCtParams;
  mrRician: MrRicianParams;
}

export const DEFAULT_NOISY_PARAMS: NoisyParams = {
  lowLightNoisy: { gamma: { min: 2, max: 3 }, scale: { min: 0.5, max: 1 }, cornerFalloff: { min: 0.3, max: 0.65 }, centreShift: 0.15, peakPhotons: { min: 150, max: 1500 }, readNoise: { min: 1, max: 4 } },
  lowContrastNoisy: { factor: { min: 0.3, max: 0.5 }, peakPhotons: { min: 300, max: 3000 }, readNoise: { min: 1, max: 4 } },
  unevenNoisy: { minimum: { min: 0.15, max: 0.4 }, spotSpread: { min: 0.3, max: 0.7 }, peakPhotons: { min: 150, max: 1500 }, readNoise: { min: 1, max: 4 } },
  lowDoseCt: { sigmaHu: { min: 20, max: 60 }, incidentPhotons: 5e4, fovMm: 350, filter: 'hann' },
  mrRician: { snr: { min: 5, max: 20 } },
};

/** The values drawn for one image (for reports and tests). */
export type DrawnParams = Readonly<Record<string, number>>;

/** Interleaved 8-bit samples of an image with `channels` per pixel. */
export interface Samples {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

function draw(r: Range, rng: Rng): number {
  if (!(r.max >= r.min)) throw new RangeError(`range [${r.min}, ${r.max}] is empty`);
  return r.min + (r.max - r.min) * rng.uniform();
}

function drawLog(r: Range, rng: Rng): number {
  if (!(r.min > 0 && r.max >= r.min)) throw new RangeError(`log range [${r.min}, ${r.max}] must be positive and non-empty`);
  return Math.exp(Math.log(r.min) + (Math.log(r.max) - Math.log(r.min)) * rng.uniform());
}

function toBytes(values: ArrayLike<number>, scale: number): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]! * scale;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

/** Relative intensities f(v, pixel) of every sample, then sensor noise, then 8 bit. */
function sensorImage(s: Samples, f: (v: number, pixel: number) => number, ranges: SensorRanges, draws: Rng, noise: Rng): { data: Uint8Array; peak: number; read: number } {
  const peak = drawLog(ranges.peakPhotons, draws);
  const read = draw(ranges.readNoise, draws);
  const rel = new Float64Array(s.data.length);
  for (let i = 0; i < rel.length; i++) rel[i] = f(s.data[i]! / 255, Math.floor(i / s.channels));
  return { data: toBytes(poissonGaussian(rel, { peak, read }, noise), 255), peak, read };
}

function mean(a: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]!;
  return a.length > 0 ? sum / a.length : 0;
}

function requireGray(s: Samples, kind: NoisyKind): void {
  if (s.channels !== 1) throw new RangeError(`${kind} applies to single-channel (CT/MR) images only`);
}

/**
 * Apply one noisy degradation. `window` is the CT window the 8-bit samples were made with
 * (low-dose-ct only; soft tissue 40/400 when absent).
 */
export function applyNoisyKind(s: Samples, kind: NoisyKind, params: NoisyParams, seed: number, window: CtWindow = { center: 40, width: 400 }): { data: Uint8Array; drawn: DrawnParams } {
  if (s.data.length !== s.width * s.height * s.channels) throw new RangeError(`image has ${s.data.length} samples, expected ${s.width * s.height * s.channels}`);
  const draws = createRng(seed, 0);
  const noise = createRng(seed, 1);
  switch (kind) {
    case 'low-light-noisy': {
      const p = params.lowLightNoisy;
      const gamma = draw(p.gamma, draws);
      const scale = draw(p.scale, draws);
      const cornerFalloff = draw(p.cornerFalloff, draws);
      const centreX = (s.width - 1) / 2 + p.centreShift * s.width * (2 * draws.uniform() - 1);
      const centreY = (s.height - 1) / 2 + p.centreShift * s.height * (2 * draws.uniform() - 1);
      const field = vignettingField(s.width, s.height, { centreX, centreY, cornerFalloff });
      const r = sensorImage(s, (v, px) => scale * Math.pow(v, gamma) * field[px]!, p, draws, noise);
      return { data: r.data, drawn: { gamma, scale, cornerFalloff, centreX, centreY, peakPhotons: r.peak, readNoise: r.read } };
    }
    case 'low-contrast-noisy': {
      const p = params.lowContrastNoisy;
      const factor = draw(p.factor, draws);
      const m = mean(s.data) / 255;
      const r = sensorImage(s, (v) => m + factor * (v - m), p, draws, noise);
      return { data: r.data, drawn: { factor, peakPhotons: r.peak, readNoise: r.read } };
    }
    case 'uneven-noisy': {
      const p = params.unevenNoisy;
      const minimum = draw(p.minimum, draws);
      const spotSpread = draw(p.spotSpread, draws);
      const angle = 2 * Math.PI * draws.uniform();
      const spotX = s.width * draws.uniform();
      const spotY = s.height * draws.uniform();
      const field = unevenField(s.width, s.height, { angle, spotX, spotY, spotSpread, minimum });
      const r = sensorImage(s, (v, px) => v * field[px]!, p, draws, noise);
      return { data: r.data, drawn: { minimum, spotSpread, angle, spotX, spotY, peakPhotons: r.peak, readNoise: r.read } };
    }
    case 'low-dose-ct': {
      requireGray(s, kind);
      const p = params.lowDoseCt;
      const sigmaHu = draw(p.sigmaHu, draws);
      const r = addLowDoseCtNoise(s.data, s.width, s.height, window, sigmaHu, p, noise);
      return { data: r.gray, drawn: { sigmaHu, rawSigmaHu: r.rawSigmaHu, windowCenter: window.center, windowWidth: window.width } };
    }
    case 'mr-rician': {
      requireGray(s, kind);
      const snr = draw(params.mrRician.snr, draws);
      const sigma = foregroundMean(s.data) / snr;
      return { data: toBytes(ricianMagnitude(s.data, sigma, noise), 1), drawn: { snr, sigma } };
    }
  }
}
