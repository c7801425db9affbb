import { CT_IMAGE_STORAGE, MR_IMAGE_STORAGE, VL_ENDOSCOPIC_IMAGE_STORAGE } from '../dicom/image-sop-classes.js';

/**
 * Storage SOP Classes whose IODs have no Multi-frame module. Referenced Frame Number shall not be
 * present for them (PS3.3 C.12.4 / Table 10-3, as dciodvfy checks) even if a non-conformant file
 * carries Number of Frames; the frame is then named in Derivation Description by the caller.
 */
export const SINGLE_FRAME_SOP_CLASSES = new Set([
  '1.2.840.10008.5.1.4.1.1.1', // CR
  CT_IMAGE_STORAGE,
  MR_IMAGE_STORAGE,
  '1.2.840.10008.5.1.4.1.1.7', // SC
  '1.2.840.10008.5.1.4.1.1.128', // PET
  '1.2.840.10008.5.1.4.1.1.6.1', // US
  VL_ENDOSCOPIC_IMAGE_STORAGE,
  '1.2.840.10008.5.1.4.1.1.77.1.4', // VL Photographic
]);
