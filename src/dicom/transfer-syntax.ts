/** Transfer syntax UIDs (PS3.5 §10, PS3.6 Annex A). */
export const TransferSyntax = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  JpegExtended: '1.2.840.10008.1.2.4.51',
  JpegLossless: '1.2.840.10008.1.2.4.57',
  JpegLosslessSv1: '1.2.840.10008.1.2.4.70',
  JpegLsLossless: '1.2.840.10008.1.2.4.80',
  JpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  Jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  Jpeg2000: '1.2.840.10008.1.2.4.91',
  Jpeg2000Part2MultiComponentLossless: '1.2.840.10008.1.2.4.92',
  Jpeg2000Part2MultiComponent: '1.2.840.10008.1.2.4.93',
  JpipReferenced: '1.2.840.10008.1.2.4.94',
  Mpeg2MainProfile: '1.2.840.10008.1.2.4.100',
  Mpeg2MainProfileHighLevel: '1.2.840.10008.1.2.4.101',
  Mpeg4AvcHighProfile: '1.2.840.10008.1.2.4.102',
  Mpeg4AvcBdCompatibleHighProfile: '1.2.840.10008.1.2.4.103',
  Mpeg4AvcHighProfile2dVideo: '1.2.840.10008.1.2.4.104',
  Mpeg4AvcHighProfile3dVideo: '1.2.840.10008.1.2.4.105',
  Mpeg4AvcStereoHighProfile: '1.2.840.10008.1.2.4.106',
  HevcMainProfile: '1.2.840.10008.1.2.4.107',
  HevcMain10Profile: '1.2.840.10008.1.2.4.108',
  HtJpeg2000Lossless: '1.2.840.10008.1.2.4.201',
  HtJpeg2000RpclLossless: '1.2.840.10008.1.2.4.202',
  HtJpeg2000: '1.2.840.10008.1.2.4.203',
  RleLossless: '1.2.840.10008.1.2.5',
} as const;

/** PS3.6 Annex A names, for logs, the API and the conformance statement. */
export const TRANSFER_SYNTAX_NAMES: Readonly<Record<string, string>> = {
  [TransferSyntax.ImplicitVRLittleEndian]: 'Implicit VR Little Endian',
  [TransferSyntax.ExplicitVRLittleEndian]: 'Explicit VR Little Endian',
  [TransferSyntax.DeflatedExplicitVRLittleEndian]: 'Deflated Explicit VR Little Endian',
  [TransferSyntax.ExplicitVRBigEndian]: 'Explicit VR Big Endian (retired)',
  [TransferSyntax.JpegBaseline]: 'JPEG Baseline (Process 1)',
  [TransferSyntax.JpegExtended]: 'JPEG Extended (Process 2 & 4)',
  [TransferSyntax.JpegLossless]: 'JPEG Lossless, Non-Hierarchical (Process 14)',
  [TransferSyntax.JpegLosslessSv1]: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
  [TransferSyntax.JpegLsLossless]: 'JPEG-LS Lossless Image Compression',
  [TransferSyntax.JpegLsNearLossless]: 'JPEG-LS Lossy (Near-Lossless) Image Compression',
  [TransferSyntax.Jpeg2000Lossless]: 'JPEG 2000 Image Compression (Lossless Only)',
  [TransferSyntax.Jpeg2000]: 'JPEG 2000 Image Compression',
  [TransferSyntax.Jpeg2000Part2MultiComponentLossless]: 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)',
  [TransferSyntax.Jpeg2000Part2MultiComponent]: 'JPEG 2000 Part 2 Multi-component Image Compression',
  [TransferSyntax.JpipReferenced]: 'JPIP Referenced',
  [TransferSyntax.Mpeg2MainProfile]: 'MPEG2 Main Profile / Main Level',
  [TransferSyntax.Mpeg2MainProfileHighLevel]: 'MPEG2 Main Profile / High Level',
  [TransferSyntax.Mpeg4AvcHighProfile]: 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
  [TransferSyntax.Mpeg4AvcBdCompatibleHighProfile]: 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1',
  [TransferSyntax.Mpeg4AvcHighProfile2dVideo]: 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video',
  [TransferSyntax.Mpeg4AvcHighProfile3dVideo]: 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video',
  [TransferSyntax.Mpeg4AvcStereoHighProfile]: 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2',
  [TransferSyntax.HevcMainProfile]: 'HEVC/H.265 Main Profile / Level 5.1',
  [TransferSyntax.HevcMain10Profile]: 'HEVC/H.265 Main 10 Profile / Level 5.1',
  [TransferSyntax.HtJpeg2000Lossless]: 'High-Throughput JPEG 2000 Image Compression (Lossless Only)',
  [TransferSyntax.HtJpeg2000RpclLossless]: 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)',
  [TransferSyntax.HtJpeg2000]: 'High-Throughput JPEG 2000 Image Compression',
  [TransferSyntax.RleLossless]: 'RLE Lossless',
};

/** The PS3.6 name of a transfer syntax, or its UID when unknown. */
export function transferSyntaxName(uid: string): string {
  return TRANSFER_SYNTAX_NAMES[uid] ?? uid;
}

/** Native (uncompressed) syntaxes, decoded by dcmjs alone. */
export const NATIVE_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ExplicitVRBigEndian,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
];

export function isNativeTransferSyntax(uid: string): boolean {
  return NATIVE_TRANSFER_SYNTAXES.includes(uid);
}

/** Compressed syntaxes decoded with dcmjs-codecs (or our RLE decoder). */
const COMPRESSED_DECODABLE_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.RleLossless,
  TransferSyntax.JpegBaseline,
  TransferSyntax.JpegExtended,
  TransferSyntax.JpegLossless,
  TransferSyntax.JpegLosslessSv1,
  TransferSyntax.JpegLsLossless,
  TransferSyntax.JpegLsNearLossless,
  TransferSyntax.Jpeg2000Lossless,
  TransferSyntax.Jpeg2000,
  TransferSyntax.HtJpeg2000Lossless,
  TransferSyntax.HtJpeg2000RpclLossless,
  TransferSyntax.HtJpeg2000,
];

/**
 * Syntaxes whose pixel data the render stage can decode. An instance in any other accepted syntax
 * (video, JPEG 2000 Part 2) is stored and forwarded untouched but never processed.
 */
export const DECODABLE_TRANSFER_SYNTAXES: readonly string[] = [...NATIVE_TRANSFER_SYNTAXES, ...COMPRESSED_DECODABLE_TRANSFER_SYNTAXES];

/** MPEG-2, MPEG-4 AVC/H.264 and HEVC/H.265 video, in the order of their UIDs. */
export const VIDEO_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.Mpeg2MainProfile,
  TransferSyntax.Mpeg2MainProfileHighLevel,
  TransferSyntax.Mpeg4AvcHighProfile,
  TransferSyntax.Mpeg4AvcBdCompatibleHighProfile,
  TransferSyntax.Mpeg4AvcHighProfile2dVideo,
  TransferSyntax.Mpeg4AvcHighProfile3dVideo,
  TransferSyntax.Mpeg4AvcStereoHighProfile,
  TransferSyntax.HevcMainProfile,
  TransferSyntax.HevcMain10Profile,
];

/**
 * Accepted, stored, acknowledged and forwarded like any other object, but never decoded: the
 * node has no video or JPEG 2000 Part 2 decoder. Such instances are reported as
 * "stored, not processed: <syntax name> (<UID>)".
 */
export const STORED_ONLY_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.Jpeg2000Part2MultiComponentLossless,
  TransferSyntax.Jpeg2000Part2MultiComponent,
  ...VIDEO_TRANSFER_SYNTAXES,
];

/** Transfer syntaxes the node accepts from peers, native first (PS3.5 §10). */
export const ACCEPTED_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.ExplicitVRBigEndian,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
  ...COMPRESSED_DECODABLE_TRANSFER_SYNTAXES,
  ...STORED_ONLY_TRANSFER_SYNTAXES,
];

export function canDecodePixels(transferSyntaxUid: string): boolean {
  return DECODABLE_TRANSFER_SYNTAXES.includes(transferSyntaxUid);
}

/** The report for an instance whose pixel data this node does not decode. */
export function storedNotProcessed(transferSyntaxUid: string): string {
  return `stored, not processed: ${transferSyntaxName(transferSyntaxUid)} (${transferSyntaxUid})`;
}

/** Why an instance in this syntax is not processed, or undefined when it can be. */
export function notProcessedReason(transferSyntaxUid: string): string | undefined {
  return canDecodePixels(transferSyntaxUid) ? undefined : storedNotProcessed(transferSyntaxUid);
}
