import { describe, expect, it } from 'vitest';
import { ConfigValidationError } from './config-issue.js';
import { parseConfig } from './load.js';
// The destination kinds node.yaml may name are registered by the export stage.
import '../export/destination-kinds.js';

const NODE = `destinations:
  out: { kind: folder, path: ./out }
  pacs: { kind: dimse, aeTitle: ORTHANC, host: 127.0.0.1, port: 4242 }
limits: { minFreeDiskMb: 1024 }
`;
const RULES = 'rules:\n  - { name: default, default: true, actions: { drop: true } }\n';

function issuesOf(retention: string): string[] {
  try {
    parseConfig({ node: { file: '/cfg/node.yaml', text: `${NODE}retention:\n${retention}` }, rules: { file: '/cfg/rules.yaml', text: RULES } });
    return [];
  } catch (err) {
    if (err instanceof ConfigValidationError) return err.issues.map((i) => i.message);
    throw err;
  }
}

describe('retention config', () => {
  it('is off by default: no limit anywhere, emergency purge disabled', () => {
    const c = parseConfig({ node: { file: '/cfg/node.yaml', text: NODE }, rules: { file: '/cfg/rules.yaml', text: RULES } });
    expect(c.retention).toEqual({
      intervalMinutes: 60,
      originals: { maxAgeDays: null, maxSizeGb: null },
      derived: { maxAgeDays: null, maxSizeGb: null },
      outbox: { destinations: [], maxAgeDays: null, maxSizeGb: null },
      quarantine: { maxAgeDays: null, maxSizeGb: null },
      database: { maxAgeDays: null },
      emergency: { enabled: false, startBelowFreeMb: 2048, purgeUntilFreeMb: 4096, include: ['originals', 'derived'] },
    });
  });

  it('refuses outbox entries that are not folder destinations, and an emergency purge that would start too late', () => {
    expect(issuesOf('  outbox: { destinations: [out], maxAgeDays: 7 }\n  originals: { maxAgeDays: 30, maxSizeGb: 0.5 }')).toEqual([]);
    expect(issuesOf('  outbox: { destinations: [pacs, nope] }')).toEqual([
      expect.stringContaining("'pacs' is a dimse destination"),
      expect.stringContaining("unknown destination 'nope'"),
    ]);
    expect(issuesOf('  emergency: { enabled: true, startBelowFreeMb: 1000, purgeUntilFreeMb: 900 }')).toEqual([
      expect.stringContaining('must be above limits.minFreeDiskMb (1024)'),
      expect.stringContaining('must be above startBelowFreeMb (1000)'),
    ]);
    expect(issuesOf('  originals: { maxAgeDays: 0 }').length).toBe(1);
  });
});
