import { fitText } from './dicom-text.js';

export const NOT_FOR_PRIMARY_DIAGNOSIS = 'NOT FOR PRIMARY DIAGNOSIS';

export interface SeriesDescriptionInput {
  sourceDescription?: string;
  windowName?: string;
  /**
   * What produced the pixels, longest form first, each shorter one still true (e.g.
   * `enhanced (UniMIE embedded 3 NFE)`, `UniMIE 3 NFE`, `UniMIE`); absent for the render-only stage.
   */
  what?: readonly string[];
}

// ASCII " - " rather than an en dash: the derived object keeps the source's Specific Character
// Set, and an en dash is neither in the default repertoire nor in ISO_IR 100.
const SEP = ' - ';

/**
 * Series Description (LO, ≤ 64 chars) of a derived series:
 * `<source> - <what> - <window> - NOT FOR PRIMARY DIAGNOSIS`, `<what>` being `rendered` for
 * render-only output. The warning is never cut: when the text is too long the source description
 * is shortened first, then the shorter forms of `<what>` are tried in turn, then the window name.
 */
export function seriesDescriptionFor(input: SeriesDescriptionInput): string {
  const forms = (input.what ?? []).map(clean).filter((w) => w.length > 0);
  if (forms.length === 0) forms.push('rendered');
  const parts = {
    source: clean(input.sourceDescription ?? ''),
    what: forms[0]!,
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
  for (const form of forms.slice(1)) if (build().length > 64) parts.what = form;
  shorten('window');
  return fitText(build(), 'LO');
}

function clean(text: string): string {
  return fitText(text.trim(), 'LO');
}
