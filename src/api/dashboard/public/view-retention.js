// @ts-check
import { apiJson } from './api.js';
import { badge, bytes, fill, h, message, table, when } from './dom.js';

/** A policy limit as text: `30 days`, `200 GB`, or `—` when unset. @param {number | null} v @param {string} unit */
const limit = (v, unit) => (v === null || v === undefined ? '—' : `${v} ${unit}`);

/** @param {any} r */
function foldersTable(r) {
  const p = r.policy;
  /** @param {string} f */
  const policyOf = (f) => (f === 'outbox' ? p.outbox : p[f]);
  return table(
    ['folder', 'max age', 'max size', 'units', 'files', 'size', 'kept (not finished or delivered)', 'a run now deletes'],
    r.folders.map((/** @type {any} */ f) => [
      f.folder === 'outbox' ? `outbox (${p.outbox.destinations.join(', ') || 'no destination listed'})` : f.folder,
      limit(policyOf(f.folder).maxAgeDays, 'days'),
      limit(policyOf(f.folder).maxSizeGb, 'GB'),
      f.units,
      f.files,
      bytes(f.bytes),
      Object.entries(f.blocked).map(([why, n]) => `${n} ${why}`).join(', ') || '',
      f.purgeUnits ? `${f.purgeUnits} (${bytes(f.purgeBytes)})` : '0',
    ]),
    'nothing held',
    { id: 'retention-folders' },
    r.folders.map((/** @type {any} */ f) => ({ 'data-folder': f.folder, 'data-purge': f.purgeUnits })),
  );
}

/** @param {any[]} items */
function itemsTable(items) {
  return table(
    ['folder', 'series / file', 'reason', 'last activity', 'files', 'size'],
    items.map((i) => [i.folder, h('span', { class: 'mono', title: i.files.join('\n') }, i.key), badge(i.reason), when(i.lastActivityAt), i.files.length, bytes(i.bytes)]),
    'nothing would be deleted now',
    { id: 'retention-items' },
  );
}

/** @param {any[]} runs */
function runsTable(runs) {
  return table(
    ['run', 'mode', 'started', 'files', 'size', 'rows', 'free after', 'error'],
    runs.map((r) => [`#${r.id}`, badge(r.mode), when(r.startedAt), r.files, bytes(r.bytes), r.rowsDeleted, r.freeBytesAfter === null ? '—' : bytes(r.freeBytesAfter), r.error ?? '']),
    'no run yet',
    { id: 'retention-runs' },
  );
}

/** Retention: the policy per folder, what a run would delete now (dry run) and the last runs. @type {import('./main.js').View} */
export async function renderRetention(main) {
  const r = await apiJson('/api/retention?limit=200');
  const e = r.emergency;
  const p = r.policy;
  fill(
    main,
    h('h1', {}, 'Retention'),
    message(
      r.active
        ? `Only what is finished and delivered is deleted. Free space: ${r.freeBytes === null ? '—' : bytes(r.freeBytes)}.`
        : 'Retention is off: no limit is set in node.yaml (retention:), so nothing is deleted.',
    ),
    h(
      'p',
      { id: 'retention-emergency', class: 'muted', 'data-triggered': e.triggered },
      p.emergency.enabled
        ? `Emergency purge: below ${p.emergency.startBelowFreeMb} MB free, the oldest delivered ${p.emergency.include.join(' and ')} go until ${p.emergency.purgeUntilFreeMb} MB are free` +
            (e.triggered ? ` — under pressure now${e.shortBytes ? `, ${bytes(e.shortBytes)} short` : ''}` : '')
        : 'Emergency purge: off.',
    ),
    foldersTable(r),
    h('h2', {}, `Dry run: what a run now would delete (${r.itemsTotal})`),
    itemsTable(r.items),
    r.rows ? h('p', { class: 'muted' }, `Database rows older than ${when(r.rowCutoff)}: ${Object.entries(r.rows).filter(([, n]) => n).map(([t, n]) => `${n} ${t}`).join(', ') || 'none'}.`) : '',
    h('h2', {}, 'Last runs'),
    runsTable(r.runs),
  );
}
