import type { PerSliceOutputKind } from '../output-kind.js';
import { ScImageBuilder } from '../sc-image.js';

/** Secondary Capture RGB, one instance per source slice (the default; any source). */
export const scRgb: PerSliceOutputKind = {
  name: 'sc-rgb',
  assembly: 'per-slice',
  buildSlice: (slice, options) => ScImageBuilder.fromSource(slice.source, slice.image, { ...options, sourceFrameIndex: slice.sourceFrameIndex }),
};
