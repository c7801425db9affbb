import { fitText } from './dicom-text.js';

export const NOT_FOR_PRIMARY_DIAGNOSIS = 'NOT FOR PRIMARY DIAGNOSIS';

export interface SeriesDescriptionInput {
  sourceDescription?: string;
  windowName?: string;
  /** Model label such as "UniMIE v1"; absent for the render-only stage. */
  modelLabel?: string;
}

// ASCII " - " rather than an en dash: the derived object keeps the source's Specific Character
// Set, and an en dash is neither in the default repertoire nor in ISO_IR 100.
const SEP = ' - ';

/**
 * Series Description (LO, ≤ 64 chars) of a derived series:
 * `<source> - enhanced (<model>) - <window> - NOT FOR PRIMARY DIAGNOSIS`, or `rendered` for
 * render-only output. The warning is never cut: when the text is too long the source description
 * is shortened first, then the model label, then the window name.
 */
export function seriesDescriptionFor(input: SeriesDescriptionInput): string {
  const what = input.modelLabel ? `enhanced (${clean(input.modelLabel)})` : 'rendered';
  const parts = {
    source: clean(input.sourceDescription ?? ''),
    what,
    window: clean(input.windowName ?? ''),
  };
  const build = (): string =>
    [parts.source, parts.what, parts.window, NOT_FOR_PRIMARY_DIAGNOSIS].filter((p) => p.length > 0).join(SEP);
  const shorten = (key: 'source' | 'window'): void => {
    const excess = build().length - 64;
    if (excess <= 0) return;
    const current = parts[key];
    parts[key] = current.length - excess >= 4 ? current.slice(0, current.length - excess).trimEnd() : '';
  };
  shorten('source');
  if (build().length > 64) parts.what = input.modelLabel ? 'enhanced' : 'rendered';
  shorten('window');
  return fitText(build(), 'LO');
}

function clean(text: string): string {
  return fitText(text.trim(), 'LO');
}
