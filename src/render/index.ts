// Modules outside render/ import the file that defines what they need. These re-exports remain
// for pipeline/stage-adapters.ts, pipeline/engine-enhancer.ts and scale/flow-results.ts until
// they do the same; then this file goes.
export { grayToRgb, rgbToGray } from './colour.js';
export { renderDicom } from './render-dicom.js';
export type { WindowSpec } from './voi-window.js';
