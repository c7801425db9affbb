/**
 * Identity of this implementation in DICOM objects and associations. The UID is UUID-derived
 * under the 2.25 root (PS3.5 B.2), so it needs no registered organisation root.
 */
export const IMPLEMENTATION_CLASS_UID = '2.25.162101582757806019673902618856609762930';
export const IMPLEMENTATION_VERSION_NAME = 'UNIMIE_NODE_010';
export const SOFTWARE_NAME = 'unimie-pacs-node';
export const SOFTWARE_VERSION = '0.1.0';
