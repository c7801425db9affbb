// Modules outside render/ import the file that defines what they need. These re-exports remain
// for pipeline/stage-adapters.ts until it does the same; then this file goes.
export { renderDicom } from './render-dicom.js';
export type { WindowSpec } from './voi-window.js';
