import type { Dataset } from '../dicom/part10.js';
import { seriesDescriptionFor } from '../derive/series-description.js';
import type { PresetDescription } from './stages.js';

/**
 * Series Number of a derived series: the source's number plus 1000 per window preset
 * (source 5 → 1005 for the first window, 2005 for the second), so the relation is readable in the
 * viewer and two windows of one source never collide.
 */
export function derivedSeriesNumber(source: Dataset, windowIndex: number): number {
  const sourceNumber = Number.parseInt(String(source.SeriesNumber ?? '0'), 10);
  const base = Number.isFinite(sourceNumber) && sourceNumber >= 0 ? sourceNumber % 1000 : 0;
  return base + 1000 * (windowIndex + 1);
}

export function describeSeries(source: Dataset, windowName: string, preset: PresetDescription | undefined): string {
  return seriesDescriptionFor({
    sourceDescription: typeof source.SeriesDescription === 'string' ? source.SeriesDescription : undefined,
    windowName,
    modelLabel: preset ? `UniMIE ${preset.modelId}` : undefined,
  });
}

export interface DerivationTextInput {
  window?: { name: string; center: number; width: number };
  windowName: string;
  preset?: PresetDescription;
  backgroundProtected: boolean;
  /** Output kind; `derived-grayscale` says how the values were mapped back. */
  outputKind?: string;
}

/**
 * Derivation Description (PS3.3 C.12.4.1.1, ST ≤ 1024): what was done, with which model (id,
 * version, hash), preset, steps and seed, and whether the background was copied from the input.
 */
export function derivationDescriptionFor(input: DerivationTextInput): string {
  const w = input.window
    ? `window ${input.window.name} (C ${round(input.window.center)} W ${round(input.window.width)})`
    : 'colour source (no window)';
  const parts = [`Rendered to 8-bit RGB with ${w}.`];
  if (input.preset) {
    const p = input.preset;
    parts.push(
      `Enhanced with UniMIE training-free diffusion: model ${p.modelId} ${p.modelVersion} sha256:${p.modelSha256.slice(0, 16)}, ` +
        `preset ${p.preset}, ${p.steps} steps, seed ${p.seed}.`,
    );
    if (input.backgroundProtected) parts.push('Background (dark region connected to the border) kept from the input.');
  } else {
    parts.push('No enhancement (render-only stage).');
  }
  if (input.outputKind === 'derived-grayscale') {
    parts.push("Stored as grayscale: luminance mapped back into the window's value range; values are not HU.");
  }
  parts.push('Not for primary diagnosis.');
  return parts.join(' ').slice(0, 1024);
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
