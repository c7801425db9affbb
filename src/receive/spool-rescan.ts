import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { Spool } from '../spool/spool.js';
import type { InstanceReceiver } from './instance-receiver.js';

export interface SpoolRescan {
  /** Spooled files that had no row and were registered again from their own content. */
  registered: number;
  /** Files without a row holding bytes another row already has (left in place). */
  leftovers: number;
  /** Files without a row that could not be read or registered (left in place). */
  unreadable: number;
}

/**
 * Start-up rescan: every file under `studies/` without an `instances` row is registered again.
 * SQLite runs with synchronous=NORMAL, so after a power cut the last commits can be missing while
 * the files they describe (fsync'ed, with their directories, before the C-STORE was answered) are
 * there. The facts come from the file itself, as on receipt; the calling AE falls back to the
 * file meta's Source AE Title and the association is unknown. Oldest file first, so that of two
 * copies of one SOP Instance UID the later one ends up current, as it was.
 */
export async function rescanSpool(deps: { spool: Spool; receiver: InstanceReceiver; log: Logger }): Promise<SpoolRescan> {
  const result: SpoolRescan = { registered: 0, leftovers: 0, unreadable: 0 };
  const missing: Array<{ path: string; mtimeMs: number }> = [];
  for (const [series, files] of await deps.spool.instanceFiles()) {
    const known = deps.receiver.registeredPaths(series);
    for (const path of files) {
      if (known.has(path)) continue;
      const st = await stat(path).catch(() => undefined);
      if (st) missing.push({ path, mtimeMs: st.mtimeMs });
    }
  }
  missing.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
  for (const { path } of missing) {
    try {
      const bytes = await readFile(path);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const r = await deps.receiver.registerSpooled(path, bytes, sha256);
      if (r === undefined) result.unreadable++;
      else if (r.outcome === 'duplicate') result.leftovers++;
      else result.registered++;
    } catch (err) {
      deps.log.error({ err: errorMessage(err), path }, 'cannot register a spooled file without a row; left in place');
      result.unreadable++;
    }
  }
  if (missing.length > 0) deps.log.warn({ ...result }, 'spooled files without a row found after an unclean stop');
  return result;
}
