import type { ConfigIssue } from './config-issue.js';
import type { NodeFile } from './node-schema.js';
import type { Retention } from './retention-schema.js';
import type { YamlSource } from './yaml-source.js';

/**
 * Checks what the retention schema cannot: outbox destinations must name folder destinations, and
 * an enabled emergency purge must start above the free space at which the node refuses studies
 * (limits.minFreeDiskMb) and stop above where it starts.
 */
export function checkRetention(file: NodeFile, source: YamlSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const r: Retention = file.retention;
  r.outbox.destinations.forEach((name, i) => {
    const d = file.destinations[name];
    if (!d) issues.push(source.issue(['retention', 'outbox', 'destinations', i], `unknown destination '${name}' (destinations: ${Object.keys(file.destinations).join(', ') || 'none defined'})`));
    else if (d.kind !== 'folder') issues.push(source.issue(['retention', 'outbox', 'destinations', i], `'${name}' is a ${d.kind} destination; only folder destinations have files to delete`));
  });
  const e = r.emergency;
  if (e.enabled) {
    if (e.startBelowFreeMb <= file.limits.minFreeDiskMb) {
      issues.push(source.issue(['retention', 'emergency', 'startBelowFreeMb'], `must be above limits.minFreeDiskMb (${file.limits.minFreeDiskMb}): the purge has to start before the node refuses studies`));
    }
    if (e.purgeUntilFreeMb <= e.startBelowFreeMb) {
      issues.push(source.issue(['retention', 'emergency', 'purgeUntilFreeMb'], `must be above startBelowFreeMb (${e.startBelowFreeMb})`));
    }
  }
  return issues;
}
