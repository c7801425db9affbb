import type { PerSliceOutputKind } from '../output-kind.js';
import { VlEndoscopicBuilder } from '../vl-endoscopic.js';

/** VL Endoscopic Image Storage, one instance per source frame (VL Endoscopic sources only). */
export const vlEndoscopic: PerSliceOutputKind = {
  name: 'vl-endoscopic',
  assembly: 'per-slice',
  modalities: ['ES'],
  buildSlice: (slice, options) => VlEndoscopicBuilder.fromSource(slice.source, slice.image, options),
};
