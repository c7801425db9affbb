import { readFile, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isTransientFailure } from '../dicom/status.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { fsyncDirectory } from '../spool/durable-fs.js';
import type { IngestOutcome, InstanceReceiver } from './instance-receiver.js';

export interface InboxRecovery {
  /** Files taken in, by outcome (stored, duplicate, quarantined, …). */
  outcomes: Partial<Record<IngestOutcome, number>>;
  /** Files left in place for a later attempt (disk full, internal failure, unreadable). */
  kept: number;
}

export interface InboxRecoveryOptions {
  log: Logger;
  /** Called AE to record for adopted files (the DCMTK transport's listener). */
  calledAe?: string;
}

/**
 * Adopts files the DCMTK-based transport wrote into its inbox: each goes through the same
 * inspection, spool commit or quarantine as a C-STORE, and the source is deleted once the outcome
 * is final. Used on start-up (files a crash left behind) and by that transport after each store.
 * Files whose outcome is transient (0xA700, 0x0110) stay for the next run.
 */
export async function recoverInbox(
  receiver: InstanceReceiver,
  dir: string,
  opts: InboxRecoveryOptions,
): Promise<InboxRecovery> {
  const result: InboxRecovery = { outcomes: {}, kept: 0 };
  const files = await listFiles(dir);
  for (const file of files) {
    const outcome = await adoptFile(receiver, file, opts);
    if (outcome === undefined) result.kept++;
    else result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1;
  }
  if (files.length > 0) opts.log.info({ dir, files: files.length, ...result }, 'inbox recovered');
  return result;
}

/** Regular files under a directory (recursively), sorted by path; none when it does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? dir, e.name))
    .sort();
}

/** Takes one inbox file in and deletes it when done; undefined when it was left in place. */
export async function adoptFile(
  receiver: InstanceReceiver,
  file: string,
  opts: InboxRecoveryOptions,
): Promise<IngestOutcome | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    opts.log.error({ err: errorMessage(err), file }, 'cannot read an inbox file; left in place');
    return undefined;
  }
  const r = await receiver.ingest({ bytes, calledAe: opts.calledAe, associationId: null });
  if (isTransientFailure(r.status)) {
    opts.log.warn({ file, status: r.status, reasonCode: r.reasonCode }, 'inbox file not adopted yet; left in place');
    return undefined;
  }
  await rm(file, { force: true });
  await fsyncDirectory(dirname(file)).catch(() => undefined);
  return r.outcome;
}
