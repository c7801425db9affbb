import { readFile } from 'node:fs/promises';
import { collectFiles } from '../route/dry-run.js';
import { readPart10 } from '../dicom/part10.js';
import type { StoreItem } from '../net/types.js';

/** Every readable DICOM file under the given files/folders (recursive), as C-STORE items. */
export async function collectStoreItems(paths: readonly string[]): Promise<{ items: StoreItem[]; skipped: Array<{ path: string; why: string }> }> {
  const items: StoreItem[] = [];
  const skipped: Array<{ path: string; why: string }> = [];
  for (const file of await collectFiles(paths)) {
    try {
      const parsed = readPart10(await readFile(file), { untilPixelData: true });
      const sopClassUid = String(parsed.dataset.SOPClassUID ?? parsed.meta.MediaStorageSOPClassUID ?? '');
      const sopInstanceUid = String(parsed.dataset.SOPInstanceUID ?? parsed.meta.MediaStorageSOPInstanceUID ?? '');
      if (!sopClassUid || !sopInstanceUid) throw new Error('no SOP Class / Instance UID');
      items.push({ path: file, sopClassUid, sopInstanceUid, transferSyntaxUid: parsed.transferSyntaxUid });
    } catch (err) {
      skipped.push({ path: file, why: (err as Error).message });
    }
  }
  return { items, skipped };
}

/** Parses `AE@host:port`. */
export function parsePeer(text: string): { aeTitle: string; host: string; port: number } {
  const m = /^([^@]{1,16})@([^:]+):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new Error(`expected AE@host:port, got "${text}"`);
  return { aeTitle: m[1]!, host: m[2]!, port: Number(m[3]) };
}
