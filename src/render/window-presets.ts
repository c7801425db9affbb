import type { Dataset } from '../dicom/part10.js';
import type { PixelModule } from '../dicom/pixel-module.js';
import { firstString, frameMacro, numbers } from './frame-attributes.js';
import type { VoiLutFunction, WindowSpec } from './voi-window.js';

/** Built-in CT windows in HU (center/width). */
export const CT_WINDOW_PRESETS: Readonly<Record<string, WindowSpec>> = {
  'soft-tissue': { name: 'soft-tissue', center: 40, width: 400, explanation: 'CT soft tissue' },
  lung: { name: 'lung', center: -600, width: 1500, explanation: 'CT lung' },
  bone: { name: 'bone', center: 400, width: 1800, explanation: 'CT bone' },
  brain: { name: 'brain', center: 40, width: 80, explanation: 'CT brain' },
};

/** Other spellings accepted for the built-in names. */
const ALIASES: Readonly<Record<string, string>> = {
  softtissue: 'soft-tissue',
  soft: 'soft-tissue',
  mediastinum: 'soft-tissue',
  abdomen: 'soft-tissue',
};

/** Names that pick the window from the data: the file's own, or a robust percentile window. */
export const DATA_WINDOW_NAMES = ['file', 'auto'] as const;

/** Lower-case, '_' and ' ' as '-', aliases resolved. */
export function normalizeWindowName(name: string): string {
  const n = name.trim().toLowerCase().replace(/[_\s]+/g, '-');
  return ALIASES[n.replace(/-/g, '')] ?? ALIASES[n] ?? n;
}

/** The built-in window names (CT presets, `file`, `auto`). */
export function builtInWindowNames(): string[] {
  return [...Object.keys(CT_WINDOW_PRESETS), ...DATA_WINDOW_NAMES];
}

/** Whether `name` resolves to a built-in or custom window (for validating routing config). */
export function isKnownWindowName(name: string, custom?: Record<string, WindowSpec>): boolean {
  if (custom?.[name] ?? custom?.[normalizeWindowName(name)]) return true;
  return builtInWindowNames().includes(normalizeWindowName(name));
}

const VOI_FUNCTIONS: readonly string[] = ['LINEAR', 'LINEAR_EXACT', 'SIGMOID'];

/**
 * The object's own window for one frame: Frame VOI LUT functional group for enhanced objects,
 * else Window Center/Width (first value of each, PS3.3 C.11.2.1.2). Undefined when absent.
 */
export function fileWindow(ds: Dataset, frameIndex = 0): Omit<WindowSpec, 'name'> | undefined {
  const source = frameMacro(ds, frameIndex, 'FrameVOILUTSequence') ?? ds;
  const center = numbers(source, 'WindowCenter')[0];
  const width = numbers(source, 'WindowWidth')[0];
  if (center === undefined || width === undefined || !(width > 0)) return undefined;
  const fn = firstString(source, 'VOILUTFunction') ?? firstString(ds, 'VOILUTFunction');
  const spec: Omit<WindowSpec, 'name'> = { center, width, explanation: 'window of the source object' };
  if (fn && VOI_FUNCTIONS.includes(fn)) spec.voiLutFunction = fn as VoiLutFunction;
  return spec;
}

/** Value at fraction q of a sorted array, linearly interpolated. */
function quantile(sorted: Float32Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** At most this many values are sorted for the percentile window (a strided sample beyond). */
const AUTO_SAMPLE = 1 << 16;

/**
 * Robust window from the 0.5th to the 99.5th percentile of the non-padding values (NaN =
 * padding, skipped). Width at least 1; center 0 / width 1 when every pixel is padding.
 */
export function autoWindow(values: ArrayLike<number>, lowQ = 0.005, highQ = 0.995): Omit<WindowSpec, 'name'> {
  const stride = Math.max(1, Math.ceil(values.length / AUTO_SAMPLE));
  const sample = new Float32Array(Math.ceil(values.length / stride));
  let n = 0;
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i];
    if (!Number.isNaN(v)) sample[n++] = v;
  }
  const explanation = `automatic ${lowQ * 100}–${highQ * 100} percentile window`;
  if (n === 0) return { center: 0, width: 1, explanation };
  const sorted = sample.subarray(0, n).sort();
  const lo = quantile(sorted, lowQ);
  const hi = quantile(sorted, highQ);
  return { center: (lo + hi) / 2, width: Math.max(hi - lo, 1), explanation };
}

/**
 * Chooses the window for one frame.
 * - A name in `custom` (config presets) wins and applies to any modality.
 * - CT presets (soft-tissue, lung, bone, brain) apply when Modality is CT. For MR and every other
 *   modality, where HU windows mean nothing, a CT preset name falls back to `file`, then `auto`.
 * - `file`: the object's Window Center/Width (first value), else `auto`.
 * - `auto`: 0.5–99.5 percentile of `frameValues`, the frame's modality values with padding as NaN.
 * The returned `name` is always the requested name; `explanation` says what was applied.
 * Throws RangeError for an unknown name.
 */
export function resolveWindow(
  ds: Dataset,
  pm: PixelModule,
  frameValues: ArrayLike<number>,
  name: string,
  custom?: Record<string, WindowSpec>,
  frameIndex = 0,
): WindowSpec {
  void pm; // part of the stable signature; the modality values already carry the pixel module's effect
  const customSpec = custom?.[name] ?? custom?.[normalizeWindowName(name)];
  if (customSpec) return { ...customSpec, name };
  const key = normalizeWindowName(name);
  const preset = CT_WINDOW_PRESETS[key];
  const modality = firstString(ds, 'Modality');
  if (preset && modality === 'CT') return { ...preset, name };
  if (!preset && !(DATA_WINDOW_NAMES as readonly string[]).includes(key)) {
    throw new RangeError(`unknown window preset "${name}" (known: ${builtInWindowNames().join(', ')}${custom ? `, ${Object.keys(custom).join(', ')}` : ''})`);
  }
  if (key !== 'auto') {
    const fromFile = fileWindow(ds, frameIndex);
    if (fromFile) {
      const note = preset ? `; ${name} is a CT preset, not used for ${modality ?? 'unknown modality'}` : '';
      return { ...fromFile, name, explanation: `${fromFile.explanation}${note}` };
    }
  }
  return { ...autoWindow(frameValues), name };
}
