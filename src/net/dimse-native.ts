/**
 * The dicom-dimse-native adapters (DCMTK inside Node, optional dependency loaded on first use).
 * See dimse-native-scp.ts for the listener's conformance limits.
 */
export { createNativeScp, type NativeScpDeps } from './dimse-native-scp.js';
export { createNativeScu, type NativeStoreOutcome } from './dimse-native-scu.js';
export { isDimseNativeAvailable, loadDimseNative } from './dimse-native-module.js';
