import type { RetentionReport } from './cleaner.js';

/** Bytes in the largest binary unit that keeps a number ≥ 1 (`512 B`, `1.5 MiB`). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** The CLI's text for a retention dry run or run: per folder, then each unit that goes (at most `limit`), then rows. */
export function formatRetentionReport(r: RetentionReport, opts: { limit?: number } = {}): string {
  const limit = opts.limit ?? 50;
  const lines: string[] = [];
  const verb = r.dryRun ? 'would delete' : 'deleted';
  if (!r.active) lines.push('retention: no limit is configured (retention: in node.yaml); nothing is deleted');
  if (r.freeBytes !== null) lines.push(`free space on the spool volume: ${formatBytes(r.freeBytes)}`);
  if (r.emergency.triggered) {
    lines.push(
      `disk pressure: emergency purge towards ${formatBytes(r.emergency.targetFreeBytes)} free` +
        (r.emergency.shortBytes > 0 ? `, ${formatBytes(r.emergency.shortBytes)} short (everything else is undelivered or excluded)` : ''),
    );
  }
  for (const f of r.folders) {
    const blocked = Object.entries(f.blocked).map(([why, n]) => `${n} ${why}`);
    lines.push(
      `${f.folder}: ${f.units} unit(s), ${f.files} file(s), ${formatBytes(f.bytes)}; ${verb} ${f.purgeUnits} (${formatBytes(f.purgeBytes)})` +
        (blocked.length ? `; kept: ${blocked.join(', ')}` : ''),
    );
  }
  for (const i of r.items.slice(0, limit)) {
    lines.push(`  ${i.reason.padEnd(13)} ${i.folder.padEnd(10)} ${i.key}  ${i.files.length} file(s) ${formatBytes(i.bytes)}  last activity ${new Date(i.lastActivityAt).toISOString()}`);
    for (const p of i.files.slice(0, 3)) lines.push(`      ${p}`);
    if (i.files.length > 3) lines.push(`      … ${i.files.length - 3} more`);
  }
  if (r.items.length > limit) lines.push(`  … ${r.items.length - limit} more unit(s) (--json lists every one)`);
  if (r.rows) {
    const rows = Object.entries(r.rows).filter(([, n]) => n > 0);
    lines.push(`database rows older than ${new Date(r.rowCutoff!).toISOString()}: ${rows.length ? rows.map(([t, n]) => `${n} ${t}`).join(', ') : 'none'} ${r.dryRun ? 'would go' : 'deleted'}`);
  }
  if (r.result) lines.push(`run ${r.result.runId}: ${r.result.units} unit(s), ${r.result.files} file(s), ${formatBytes(r.result.bytes)} deleted; ${r.result.skipped.length} skipped (changed since the inventory)`);
  for (const e of r.errors) lines.push(`error: ${e}`);
  if (r.dryRun) lines.push('dry run: nothing was deleted');
  return lines.join('\n');
}
