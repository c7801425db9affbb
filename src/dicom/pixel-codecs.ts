import { createRequire } from 'node:module';
import codecs from 'dcmjs-codecs';
import type { PixelModule } from './pixel-module.js';
import { PixelDecodeError } from './pixel-errors.js';
import { TransferSyntax, transferSyntaxName } from './transfer-syntax.js';

/*
 * Compressed transfer syntaxes decoded through the dcmjs-codecs WebAssembly (JPEG baseline and
 * lossless SV1, JPEG-LS, JPEG 2000, HTJ2K). RLE is decoded by rle-decoder.ts. dcmjs-codecs 0.0.8
 * refuses the UIDs of JPEG Extended (.51) and JPEG Lossless process 14 (.57), but its libjpeg
 * decodes their streams (SOF1 8/12-bit, SOF3 any predictor): pixels.ts hands those over as .50/.70.
 */

let ready: Promise<void> | undefined;

/** WebAssembly.RuntimeError (a trap); the project's TypeScript libs declare no WebAssembly values. */
const WasmRuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } }).WebAssembly.RuntimeError;

/** Loads the codecs WebAssembly once per process; later calls share the same promise. */
export function initializeCodecs(): Promise<void> {
  if (!ready) {
    // dcmjs-codecs bundles its own dcmjs whose logger warns on every private tag.
    try {
      const require = createRequire(import.meta.url);
      const nested = require('dcmjs-codecs/node_modules/dcmjs') as { log?: { setLevel(l: string): void } };
      nested.log?.setLevel('error');
    } catch {
      // no nested copy: nothing to quiet
    }
    codecs.log.setLevel('error');
    ready = codecs.NativeCodecs.initializeAsync().catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
  }
  return ready;
}

/**
 * After a WebAssembly trap (e.g. "table index is out of bounds" on a corrupt JPEG 2000 stream)
 * the module's memory and tables are in an undefined state: later, valid frames fail too. Drop
 * the instance so the next call loads a fresh one. Returns whether `err` was such a trap.
 */
export function discardCodecsAfterTrap(err: unknown): boolean {
  if (!(err instanceof WasmRuntimeError)) return false;
  codecs.NativeCodecs.release();
  ready = undefined;
  return true;
}

export interface CodecFrame {
  /** Little-endian, colour-by-pixel bytes of the decoded frame. */
  bytes: Uint8Array;
  /** Photometric Interpretation after decoding (e.g. JPEG YBR_FULL_422 comes out as RGB). */
  photometricInterpretation: string;
}

/** The elements a dcmjs-codecs Transcoder needs to take one frame of `pm` from one syntax to another. */
export function transcoderElements(frame: Uint8Array, pm: PixelModule): Record<string, unknown> {
  const elements: Record<string, unknown> = {
    Rows: pm.Rows,
    Columns: pm.Columns,
    SamplesPerPixel: pm.SamplesPerPixel,
    BitsAllocated: pm.BitsAllocated,
    BitsStored: pm.BitsStored,
    HighBit: pm.HighBit,
    PixelRepresentation: pm.PixelRepresentation,
    PhotometricInterpretation: pm.PhotometricInterpretation,
    NumberOfFrames: 1,
    PixelData: [frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength)],
  };
  if (pm.SamplesPerPixel === 3) elements.PlanarConfiguration = pm.PlanarConfiguration;
  return elements;
}

/** The one frame a Transcoder produced and its Photometric Interpretation; undefined when it gave none. */
export function transcodedFrame(out: Record<string, unknown>, pm: PixelModule): { bytes: ArrayBuffer; photometricInterpretation: string } | undefined {
  const pd = out.PixelData;
  const first = Array.isArray(pd) ? pd[0] : pd;
  if (!(first instanceof ArrayBuffer)) return undefined;
  const photometric = typeof out.PhotometricInterpretation === 'string' ? out.PhotometricInterpretation : pm.PhotometricInterpretation;
  return { bytes: first, photometricInterpretation: photometric };
}

/** Decodes one compressed frame; throws PixelDecodeError (PACS_E_PIXEL_DECODE) with the codec's message. */
export async function decodeCodecFrame(frame: Uint8Array, pm: PixelModule, transferSyntaxUid: string): Promise<CodecFrame> {
  await initializeCodecs();
  let out: Record<string, unknown>;
  try {
    const transcoder = new codecs.Transcoder(transcoderElements(frame, pm), transferSyntaxUid);
    transcoder.transcode(codecs.constants.TransferSyntax.ExplicitVRLittleEndian);
    out = transcoder.getElements();
  } catch (err) {
    discardCodecsAfterTrap(err);
    throw new PixelDecodeError(`cannot decode ${transferSyntaxName(transferSyntaxUid)}: ${(err as Error).message}`, {
      transferSyntaxUid,
      cause: err,
    });
  }
  const decoded = transcodedFrame(out, pm);
  if (!decoded) {
    throw new PixelDecodeError(`codec for ${transferSyntaxName(transferSyntaxUid)} returned no pixel data`, { transferSyntaxUid });
  }
  return { bytes: new Uint8Array(decoded.bytes), photometricInterpretation: decoded.photometricInterpretation };
}

const SOI = [0xff, 0xd8];
const J2K_SOC = [0xff, 0x4f, 0xff, 0x51];
const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50];

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/**
 * Groups encapsulated fragments into frames (PS3.5 A.4). dcmjs already groups by the Basic
 * Offset Table when there is one; without it each fragment comes separately, so a frame starts
 * at a fragment that begins with a codestream start marker.
 */
export function groupFragments(fragments: Uint8Array[], frames: number, transferSyntaxUid: string): Uint8Array[] {
  if (fragments.length === frames) return fragments;
  if (frames === 1) return [concat(fragments)];
  if (transferSyntaxUid !== TransferSyntax.RleLossless && fragments.length > frames) {
    const grouped: Uint8Array[][] = [];
    for (const f of fragments) {
      const starts = startsWith(f, SOI) || startsWith(f, J2K_SOC) || startsWith(f, JP2_SIGNATURE);
      if (starts || grouped.length === 0) grouped.push([f]);
      else grouped[grouped.length - 1].push(f);
    }
    if (grouped.length === frames) return grouped.map(concat);
  }
  throw new PixelDecodeError(`encapsulated Pixel Data has ${fragments.length} fragments that do not form ${frames} frames`, {
    transferSyntaxUid,
    code: 'PACS_E_PIXEL_LENGTH',
  });
}
