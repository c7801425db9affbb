/** The image Storage SOP Classes the node reads and builds by name (PS3.4 Annex B.5). */
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const ENHANCED_CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2.1';
export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
export const ENHANCED_MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4.1';
export const VL_ENDOSCOPIC_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.77.1.1';
