import { MultiFrameScBuilder } from '../mf-sc-image.js';
import type { SeriesOutputKind } from '../output-kind.js';

/**
 * One Multi-frame True Color SC object per source series and window, with the geometry in
 * functional groups and the source Frame of Reference.
 */
export const mfScRgb: SeriesOutputKind = {
  name: 'mf-sc-rgb',
  assembly: 'series',
  buildSeries: (frames, options) => MultiFrameScBuilder.fromSources(frames, options),
};
