import { ACCEPTED_TRANSFER_SYNTAXES, TransferSyntax, VIDEO_TRANSFER_SYNTAXES } from '../dicom/transfer-syntax.js';

/**
 * The transfer syntaxes the dicom-dimse-native (2.6) store-only listener accepts, in its order of
 * preference: the list is compiled into the addon (RetrieveScp::acceptAssociation) and no option
 * changes it. When a presentation context proposes several, DCMTK accepts the first of this list
 * that was proposed (JPEG 2000 before Explicit VR Little Endian), not the caller's first choice.
 */
export const NATIVE_LISTENER_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntax.Jpeg2000,
  TransferSyntax.Jpeg2000Lossless,
  TransferSyntax.JpegExtended,
  TransferSyntax.JpegBaseline,
  TransferSyntax.JpegLosslessSv1,
  TransferSyntax.JpegLsNearLossless,
  TransferSyntax.JpegLsLossless,
  TransferSyntax.RleLossless,
  ...VIDEO_TRANSFER_SYNTAXES,
  TransferSyntax.DeflatedExplicitVRLittleEndian,
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ExplicitVRBigEndian,
  TransferSyntax.ImplicitVRLittleEndian,
];

/** Syntaxes the node accepts with the default transport that the native listener refuses. */
export const NATIVE_LISTENER_REFUSED_TRANSFER_SYNTAXES: readonly string[] = ACCEPTED_TRANSFER_SYNTAXES.filter(
  (ts) => !NATIVE_LISTENER_TRANSFER_SYNTAXES.includes(ts),
);
