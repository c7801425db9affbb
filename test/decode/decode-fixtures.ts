import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePart10 } from '../../src/export/encode-transfer-syntax.js';
import { TransferSyntax } from '../../src/dicom/transfer-syntax.js';
import { pydicomData } from '../helpers/debian-fixtures.js';

export const PYDICOM_FILES = pydicomData('test_files');
const HERE = new URL('.', import.meta.url).pathname;

/** Where a matrix input comes from. */
export type Input =
  | { pydicom: string }
  /** Written by make_fixtures.py (uncompressed, numpy-built). */
  | { fixture: string }
  /** Made from another input by an external encoder (DCMTK, GDCM) or by our dcmjs-codecs encoder. */
  | { make: string; from: Input; tool: 'dcmcjpeg' | 'dcmcjpls' | 'dcmcrle' | 'gdcmconv' | 'dcmodify' | 'encodePart10'; args: string[] };

/**
 * The independent decoder: DCMTK or GDCM decompresses to a native file, which pydicom (numpy)
 * reads; `original` compares with the uncompressed file a lossless input was made from.
 */
/**
 * Who decodes the reference pixels: pydicom (native files), DCMTK or GDCM tools, OpenJPEG's
 * opj_decompress (HTJ2K: DCMTK 3.6.7 and GDCM 3.0.21 predate it, OpenJPEG 2.5.0 decodes it), or the
 * native file the input was encoded from.
 */
export type Reference = 'pydicom' | 'dcmdjpeg' | 'dcmdjpls' | 'dcmdrle' | 'gdcmconv' | 'opj_decompress' | { original: Input };

export function inputPath(input: Input, dir: string): string {
  if ('pydicom' in input) return join(PYDICOM_FILES, input.pydicom);
  if ('fixture' in input) return join(dir, input.fixture);
  return join(dir, input.make);
}

/** Builds a `make` input (after its source); idempotent within one folder. */
export async function buildInput(input: Input, dir: string, built: Set<string>): Promise<void> {
  if (!('make' in input) || built.has(input.make)) return;
  await buildInput(input.from, dir, built);
  const src = inputPath(input.from, dir);
  const out = join(dir, input.make);
  switch (input.tool) {
    case 'encodePart10':
      writeFileSync(out, await encodePart10(readFileSync(src), input.args[0]));
      break;
    case 'dcmodify':
      writeFileSync(out, readFileSync(src));
      execFileSync('dcmodify', ['-nb', ...input.args, out], { stdio: 'pipe' });
      break;
    case 'gdcmconv':
      execFileSync('gdcmconv', [...input.args, src, out], { stdio: 'pipe' });
      break;
    default:
      execFileSync(input.tool, [...input.args, src, out], { stdio: 'pipe' });
  }
  built.add(input.make);
}

/** Decompresses with the reference tool into `out` (a native file pydicom can read). */
export function referenceNative(ref: Reference, src: string, out: string, dir: string): string {
  if (ref === 'pydicom') return src;
  if (typeof ref === 'object') return inputPath(ref.original, dir);
  if (ref === 'opj_decompress') {
    execFileSync('/usr/bin/python3', [join(HERE, 'opj_reference.py'), src, out], { stdio: 'pipe' });
    return out;
  }
  const args = ref === 'gdcmconv' ? ['--raw', src, out] : [src, out];
  execFileSync(ref, args, { stdio: 'pipe' });
  return out;
}

export interface ReferencePixels {
  photometric: string;
  frames: number;
  samples: number;
  bitsStored: number;
  /** Stored values (or PALETTE COLOR → 16-bit RGB), frame by frame, colour-by-pixel. */
  values: Float64Array;
}

/** Runs reference_pixels.py once over many native files. */
export function pydicomReference(files: Array<{ src: string; raw: string }>): ReferencePixels[] {
  const args = files.flatMap((f) => [f.src, f.raw]);
  const out = execFileSync('/usr/bin/python3', [join(HERE, 'reference_pixels.py'), ...args], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Omit<ReferencePixels, 'values'>);
  return lines.map((info, i) => {
    const raw = readFileSync(files[i].raw);
    const ints = new BigInt64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
    return { ...info, values: Float64Array.from(ints, Number) };
  });
}

export function makeFixtures(dir: string): void {
  execFileSync('/usr/bin/python3', [join(HERE, 'make_fixtures.py'), dir], { stdio: 'pipe' });
}

export { TransferSyntax };
