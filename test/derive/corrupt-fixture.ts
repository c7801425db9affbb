import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An RLE Lossless copy of a DICOM file (DCMTK dcmcrle) whose RLE header claims an impossible
 * number of segments: a well-formed object that any receiver stores, whose pixels no decoder can
 * decode — the "corrupt compressed stream" of a real site.
 */
export function corruptRleCopy(path: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'corrupt-rle-'));
  try {
    const out = join(dir, 'rle.dcm');
    const r = spawnSync('dcmcrle', [path, out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`dcmcrle failed: ${r.stderr || r.error?.message}`);
    const bytes = readFileSync(out);
    // Second item of the encapsulated Pixel Data (the first is the Basic Offset Table): its first
    // four bytes are the RLE header's segment count (PS3.5 G.5).
    const item = Buffer.from([0xfe, 0xff, 0x00, 0xe0]);
    const first = bytes.indexOf(item, bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])));
    const second = bytes.indexOf(item, first + 8 + bytes.readUInt32LE(first + 4));
    if (first < 0 || second < 0) throw new Error('no encapsulated pixel data found');
    bytes.writeUInt32LE(13, second + 8);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
