import dcmjs from 'dcmjs';
import { ConformanceError } from '../shared/errors.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './implementation.js';
import { TransferSyntax } from './transfer-syntax.js';
import { quietDcmjs } from './dcmjs-quiet.js';
import { multipleCharsetsOf, withIso2022Decoding } from './charset-iso2022.js';
import { declaresUtf8, textEncoderFor, UnencodableTextError, UTF8_CHARACTER_SET, type TextEncodeFn } from './charset-encode.js';

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
  // dcmjs decodes the text and relabels the object ISO_IR 192; the declared set is kept, and
  // writePart10 encodes the text back into it.
  const declared = declaredCharacterSet(dict.dict);
  if (declared !== undefined) dataset.SpecificCharacterSet = declared;
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
  const encode = textEncoderFor(dataset.SpecificCharacterSet);
  if (encode) {
    try {
      return withTextEncoder(encode, () => writeUtf8Part10(dataset, options));
    } catch (err) {
      if (!(err instanceof UnencodableTextError)) throw err;
    }
  }
  // Text the declared set cannot carry (or a set with no encoder here): UTF-8, labelled so.
  const utf8 = encode || (dataset.SpecificCharacterSet !== undefined && !declaresUtf8(dataset.SpecificCharacterSet));
  return writeUtf8Part10(utf8 ? { ...dataset, SpecificCharacterSet: UTF8_CHARACTER_SET } : dataset, options);
}

/** The Specific Character Set as the file declared it (dcmjs keeps it as the raw value). */
function declaredCharacterSet(dict: Record<string, { _rawValue?: unknown; Value?: unknown[] }>): string | string[] | undefined {
  const el = dict['00080005'];
  if (!el) return undefined;
  const raw = Array.isArray(el._rawValue) ? el._rawValue : el.Value;
  if (!Array.isArray(raw)) return undefined;
  const values = raw.map((v) => (typeof v === 'string' ? v.trim() : ''));
  return values.length === 1 ? values[0] : values;
}

type WriteStreamProto = { writeUTF8String(this: WriteStream, value: string): number };
interface WriteStream {
  offset: number;
  checkSize(n: number): void;
  increment(n: number): number;
  view: { writeBuffer(bytes: Uint8Array, offset: number): void };
}

const writeStreamProto = (dcmjs.data as unknown as { WriteBufferStream: { prototype: WriteStreamProto } }).WriteBufferStream.prototype;

/**
 * Runs one synchronous dcmjs write with its text values encoded by `encode` instead of UTF-8.
 * Why a patch: dcmjs (0.52) writes every text value through WriteBufferStream.writeUTF8String with
 * a UTF-8 TextEncoder each stream creates for itself, and DicomDict.write takes no encoder and
 * builds its streams (nested ones too) internally, so no per-call option can change the encoding.
 * Why it is safe: the method is replaced only for the duration of `run`, which is synchronous (no
 * await, so nothing else runs meanwhile), and restored in `finally`; outside this window dcmjs is
 * untouched.
 */
function withTextEncoder<T>(encode: TextEncodeFn, run: () => T): T {
  const utf8 = writeStreamProto.writeUTF8String;
  writeStreamProto.writeUTF8String = function (this: WriteStream, value: string): number {
    const bytes = encode(value);
    this.checkSize(bytes.byteLength);
    this.view.writeBuffer(bytes, this.offset);
    return this.increment(bytes.byteLength);
  };
  try {
    return run();
  } finally {
    writeStreamProto.writeUTF8String = utf8;
  }
}

function writeUtf8Part10(dataset: Dataset, options: WriteOptions): Buffer {
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
