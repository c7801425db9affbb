import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, TransientTransportError, errorMessage } from '../../shared/errors.js';
import { readPart10 } from '../../dicom/part10.js';
import type { ScuStoreOutcome } from '../../net/scu-outcome.js';
import type { ExportDestination, FolderExportDestination } from '../destination.js';
import type { DeliveryItem, Transport } from '../transport.js';

/** UIDs are digits and dots (PS3.5 9.1); anything else must not reach a path. */
function uidSegment(uid: unknown, what: string): string {
  if (typeof uid !== 'string' || !/^[0-9]+(\.[0-9]+)*$/.test(uid)) throw new Error(`${what} is not a valid UID`);
  return uid;
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Writes bytes to `target` atomically: temp file in the same folder, fsync, rename, fsync folder. */
async function writeAtomically(target: string, dir: string, bytes: Buffer): Promise<void> {
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  const h = await open(temp, 'wx');
  try {
    await h.writeFile(bytes);
    await h.sync();
  } catch (err) {
    await h.close();
    await rm(temp, { force: true });
    throw err;
  }
  await h.close();
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

async function deliverOne(dest: FolderExportDestination, item: DeliveryItem): Promise<ScuStoreOutcome> {
  let bytes: Buffer;
  let dir: string;
  try {
    bytes = await readFile(item.path);
    const sop = uidSegment(item.sopInstanceUid, 'SOP Instance UID');
    if ((dest.layout ?? 'study-series') === 'flat') {
      dir = dest.path;
    } else {
      const { dataset } = readPart10(bytes, { untilPixelData: true });
      dir = join(dest.path, uidSegment(dataset.StudyInstanceUID, 'Study Instance UID'), uidSegment(dataset.SeriesInstanceUID, 'Series Instance UID'));
    }
    item = { ...item, sopInstanceUid: sop };
  } catch (err) {
    // The source object itself is unusable: retrying will not change that.
    return { sopInstanceUid: item.sopInstanceUid, error: `cannot read ${item.path}: ${errorMessage(err)}`, permanent: true };
  }
  const target = join(dir, `${item.sopInstanceUid}.dcm`);
  try {
    const existing = await readFile(target).catch(() => undefined);
    if (existing && existing.equals(bytes)) return { sopInstanceUid: item.sopInstanceUid, status: 0 };
    await mkdir(dir, { recursive: true });
    await writeAtomically(target, dir, bytes);
    return { sopInstanceUid: item.sopInstanceUid, status: 0 };
  } catch (err) {
    // Disk full, share gone, permissions: a later attempt may succeed.
    return { sopInstanceUid: item.sopInstanceUid, error: `cannot write ${target}: ${errorMessage(err)}` };
  }
}

/**
 * Copies Part-10 files into a folder destination, laid out by study and series, each file written
 * atomically (never a partial file under its final name). An identical file already in place counts
 * as delivered. Outcome status 0x0000 means written and fsync'ed.
 */
export function createFolderTransport(): Transport {
  return {
    kind: 'folder',
    async send(dest: ExportDestination, items: DeliveryItem[]) {
      if (dest.kind !== 'folder') throw new ConfigError(`destination "${dest.name}" is not a folder destination`);
      try {
        await mkdir(dest.path, { recursive: true });
      } catch (err) {
        throw new TransientTransportError(`folder destination "${dest.name}" unavailable: ${errorMessage(err)}`, { cause: err });
      }
      const outcomes: ScuStoreOutcome[] = [];
      for (const item of items) outcomes.push(await deliverOne(dest, item));
      return outcomes;
    },
  };
}
