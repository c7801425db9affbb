import { errorMessage } from '../shared/errors.js';
import type { Db } from '../provenance/database.js';
import type { ApiDeps } from './api-deps.js';

/** One readiness condition and, when it fails, why. */
export interface ReadinessCheck {
  name: 'database' | 'disk' | 'models' | 'listeners';
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

/**
 * Whether the database accepts writes: the connection is open and not read-only, and the write
 * lock can be taken (BEGIN IMMEDIATE … ROLLBACK, which changes nothing). A closed handle, a
 * read-only file or a lock held past busy_timeout all fail.
 */
export function probeDatabaseWritable(db: Db): { ok: boolean; detail: string } {
  if (!db.open) return { ok: false, detail: 'database connection is closed' };
  if (db.readonly) return { ok: false, detail: 'database is open read-only' };
  try {
    db.transaction(() => undefined).immediate();
    return { ok: true, detail: 'writable' };
  } catch (err) {
    return { ok: false, detail: `database not writable: ${errorMessage(err)}` };
  }
}

/**
 * The node is ready when the database is writable, the spool volume has more free space than
 * `limits.minFreeDiskMb`, every model an enhancement preset names is loaded and every configured
 * DICOM listener is up. Each failing check names its reason.
 */
export async function checkReadiness(deps: Pick<ApiDeps, 'db' | 'config' | 'diskFree' | 'models' | 'listeners'>): Promise<Readiness> {
  const config = deps.config();
  const checks: ReadinessCheck[] = [];

  checks.push({ name: 'database', ...probeDatabaseWritable(deps.db) });

  const minFree = config.limits.minFreeDiskMb * 1024 * 1024;
  try {
    const { freeBytes } = await deps.diskFree();
    const ok = freeBytes >= minFree;
    checks.push({
      name: 'disk',
      ok,
      detail: `${mib(freeBytes)} MiB free, threshold ${config.limits.minFreeDiskMb} MiB`,
    });
  } catch (err) {
    checks.push({ name: 'disk', ok: false, detail: `cannot read free space: ${errorMessage(err)}` });
  }

  const wanted = [...new Set(Object.values(config.presets).map((p) => p.model))].sort();
  const models = new Map(deps.models().map((m) => [m.id, m]));
  const missing = wanted.filter((id) => !models.get(id)?.loaded);
  checks.push({
    name: 'models',
    ok: missing.length === 0,
    detail:
      wanted.length === 0
        ? 'no enhancement preset configured'
        : missing.length === 0
          ? `loaded: ${wanted.join(', ')}`
          : `not loaded: ${missing.map((id) => `${id}${models.get(id)?.problem ? ` (${models.get(id)!.problem})` : ''}`).join(', ')}`,
  });

  const status = new Map(deps.listeners().map((l) => [l.name, l]));
  const down = config.listeners.map((l) => l.name).filter((name) => !status.get(name)?.up);
  checks.push({
    name: 'listeners',
    ok: down.length === 0,
    detail: down.length === 0 ? `${config.listeners.length} up` : `down: ${down.join(', ')}`,
  });

  return { ready: checks.every((c) => c.ok), checks };
}

function mib(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}
