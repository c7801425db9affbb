import dcmjs from 'dcmjs';
import { ConformanceError } from '../shared/errors.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './implementation.js';
import { TransferSyntax } from './transfer-syntax.js';
import { quietDcmjs } from './dcmjs-quiet.js';
import { multipleCharsetsOf, withIso2022Decoding } from './charset-iso2022.js';

/** A keyword-keyed ("naturalized") data set, as dcmjs produces it: `ds.PatientID`, `ds.Rows`. */
export type Dataset = Record<string, unknown>;

export interface DicomFile {
  meta: Dataset;
  dataset: Dataset;
  transferSyntaxUid: string;
}

quietDcmjs();

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * Parses a Part-10 file (preamble + meta header + data set). Throws ConformanceError
 * (DIMSE 0xC000 family) on anything that is not readable DICOM.
 */
export function readPart10(bytes: Uint8Array, options: { untilPixelData?: boolean } = {}): DicomFile {
  let dict;
  const readOptions = options.untilPixelData ? { untilTag: '7FE00010', includeUntilTagValue: false } : {};
  try {
    try {
      dict = dcmjs.data.DicomMessage.readFile(toArrayBuffer(bytes), readOptions);
    } catch (err) {
      // Japanese / Korean code extensions (multi-valued Specific Character Set): decoded here.
      const charsets = multipleCharsetsOf(err);
      if (!charsets) throw err;
      dict = withIso2022Decoding(charsets, () =>
        dcmjs.data.DicomMessage.readFile(toArrayBuffer(bytes), { ...readOptions, ignoreErrors: true }),
      );
    }
  } catch (err) {
    throw new ConformanceError('PACS_E_NOT_DICOM', `not a readable DICOM Part-10 object: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta);
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  const ts = typeof meta.TransferSyntaxUID === 'string' ? meta.TransferSyntaxUID : '';
  if (!ts) throw new ConformanceError('PACS_E_NO_TRANSFER_SYNTAX', 'file meta information has no Transfer Syntax UID');
  return { meta, dataset, transferSyntaxUid: ts };
}

export interface WriteOptions {
  transferSyntaxUid?: string;
  sourceApplicationEntityTitle?: string;
}

/**
 * Serialises a naturalized data set as a Part-10 file with a fresh meta header written by this
 * implementation (PS3.10 §7.1). Default transfer syntax: Explicit VR Little Endian.
 */
export function writePart10(dataset: Dataset, options: WriteOptions = {}): Buffer {
  const sopClass = dataset.SOPClassUID;
  const sopInstance = dataset.SOPInstanceUID;
  if (typeof sopClass !== 'string' || typeof sopInstance !== 'string') {
    throw new ConformanceError('PACS_E_MISSING_UID', 'cannot write a data set without SOP Class and SOP Instance UID');
  }
  const meta: Dataset = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: sopInstance,
    TransferSyntaxUID: options.transferSyntaxUid ?? TransferSyntax.ExplicitVRLittleEndian,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
  if (options.sourceApplicationEntityTitle) meta.SourceApplicationEntityTitle = options.sourceApplicationEntityTitle;
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write());
}
