/** The Radon transform and filtered back-projection live in ../dicom/radon.ts. */
export type { RampWindow } from '../dicom/radon.js';
